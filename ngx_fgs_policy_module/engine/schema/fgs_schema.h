
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The FunctionGraph API reference as a table: every documented field of
 * the code, config and create bodies with its type and fixed constraints
 * (docs/policy-language.md, "What a governed body must be").
 * fgs_schema_check() walks a scanned body once against it.
 */


#ifndef _FGS_SCHEMA_H_INCLUDED_
#define _FGS_SCHEMA_H_INCLUDED_


#include "core/fgs_common.h"
#include "json/fgs_json.h"


/*
 * Adds one violation (rule NULL) per problem found, every one of them,
 * not only the first.  Returns FGS_OK when the body conforms,
 * FGS_DECLINED when it added violations, FGS_ERROR when memory ran out.
 */
int fgs_schema_check(const fgs_json_doc_t *doc, fgs_op_e op,
    fgs_violations_t *out, fgs_alloc_t *a);


#endif /* _FGS_SCHEMA_H_INCLUDED_ */


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The body of every error the gateway returns (docs/errors.md):
 *
 *   {"error_code":"FGSPOL.4030","error_msg":"...","request_id":"...",
 *    "violations":[{"rule":"...","field":"...","message":"..."}]}
 *
 * Shared by the nginx module and the CLI.  Every string is JSON-escaped,
 * so nothing a request carries can break out of its string or start a
 * new line.  "violations" is always present (empty when there are
 * none); "rule" is null for a violation of the API reference, which no
 * policy rule raised.
 */


#ifndef _FGS_ERROR_H_INCLUDED_
#define _FGS_ERROR_H_INCLUDED_


#include "core/fgs_common.h"
#include "json/fgs_json.h"


/* the sentence of FGSPOL.5000: the gateway itself failed */
#define FGS_ERROR_INTERNAL_MSG                                                \
    "the gateway failed to check the request, so nothing was forwarded; "    \
    "retry, and tell the gateway's operator if it persists"


typedef struct {
    const char              *error_code;    /* "FGSPOL.4030" */
    const char              *error_msg;     /* one sentence */
    fgs_str_t                request_id;
    const fgs_violation_t   *violations;    /* a list, or NULL */
} fgs_error_t;


/* the exact size of the body fgs_error_write() writes */
size_t fgs_error_len(const fgs_error_t *e);

/* writes the body (one line, ending with '\n'); returns its end */
u_char *fgs_error_write(u_char *dst, const fgs_error_t *e);

/*
 * The error_msg sentences of the refusals before policy, one builder for
 * the module and the CLI so that both word them alike: a body the
 * scanner refused (FGSPOL.4000), and one the API reference refused
 * (FGSPOL.4000 for an ambiguous key, else 4001).  NULL when out of memory.
 */
char *fgs_error_scan_msg(fgs_alloc_t *a, const fgs_json_doc_t *doc);
char *fgs_error_schema_msg(fgs_alloc_t *a, const fgs_violations_t *v);
const char *fgs_error_schema_code(const fgs_violations_t *v);


#endif /* _FGS_ERROR_H_INCLUDED_ */

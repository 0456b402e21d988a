
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Which operation a request is, decided on its raw method and request
 * target exactly as the upstream will receive them
 * (docs/policy-language.md, "What it governs").
 */


#ifndef _FGS_TARGET_H_INCLUDED_
#define _FGS_TARGET_H_INCLUDED_


#include "core/fgs_common.h"
#include "core/fgs_api.h"


typedef enum {
    FGS_TARGET_PASS = 0,        /* not governed: reads, invocations, paths
                                   outside /v2/{project_id}/fgs/ */
    FGS_TARGET_GOVERN,          /* op is the operation, or other */
    FGS_TARGET_REJECT           /* 400 FGSPOL.4002 with error */
} fgs_target_result_e;


typedef struct {
    fgs_op_e        op;
    fgs_api_e       api;            /* the endpoint; FGS_API_NONE for
                                       "other" writes and what passes */
    fgs_str_t       project_id;     /* the path's project */
    fgs_str_t       urn;            /* the whole function_urn, or empty */
    fgs_str_t       region;         /* the URN's parts */
    fgs_str_t       package;
    fgs_str_t       name;
    fgs_str_t       version;        /* empty when the URN has none */
    fgs_str_t       path;           /* the target without its query */
    const char     *error;          /* FGS_TARGET_REJECT: one sentence */
} fgs_target_t;


/*
 * method and target are the raw bytes of the request line.  Every
 * fgs_str_t of t points into target.  Allocates nothing.
 */
fgs_target_result_e fgs_target_parse(fgs_target_t *t, const u_char *method,
    size_t method_len, const u_char *target, size_t target_len);


#endif /* _FGS_TARGET_H_INCLUDED_ */

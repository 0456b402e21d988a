
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The audit records of governed requests (ngx_http_fgs_policy_audit.c),
 * which go to the destinations that keep each worker's chain
 * (ngx_http_fgs_policy_audit_log.h).
 */


#ifndef _NGX_HTTP_FGS_POLICY_AUDIT_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_AUDIT_H_INCLUDED_


#include "ngx_http_fgs_policy_module.h"
#include "ngx_http_fgs_policy_audit_body.h"
#include "ngx_http_fgs_policy_audit_log.h"


/* what the audit keeps of a request, for its intent and its record */
struct ngx_http_fgs_policy_audit_req_s {
    ngx_http_fgs_policy_audit_body_t  body;

    fgs_audit_id_e            identity;
    ngx_str_t                 access_key;
    char                      token_sha256[FGS_SHA256_HEX_LEN + 1];
    char                      body_sha256[FGS_SHA256_HEX_LEN + 1];
    char                      forwarded_sha256[FGS_SHA256_HEX_LEN + 1];
    unsigned                  known:1;      /* identity and hashes */
    unsigned                  body_hashed:1;
    unsigned                  forwarded_hashed:1;
    unsigned                  intent:1;     /* the intent is written */
    unsigned                  done:1;       /* the record is written */
};


/* the request's, made on first use; NULL when out of memory */
ngx_http_fgs_policy_audit_req_t *ngx_http_fgs_policy_audit_req(
    ngx_http_request_t *r, ngx_http_fgs_policy_ctx_t *ctx);


#endif /* _NGX_HTTP_FGS_POLICY_AUDIT_H_INCLUDED_ */


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What the two halves of the audit share: the records of requests
 * (ngx_http_fgs_policy_audit.c) go to the destinations that keep each
 * worker's chain (ngx_http_fgs_policy_audit_log.c).
 */


#ifndef _NGX_HTTP_FGS_POLICY_AUDIT_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_AUDIT_H_INCLUDED_


#include "ngx_http_fgs_policy_module.h"
#include "ngx_http_fgs_policy_audit_body.h"
#include "audit/fgs_audit.h"


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


/*
 * The destination named by "fgs_policy_audit_log NAME [best_effort]": a
 * file or "syslog:server=...", one per name in the configuration, which
 * every mention must declare alike.  NULL on an error, logged.
 */
ngx_http_fgs_policy_audit_log_t *ngx_http_fgs_policy_audit_log_add(
    ngx_conf_t *cf, ngx_str_t *name, ngx_uint_t best_effort);

/*
 * Whether the destination carries the guarantee of "fgs_policy_audit_fail
 * closed": one declared best_effort does not, and a record it refuses
 * refuses no request.
 */
ngx_uint_t ngx_http_fgs_policy_audit_log_required(
    ngx_http_fgs_policy_audit_log_t *al);

/*
 * Writes rec as the next record of this worker's chain.  Returns NGX_OK
 * once the destination accepted the whole line (the file's write()
 * returned, the datagram was sent), or NGX_ERROR, after an alert at
 * most once a second per destination and a count in the metrics.  The
 * alert names the record by its request id, made only then.
 */
ngx_int_t ngx_http_fgs_policy_audit_write(ngx_http_fgs_policy_audit_log_t *al,
    fgs_audit_record_t *rec, ngx_log_t *log);


#endif /* _NGX_HTTP_FGS_POLICY_AUDIT_H_INCLUDED_ */

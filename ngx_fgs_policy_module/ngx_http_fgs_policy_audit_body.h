
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The SHA-256 of a governed body for its audit records, hashed as the
 * body arrives (ngx_http_fgs_policy_audit_body.c).  It knows bodies and
 * edits, not requests' contexts: the audit (ngx_http_fgs_policy_audit.c)
 * hands it the buffers and, once the body is decided, the body and its
 * edits.
 */


#ifndef _NGX_HTTP_FGS_POLICY_AUDIT_BODY_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_AUDIT_BODY_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "core/fgs_sha256.h"
#include "policy/fgs_policy.h"


/* a body's hash as it arrives; zeroed: nothing hashed yet */
typedef struct {
    fgs_sha256_t              sha;          /* of the bytes so far */
    off_t                     hashed;       /* how many */
    ngx_array_t              *marks;        /* the state every 256 KB */
    unsigned                  on:1;         /* being hashed */
    unsigned                  failed:1;     /* not as it arrived (a
                                               small body, or hashing
                                               stopped): the body is
                                               hashed whole instead */
} ngx_http_fgs_policy_audit_body_t;


/*
 * The buffers a request body filter is given, in order, before nginx
 * saves them.  Whether to hash as they arrive is decided at the first
 * buffer, from r's headers; the hash's state lives in r's pool.
 */
void ngx_http_fgs_policy_audit_body_update(ngx_http_request_t *r,
    ngx_http_fgs_policy_audit_body_t *ab, ngx_chain_t *in);

/*
 * The body's SHA-256 in hex (FGS_SHA256_HEX_LEN + 1 bytes) once it is
 * read whole into body: the hash made as it arrived when that covers it
 * all, else the body hashed now.  NGX_OK or NGX_ERROR.
 */
ngx_int_t ngx_http_fgs_policy_audit_body_sha256(
    ngx_http_fgs_policy_audit_body_t *ab, const u_char *body, size_t len,
    char *hex);

/*
 * The SHA-256 of the body with edits applied (sorted, disjoint, at least
 * one), from the last state kept before the first edit.  After
 * ngx_http_fgs_policy_audit_body_sha256().  NGX_OK or NGX_ERROR.
 */
ngx_int_t ngx_http_fgs_policy_audit_body_edited_sha256(
    ngx_http_fgs_policy_audit_body_t *ab, const u_char *body, size_t len,
    const fgs_edit_t *edits, uint32_t nedits, char *hex, ngx_log_t *log);


#endif /* _NGX_HTTP_FGS_POLICY_AUDIT_BODY_H_INCLUDED_ */

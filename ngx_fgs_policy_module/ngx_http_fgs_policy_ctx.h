
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The state of one request, as every part of the glue sees it: where it
 * is on its way (one state, below), the engine's verdict on it, and the
 * error it is answered with.  Its creation, its lookup and its rejection
 * are here, below the handlers, the filters, the audit and the metrics,
 * which all read it.
 */


#ifndef _NGX_HTTP_FGS_POLICY_CTX_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_CTX_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "request/fgs_request.h"

#include "ngx_http_fgs_policy_conf.h"
#include "ngx_http_fgs_policy_arena.h"


/*
 * A request's way through the module.  Every context starts SEEN; a
 * governed request goes on to PENDING (its body to be read in
 * PRECONTENT), READING, and then FORWARDED or REJECTED, which are final:
 * a request is decided once.  A request that is refused before its body
 * is read goes straight to REJECTED; an "other" write to FORWARDED or
 * REJECTED.  A context that stays SEEN was made by the error filter for
 * an error of nginx's on a path under the FunctionGraph API: no decision
 * was made, and if an error_page sends the request on, it is governed
 * then.
 */

typedef enum {
    NGX_HTTP_FGS_POLICY_SEEN = 0,
    NGX_HTTP_FGS_POLICY_PENDING,
    NGX_HTTP_FGS_POLICY_READING,
    NGX_HTTP_FGS_POLICY_FORWARDED,
    NGX_HTTP_FGS_POLICY_REJECTED
} ngx_http_fgs_policy_state_e;


/*
 * The per-request context.  It lives in a cleanup of the request's pool
 * so that it survives internal redirects (which zero r->ctx):
 * ngx_http_fgs_policy_get_ctx() finds it again there.  It exists only
 * for requests that concern the FunctionGraph API.  It holds all that is
 * known of the decision, for the variables and for an audit record
 * written once the response status is known.
 */

typedef struct {
    ngx_http_request_t       *request;
    ngx_http_fgs_policy_state_e  state;

    fgs_alloc_t               alloc;        /* the engine's memory: */
    ngx_http_fgs_policy_arena_t  arena;     /* from this arena */

    /*
     * What the scan and the checks work in, released as soon as the
     * request is decided (docs/performance.md, "Memory"): a decided
     * request holds only what alloc holds.
     */
    fgs_alloc_t               scan_alloc;
    ngx_http_fgs_policy_arena_t  scan_arena;

    /* the settings that govern the request, fixed when it is governed */
    ngx_http_fgs_policy_loc_conf_t  *conf;

    /* the request's facts and the engine's verdict on them */
    fgs_request_t             facts;
    fgs_verdict_t             verdict;

    off_t                     received;     /* body bytes read so far */

    /*
     * The body as one contiguous view, as read (docs/architecture.md,
     * "A request's path")
     */
    u_char                   *body;
    size_t                    body_len;
    void                     *map;          /* an mmap()ed temp file */
    size_t                    map_len;

    /* base64 runs found while a large body was read, for the scanner */
    fgs_base64_runs_t         runs;
    unsigned                  runs_on:1;

    size_t                    forwarded_len;    /* after a rewrite */

    /* the error the request is answered with, for the error filter */
    ngx_uint_t                err_status;
    const char               *err_code;
    const char               *err_msg;
    const fgs_violation_t    *err_violations;

    ngx_buf_t                *err_body;     /* the JSON that replaces
                                               nginx's page */
    const char               *sent_code;    /* its error_code, for the
                                               metrics */

    ngx_http_fgs_policy_audit_req_t  *audit;

    unsigned                  err_sent:1;   /* err_body went down */
    unsigned                  counted:1;    /* in the metrics */
} ngx_http_fgs_policy_ctx_t;


#define ngx_http_fgs_policy_decided(ctx)                                     \
    ((ctx)->state >= NGX_HTTP_FGS_POLICY_FORWARDED)


ngx_http_fgs_policy_ctx_t *ngx_http_fgs_policy_create_ctx(
    ngx_http_request_t *r);
ngx_http_fgs_policy_ctx_t *ngx_http_fgs_policy_get_ctx(ngx_http_request_t *r);

/*
 * Rejects the request: REJECTED, the error recorded for the error
 * filter, one line in the error log.  Returns status, for the caller to
 * finalize the request with.
 */
ngx_int_t ngx_http_fgs_policy_reject(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_uint_t status, const char *code,
    const char *msg, const fgs_violation_t *violations);

/* the engine's verdict to answer with (FGS_NEXT_ANSWER) */
ngx_int_t ngx_http_fgs_policy_answer(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);

/* 413 FGSPOL.4130: the body outgrew fgs_policy_max_body_size */
ngx_int_t ngx_http_fgs_policy_too_large(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);

/* 500 FGSPOL.5000: the gateway itself failed; what goes to the log */
ngx_int_t ngx_http_fgs_policy_internal_error(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, const char *what);


#endif /* _NGX_HTTP_FGS_POLICY_CTX_H_INCLUDED_ */

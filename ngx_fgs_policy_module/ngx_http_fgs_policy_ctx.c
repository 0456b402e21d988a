
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The per-request context (ngx_http_fgs_policy_ctx.h): made, found again
 * after internal redirects, and rejected, here only.
 */


#include "ngx_http_fgs_policy_ctx.h"
#include "request/fgs_error.h"


static void ngx_http_fgs_policy_cleanup(void *data);


/*
 * The context is the data of a cleanup of the request's pool, as the
 * realip module keeps its own: internal redirects and
 * ngx_http_filter_finalize_request() zero r->ctx, and the cleanup list is
 * where it is found again.  The cleanup itself gives the engine's memory
 * back.
 */

ngx_http_fgs_policy_ctx_t *
ngx_http_fgs_policy_create_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t         *cln;
    ngx_http_fgs_policy_ctx_t  *ctx;

    r = r->main;

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_fgs_policy_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_fgs_policy_ctx_t));

    ctx->request = r;
    ctx->state = NGX_HTTP_FGS_POLICY_SEEN;
    ctx->arena.pool = r->pool;
    ctx->alloc.alloc = ngx_http_fgs_policy_arena_alloc;
    ctx->alloc.data = &ctx->arena;
    ctx->alloc.free = ngx_http_fgs_policy_arena_free;
    ctx->scan_arena.pool = r->pool;
    ctx->scan_alloc.alloc = ngx_http_fgs_policy_arena_alloc;
    ctx->scan_alloc.data = &ctx->scan_arena;
    ctx->scan_alloc.free = ngx_http_fgs_policy_arena_free;
    ctx->verdict.op = FGS_OP_NONE;
    ctx->verdict.decision = FGS_DECISION_ERROR;

    cln->handler = ngx_http_fgs_policy_cleanup;

    ngx_http_set_ctx(r, ctx, ngx_http_fgs_policy_module);

    return ctx;
}


ngx_http_fgs_policy_ctx_t *
ngx_http_fgs_policy_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t         *cln;
    ngx_http_fgs_policy_ctx_t  *ctx;

    r = r->main;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fgs_policy_module);

    if (ctx == NULL && (r->internal || r->filter_finalize)) {

        for (cln = r->pool->cleanup; cln; cln = cln->next) {
            if (cln->handler == ngx_http_fgs_policy_cleanup) {
                ctx = cln->data;
                ngx_http_set_ctx(r, ctx, ngx_http_fgs_policy_module);
                break;
            }
        }
    }

    return ctx;
}


static void
ngx_http_fgs_policy_cleanup(void *data)
{
    ngx_http_fgs_policy_ctx_t  *ctx = data;

    ngx_http_fgs_policy_arena_release(&ctx->scan_arena);
    ngx_http_fgs_policy_arena_release(&ctx->arena);
}


/*
 * Records the rejection, writes one line to the error log and returns
 * the status for the caller to finalize the request with.  The line
 * holds the code and the sentence, JSON-escaped so that no byte of the
 * request can forge a line; it never holds the body or a credential
 * (the sentences never quote user_data, func_code.file or tokens).
 * Policy denials are logged at "warn", a compliance event; requests
 * that are malformed at "info", like nginx's own client errors; internal
 * failures at "error".
 */

ngx_int_t
ngx_http_fgs_policy_reject(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_uint_t status, const char *code,
    const char *msg, const fgs_violation_t *violations)
{
    u_char      *p, *last;
    size_t       len;
    ngx_uint_t   level;

    ctx->state = NGX_HTTP_FGS_POLICY_REJECTED;

    if (ctx->verdict.decision != FGS_DECISION_DENY) {
        ctx->verdict.decision = FGS_DECISION_ERROR;
    }

    ctx->err_status = status;
    ctx->err_code = code;
    ctx->err_msg = msg ? msg : "the request is refused";
    ctx->err_violations = violations;

    if (status >= NGX_HTTP_INTERNAL_SERVER_ERROR) {
        level = NGX_LOG_ERR;

    } else if (ctx->verdict.decision == FGS_DECISION_DENY) {
        level = NGX_LOG_WARN;

    } else {
        level = NGX_LOG_INFO;
    }

    if (status == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
        /* like nginx's own 413: let the client see the answer */
        r->lingering_close = 1;
    }

    if (r->connection->log->log_level < level) {
        return status;
    }

    len = ngx_min(ngx_strlen(ctx->err_msg), 2048);

    p = ngx_pnalloc(r->pool,
                    fgs_json_escape_len((const u_char *) ctx->err_msg, len));

    if (p == NULL) {
        return status;
    }

    last = fgs_json_escape(p, (const u_char *) ctx->err_msg, len);

    ngx_log_error(level, r->connection->log, 0,
                  "fgs_policy: %s request rejected with %ui %s: %*s",
                  ctx->verdict.op == FGS_OP_NONE
                  ? "a" : fgs_op_name(ctx->verdict.op),
                  status, code, last - p, p);

    return status;
}


ngx_int_t
ngx_http_fgs_policy_answer(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx)
{
    fgs_verdict_t  *v;

    v = &ctx->verdict;

    return ngx_http_fgs_policy_reject(r, ctx, v->status, v->error_code,
                                      v->error_msg, v->violations);
}


ngx_int_t
ngx_http_fgs_policy_internal_error(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, const char *what)
{
    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "fgs_policy: internal failure: %s", what);

    ctx->verdict.decision = FGS_DECISION_ERROR;

    return ngx_http_fgs_policy_reject(r, ctx,
                                      NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "FGSPOL.5000", FGS_ERROR_INTERNAL_MSG,
                                      NULL);
}


/* a body over fgs_policy_max_body_size, found while it is read */

ngx_int_t
ngx_http_fgs_policy_too_large(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx)
{
    if (fgs_request_too_large(&ctx->facts, &ctx->verdict, &ctx->alloc)
        != FGS_OK)
    {
        return ngx_http_fgs_policy_internal_error(r, ctx, "no memory");
    }

    return ngx_http_fgs_policy_answer(r, ctx);
}

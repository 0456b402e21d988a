
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The phase handlers: when each request meets the engine's pipeline
 * (engine/request/fgs_request.h).  fgs_request_begin() on the facts of
 * the request (ngx_http_fgs_policy_facts.c) decides whether it is
 * governed and makes the checks that need no body; the body is read;
 * fgs_request_body() decides on it; the context's state
 * (ngx_http_fgs_policy_ctx.h) records where the request is, so that
 * every later phase, pass or redirect acts on that one decision.
 *
 * Where a policy is set in http{} or server{}, a request is decided in
 * POST_READ, where r->loc_conf is still the server's: on its raw request
 * line, before any rewrite or location selection, so that no location
 * can exempt it ("fgs_policy off" or other settings in a location do not
 * apply to it; nginx -t warns).  Its target, method-override headers,
 * Content-Type, Content-Encoding and Content-Length are checked there,
 * and "other" writes are decided there.  The body itself is read and
 * checked in PRECONTENT, once the location is final, with the settings
 * recorded in POST_READ: as in plain nginx, access control (allow/deny,
 * auth_request, limit_req) runs before a body is read, and the
 * location's client_max_body_size, client_body_buffer_size and
 * client_body_temp_path apply to it.  Every location passes through
 * PRECONTENT before its content handler, and within the phase this
 * module's handler runs before try_files and mirror (a phase's handlers
 * run in the reverse order of their registration, and this module
 * registers after nginx's own), so nothing forwards the body unchecked.
 *
 * Where a policy is set only in a location, PRECONTENT does it all.
 *
 * A request is decided on its raw method and request target, the bytes
 * the client sent (r->method_name and r->unparsed_uri, or the whole
 * absolute-form target).  proxy_pass without a URI part forwards exactly
 * r->unparsed_uri, so the upstream receives what was decided on.  A
 * "rewrite" that changes r->uri, or a proxy_pass with a URI part, makes
 * nginx send r->uri instead: governance was still decided on what the
 * client sent, and such configurations should not rewrite governed paths.
 *
 * A request is governed at most once: the context that records the
 * decision outlives internal redirects (see ngx_http_fgs_policy_get_ctx),
 * and subrequests are never governed: they carry no body of their own,
 * and a subrequest that forwards the client's body (mirror) forwards
 * r->request_body, which is the checked, possibly rewritten, body.
 */


#include "ngx_http_fgs_policy_module.h"


static ngx_int_t ngx_http_fgs_policy_phase(ngx_http_request_t *r,
    ngx_uint_t read_body);
static ngx_int_t ngx_http_fgs_policy_resume(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_uint_t read_body);
static ngx_int_t ngx_http_fgs_policy_govern(ngx_http_request_t *r,
    ngx_http_fgs_policy_loc_conf_t *flcf, ngx_http_fgs_policy_ctx_t **pctx);
static ngx_int_t ngx_http_fgs_policy_read_body(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);
static void ngx_http_fgs_policy_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_fgs_policy_check_body(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);
static ngx_int_t ngx_http_fgs_policy_decide(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_int_t rc);


ngx_int_t
ngx_http_fgs_policy_post_read_handler(ngx_http_request_t *r)
{
    return ngx_http_fgs_policy_phase(r, 0);
}


ngx_int_t
ngx_http_fgs_policy_precontent_handler(ngx_http_request_t *r)
{
    return ngx_http_fgs_policy_phase(r, 1);
}


static ngx_int_t
ngx_http_fgs_policy_phase(ngx_http_request_t *r, ngx_uint_t read_body)
{
    ngx_int_t                        rc;
    ngx_http_fgs_policy_ctx_t       *ctx;
    ngx_http_fgs_policy_loc_conf_t  *flcf;

    if (r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_fgs_policy_get_ctx(r);

    if (ctx && ctx->state != NGX_HTTP_FGS_POLICY_SEEN) {
        return ngx_http_fgs_policy_resume(r, ctx, read_body);
    }

    /* no context, or one the error filter made for an error of nginx's */

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fgs_policy_module);

    if (flcf->file == NULL) {
        return NGX_DECLINED;
    }

    rc = ngx_http_fgs_policy_govern(r, flcf, &ctx);

    if (rc == NGX_DECLINED && read_body && ctx
        && ctx->state == NGX_HTTP_FGS_POLICY_PENDING)
    {
        return ngx_http_fgs_policy_read_body(r, ctx);
    }

    return rc;
}


/* a request this module has seen in an earlier phase or pass */

static ngx_int_t
ngx_http_fgs_policy_resume(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_uint_t read_body)
{
    switch (ctx->state) {

    case NGX_HTTP_FGS_POLICY_PENDING:
        return read_body ? ngx_http_fgs_policy_read_body(r, ctx)
                         : NGX_DECLINED;

    case NGX_HTTP_FGS_POLICY_READING:

        /*
         * The body was not read whole: nginx refused it (a bad chunk,
         * client_max_body_size) or the client went away, and nginx now
         * serves its error, maybe through an error_page that leads
         * here.  Such a request never goes on.
         */

        ctx->state = NGX_HTTP_FGS_POLICY_REJECTED;
        ctx->verdict.decision = FGS_DECISION_ERROR;
        ctx->err_status = (r->err_status >= NGX_HTTP_BAD_REQUEST)
                          ? r->err_status : NGX_HTTP_BAD_REQUEST;

        /* fall through */

    case NGX_HTTP_FGS_POLICY_REJECTED:

        /*
         * Again after an error_page redirect: a rejected request is
         * never forwarded, whatever error_page says; the second error is
         * answered without error_page (r->error_page is set), and the
         * error filter makes it JSON.
         */

        return ctx->err_status;

    default: /* NGX_HTTP_FGS_POLICY_FORWARDED */
        return NGX_DECLINED;
    }
}


/*
 * Decides whether the request is governed and makes the checks that
 * need no body.  Returns NGX_DECLINED to go on (*pctx is then NULL for a
 * request that is not governed, or has "pending" set when its body is
 * to be read), or the status it is rejected with.
 */

static ngx_int_t
ngx_http_fgs_policy_govern(ngx_http_request_t *r,
    ngx_http_fgs_policy_loc_conf_t *flcf, ngx_http_fgs_policy_ctx_t **pctx)
{
    int                         rc;
    fgs_alloc_t                 a;
    fgs_request_t               rq;
    fgs_verdict_t               v;
    ngx_http_fgs_policy_ctx_t  *ctx;

    ngx_http_fgs_policy_read_facts(r, flcf, &rq);

    /*
     * A request that is not governed gets no context: what the decision
     * needs before there is one (the sentence of a refusal, an "other"
     * write's evaluation) comes from the request's pool.
     */

    a.alloc = ngx_http_fgs_policy_pool_alloc;
    a.data = r->pool;
    a.free = NULL;

    rc = fgs_request_begin(&rq, &v, &a);

    if (rc == FGS_OK && v.next == FGS_NEXT_PASS) {
        return NGX_DECLINED;
    }

    ctx = *pctx;

    if (ctx == NULL) {
        ctx = ngx_http_fgs_policy_create_ctx(r);
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        *pctx = ctx;
    }

    ctx->conf = flcf;
    ctx->facts = rq;
    ctx->verdict = v;

    if (rc != FGS_OK) {
        return ngx_http_fgs_policy_internal_error(r, ctx,
                                                  v.failure ? v.failure
                                                            : "no memory");
    }

    if (r->err_status || r->error_page) {

        /*
         * nginx has already refused this request (a malformed header or
         * framing, found before the phases ran) and an error_page sends
         * it on to a location: a request that nginx could not read is
         * not forwarded to FunctionGraph.  ("error_page 400 = @x" zeroes
         * r->err_status; r->error_page tells, unless
         * recursive_error_pages is on.)
         */

        ctx->state = NGX_HTTP_FGS_POLICY_REJECTED;
        ctx->verdict.decision = FGS_DECISION_ERROR;
        ctx->err_status = (r->err_status >= NGX_HTTP_BAD_REQUEST)
                          ? r->err_status : NGX_HTTP_BAD_REQUEST;

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "fgs_policy: %s request refused by nginx with %ui "
                      "is not sent on by error_page",
                      fgs_op_name(ctx->verdict.op), ctx->err_status);

        return ctx->err_status;
    }

    switch (v.next) {

    case FGS_NEXT_BODY:
        ctx->state = NGX_HTTP_FGS_POLICY_PENDING;
        return NGX_DECLINED;

    case FGS_NEXT_FORWARD:
        /* an "other" write, allowed by other_writes */
        ctx->state = NGX_HTTP_FGS_POLICY_FORWARDED;
        return NGX_DECLINED;

    default: /* FGS_NEXT_ANSWER */
        return ngx_http_fgs_policy_answer(r, ctx);
    }
}


static ngx_int_t
ngx_http_fgs_policy_read_body(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx)
{
    ngx_int_t  rc;

    if (r->reading_body) {
        /* someone reads the body unbuffered: it cannot be checked whole */
        return ngx_http_fgs_policy_internal_error(r, ctx,
                                       "the body is already being streamed");
    }

    ctx->state = NGX_HTTP_FGS_POLICY_READING;

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_fgs_policy_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    /*
     * The body handler resumes the phases, from this handler, once the
     * body is read (perhaps already, within the call above).
     */

    ngx_http_finalize_request(r, NGX_DONE);
    return NGX_DONE;
}


/*
 * Called once the whole body is read.  The verdict is kept in the
 * context, and the phases resume from this module's handler, which
 * answers with it (mirror's pattern).
 */

static void
ngx_http_fgs_policy_body_handler(ngx_http_request_t *r)
{
    ngx_int_t                   rc;
    ngx_http_fgs_policy_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fgs_policy_module);

    rc = ngx_http_fgs_policy_check_body(r, ctx);

    (void) ngx_http_fgs_policy_decide(r, ctx, rc);

    /*
     * Decided, allowed or refused: what the scan and the checks worked in
     * goes now, not when the response has been sent (docs/performance.md,
     * "Memory").
     */

    ngx_http_fgs_policy_arena_release(&ctx->scan_arena);
    ngx_memzero(&ctx->verdict.doc, sizeof(fgs_json_doc_t));

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


/*
 * The body, read whole, through the engine: FGS_OK or FGS_ERROR as
 * fgs_request_body() returns, or the status it is rejected with when the
 * body cannot be had.
 */

static ngx_int_t
ngx_http_fgs_policy_check_body(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx)
{
    ngx_int_t  rc;

    rc = ngx_http_fgs_policy_body_view(r, ctx);

    if (rc == NGX_DECLINED) {
        /* read by another module, past this module's limit */
        return fgs_request_too_large(&ctx->facts, &ctx->verdict,
                                     &ctx->alloc);
    }

    if (rc != NGX_OK) {
        ctx->verdict.failure = "the body cannot be mapped";
        return FGS_ERROR;
    }

    /* exceptions expire at the time the request is decided */
    ctx->facts.now = ngx_time();

    return fgs_request_body(&ctx->facts, &ctx->verdict, ctx->body,
                            ctx->body_len, ctx->runs_on ? &ctx->runs : NULL,
                            &ctx->scan_alloc, &ctx->alloc);
}


/*
 * Acts on the verdict: FORWARDED with the body as read or rewritten, or
 * REJECTED with the verdict's answer.  Returns NGX_DECLINED, or the
 * status the request is rejected with.
 */

static ngx_int_t
ngx_http_fgs_policy_decide(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_int_t rc)
{
    fgs_verdict_t  *v;

    v = &ctx->verdict;

    if (rc != FGS_OK) {
        return ngx_http_fgs_policy_internal_error(r, ctx,
                                                  v->failure ? v->failure
                                                             : "no memory");
    }

    if (v->next == FGS_NEXT_ANSWER) {
        return ngx_http_fgs_policy_answer(r, ctx);
    }

    if (v->next != FGS_NEXT_FORWARD) {
        /* fail closed: a body that was read is forwarded or answered */
        return ngx_http_fgs_policy_internal_error(r, ctx,
                                          "the pipeline gave no verdict");
    }

    if (v->decision == FGS_DECISION_REWRITE) {

        if (ngx_http_fgs_policy_forward_edits(r, ctx) != NGX_OK) {
            return ngx_http_fgs_policy_internal_error(r, ctx,
                                       "the rewritten body cannot be built");
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fgs_policy: rewritten, %uz -> %uz bytes",
                       ctx->body_len, ctx->forwarded_len);
    }

    /* else forwarded byte for byte: r->request_body stays as nginx read it */

    ctx->state = NGX_HTTP_FGS_POLICY_FORWARDED;

    return NGX_DECLINED;
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The phase handlers: which requests are governed, the checks made
 * before the body is read, reading it, and the decision on it.
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
#include "fgs_error.h"


static ngx_int_t ngx_http_fgs_policy_phase(ngx_http_request_t *r,
    ngx_uint_t read_body);
static ngx_int_t ngx_http_fgs_policy_govern(ngx_http_request_t *r,
    ngx_http_fgs_policy_loc_conf_t *flcf, ngx_http_fgs_policy_ctx_t **pctx);
static ngx_int_t ngx_http_fgs_policy_check_headers(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_http_fgs_policy_headers_t *h);
static const char *ngx_http_fgs_policy_msg(ngx_http_request_t *r,
    const char *fmt, ...);
static ngx_int_t ngx_http_fgs_policy_read_body(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);
static void ngx_http_fgs_policy_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_fgs_policy_check_body(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);
static ngx_int_t ngx_http_fgs_policy_evaluate(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, const fgs_json_doc_t *doc);
static void ngx_http_fgs_policy_cleanup(void *data);


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

    if (ctx) {

        if (ctx->reading && !ctx->decided) {

            /*
             * The body was not read whole: nginx refused it (a bad
             * chunk, client_max_body_size) or the client went away, and
             * nginx now serves its error, maybe through an error_page
             * that leads here.  Such a request never goes on.
             */

            ctx->decided = 1;
            ctx->rejected = 1;
            ctx->decision = FGS_DECISION_ERROR;
            ctx->err_status = (r->err_status >= NGX_HTTP_BAD_REQUEST)
                              ? r->err_status : NGX_HTTP_BAD_REQUEST;
        }

        if (ctx->rejected) {
            /*
             * Again after an error_page redirect: a rejected request is
             * never forwarded, whatever error_page says; the second
             * error is answered without error_page (r->error_page is
             * set), and the error filter makes it JSON.
             */
            return ctx->err_status;
        }

        if (ctx->decided) {
            return NGX_DECLINED;
        }

        if (ctx->pending) {
            return read_body ? ngx_http_fgs_policy_read_body(r, ctx)
                             : NGX_DECLINED;
        }

        /* made by the error filter for an error of nginx's: govern now */
    }

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fgs_policy_module);

    if (flcf->file == NULL) {
        return NGX_DECLINED;
    }

    rc = ngx_http_fgs_policy_govern(r, flcf, &ctx);

    if (rc == NGX_DECLINED && read_body && ctx && ctx->pending) {
        return ngx_http_fgs_policy_read_body(r, ctx);
    }

    return rc;
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
    ngx_int_t                      rc;
    fgs_target_t                   t;
    fgs_target_result_e            res;
    ngx_http_fgs_policy_ctx_t     *ctx;
    ngx_http_fgs_policy_headers_t  h;

    res = ngx_http_fgs_policy_parse_target(r, &t);

    if (res == FGS_TARGET_PASS) {

        /*
         * Reads and invocations pass untouched, but not with a header
         * that makes an upstream read another method: that would turn a
         * GET into the PUT it did not check.
         */

        if (!ngx_http_fgs_policy_in_fgs_path(&t.path)) {
            return NGX_DECLINED;
        }
    }

    ngx_http_fgs_policy_read_headers(r, &h);

    if (res == FGS_TARGET_PASS && h.method_override == NULL) {
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
    ctx->target = t;
    ctx->op = t.op;
    ctx->max_body_size = flcf->max_body_size;

    if (r->err_status || r->error_page) {

        /*
         * nginx has already refused this request (a malformed header or
         * framing, found before the phases ran) and an error_page sends
         * it on to a location: a request that nginx could not read is
         * not forwarded to FunctionGraph.  ("error_page 400 = @x" zeroes
         * r->err_status; r->error_page tells, unless
         * recursive_error_pages is on.)
         */

        ctx->decided = 1;
        ctx->rejected = 1;
        ctx->err_status = (r->err_status >= NGX_HTTP_BAD_REQUEST)
                          ? r->err_status : NGX_HTTP_BAD_REQUEST;

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "fgs_policy: %s request refused by nginx with %ui "
                      "is not sent on by error_page",
                      fgs_op_name(ctx->op), ctx->err_status);

        return ctx->err_status;
    }

    if (res == FGS_TARGET_REJECT) {
        return ngx_http_fgs_policy_reject(r, ctx, NGX_HTTP_BAD_REQUEST,
                                          "FGSPOL.4002", t.error, NULL);
    }

#if (NGX_HTTP_V3)

    /*
     * HTTP/3 delivers the body through its own framing, which no test of
     * this module drives yet: until one does, a write over HTTP/3 is
     * refused rather than checked by a path nobody has seen work
     * (docs/security.md, "HTTP/3").  Reads pass as over HTTP/1.1 and
     * HTTP/2.
     */

    if (r->http_version == NGX_HTTP_VERSION_30) {
        return ngx_http_fgs_policy_reject(r, ctx,
                   NGX_HTTP_VERSION_NOT_SUPPORTED, "FGSPOL.5050",
                   "FunctionGraph writes are not accepted over HTTP/3 by "
                   "this gateway; send them over HTTP/1.1 or HTTP/2", NULL);
    }

#endif

    rc = ngx_http_fgs_policy_check_headers(r, ctx, &h);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ctx->op == FGS_OP_OTHER) {

        /* other writes are decided by "other_writes"; the body is not read */

        rc = ngx_http_fgs_policy_evaluate(r, ctx, NULL);
        ctx->decided = 1;

        return rc;
    }

    ctx->pending = 1;

    return NGX_DECLINED;
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

    ctx->pending = 0;
    ctx->reading = 1;

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
 * The raw request target: r->unparsed_uri, or for an absolute-form
 * target of HTTP/1.x ("PUT http://host/v2/... HTTP/1.1", where nginx sets
 * schema_start and keeps only the path in unparsed_uri) the whole of it,
 * so that the target check sees and refuses that form.  HTTP/2 has no
 * absolute form (:path) and never sets schema_start.
 */

fgs_target_result_e
ngx_http_fgs_policy_parse_target(ngx_http_request_t *r, fgs_target_t *t)
{
    u_char  *start, *end;

    start = r->unparsed_uri.data;
    end = r->unparsed_uri.data + r->unparsed_uri.len;

    if (r->schema_start && r->schema_start < start) {
        start = r->schema_start;
    }

    return fgs_target_parse(t, r->method_name.data, r->method_name.len,
                            start, end - start);
}


static ngx_int_t
ngx_http_fgs_policy_check_headers(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_http_fgs_policy_headers_t *h)
{
    ngx_str_t   *v;
    const char  *msg;

    if (h->method_override) {
        msg = ngx_http_fgs_policy_msg(r, "the %V header is not accepted on "
                                      "FunctionGraph API paths: an "
                                      "upstream could read another method "
                                      "than the one checked; send the real "
                                      "method instead",
                                      &h->method_override->key);

        return ngx_http_fgs_policy_reject(r, ctx, NGX_HTTP_BAD_REQUEST,
                                          "FGSPOL.4002", msg, NULL);
    }

    ctx->signed_body = (h->aksk && !h->unsigned_payload);

    if (ctx->op == FGS_OP_OTHER) {
        return NGX_OK;
    }

    if (h->content_types > 1) {
        return ngx_http_fgs_policy_reject(r, ctx,
                   NGX_HTTP_UNSUPPORTED_MEDIA_TYPE, "FGSPOL.4150",
                   "the request has more than one Content-Type header; send "
                   "exactly one: Content-Type: application/json", NULL);
    }

    if (r->headers_in.content_type == NULL) {
        return ngx_http_fgs_policy_reject(r, ctx,
                   NGX_HTTP_UNSUPPORTED_MEDIA_TYPE, "FGSPOL.4150",
                   "the request has no Content-Type; send the body as "
                   "Content-Type: application/json", NULL);
    }

    v = &r->headers_in.content_type->value;

    if (ngx_http_fgs_policy_json_type(v) != NGX_OK) {
        msg = ngx_http_fgs_policy_msg(r, "Content-Type \"%*s%s\" is not "
                                      "accepted; send the body as "
                                      "application/json (the only "
                                      "parameter allowed is charset=utf-8)",
                                      ngx_min(v->len, 64), v->data,
                                      v->len > 64 ? "..." : "");

        return ngx_http_fgs_policy_reject(r, ctx,
                                          NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                          "FGSPOL.4150", msg, NULL);
    }

    if (h->content_encoding) {
        v = &h->content_encoding->value;

        msg = ngx_http_fgs_policy_msg(r, "Content-Encoding \"%*s%s\" is not "
                                      "accepted; send the JSON body "
                                      "uncompressed",
                                      ngx_min(v->len, 64), v->data,
                                      v->len > 64 ? "..." : "");

        return ngx_http_fgs_policy_reject(r, ctx,
                                          NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                          "FGSPOL.4150", msg, NULL);
    }

    if (r->headers_in.content_length_n > ctx->max_body_size) {
        return ngx_http_fgs_policy_too_large(r, ctx);
    }

    return NGX_OK;
}


/*
 * A sentence of at most 255 bytes, with nginx's formats (%V, %*s);
 * a generic one when memory ran out, for the rejection still stands.
 */

static const char *
ngx_http_fgs_policy_msg(ngx_http_request_t *r, const char *fmt, ...)
{
    u_char   *p, *last;
    va_list   args;

    p = ngx_pnalloc(r->pool, 256);
    if (p == NULL) {
        return "the request is refused";
    }

    va_start(args, fmt);
    last = ngx_vslprintf(p, p + 255, fmt, args);
    va_end(args);

    *last = '\0';

    return (const char *) p;
}


/*
 * Called once the whole body is read.  The verdict is kept in the
 * context, and the phases resume from this module's handler, which
 * answers with it (mirror's pattern).
 */

static void
ngx_http_fgs_policy_body_handler(ngx_http_request_t *r)
{
    ngx_http_fgs_policy_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fgs_policy_module);

    (void) ngx_http_fgs_policy_check_body(r, ctx);

    /*
     * Decided, allowed or refused: what the scan and the checks worked in
     * goes now, not when the response has been sent (docs/performance.md,
     * "Memory").
     */

    ngx_http_fgs_policy_arena_release(&ctx->scan_arena);
    ngx_memzero(&ctx->doc, sizeof(fgs_json_doc_t));

    ctx->reading = 0;
    ctx->decided = 1;

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


/*
 * Returns NGX_DECLINED when the request goes on (with its body as read,
 * or rewritten), or the status it is rejected with.
 */

static ngx_int_t
ngx_http_fgs_policy_check_body(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx)
{
    int          rc;
    const char  *msg;

    rc = ngx_http_fgs_policy_body_view(r, ctx);

    if (rc == NGX_DECLINED) {
        /* read by another module, past this module's limit */
        return ngx_http_fgs_policy_too_large(r, ctx);
    }

    if (rc != NGX_OK) {
        return ngx_http_fgs_policy_internal_error(r, ctx,
                                                  "the body cannot be mapped");
    }

    if (ctx->body_len == 0) {
        return ngx_http_fgs_policy_reject(r, ctx, NGX_HTTP_BAD_REQUEST,
                   "FGSPOL.4000", "the request has no body; send one JSON "
                   "object", NULL);
    }

    rc = fgs_json_scan_runs(&ctx->doc, ctx->body, ctx->body_len,
                            ctx->runs_on ? &ctx->runs : NULL,
                            &ctx->scan_alloc);

    if (rc == FGS_DECLINED) {
        msg = fgs_error_scan_msg(&ctx->alloc, &ctx->doc);
        if (msg == NULL) {
            return ngx_http_fgs_policy_internal_error(r, ctx, "no memory");
        }

        return ngx_http_fgs_policy_reject(r, ctx, NGX_HTTP_BAD_REQUEST,
                                          "FGSPOL.4000", msg, NULL);
    }

    if (rc != FGS_OK) {
        return ngx_http_fgs_policy_internal_error(r, ctx,
                                                  "the JSON scanner failed");
    }

    fgs_violations_init(&ctx->schema);

    rc = fgs_schema_check(&ctx->doc, ctx->op, &ctx->schema,
                          &ctx->scan_alloc);

    if (rc == FGS_DECLINED && ctx->schema.n > 0) {
        msg = fgs_error_schema_msg(&ctx->alloc, &ctx->schema);

        /* the list outlives the scan's memory: it makes the answer */

        if (msg == NULL
            || fgs_violations_copy(&ctx->schema, &ctx->alloc) != FGS_OK)
        {
            return ngx_http_fgs_policy_internal_error(r, ctx, "no memory");
        }

        return ngx_http_fgs_policy_reject(r, ctx, NGX_HTTP_BAD_REQUEST,
                                          fgs_error_schema_code(&ctx->schema),
                                          msg, ctx->schema.head);
    }

    if (rc != FGS_OK) {
        return ngx_http_fgs_policy_internal_error(r, ctx,
                                                  "the schema check failed");
    }

    return ngx_http_fgs_policy_evaluate(r, ctx, &ctx->doc);
}


static ngx_int_t
ngx_http_fgs_policy_evaluate(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, const fgs_json_doc_t *doc)
{
    fgs_eval_t        *e;
    fgs_eval_input_t   in;

    ngx_memzero(&in, sizeof(fgs_eval_input_t));

    in.op = ctx->op;
    in.target = &ctx->target;
    in.doc = doc;
    in.mode = (fgs_mode_e) ctx->conf->mode;
    in.now = ngx_time();
    in.signed_body = ctx->signed_body;

    e = &ctx->eval;

    if (fgs_policy_eval(ctx->conf->file->policy, &in, e, &ctx->scan_alloc)
        != FGS_OK
        || fgs_eval_keep(e, &ctx->alloc) != FGS_OK)
    {
        return ngx_http_fgs_policy_internal_error(r, ctx,
                                                  "the policy failed");
    }

    ctx->evaluated = 1;
    ctx->decision = e->decision;

    switch (e->decision) {

    case FGS_DECISION_ALLOW:
    case FGS_DECISION_AUDIT:
        /* forwarded byte for byte: r->request_body stays as nginx read it */
        return NGX_DECLINED;

    case FGS_DECISION_REWRITE:

        if (doc == NULL
            || ngx_http_fgs_policy_forward_edits(r, ctx) != NGX_OK)
        {
            return ngx_http_fgs_policy_internal_error(r, ctx,
                                       "the rewritten body cannot be built");
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fgs_policy: rewritten, %uz -> %uz bytes",
                       ctx->body_len, ctx->forwarded_len);

        return NGX_DECLINED;

    case FGS_DECISION_DENY:

        if (e->status < NGX_HTTP_BAD_REQUEST || e->status > 599
            || e->error_code == NULL)
        {
            break;
        }

        return ngx_http_fgs_policy_reject(r, ctx, e->status, e->error_code,
                                          e->error_msg, e->violations.head);

    default:
        break;
    }

    return ngx_http_fgs_policy_internal_error(r, ctx,
                                      "the policy gave no usable decision");
}


/*
 * The context is the data of a cleanup of the request's pool, as the
 * realip module keeps its own: internal redirects and
 * ngx_http_filter_finalize_request() zero r->ctx, and the cleanup list is
 * where it is found again.  The cleanup itself unmaps the temp file view
 * and gives the engine's memory back.
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
    ctx->arena.pool = r->pool;
    ctx->alloc.alloc = ngx_http_fgs_policy_arena_alloc;
    ctx->alloc.data = &ctx->arena;
    ctx->alloc.free = ngx_http_fgs_policy_arena_free;
    ctx->scan_arena.pool = r->pool;
    ctx->scan_alloc.alloc = ngx_http_fgs_policy_arena_alloc;
    ctx->scan_alloc.data = &ctx->scan_arena;
    ctx->scan_alloc.free = ngx_http_fgs_policy_arena_free;
    ctx->op = FGS_OP_NONE;
    ctx->decision = FGS_DECISION_ERROR;

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

    ngx_http_fgs_policy_unmap(ctx);
    ngx_http_fgs_policy_arena_release(&ctx->scan_arena);
    ngx_http_fgs_policy_arena_release(&ctx->arena);
}


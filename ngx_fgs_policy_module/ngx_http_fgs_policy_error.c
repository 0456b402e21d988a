
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Errors on governed paths, always as the JSON of docs/errors.md.
 *
 * A rejection does not write a response itself: it records its status,
 * code, sentence and violations in the context and returns the status,
 * which nginx finalizes as a special response (discarding an unread
 * body without "100 Continue", closing after a 400 or a 413, serving
 * HEAD).  A header filter and a body filter then replace nginx's HTML
 * page with the JSON body.  nginx's own errors on a governed request
 * (a bad chunked body, client_max_body_size, a 500, a 502 or 504 when
 * the upstream is down or slow) take the same way with a code of their
 * own.  Responses that the upstream sent (FunctionGraph's own errors)
 * never set r->err_status and pass untouched.
 *
 * nginx's own errors map, by status, to:
 *
 *   400 FGSPOL.4000   a malformed request (framing, headers)
 *   403 FGSPOL.4032   refused by the gateway's access rules, not by the
 *                     policy (FGSPOL.4030 is the policy's)
 *   413 FGSPOL.4130   client_max_body_size
 *   415 FGSPOL.4150
 *   500 FGSPOL.5000
 *   502 FGSPOL.5020   the FunctionGraph endpoint could not be reached
 *   503 FGSPOL.5031   limit_req / limit_conn (FGSPOL.5030 is the audit's)
 *   504 FGSPOL.5040   the FunctionGraph endpoint did not answer in time
 *   any other status s: FGSPOL.<s>0.
 */


#include "ngx_http_fgs_policy_module.h"
#include "ngx_http_fgs_policy_request_id.h"
#include "request/fgs_error.h"


typedef struct {
    ngx_uint_t     status;
    const char    *code;
    const char    *msg;
} ngx_http_fgs_policy_status_t;


static ngx_http_fgs_policy_ctx_t *ngx_http_fgs_policy_error_ctx(
    ngx_http_request_t *r);
static void ngx_http_fgs_policy_nginx_error(ngx_http_request_t *r,
    ngx_uint_t status, const char **code, const char **msg);
static ngx_int_t ngx_http_fgs_policy_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_fgs_policy_error_body(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_uint_t status);
static ngx_int_t ngx_http_fgs_policy_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


/*
 * The gateway's request id on every governed answer: FunctionGraph's own
 * X-Request-Id passes through on a forwarded answer, so the gateway's
 * has a header of its own (docs/errors.md, "Request ids").
 */
static ngx_str_t  ngx_http_fgs_policy_id_name =
    ngx_string("X-Fgs-Policy-Request-Id");
static ngx_str_t  ngx_http_fgs_policy_sdk_id_name =
    ngx_string("X-Request-Id");


static ngx_http_fgs_policy_status_t  ngx_http_fgs_policy_statuses[] = {

    { NGX_HTTP_BAD_REQUEST, "FGSPOL.4000",
      "the request is malformed (for example an invalid chunked body or "
      "a duplicate header); send one well-formed HTTP request" },

    { NGX_HTTP_FORBIDDEN, "FGSPOL.4032",
      "the gateway's access rules refuse this request; ask the gateway's "
      "operator for access" },

    { NGX_HTTP_NOT_FOUND, "FGSPOL.4040",
      "the gateway has no route for this path; check the endpoint" },

    { NGX_HTTP_NOT_ALLOWED, "FGSPOL.4050",
      "the gateway does not accept this method here" },

    { NGX_HTTP_REQUEST_TIME_OUT, "FGSPOL.4080",
      "the request was not received in time; send it again" },

    { NGX_HTTP_LENGTH_REQUIRED, "FGSPOL.4110",
      "the request needs a Content-Length or a chunked body" },

    { NGX_HTTP_REQUEST_ENTITY_TOO_LARGE, "FGSPOL.4130",
      "the body is larger than the gateway accepts "
      "(client_max_body_size)" },

    { NGX_HTTP_REQUEST_URI_TOO_LARGE, "FGSPOL.4140",
      "the request target is too long" },

    { NGX_HTTP_UNSUPPORTED_MEDIA_TYPE, "FGSPOL.4150",
      "the body's media type is not accepted; send application/json" },

    { NGX_HTTP_TOO_MANY_REQUESTS, "FGSPOL.4290",
      "too many requests; retry later" },

    { NGX_HTTP_INTERNAL_SERVER_ERROR, "FGSPOL.5000",
      "the gateway failed internally; retry, and tell its operator if it "
      "persists" },

    { NGX_HTTP_NOT_IMPLEMENTED, "FGSPOL.5010",
      "the gateway does not implement what the request asks (for "
      "example a Transfer-Encoding other than chunked)" },

    { NGX_HTTP_BAD_GATEWAY, "FGSPOL.5020",
      "the FunctionGraph endpoint could not be reached or sent an invalid "
      "response; retry later" },

    { NGX_HTTP_SERVICE_UNAVAILABLE, "FGSPOL.5031",
      "the gateway is overloaded or limits requests; retry later" },

    { NGX_HTTP_GATEWAY_TIME_OUT, "FGSPOL.5040",
      "the FunctionGraph endpoint did not answer in time; retry later" },

    { 0, NULL, NULL }
};


ngx_int_t
ngx_http_fgs_policy_error_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_fgs_policy_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_fgs_policy_body_filter;

    return NGX_OK;
}


/*
 * Replaces nginx's special response (r->err_status >= 400) on a governed
 * request with the JSON error, and an upstream answer that is not HTTP
 * with a 502.
 */

static ngx_int_t
ngx_http_fgs_policy_header_filter(ngx_http_request_t *r)
{
    ngx_uint_t                  status;
    ngx_http_variable_value_t  *vv;
    ngx_http_fgs_policy_ctx_t  *ctx;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_fgs_policy_get_ctx(r);

    if (r->err_status >= NGX_HTTP_BAD_REQUEST) {
        status = r->err_status;

    } else if (r->upstream && r->http_version == NGX_HTTP_VERSION_9
               && r->http_major >= 1)
    {
        /*
         * The upstream answered bytes that are not HTTP: the proxy module
         * relays them raw, as an HTTP/0.9 response without a status line,
         * to a client that spoke HTTP/1.x.  On a governed request that is
         * a bad gateway.
         */
        status = NGX_HTTP_BAD_GATEWAY;

    } else {
        /* a forwarded answer of a governed request: the gateway's id */

        if (ctx != NULL
            && ngx_http_fgs_policy_id_header(r, &ngx_http_fgs_policy_id_name,
                                             &vv)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        return ngx_http_next_header_filter(r);
    }

    if (ctx == NULL) {
        ctx = ngx_http_fgs_policy_error_ctx(r);

        if (ctx == NULL) {
            return ngx_http_next_header_filter(r);
        }
    }

    if (status != r->err_status) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fgs_policy: the upstream's answer is not HTTP, "
                      "sent 502 instead");

        r->http_version = r->http_major * 1000 + r->http_minor;
        r->headers_out.status = status;
        r->headers_out.status_line.len = 0;
        r->keepalive = 0;
    }

    if (ngx_http_fgs_policy_error_body(r, ctx, status) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_next_header_filter(r);
}


/*
 * The JSON error in place of nginx's page: the rejection's own, or the
 * one of nginx's status, with the request id in the body and in both
 * id headers, and the headers that described nginx's page dropped.
 */

static ngx_int_t
ngx_http_fgs_policy_error_body(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_uint_t status)
{
    size_t                      len;
    ngx_buf_t                  *b;
    fgs_error_t                 e;
    ngx_http_variable_value_t  *vv;

    if (ctx->err_code && ctx->err_status == status) {
        e.error_code = ctx->err_code;
        e.error_msg = ctx->err_msg;
        e.violations = ctx->err_violations;

    } else {
        ngx_http_fgs_policy_nginx_error(r, status, &e.error_code,
                                        &e.error_msg);
        e.violations = NULL;

        if (e.error_code == NULL) {
            return NGX_ERROR;
        }
    }

    e.request_id.len = 0;
    e.request_id.data = NULL;

    /*
     * FunctionGraph's SDKs report the request id of an error from
     * X-Request-Id, not from the body; X-Fgs-Policy-Request-Id is on
     * every governed answer, forwarded or not.
     */

    if (ngx_http_fgs_policy_id_header(r, &ngx_http_fgs_policy_sdk_id_name,
                                      &vv)
        != NGX_OK
        || ngx_http_fgs_policy_id_header(r, &ngx_http_fgs_policy_id_name,
                                         &vv)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (vv != NULL) {
        e.request_id.len = vv->len;
        e.request_id.data = vv->data;
    }

    len = fgs_error_len(&e);

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->last = fgs_error_write(b->pos, &e);
    b->last_buf = 1;
    b->last_in_chain = 1;

    ctx->err_body = b;
    ctx->err_sent = 0;
    ctx->sent_code = e.error_code;

    r->headers_out.content_type_len = sizeof("application/json") - 1;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.charset.len = 0;

    r->headers_out.content_length_n = len;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);

    return NGX_OK;
}


/*
 * An error nginx raised before this module looked at the request (a bad
 * header, client_max_body_size in a location), or on a request that
 * passed (a read that met a 502): JSON when the target is under the
 * FunctionGraph API that this location governs.  Such a context is not a
 * decision: were the request to go on (an error_page redirect), it would
 * be governed then.
 */

static ngx_http_fgs_policy_ctx_t *
ngx_http_fgs_policy_error_ctx(ngx_http_request_t *r)
{
    fgs_target_t                     t;
    fgs_request_t                    rq;
    ngx_http_fgs_policy_ctx_t       *ctx;
    ngx_http_fgs_policy_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fgs_policy_module);

    if (flcf->file == NULL) {
        return NULL;
    }

    if (r->method_name.len == 0 || r->unparsed_uri.len == 0) {

        /*
         * nginx refused the request line itself (a lower-case method, a
         * space or a NUL in the target, a dot-dot above the root) before
         * any target was stored.  The request may have been meant for a
         * governed path, so on a server with a policy its error is JSON
         * all the same; no operation is known.
         */

        return ngx_http_fgs_policy_create_ctx(r);
    }

    ngx_http_fgs_policy_read_facts(r, NULL, &rq);

    if (!fgs_request_concerns(&rq, &t)) {
        return NULL;
    }

    ctx = ngx_http_fgs_policy_create_ctx(r);
    if (ctx == NULL) {
        return NULL;
    }

    ctx->facts = rq;
    ctx->verdict.target = t;
    ctx->verdict.op = t.op;

    return ctx;
}


static void
ngx_http_fgs_policy_nginx_error(ngx_http_request_t *r, ngx_uint_t status,
    const char **code, const char **msg)
{
    u_char                        *p;
    ngx_http_fgs_policy_status_t  *s;

    for (s = ngx_http_fgs_policy_statuses; s->status; s++) {
        if (s->status == status) {
            *code = s->code;
            *msg = s->msg;
            return;
        }
    }

    p = ngx_pnalloc(r->pool, sizeof("FGSPOL.") + NGX_INT_T_LEN + 1);
    if (p == NULL) {
        *code = NULL;
        return;
    }

    ngx_sprintf(p, "FGSPOL.%ui0%Z", status);

    *code = (const char *) p;
    *msg = (status >= NGX_HTTP_INTERNAL_SERVER_ERROR)
           ? "the gateway could not complete the request; retry later"
           : "the gateway refused the request";
}


/*
 * Sends the JSON once in place of whatever nginx's page was; the page's
 * buffers are marked sent.  Later calls only pass a flush down: the
 * write filter may still hold part of the JSON for a slow client.
 */

static ngx_int_t
ngx_http_fgs_policy_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_chain_t                 *cl, out;
    ngx_http_fgs_policy_ctx_t   *ctx;

    if (r != r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_fgs_policy_module);

    if (ctx == NULL || ctx->err_body == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;
    }

    if (ctx->err_sent) {
        return ngx_http_next_body_filter(r, NULL);
    }

    ctx->err_sent = 1;

    out.buf = ctx->err_body;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}

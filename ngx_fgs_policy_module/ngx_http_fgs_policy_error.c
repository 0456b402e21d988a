
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
#include "fgs_error.h"

/* after nginx's headers, so that nginx's feature macros are in force */
#include <openssl/rand.h>


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
static ngx_int_t ngx_http_fgs_policy_id_header(ngx_http_request_t *r,
    ngx_str_t *name, ngx_http_variable_value_t **value);
static uint64_t ngx_http_fgs_policy_siphash(const uint64_t key[2],
    uint64_t m);
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


/*
 * Request ids: 16 bytes, as nginx's $request_id, but not one RAND_bytes()
 * call per request (about 10,000 instructions, more than the policy's
 * evaluation): SipHash-2-4, keyed once per worker with 16 bytes of
 * RAND_bytes(), of a per-worker counter, twice.  Without the key the ids
 * are as unpredictable as random ones; with a counter no two of a worker
 * are alike.  The key is drawn as each worker starts
 * (ngx_http_fgs_policy_request_id_init()), so no two workers share one.
 */

static uint64_t    ngx_http_fgs_policy_id_key[2];
static uint64_t    ngx_http_fgs_policy_id_count;
static ngx_uint_t  ngx_http_fgs_policy_id_keyed;


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

    ctx->decided = 1;
    ctx->rejected = 1;

    if (ctx->decision != FGS_DECISION_DENY) {
        ctx->decision = FGS_DECISION_ERROR;
    }

    ctx->err_status = status;
    ctx->err_code = code;
    ctx->err_msg = msg ? msg : "the request is refused";
    ctx->err_violations = violations;

    if (status >= NGX_HTTP_INTERNAL_SERVER_ERROR) {
        level = NGX_LOG_ERR;

    } else if (ctx->decision == FGS_DECISION_DENY) {
        level = NGX_LOG_WARN;

    } else {
        level = NGX_LOG_INFO;
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
                  ctx->op == FGS_OP_NONE ? "a" : fgs_op_name(ctx->op),
                  status, code, last - p, p);

    return status;
}


ngx_int_t
ngx_http_fgs_policy_internal_error(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, const char *what)
{
    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "fgs_policy: internal failure: %s", what);

    ctx->decision = FGS_DECISION_ERROR;

    return ngx_http_fgs_policy_reject(r, ctx,
                                      NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "FGSPOL.5000",
                                      "the gateway failed to check the "
                                      "request, so nothing was forwarded; "
                                      "retry, and tell the gateway's "
                                      "operator if it persists", NULL);
}


ngx_int_t
ngx_http_fgs_policy_request_id_init(ngx_cycle_t *cycle)
{
    ngx_http_fgs_policy_id_count = 0;
    ngx_http_fgs_policy_id_keyed =
        (RAND_bytes((u_char *) ngx_http_fgs_policy_id_key,
                    sizeof(ngx_http_fgs_policy_id_key))
         == 1);

    if (!ngx_http_fgs_policy_id_keyed) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "fgs_policy: no randomness for the request ids' key: "
                      "governed requests get nginx's own $request_id");
    }

    return NGX_OK;
}


ngx_http_variable_value_t *
ngx_http_fgs_policy_request_id(ngx_http_request_t *r)
{
    u_char                           *id;
    uint64_t                          n, half[2];
    ngx_http_variable_value_t        *vv;
    ngx_http_fgs_policy_main_conf_t  *fmcf;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_fgs_policy_module);

    if (fmcf->request_id_index == NGX_ERROR) {
        return NULL;
    }

    vv = &r->variables[fmcf->request_id_index];

    if (vv->valid || vv->not_found) {
        /* made already (by us, nginx or a log): the request keeps it */
        return vv;
    }

    if (!ngx_http_fgs_policy_id_keyed) {
        /* nginx's own way, one RAND_bytes() for this request */
        return ngx_http_get_indexed_variable(r, fmcf->request_id_index);
    }

    id = ngx_pnalloc(r->pool, 32);
    if (id == NULL) {
        return NULL;
    }

    n = ngx_http_fgs_policy_id_count++;

    half[0] = ngx_http_fgs_policy_siphash(ngx_http_fgs_policy_id_key, 2 * n);
    half[1] = ngx_http_fgs_policy_siphash(ngx_http_fgs_policy_id_key,
                                          2 * n + 1);

    ngx_hex_dump(id, (u_char *) half, 16);

    vv->len = 32;
    vv->valid = 1;
    vv->no_cacheable = 0;
    vv->not_found = 0;
    vv->data = id;

    return vv;
}


#define ngx_http_fgs_policy_rotl(x, b)  (((x) << (b)) | ((x) >> (64 - (b))))

#define ngx_http_fgs_policy_sipround(v0, v1, v2, v3)                         \
    v0 += v1; v1 = ngx_http_fgs_policy_rotl(v1, 13); v1 ^= v0;               \
    v0 = ngx_http_fgs_policy_rotl(v0, 32);                                   \
    v2 += v3; v3 = ngx_http_fgs_policy_rotl(v3, 16); v3 ^= v2;               \
    v0 += v3; v3 = ngx_http_fgs_policy_rotl(v3, 21); v3 ^= v0;               \
    v2 += v1; v1 = ngx_http_fgs_policy_rotl(v1, 17); v1 ^= v2;               \
    v2 = ngx_http_fgs_policy_rotl(v2, 32)


/* SipHash-2-4 of one 64-bit word (8 bytes of message) */

static uint64_t
ngx_http_fgs_policy_siphash(const uint64_t key[2], uint64_t m)
{
    uint64_t  v0, v1, v2, v3, b;

    v0 = key[0] ^ 0x736f6d6570736575ULL;
    v1 = key[1] ^ 0x646f72616e646f6dULL;
    v2 = key[0] ^ 0x6c7967656e657261ULL;
    v3 = key[1] ^ 0x7465646279746573ULL;

    v3 ^= m;
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    v0 ^= m;

    b = (uint64_t) 8 << 56;

    v3 ^= b;
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    v0 ^= b;

    v2 ^= 0xff;
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);

    return v0 ^ v1 ^ v2 ^ v3;
}


/*
 * Adds "name: $request_id" to the answer; *value is the id, or NULL when
 * the variable has none.
 */

static ngx_int_t
ngx_http_fgs_policy_id_header(ngx_http_request_t *r, ngx_str_t *name,
    ngx_http_variable_value_t **value)
{
    ngx_table_elt_t            *h;
    ngx_http_variable_value_t  *vv;

    *value = NULL;

    vv = ngx_http_fgs_policy_request_id(r);

    if (vv == NULL || vv->not_found) {
        return NGX_OK;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    h->key = *name;
    h->value.len = vv->len;
    h->value.data = vv->data;

    *value = vv;

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
    size_t                      len;
    ngx_buf_t                  *b;
    ngx_uint_t                  status;
    fgs_error_t                 e;
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

    return ngx_http_next_header_filter(r);
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
    fgs_target_result_e              res;
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

        ctx = ngx_http_fgs_policy_create_ctx(r);
        if (ctx == NULL) {
            return NULL;
        }

        ngx_memzero(&ctx->target, sizeof(fgs_target_t));
        ctx->op = FGS_OP_NONE;

        return ctx;
    }

    res = ngx_http_fgs_policy_parse_target(r, &t);

    if (res == FGS_TARGET_PASS && !ngx_http_fgs_policy_in_fgs_path(&t.path)) {
        return NULL;
    }

    ctx = ngx_http_fgs_policy_create_ctx(r);
    if (ctx == NULL) {
        return NULL;
    }

    ctx->target = t;
    ctx->op = t.op;

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

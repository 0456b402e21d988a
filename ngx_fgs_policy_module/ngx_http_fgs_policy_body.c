
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The governed body: its size limit while nginx reads it, one contiguous
 * view of it for the scanner, and the chain that forwards a rewritten
 * body.
 *
 * nginx reads the body its usual way (memory, several buffers, a temp
 * file, chunked, "Expect: 100-continue"); the checks then need it as one
 * run of bytes, and get it without copying a large body:
 *
 *   - one memory buffer: used as it is;
 *   - a temp file (a body larger than client_body_buffer_size): mapped
 *     read-only, unmapped by the context's pool cleanup;
 *   - several memory buffers (the preread part and the rest, or chunks):
 *     together no larger than the header and body buffers, copied into
 *     one pool buffer.
 *
 * A large body is mostly one base64 string (func_code.file), and reading
 * a temp file's pages back costs more than anything else the module does
 * with it.  So while a large body is read, the request body filter looks
 * at each buffer nginx received, still in the CPU's caches, for the runs
 * of base64 alphabet (fgs_base64_runs_feed()): the scanner and the
 * base64 check step over them, and the temp file's pages that they cover
 * are neither read nor even mapped in.  This relies on the filter seeing
 * the very bytes that nginx then saves, in order, as nginx's own request
 * body filters guarantee; the runs are used only when they account for
 * every byte of the body.
 */


#include "ngx_http_fgs_policy_module.h"

/* after nginx's headers, so that nginx's feature macros are in force */
#include <sys/mman.h>


static ngx_int_t ngx_http_fgs_policy_request_body_filter(
    ngx_http_request_t *r, ngx_chain_t *in);
static void ngx_http_fgs_policy_find_runs(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_chain_t *in);
static ngx_int_t ngx_http_fgs_policy_map(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_buf_t *b);
static void ngx_http_fgs_policy_unmap(void *data);
static ngx_uint_t ngx_http_fgs_policy_runs_cover(
    ngx_http_fgs_policy_ctx_t *ctx, size_t len);
static ngx_int_t ngx_http_fgs_policy_coalesce(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, off_t total);
static ngx_buf_t *ngx_http_fgs_policy_file_ranges(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);
static ngx_chain_t **ngx_http_fgs_policy_add_range(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_buf_t *file, ngx_chain_t **ll,
    size_t pos, size_t len);
static ngx_chain_t **ngx_http_fgs_policy_add_buf(ngx_pool_t *pool,
    ngx_chain_t **ll, const u_char *p, size_t len);
static ngx_int_t ngx_http_fgs_policy_set_length(ngx_http_request_t *r,
    off_t len);


/*
 * Bodies from this size on are looked at for runs of base64 while they
 * are read; smaller ones, in memory or in a small temp file, cost little
 * to read again.
 */
#define NGX_HTTP_FGS_POLICY_RUNS_BODY  (64 * 1024)


static ngx_http_request_body_filter_pt   ngx_http_next_request_body_filter;


ngx_int_t
ngx_http_fgs_policy_body_init(ngx_conf_t *cf)
{
    ngx_http_next_request_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_fgs_policy_request_body_filter;

    return NGX_OK;
}


/*
 * fgs_policy_max_body_size while the body arrives, whatever its framing:
 * a chunked body (or an HTTP/2 body without content-length) has no size
 * to check beforehand.  This filter sees every buffer before nginx saves
 * it, so nothing past the limit is buffered.
 */

static ngx_int_t
ngx_http_fgs_policy_request_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in)
{
    off_t                       size;
    ngx_chain_t                *cl;
    ngx_http_fgs_policy_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fgs_policy_module);

    if (ctx == NULL || ctx->state != NGX_HTTP_FGS_POLICY_READING) {
        return ngx_http_next_request_body_filter(r, in);
    }

    size = 0;

    for (cl = in; cl; cl = cl->next) {
        size += ngx_buf_size(cl->buf);
    }

    if (ctx->received == 0) {
        /* the first buffer: runs are worth finding in a large body only */

        ctx->runs_on = (r->headers_in.content_length_n < 0
                        || r->headers_in.content_length_n
                           >= NGX_HTTP_FGS_POLICY_RUNS_BODY);

        fgs_base64_runs_init(&ctx->runs);
    }

    ctx->received += size;

    if (ctx->received > ctx->facts.max_body_size) {
        return ngx_http_fgs_policy_too_large(r, ctx);
    }

    if (ctx->runs_on) {
        ngx_http_fgs_policy_find_runs(r, ctx, in);
    }

    return ngx_http_next_request_body_filter(r, in);
}


static void
ngx_http_fgs_policy_find_runs(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_chain_t *in)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_in_memory(b)) {
            fgs_base64_runs_feed(&ctx->runs, b->pos, b->last - b->pos);

        } else if (ngx_buf_size(b)) {
            /* not a buffer of bytes in memory: no runs for this body */
            ctx->runs_on = 0;
            return;
        }
    }
}


/*
 * Sets ctx->body and ctx->body_len.  Returns NGX_OK, NGX_DECLINED when
 * the body is over the limit (read before this module saw it), or
 * NGX_ERROR.
 */

ngx_int_t
ngx_http_fgs_policy_body_view(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx)
{
    off_t                     size, total;
    ngx_uint_t                n;
    ngx_buf_t                *one;
    ngx_chain_t              *cl;
    ngx_http_request_body_t  *rb;

    ctx->body = (u_char *) "";
    ctx->body_len = 0;

    if (ctx->runs_on) {
        fgs_base64_runs_end(&ctx->runs);
    }

    rb = r->request_body;

    if (rb == NULL) {
        return NGX_OK;
    }

    n = 0;
    total = 0;
    one = NULL;

    for (cl = rb->bufs; cl; cl = cl->next) {
        size = ngx_buf_size(cl->buf);

        if (size == 0) {
            /* the last_buf marker of an empty body */
            continue;
        }

        n++;
        total += size;
        one = cl->buf;
    }

    if (total > ctx->facts.max_body_size) {
        return NGX_DECLINED;
    }

    if (n == 0) {
        return NGX_OK;
    }

    if (n == 1 && ngx_buf_in_memory(one)) {
        ctx->body = one->pos;
        ctx->body_len = one->last - one->pos;
        return NGX_OK;
    }

    if (n == 1 && one->in_file) {
        return ngx_http_fgs_policy_map(r, ctx, one);
    }

    return ngx_http_fgs_policy_coalesce(r, ctx, total);
}


/*
 * The temp file nginx just wrote is in the page cache: mapping it costs
 * no copy.  When the scanner is to read all of it, MAP_POPULATE maps
 * every page in one call instead of a fault per page; when runs of base64
 * cover most of it, only the few pages around them are ever touched and
 * mapped in.
 */

static ngx_int_t
ngx_http_fgs_policy_map(ngx_http_request_t *r, ngx_http_fgs_policy_ctx_t *ctx,
    ngx_buf_t *b)
{
    int                  flags;
    off_t                start;
    size_t               len;
    u_char              *map;
    ngx_pool_cleanup_t  *cln;

    if (b->file == NULL || b->file->fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "fgs_policy: the body's temp file is not open");
        return NGX_ERROR;
    }

    /* the view goes with the request's pool */

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    /* mmap() takes an offset that is a multiple of the page size */

    start = b->file_pos & ~((off_t) ngx_pagesize - 1);
    len = (size_t) (b->file_last - start);

    flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
    if (!ngx_http_fgs_policy_runs_cover(ctx,
                                        (size_t) (b->file_last - b->file_pos)))
    {
        flags |= MAP_POPULATE;
    }
#endif

    map = mmap(NULL, len, PROT_READ, flags, b->file->fd, start);

    if (map == MAP_FAILED) {
        ngx_log_error(NGX_LOG_CRIT, r->connection->log, ngx_errno,
                      "fgs_policy: mmap(\"%V\") failed", &b->file->name);
        return NGX_ERROR;
    }

    ctx->map = map;
    ctx->map_len = len;

    cln->handler = ngx_http_fgs_policy_unmap;
    cln->data = ctx;

    ctx->body = map + (b->file_pos - start);
    ctx->body_len = (size_t) (b->file_last - b->file_pos);

    return NGX_OK;
}


/* the runs found in the body, of len bytes, cover at least half of it */

static ngx_uint_t
ngx_http_fgs_policy_runs_cover(ngx_http_fgs_policy_ctx_t *ctx, size_t len)
{
    size_t      covered;
    ngx_uint_t  i;

    if (!ctx->runs_on || ctx->runs.seen != len) {
        return 0;
    }

    covered = 0;

    for (i = 0; i < ctx->runs.n; i++) {
        covered += ctx->runs.run[i].end - ctx->runs.run[i].start;
    }

    return covered >= len / 2;
}


static void
ngx_http_fgs_policy_unmap(void *data)
{
    ngx_http_fgs_policy_ctx_t  *ctx = data;

    if (ctx->map == NULL) {
        return;
    }

    if (munmap(ctx->map, ctx->map_len) == -1) {
        ngx_log_error(NGX_LOG_ALERT, ctx->request->connection->log,
                      ngx_errno, "fgs_policy: munmap() failed");
    }

    ctx->map = NULL;
}


/*
 * Several buffers: in memory in practice (the part read with the header
 * and the rest, or HTTP/2's preread part and the rest; nginx writes a
 * body that outgrows client_body_buffer_size to one temp file).  A file
 * part, should a body ever come as both, is read.
 *
 * The copy then becomes the request body that is forwarded, and the
 * buffers it was copied from are freed where they are the request
 * pool's own large allocations: a held request keeps one copy of its
 * body, not two (docs/performance.md, "Memory").  The body is read whole by
 * now, and nothing reads those buffers again; the buffer of the request's
 * header is the connection's and stays.
 */

static ngx_int_t
ngx_http_fgs_policy_coalesce(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, off_t total)
{
    off_t        size;
    u_char      *p, *body;
    ssize_t      n;
    ngx_buf_t   *b, *one;
    ngx_chain_t *cl, *chain;

    body = ngx_pnalloc(r->pool, (size_t) total);
    one = ngx_calloc_buf(r->pool);
    chain = ngx_alloc_chain_link(r->pool);

    if (body == NULL || one == NULL || chain == NULL) {
        return NGX_ERROR;
    }

    p = body;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;
        size = ngx_buf_size(b);

        if (size == 0) {
            continue;
        }

        if (ngx_buf_in_memory(b)) {
            p = ngx_cpymem(p, b->pos, (size_t) size);
            continue;
        }

        n = ngx_read_file(b->file, p, (size_t) size, b->file_pos);

        if (n != (ssize_t) size) {
            ngx_log_error(NGX_LOG_CRIT, r->connection->log, 0,
                          "fgs_policy: read only %z of %O bytes of the "
                          "body's temp file", n, size);
            return NGX_ERROR;
        }

        p += size;
    }

    one->start = body;
    one->pos = body;
    one->last = body + total;
    one->end = body + total;
    one->memory = 1;
    one->last_buf = 1;
    one->last_in_chain = 1;

    chain->buf = one;
    chain->next = NULL;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_in_memory(b) && b->start != NULL) {
            /* NGX_DECLINED for what is not a large allocation */
            (void) ngx_pfree(r->pool, b->start);
        }
    }

    r->request_body->bufs = chain;
    r->request_body->buf = NULL;

    ctx->body = body;
    ctx->body_len = (size_t) total;

    return NGX_OK;
}


/*
 * A rewritten body is forwarded as a new chain: the unchanged ranges as
 * buffers that point into the body, the edits as the engine's small
 * strings.  Nothing of the body is copied.
 *
 * The unchanged ranges of a temp file are in_file buffers, sent from the
 * page cache like any spilled body (sendfile), where that is safe: when
 * proxy_next_upstream retries, ngx_http_upstream_reinit() rewinds a chain
 * by setting pos = start and by laying the in_file buffers end to end
 * from offset 0 ("there is at most one file").  That is exact when the
 * body starts at offset 0 of its file and every edit only inserts, so
 * that the ranges meet end to end; it would shift every range after an
 * edit that replaces or removes bytes.  Then the ranges are memory
 * buffers that point into the mapped file: with start = pos they rewind
 * exactly.
 */

ngx_int_t
ngx_http_fgs_policy_forward_edits(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx)
{
    size_t             pos, total;
    uint32_t           i;
    ngx_buf_t         *file;
    ngx_chain_t       *out, **ll, *last;
    const fgs_edit_t  *ed;

    if (r->request_body == NULL) {
        return NGX_ERROR;
    }

    file = ngx_http_fgs_policy_file_ranges(r, ctx);

    out = NULL;
    ll = &out;
    pos = 0;

    for (i = 0; i < ctx->verdict.eval.nedits; i++) {
        ed = &ctx->verdict.eval.edits[i];

        if (ed->off < pos || ed->off > ctx->body_len
            || ed->len > ctx->body_len - ed->off)
        {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "fgs_policy: edit %uD is out of order or out of "
                          "the body", i);
            return NGX_ERROR;
        }

        ll = ngx_http_fgs_policy_add_range(r, ctx, file, ll, pos,
                                           ed->off - pos);
        if (ll == NULL) {
            return NGX_ERROR;
        }

        ll = ngx_http_fgs_policy_add_buf(r->pool, ll, ed->data,
                                         ed->data_len);
        if (ll == NULL) {
            return NGX_ERROR;
        }

        pos = ed->off + ed->len;
    }

    ll = ngx_http_fgs_policy_add_range(r, ctx, file, ll, pos,
                                       ctx->body_len - pos);
    if (ll == NULL) {
        return NGX_ERROR;
    }

    if (out == NULL) {
        /* an empty body: one empty last buffer, as nginx makes it */

        out = ngx_alloc_chain_link(r->pool);
        if (out == NULL) {
            return NGX_ERROR;
        }

        out->buf = ngx_calloc_buf(r->pool);
        if (out->buf == NULL) {
            return NGX_ERROR;
        }

        out->next = NULL;
    }

    total = 0;

    for (last = out; /* void */; last = last->next) {
        total += ngx_buf_size(last->buf);

        if (last->next == NULL) {
            break;
        }
    }

    if (total != ctx->verdict.eval.new_len) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "fgs_policy: rewritten body has %uz bytes, "
                      "the policy said %uz", total, ctx->verdict.eval.new_len);
        return NGX_ERROR;
    }

    /* grpc's body filter and chunked output look for the last buffer */
    last->buf->last_buf = 1;
    last->buf->last_in_chain = 1;

    if (ngx_http_fgs_policy_set_length(r, (off_t) total) != NGX_OK) {
        return NGX_ERROR;
    }

    r->request_body->bufs = out;
    ctx->forwarded_len = total;

    return NGX_OK;
}


/*
 * The temp file's buffer when the unchanged ranges of a rewrite can be
 * sent from it (see above), or NULL.
 */

static ngx_buf_t *
ngx_http_fgs_policy_file_ranges(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx)
{
    uint32_t      i;
    ngx_buf_t    *file;
    ngx_chain_t  *cl;

    if (ctx->map == NULL) {
        return NULL;
    }

    for (i = 0; i < ctx->verdict.eval.nedits; i++) {
        if (ctx->verdict.eval.edits[i].len != 0) {
            return NULL;
        }
    }

    file = NULL;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        if (ngx_buf_size(cl->buf) == 0) {
            continue;
        }

        if (file != NULL || !cl->buf->in_file) {
            return NULL;
        }

        file = cl->buf;
    }

    if (file == NULL || file->file_pos != 0
        || (size_t) file->file_last != ctx->body_len)
    {
        return NULL;
    }

    return file;
}


/* the bytes pos..pos+len of the body: from its temp file or the view */

static ngx_chain_t **
ngx_http_fgs_policy_add_range(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_buf_t *file, ngx_chain_t **ll,
    size_t pos, size_t len)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (file == NULL) {
        return ngx_http_fgs_policy_add_buf(r->pool, ll, ctx->body + pos,
                                           len);
    }

    if (len == 0) {
        return ll;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NULL;
    }

    cl = ngx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NULL;
    }

    b->in_file = 1;
    b->file = file->file;
    b->file_pos = (off_t) pos;
    b->file_last = (off_t) (pos + len);

    cl->buf = b;
    cl->next = NULL;

    *ll = cl;

    return &cl->next;
}


static ngx_chain_t **
ngx_http_fgs_policy_add_buf(ngx_pool_t *pool, ngx_chain_t **ll,
    const u_char *p, size_t len)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (len == 0) {
        return ll;
    }

    b = ngx_calloc_buf(pool);
    if (b == NULL) {
        return NULL;
    }

    cl = ngx_alloc_chain_link(pool);
    if (cl == NULL) {
        return NULL;
    }

    /* read-only memory: nothing downstream writes into it */

    b->memory = 1;
    b->start = (u_char *) p;
    b->pos = (u_char *) p;
    b->last = (u_char *) p + len;
    b->end = (u_char *) p + len;

    cl->buf = b;
    cl->next = NULL;

    *ll = cl;

    return &cl->next;
}


/*
 * The proxy module (and $content_length for fastcgi, uwsgi, scgi) takes
 * the forwarded length from r->headers_in.content_length_n once the body
 * is read: it sends "Content-Length: <that>" and drops the client's
 * Content-Length and Transfer-Encoding ($proxy_internal_body_length,
 * $proxy_internal_chunked).  A chunked request, read whole, is thus
 * forwarded with a Content-Length too.  The client's header, if any, is
 * updated in place so that no reader sees the old value.
 */

static ngx_int_t
ngx_http_fgs_policy_set_length(ngx_http_request_t *r, off_t len)
{
    u_char           *p;
    ngx_table_elt_t  *h;

    r->headers_in.content_length_n = len;

    h = r->headers_in.content_length;

    if (h == NULL) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_OFF_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    h->value.len = ngx_sprintf(p, "%O", len) - p;
    h->value.data = p;

    return NGX_OK;
}

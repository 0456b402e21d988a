
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The hashes of a governed body for its audit records: body_sha256 of
 * the body as read, forwarded_sha256 of a rewritten one.
 *
 * The body is hashed as it arrives, from the buffers nginx has just
 * read and before it saves them (the audit's request body filter hands
 * them over, ngx_http_fgs_policy_audit.c): a large body spills to a temp
 * file, which the checks then read through a mapping only where they
 * must, and a second pass over all of it would fault in every page of
 * that file.  Every 256 KB a copy of the hash's state is kept, so that
 * the rewritten body's hash resumes from the last copy before the first
 * edit: a member added near the end of a large body costs the hash of
 * that end only.  The rewritten body is hashed from the edits, never
 * built.
 *
 * A body that did not come through the filter whole (read before the
 * module governed it, or in buffers that were not in memory) is hashed
 * from the view the checks read instead.  So is a body known to be
 * small: the scanner reads all of it anyway, so the view costs no page
 * that would not be read, and hashing it in one call after the checks
 * takes no OpenSSL context of the request's own (an allocation, an
 * initialisation and a pool cleanup of its own), and no marks.
 */


#include "ngx_http_fgs_policy_audit_body.h"


/*
 * How often the hash's state is kept, in bytes of the body: each copy
 * takes about 300 bytes, 40 of them for a 10 MB body.
 */
#define NGX_HTTP_FGS_POLICY_AUDIT_MARK  (256 * 1024)

/*
 * Bodies from this size on, and those of unknown size (chunked), are
 * hashed as they arrive: those for which the request body filter of
 * ngx_http_fgs_policy_body.c finds runs of base64, so that the scanner
 * leaves most of their temp file's pages unread.
 */
#define NGX_HTTP_FGS_POLICY_AUDIT_ARRIVING  (64 * 1024)


typedef struct {
    off_t                     off;
    fgs_sha256_t              sha;          /* after off bytes */
} ngx_http_fgs_policy_audit_mark_t;


static ngx_int_t ngx_http_fgs_policy_audit_body_start(ngx_http_request_t *r,
    ngx_http_fgs_policy_audit_body_t *ab);
static ngx_int_t ngx_http_fgs_policy_audit_body_mark(
    ngx_http_fgs_policy_audit_body_t *ab);
static void ngx_http_fgs_policy_audit_body_stop(
    ngx_http_fgs_policy_audit_body_t *ab);
static void ngx_http_fgs_policy_audit_body_cleanup(void *data);


void
ngx_http_fgs_policy_audit_body_update(ngx_http_request_t *r,
    ngx_http_fgs_policy_audit_body_t *ab, ngx_chain_t *in)
{
    size_t        size;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (ab->failed) {
        return;
    }

    if (!ab->on) {

        /*
         * The first buffer: whether the body is hashed as it arrives is
         * decided once, from its headers (a chunked body's
         * content_length_n grows as it is read, and a hash must start
         * at its first byte or not at all).
         */

        if ((!r->headers_in.chunked
             && r->headers_in.content_length_n >= 0
             && r->headers_in.content_length_n
                < NGX_HTTP_FGS_POLICY_AUDIT_ARRIVING)
            || ngx_http_fgs_policy_audit_body_start(r, ab) != NGX_OK)
        {
            ab->failed = 1;
            return;
        }
    }

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_special(b)) {
            /* the last_buf of a chunked body: no bytes */
            continue;
        }

        if (!ngx_buf_in_memory(b)) {
            ngx_http_fgs_policy_audit_body_stop(ab);
            return;
        }

        size = b->last - b->pos;

        if (fgs_sha256_update(&ab->sha, b->pos, size) != FGS_OK) {
            ab->on = 0;
            ngx_http_fgs_policy_audit_body_stop(ab);
            return;
        }

        ab->hashed += size;

        if (ngx_http_fgs_policy_audit_body_mark(ab) != NGX_OK) {
            ngx_http_fgs_policy_audit_body_stop(ab);
            return;
        }
    }
}


/* the hash's contexts are OpenSSL's: a pool cleanup frees them */

static ngx_int_t
ngx_http_fgs_policy_audit_body_start(ngx_http_request_t *r,
    ngx_http_fgs_policy_audit_body_t *ab)
{
    ngx_pool_cleanup_t  *cln;

    if (ab->hashed) {
        /* stopped once: it cannot take up again */
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    ab->marks = ngx_array_create(r->pool, 4,
                                 sizeof(ngx_http_fgs_policy_audit_mark_t));
    if (ab->marks == NULL) {
        return NGX_ERROR;
    }

    if (fgs_sha256_init(&ab->sha) != FGS_OK) {
        return NGX_ERROR;
    }

    ab->on = 1;

    cln->handler = ngx_http_fgs_policy_audit_body_cleanup;
    cln->data = ab;

    return NGX_OK;
}


/* a copy of the state once 256 KB more have been hashed */

static ngx_int_t
ngx_http_fgs_policy_audit_body_mark(ngx_http_fgs_policy_audit_body_t *ab)
{
    off_t                              last;
    ngx_http_fgs_policy_audit_mark_t  *m;

    m = ab->marks->elts;
    last = ab->marks->nelts ? m[ab->marks->nelts - 1].off : 0;

    if (ab->hashed - last < NGX_HTTP_FGS_POLICY_AUDIT_MARK) {
        return NGX_OK;
    }

    m = ngx_array_push(ab->marks);
    if (m == NULL) {
        return NGX_ERROR;
    }

    if (fgs_sha256_copy(&m->sha, &ab->sha) != FGS_OK) {
        ab->marks->nelts--;
        return NGX_ERROR;
    }

    m->off = ab->hashed;

    return NGX_OK;
}


/*
 * Hashing as it arrives stops: the marks taken so far stay good (they
 * are of the body's first bytes), the rest is hashed from the view.
 */

static void
ngx_http_fgs_policy_audit_body_stop(ngx_http_fgs_policy_audit_body_t *ab)
{
    if (ab->on) {
        fgs_sha256_free(&ab->sha);
        ab->on = 0;
    }

    ab->failed = 1;
}


static void
ngx_http_fgs_policy_audit_body_cleanup(void *data)
{
    ngx_http_fgs_policy_audit_body_t  *ab = data;

    ngx_uint_t                         i;
    ngx_http_fgs_policy_audit_mark_t  *m;

    if (ab->on) {
        fgs_sha256_free(&ab->sha);
        ab->on = 0;
    }

    m = ab->marks->elts;

    for (i = 0; i < ab->marks->nelts; i++) {
        fgs_sha256_free(&m[i].sha);
    }

    ab->marks->nelts = 0;
}


ngx_int_t
ngx_http_fgs_policy_audit_body_sha256(ngx_http_fgs_policy_audit_body_t *ab,
    const u_char *body, size_t len, char *hex)
{
    if (ab->on && !ab->failed && ab->hashed == (off_t) len) {
        ab->on = 0;

        return (fgs_sha256_final(&ab->sha, hex) == FGS_OK) ? NGX_OK
                                                           : NGX_ERROR;
    }

    ngx_http_fgs_policy_audit_body_stop(ab);

    return (fgs_sha256_hex(body, len, hex) == FGS_OK) ? NGX_OK : NGX_ERROR;
}


/*
 * The edited body: from the last state kept before the first edit, the
 * body up to it, then each edit and the unchanged range after it.
 */

ngx_int_t
ngx_http_fgs_policy_audit_body_edited_sha256(
    ngx_http_fgs_policy_audit_body_t *ab, const u_char *body, size_t len,
    const fgs_edit_t *edits, uint32_t nedits, char *hex, ngx_log_t *log)
{
    size_t                             pos;
    uint32_t                           i;
    ngx_uint_t                         k;
    fgs_sha256_t                       fwd;
    const fgs_edit_t                  *ed;
    ngx_http_fgs_policy_audit_mark_t  *m, *from;

    from = NULL;

    if (ab->marks) {
        m = ab->marks->elts;

        for (k = 0; k < ab->marks->nelts; k++) {
            if (m[k].off <= (off_t) edits[0].off) {
                from = &m[k];
            }
        }
    }

    if (from) {
        if (fgs_sha256_copy(&fwd, &from->sha) != FGS_OK) {
            return NGX_ERROR;
        }

        pos = (size_t) from->off;

    } else {
        if (fgs_sha256_init(&fwd) != FGS_OK) {
            return NGX_ERROR;
        }

        pos = 0;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, log, 0,
                   "fgs_policy: the rewritten body hashed from byte %uz "
                   "of %uz", pos, len);

    for (i = 0; i < nedits; i++) {
        ed = &edits[i];

        if (fgs_sha256_update(&fwd, body + pos, ed->off - pos) != FGS_OK
            || fgs_sha256_update(&fwd, ed->data, ed->data_len) != FGS_OK)
        {
            return NGX_ERROR;
        }

        pos = ed->off + ed->len;
    }

    if (fgs_sha256_update(&fwd, body + pos, len - pos) != FGS_OK
        || fgs_sha256_final(&fwd, hex) != FGS_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Credentials kept out of the error log, at any level
 * (docs/security.md).
 *
 * This module's own lines carry none.  nginx's do, at the debug level:
 * it prints every request header as it parses it ("http header:
 * "X-Auth-Token: ...""), the proxy module the whole header it forwards,
 * HTTP/2 the headers of its tables, and a few lines at "info" quote a
 * header line that was malformed.  So a log in which governed requests
 * are logged gets a writer that blanks the value of any header named
 * like a credential (Authorization, Proxy-Authorization, X-Auth-Token
 * and every *-Token, Cookie, Set-Cookie, *-Api-Key, in any case, with
 * "_" for "-") before the line is written: "X-Auth-Token: [redacted]".
 * The value runs to the end of its line; what follows on that line is
 * blanked with it.
 *
 * Which logs are redacted is fgs_policy_redact_log's, decided as the
 * configuration is merged (ngx_http_fgs_policy_module.c): this file
 * wraps the logs it is given and no other.  A request logs through the
 * writer of the error_log of the server or location that handles it:
 * nginx copies a log's writer, with its file, into the connection's log
 * (ngx_set_connection_log()).
 *
 * nginx calls a log's writer instead of writing the line itself, and
 * has no call that writes a line already formatted: the writer sends
 * the redacted line where nginx would have sent it, to the log's own
 * writer (syslog, memory) when it has one, else to the log's file with
 * one ngx_write_fd(), as ngx_log_error_core() does.  nginx's skipping
 * of a file for a second after ENOSPC is its bookkeeping for logs that
 * have no writer and is not copied: a redacted file is written to every
 * time.
 *
 * A wrapped log is given back its own writer by a cleanup of the pool
 * it was wrapped with, before the module is unloaded (a pool's cleanups
 * run in the reverse order of their addition, and load_module adds its
 * own first): the pool's last lines are logged after that, with this
 * module gone.
 */


#include "ngx_http_fgs_policy_redact.h"


typedef struct {
    ngx_log_t                *log;
    ngx_log_writer_pt         writer;       /* the log's own, or NULL */
    void                     *wdata;
} ngx_http_fgs_policy_redact_t;


static void ngx_http_fgs_policy_redact_unwrap(void *data);
static void ngx_http_fgs_policy_redact_writer(ngx_log_t *log,
    ngx_uint_t level, u_char *buf, size_t len);
static size_t ngx_http_fgs_policy_redact(u_char *dst, size_t size,
    u_char *src, size_t len);
static ngx_uint_t ngx_http_fgs_policy_redact_name(u_char *start,
    u_char *colon);


/* header names end with one of these: lowercase, without the colon */
static ngx_str_t  ngx_http_fgs_policy_redact_names[] = {
    ngx_string("authorization"),
    ngx_string("-token"),
    ngx_string("cookie"),
    ngx_string("-api-key"),
    ngx_string("apikey"),
    ngx_null_string
};


static ngx_str_t  ngx_http_fgs_policy_redacted_value = ngx_string("[redacted]");


ngx_int_t
ngx_http_fgs_policy_redact_log(ngx_pool_t *pool, ngx_log_t *log)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_fgs_policy_redact_t  *rd;

    for ( /* void */ ; log; log = log->next) {

        if (log->writer == ngx_http_fgs_policy_redact_writer) {
            continue;
        }

        cln = ngx_pool_cleanup_add(pool, sizeof(ngx_http_fgs_policy_redact_t));
        if (cln == NULL) {
            return NGX_ERROR;
        }

        rd = cln->data;

        rd->log = log;
        rd->writer = log->writer;
        rd->wdata = log->wdata;

        log->writer = ngx_http_fgs_policy_redact_writer;
        log->wdata = rd;

        cln->handler = ngx_http_fgs_policy_redact_unwrap;
    }

    return NGX_OK;
}


ngx_uint_t
ngx_http_fgs_policy_redacted(ngx_log_t *log)
{
    return log->writer == ngx_http_fgs_policy_redact_writer;
}


/*
 * The main error log is wrapped as each process starts, not as the
 * configuration is read: it may still change until the whole file is
 * read (a later error_log, which nginx may insert ahead of the first by
 * swapping the two structures' contents).  A listening socket's log is
 * a copy that nginx takes of its default server's log once the
 * configuration is loaded (ngx_configure_listening_sockets()): it logs
 * the connections' first lines (accept, and HTTP/2's before a server is
 * known), and is wrapped here when what it copied is redacted now.
 */

ngx_int_t
ngx_http_fgs_policy_redact_process(ngx_cycle_t *cycle)
{
    ngx_uint_t        i;
    ngx_listening_t  *ls;

    if (ngx_http_fgs_policy_redact_log(cycle->pool, &cycle->new_log)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {

        if (ls[i].logp == NULL
            || !ngx_http_fgs_policy_redacted(ls[i].logp))
        {
            continue;
        }

        if (ngx_http_fgs_policy_redact_log(cycle->pool, &ls[i].log)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_http_fgs_policy_redact_unwrap(void *data)
{
    ngx_http_fgs_policy_redact_t  *rd = data;

    if (rd->log->writer == ngx_http_fgs_policy_redact_writer
        && rd->log->wdata == rd)
    {
        rd->log->writer = rd->writer;
        rd->log->wdata = rd->wdata;
    }
}


/*
 * The line, once redacted, goes where ngx_log_error_core() would have
 * sent it: to the log's own writer, given a copy of the log that
 * carries that writer's data, or to the log's file.
 */

static void
ngx_http_fgs_policy_redact_writer(ngx_log_t *log, ngx_uint_t level,
    u_char *buf, size_t len)
{
    size_t                         n;
    ngx_log_t                      own;
    ngx_http_fgs_policy_redact_t  *rd;
    u_char                         line[NGX_MAX_ERROR_STR + 256];

    rd = log->wdata;

    n = ngx_http_fgs_policy_redact(line, sizeof(line), buf, len);

    if (rd->writer) {
        own = *log;
        own.writer = rd->writer;
        own.wdata = rd->wdata;

        rd->writer(&own, level, line, n);
        return;
    }

    (void) ngx_write_fd(log->file->fd, line, n);
}


/*
 * Copies src to dst with the value of every credential header replaced:
 * from after "Name:" and its blanks to the end of the line (CR, LF, or
 * the end of the message, whose own closing quote is kept).  The
 * message's final newline is kept even when dst runs short.
 */

static size_t
ngx_http_fgs_policy_redact(u_char *dst, size_t size, u_char *src, size_t len)
{
    u_char  *p, *end, *last, *colon, *v, *ve, *d, *dend;

    end = src + len;
    last = (len && end[-1] == LF) ? end - 1 : end;

    d = dst;
    dend = dst + size - 1;      /* room for the newline */
    p = src;

    while (p < last) {
        colon = ngx_strlchr(p, last, ':');

        if (colon == NULL) {
            break;
        }

        if (!ngx_http_fgs_policy_redact_name(src, colon)) {
            colon++;
            d = ngx_cpymem(d, p, ngx_min((size_t) (colon - p),
                                         (size_t) (dend - d)));
            p = colon;
            continue;
        }

        v = colon + 1;

        while (v < last && (*v == ' ' || *v == '\t')) {
            v++;
        }

        for (ve = v; ve < last && *ve != CR && *ve != LF; ve++) {
            /* void */
        }

        if (ve == last && ve > v && ve[-1] == '"') {
            ve--;
        }

        d = ngx_cpymem(d, p, ngx_min((size_t) (v - p), (size_t) (dend - d)));

        if (ve > v) {
            d = ngx_cpymem(d, ngx_http_fgs_policy_redacted_value.data,
                           ngx_min(ngx_http_fgs_policy_redacted_value.len,
                                   (size_t) (dend - d)));
        }

        p = ve;
    }

    d = ngx_cpymem(d, p, ngx_min((size_t) (end - p), (size_t) (dend - d)));

    if (len && end[-1] == LF && (d == dst || d[-1] != LF)) {
        *d++ = LF;
    }

    return d - dst;
}


/*
 * The name before the colon (and any blanks before it, which nginx
 * refuses but quotes) ends with a credential header's name, in any
 * case, "_" read as "-".
 */

static ngx_uint_t
ngx_http_fgs_policy_redact_name(u_char *start, u_char *colon)
{
    u_char     *e, c;
    size_t      i;
    ngx_str_t  *n;

    for (e = colon; e > start && (e[-1] == ' ' || e[-1] == '\t'); e--) {
        /* void */
    }

    for (n = ngx_http_fgs_policy_redact_names; n->len; n++) {

        if ((size_t) (e - start) < n->len) {
            continue;
        }

        for (i = 0; i < n->len; i++) {
            c = ngx_tolower(e[(ngx_int_t) i - (ngx_int_t) n->len]);

            if ((c == '_' ? '-' : c) != n->data[i]) {
                break;
            }
        }

        if (i == n->len) {
            return 1;
        }
    }

    return 0;
}

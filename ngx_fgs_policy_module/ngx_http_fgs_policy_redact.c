
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Credentials never reach the error log, at any level.
 *
 * This module's own lines carry none.  nginx's do, at the debug level:
 * it prints every request header as it parses it ("http header:
 * "X-Auth-Token: ...""), the proxy module the whole header it forwards,
 * HTTP/2 the headers of its tables, and a few lines at "info" quote a
 * header line that was malformed.  So every error log in which a
 * request can be logged gets a writer that blanks the value of any
 * header named like a credential (Authorization, Proxy-Authorization,
 * X-Auth-Token and every *-Token, Cookie, Set-Cookie, *-Api-Key, in
 * any case, with "_" for "-") before
 * the line is written, to the log's file or through its own writer
 * (syslog, memory): "X-Auth-Token: [redacted]".  The value runs to the
 * end of its line; what follows on that line is blanked with it.
 *
 * The logs are those of every server and location (their error_log,
 * which each request's connection log copies, and the listening
 * sockets' copies of them), wrapped as the configuration is merged, and
 * the main error log with all that nginx adds to it later, wrapped when
 * a worker starts.  Each log is given back its own writer by a cleanup
 * of the pool it was wrapped with, before the module is unloaded (a
 * pool's cleanups run in the reverse order of their addition, and
 * load_module adds its own first): the pool's last lines are logged
 * after that, with this module gone.
 */


#include "ngx_http_fgs_policy_module.h"


typedef struct {
    ngx_log_t                *log;
    ngx_log_writer_pt         writer;       /* the log's own, or NULL */
    void                     *wdata;
} ngx_http_fgs_policy_redact_t;


static ngx_int_t ngx_http_fgs_policy_redact_wrap(ngx_pool_t *pool,
    ngx_log_t *log);
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


static ngx_str_t  ngx_http_fgs_policy_redacted = ngx_string("[redacted]");


/* in the merge of every server and location: its error_log */

char *
ngx_http_fgs_policy_redact_conf(ngx_conf_t *cf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    /*
     * The main error log, which locations inherit, may still change as
     * the rest of the configuration is read: it is wrapped per worker.
     */

    if (clcf->error_log == NULL || clcf->error_log == &cf->cycle->new_log) {
        return NGX_CONF_OK;
    }

    if (ngx_http_fgs_policy_redact_wrap(cf->pool, clcf->error_log)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_fgs_policy_redact_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t        i;
    ngx_listening_t  *ls;

    if (ngx_http_fgs_policy_redact_wrap(cycle->pool, &cycle->new_log)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the copies that accepted connections log with at first (HTTP/2) */

    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ngx_http_fgs_policy_redact_wrap(cycle->pool, &ls[i].log)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* each log of the chain, once */

static ngx_int_t
ngx_http_fgs_policy_redact_wrap(ngx_pool_t *pool, ngx_log_t *log)
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
 * Writes the line as nginx would have (its file, skipping it for a
 * second after ENOSPC; or the log's own writer, given a copy of the log
 * that carries that writer's data), once redacted.
 */

static void
ngx_http_fgs_policy_redact_writer(ngx_log_t *log, ngx_uint_t level,
    u_char *buf, size_t len)
{
    size_t                         n;
    ssize_t                        w;
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

    if (log->file == NULL || ngx_time() == log->disk_full_time) {
        return;
    }

    w = ngx_write_fd(log->file->fd, line, n);

    if (w == -1 && ngx_errno == NGX_ENOSPC) {
        log->disk_full_time = ngx_time();
    }
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
            d = ngx_cpymem(d, ngx_http_fgs_policy_redacted.data,
                           ngx_min(ngx_http_fgs_policy_redacted.len,
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

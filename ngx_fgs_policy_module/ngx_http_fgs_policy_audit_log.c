
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Audit destinations and their chains (engine/fgs_audit.h).
 *
 * A file is opened the nginx way: it is an entry of cycle->open_files,
 * which the master opens with O_APPEND when a configuration loads and
 * every process reopens on "nginx -s reopen".  Each record is one
 * write() of one whole line on that descriptor: appends to a regular
 * file are atomic, so the lines of several workers never interleave,
 * and a line is never larger than the buffer it is built in (64 KB for
 * a file), so it is never split.  The entry is this module's own, not
 * shared with an access_log of the same path, whose buffer would take
 * the same "data" pointer.
 *
 * "syslog:server=..." sends each record as one datagram with nginx's
 * syslog code (as access_log does), at most 8 KB.
 *
 * A destination declared "best_effort" takes every record like any
 * other; a record it refuses is counted and logged as an error, not an
 * alert, and refuses no request (ngx_http_fgs_policy_audit.c).  Its
 * chain goes on from the last record it accepted, so what it did keep
 * still verifies.
 *
 * Each worker process keeps its own chain per destination, in its own
 * copy of this structure (the master writes none): drawn at its first
 * record; when the file is reopened, a "rotate" record seals the old
 * file and a "start" record resumes the chain in the new one; when the
 * worker exits, an "end" record ends it (nginx calls the entry's
 * flush() in each process before it reopens a file, and as it exits).
 * The "start" is written as soon as the file is reopened, from an event
 * that flush() posts for the worker's next turn of its event loop (nginx
 * has no hook after a reopen), not with the worker's next record: so the
 * files verify right after a rotation, even when a worker stays idle.
 * A chain seals every file of its life, even one it wrote nothing else
 * to ("start" and "rotate"), so that a missing file shows.  A reload
 * starts new workers, hence new chains; the old workers end theirs as
 * they exit.
 */


#include "ngx_http_fgs_policy_audit_log.h"
#include "ngx_http_fgs_policy_metrics.h"


#define NGX_HTTP_FGS_POLICY_AUDIT_FILE_LINE    65536
#define NGX_HTTP_FGS_POLICY_AUDIT_SYSLOG_LINE  8192


struct ngx_http_fgs_policy_audit_log_s {
    ngx_str_t                 name;
    ngx_open_file_t          *file;         /* a file, or */
    ngx_syslog_peer_t        *syslog;       /* syslog */

    u_char                   *buf;          /* one line is built here */
    size_t                    size;

    /* this process's own */
    fgs_audit_chain_t         chain;
    ngx_event_t               start_ev;     /* "start" after a reopen */
    time_t                    alert_time;
    ngx_uint_t                failed;       /* since the last alert */
    unsigned                  started:1;    /* the chain is drawn */
    unsigned                  need_start:1; /* it has no record in the
                                               file open now */
    unsigned                  torn:1;       /* a write was cut short: the
                                               next begins a new line */

    unsigned                  best_effort:1;
};


static ngx_int_t ngx_http_fgs_policy_audit_write_one(
    ngx_http_fgs_policy_audit_log_t *al, fgs_audit_record_t *rec,
    ngx_err_t *err);
static ngx_int_t ngx_http_fgs_policy_audit_start(
    ngx_http_fgs_policy_audit_log_t *al, fgs_audit_record_t *rec,
    ngx_err_t *err);
static void ngx_http_fgs_policy_audit_start_handler(ngx_event_t *ev);
static ngx_int_t ngx_http_fgs_policy_audit_seal(
    ngx_http_fgs_policy_audit_log_t *al, fgs_audit_kind_e kind,
    ngx_log_t *log);
static void ngx_http_fgs_policy_audit_flush(ngx_open_file_t *file,
    ngx_log_t *log);
static void ngx_http_fgs_policy_audit_failed(
    ngx_http_fgs_policy_audit_log_t *al, ngx_log_t *log,
    fgs_audit_record_t *rec, ngx_err_t err);


ngx_http_fgs_policy_audit_log_t *
ngx_http_fgs_policy_audit_log_add(ngx_conf_t *cf, ngx_array_t **logs,
    ngx_str_t *name, ngx_uint_t best_effort)
{
    size_t                            size;
    ngx_str_t                         full;
    ngx_uint_t                        i;
    ngx_open_file_t                  *file;
    ngx_http_fgs_policy_audit_log_t  *al, **alp;

    if (*logs == NULL) {
        *logs = ngx_array_create(cf->pool, 2,
                                 sizeof(ngx_http_fgs_policy_audit_log_t *));
        if (*logs == NULL) {
            return NULL;
        }
    }

    full = *name;

    if (ngx_strncmp(name->data, "syslog:", 7) != 0) {
        /* relative to the prefix, NUL-terminated: ngx_open_file() takes it */
        if (ngx_conf_full_name(cf->cycle, &full, 0) != NGX_OK) {
            return NULL;
        }
    }

    alp = (*logs)->elts;

    for (i = 0; i < (*logs)->nelts; i++) {
        if (alp[i]->name.len == full.len
            && ngx_strncmp(alp[i]->name.data, full.data, full.len) == 0)
        {
            if (alp[i]->best_effort != best_effort) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "the audit destination \"%V\" is "
                                   "declared both with and without "
                                   "best_effort", name);
                return NULL;
            }

            return alp[i];
        }
    }

    al = ngx_pcalloc(cf->pool, sizeof(ngx_http_fgs_policy_audit_log_t));
    if (al == NULL) {
        return NULL;
    }

    /* a copy: ngx_syslog_process_conf() cuts the argument at its commas */

    al->best_effort = best_effort;

    al->name.len = full.len;
    al->name.data = ngx_pstrdup(cf->pool, &full);
    if (al->name.data == NULL) {
        return NULL;
    }

    if (ngx_strncmp(name->data, "syslog:", 7) == 0) {
        al->syslog = ngx_pcalloc(cf->pool, sizeof(ngx_syslog_peer_t));
        if (al->syslog == NULL) {
            return NULL;
        }

        if (ngx_syslog_process_conf(cf, al->syslog) != NGX_CONF_OK) {
            return NULL;
        }

        /* room for the syslog header before the record */

        size = NGX_HTTP_FGS_POLICY_AUDIT_SYSLOG_LINE
               + sizeof("<255>Jan 01 00:00:00 ") - 1 + NGX_MAXHOSTNAMELEN
               + 1 + al->syslog->tag.len + 2;

    } else {
        file = ngx_list_push(&cf->cycle->open_files);
        if (file == NULL) {
            return NULL;
        }

        file->fd = NGX_INVALID_FILE;
        file->name = full;
        file->flush = ngx_http_fgs_policy_audit_flush;
        file->data = al;

        al->file = file;

        /* one more byte: the newline that ends a line cut short */
        size = NGX_HTTP_FGS_POLICY_AUDIT_FILE_LINE + 1;
    }

    al->buf = ngx_pnalloc(cf->pool, size);
    if (al->buf == NULL) {
        return NULL;
    }

    al->size = size;

    alp = ngx_array_push(*logs);
    if (alp == NULL) {
        return NULL;
    }

    *alp = al;

    return al;
}


ngx_int_t
ngx_http_fgs_policy_audit_write(ngx_http_fgs_policy_audit_log_t *al,
    fgs_audit_record_t *rec, ngx_log_t *log)
{
    ngx_err_t  err;

    err = 0;

    if (!al->started) {
        if (fgs_audit_chain_init(&al->chain, (int64_t) ngx_pid) != FGS_OK) {
            goto failed;
        }

        al->started = 1;
    }

    if (ngx_http_fgs_policy_audit_start(al, rec, &err) != NGX_OK) {
        goto failed;
    }

    if (ngx_http_fgs_policy_audit_write_one(al, rec, &err) == NGX_OK) {
        return NGX_OK;
    }

failed:

    ngx_http_fgs_policy_audit_failed(al, log, rec, err);

    return NGX_ERROR;
}


ngx_uint_t
ngx_http_fgs_policy_audit_log_required(ngx_http_fgs_policy_audit_log_t *al)
{
    return !al->best_effort;
}


/* the "start" the chain needs in this file, if any, dated as rec */

static ngx_int_t
ngx_http_fgs_policy_audit_start(ngx_http_fgs_policy_audit_log_t *al,
    fgs_audit_record_t *rec, ngx_err_t *err)
{
    fgs_audit_record_t  start;

    if (!al->need_start) {
        return NGX_OK;
    }

    ngx_memzero(&start, sizeof(fgs_audit_record_t));

    start.kind = FGS_AUDIT_START;
    start.sec = rec->sec;
    start.msec = rec->msec;

    if (ngx_http_fgs_policy_audit_write_one(al, &start, err) != NGX_OK) {
        return NGX_ERROR;
    }

    al->need_start = 0;

    return NGX_OK;
}


/*
 * Posted by flush() before a reopen: by now the file is the new one.
 * A failure is counted and alerted like any record's; the chain then
 * tries again with its next record.
 */

static void
ngx_http_fgs_policy_audit_start_handler(ngx_event_t *ev)
{
    ngx_http_fgs_policy_audit_log_t *al = ev->data;

    ngx_err_t           err;
    ngx_time_t         *tp;
    fgs_audit_record_t  rec;

    if (!al->need_start || ngx_exiting || ngx_terminate) {
        return;
    }

    ngx_memzero(&rec, sizeof(fgs_audit_record_t));

    tp = ngx_timeofday();

    rec.kind = FGS_AUDIT_START;
    rec.sec = tp->sec;
    rec.msec = tp->msec;

    err = 0;

    if (ngx_http_fgs_policy_audit_start(al, &rec, &err) != NGX_OK) {
        ngx_http_fgs_policy_audit_failed(al, ev->log, &rec, err);
    }
}


/* one line, and the chain moves on once it is out whole */

static ngx_int_t
ngx_http_fgs_policy_audit_write_one(ngx_http_fgs_policy_audit_log_t *al,
    fgs_audit_record_t *rec, ngx_err_t *err)
{
    char     hash[FGS_SHA256_HEX_LEN + 1];
    size_t   len;
    u_char  *p;
    ssize_t  n;

    if (al->syslog) {
        p = ngx_syslog_add_header(al->syslog, al->buf);

        len = fgs_audit_line(p, al->buf + al->size - p, rec, &al->chain,
                             hash);
        if (len == 0) {
            return NGX_ERROR;
        }

        /* a datagram is a line of its own: without the newline */

        len += p - al->buf - 1;

        n = ngx_syslog_send(al->syslog, al->buf, len);

        if (n != (ssize_t) len) {
            *err = (n == NGX_ERROR) ? ngx_socket_errno : 0;
            return NGX_ERROR;
        }

    } else {
        p = al->buf;

        if (al->torn) {
            *p++ = '\n';
        }

        len = fgs_audit_line(p, al->buf + al->size - p, rec, &al->chain,
                             hash);
        if (len == 0) {
            return NGX_ERROR;
        }

        len += p - al->buf;

        n = ngx_write_fd(al->file->fd, al->buf, len);

        if (n != (ssize_t) len) {
            /* a full disk may take part of it: end that part first */
            al->torn = (n > 0) ? 1 : al->torn;
            *err = (n == -1) ? ngx_errno : NGX_ENOSPC;
            return NGX_ERROR;
        }

        al->torn = 0;
    }

    fgs_audit_chain_next(&al->chain, hash);

    return NGX_OK;
}


/*
 * nginx calls flush() on every open file before reopening it, and in
 * each process as it exits (ngx_conf_flush_files()): this worker's chain
 * seals the file with "end" when the worker exits, "rotate" otherwise,
 * and a "start" record will begin its part of the next file.  (A reopen
 * while a worker shuts down gracefully is sealed with "end" too: the
 * records of its last requests then follow a "start".)
 */

static void
ngx_http_fgs_policy_audit_flush(ngx_open_file_t *file, ngx_log_t *log)
{
    ngx_http_fgs_policy_audit_log_t  *al = file->data;

    if (!al->started) {
        /* the master, or a worker that wrote no record here yet */
        return;
    }

    if (ngx_exiting || ngx_terminate) {
        (void) ngx_http_fgs_policy_audit_seal(al, FGS_AUDIT_END, log);
        al->torn = 0;
        return;
    }

    (void) ngx_http_fgs_policy_audit_seal(al, FGS_AUDIT_ROTATE, log);
    al->torn = 0;

    /* the "start" in the new file, once nginx has opened it */

    if (!al->start_ev.posted) {
        al->start_ev.handler = ngx_http_fgs_policy_audit_start_handler;
        al->start_ev.data = al;
        al->start_ev.log = ngx_cycle->log;

        ngx_post_event(&al->start_ev, &ngx_posted_next_events);
    }
}


/* syslog has nothing to reopen: its chains end when the worker exits */

void
ngx_http_fgs_policy_audit_log_exit(ngx_array_t *logs, ngx_log_t *log)
{
    ngx_uint_t                         i;
    ngx_http_fgs_policy_audit_log_t  **alp;

    if (logs == NULL) {
        return;
    }

    alp = logs->elts;

    for (i = 0; i < logs->nelts; i++) {
        if (alp[i]->syslog && alp[i]->started) {
            (void) ngx_http_fgs_policy_audit_seal(alp[i], FGS_AUDIT_END, log);
        }
    }
}


/* "rotate" or "end", after a "start" if the chain has no record here */

static ngx_int_t
ngx_http_fgs_policy_audit_seal(ngx_http_fgs_policy_audit_log_t *al,
    fgs_audit_kind_e kind, ngx_log_t *log)
{
    ngx_time_t          *tp;
    ngx_int_t            rc;
    fgs_audit_record_t   seal;

    ngx_memzero(&seal, sizeof(fgs_audit_record_t));

    tp = ngx_timeofday();

    seal.kind = kind;
    seal.sec = tp->sec;
    seal.msec = tp->msec;

    rc = ngx_http_fgs_policy_audit_write(al, &seal, log);

    /* written or not, the next record begins a new part of the chain */
    al->need_start = 1;

    return rc;
}


/*
 * A record that was not written: counted, and an alert (an error for a
 * best_effort destination) at most once a second per destination in
 * this worker, with the number of failures
 * since the last one, naming the record the caller wrote (a request's,
 * or the one that seals a chain).  (With fgs_policy_audit_fail closed
 * the request itself is refused by the caller.)
 */

static void
ngx_http_fgs_policy_audit_failed(ngx_http_fgs_policy_audit_log_t *al,
    ngx_log_t *log, fgs_audit_record_t *rec, ngx_err_t err)
{
    u_char      *p;
    u_char       what[96];
    ngx_uint_t   level;

    ngx_http_fgs_policy_metrics_audit_failure();

    al->failed++;

    if (al->alert_time == ngx_time()) {
        return;
    }

    if (rec->kind == FGS_AUDIT_REQUEST || rec->kind == FGS_AUDIT_INTENT) {
        p = ngx_snprintf(what, sizeof(what), "of request %*s%s",
                         ngx_min(rec->request_id.len, 64),
                         rec->request_id.data,
                         rec->kind == FGS_AUDIT_INTENT ? " (its intent)"
                                                       : "");

    } else if (rec->kind == FGS_AUDIT_START) {
        p = ngx_cpymem(what, "that begins the chain in the reopened file",
                       sizeof("that begins the chain in the reopened file")
                       - 1);

    } else {
        p = ngx_cpymem(what, "that seals the chain",
                       sizeof("that seals the chain") - 1);
    }

    level = al->best_effort ? NGX_LOG_ERR : NGX_LOG_ALERT;

    ngx_log_error(level, log, err,
                  "fgs_policy: the audit record %*s could not be written "
                  "to \"%V\"%s (%ui not written since the last report)",
                  p - what, what, &al->name,
                  al->best_effort ? ", a best_effort destination" : "",
                  al->failed);

    al->alert_time = ngx_time();
    al->failed = 0;
}

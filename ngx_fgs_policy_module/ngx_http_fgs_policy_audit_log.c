
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Audit destinations and their chains (engine/fgs_audit.h), as
 * docs/audit.md describes them.
 *
 * A file is opened the nginx way: it is an entry of cycle->open_files,
 * which the master opens with O_APPEND when a configuration loads and
 * every process reopens on "nginx -s reopen".  The lines are built in
 * the destination's buffer, one after the other, and go out with one
 * write() of whole lines on that descriptor: appends to a regular file
 * are atomic, so the lines of several workers never interleave, and a
 * line is never larger than the room it is built in (64 KB for a
 * file), so it is never split.  The entry is this module's own, not
 * shared with an access_log of the same path, whose buffer would take
 * the same "data" pointer.
 *
 * What waits in the buffer and when it is written (docs/audit.md,
 * "Buffering"): a request record, written in the log phase once the
 * answer has gone, waits until "buffer=" bytes wait (64 KB), or
 * "flush=" after it was buffered (1 s, a timer of the worker's), or the
 * next intent is written, whichever comes first.  An intent waits only
 * for the end of the turn of the event loop that decided its request:
 * ngx_http_fgs_policy_audit_log_commit() then writes the intents of all
 * the requests decided in that turn, with whatever waited before them,
 * in one write() per file, and the requests go on only once that
 * write() took it all (ngx_http_fgs_policy_audit.c holds them until
 * then).  So the file keeps each chain's order, forwarded requests cost
 * less than one write() each, and a crash of the worker can lose
 * buffered request records but never the intent of a request that was
 * forwarded.  Before nginx reopens the file, and as the worker exits,
 * what waits is written with the record that seals the chain there.
 * With "buffer=0" every record is written at once.
 *
 * Should a write() fail, or take only part of what it was given, the
 * lines it did not take whole are lost, counted and alerted, and the
 * chain goes on from the last line the file took: a lost record leaves
 * no gap in it.  A line cut short (a full file system) is ended with a
 * newline before the next write.
 *
 * "syslog:server=..." sends each record as one datagram with nginx's
 * syslog code (as access_log does), at most 8 KB, at once: nothing is
 * buffered for it.
 *
 * A destination declared "best_effort" takes every record like any
 * other; a record it refuses is counted and logged as an error, not an
 * alert, and refuses no request (ngx_http_fgs_policy_audit.c).  Its
 * chain goes on from the last record it accepted, so what it did keep
 * still verifies.
 *
 * Each worker process keeps its own chain and buffer per destination,
 * in its own copy of this structure (the master writes none): the
 * chain is drawn at its first record; when the file is reopened, a
 * "rotate" record seals the old file and a "start" record resumes the
 * chain in the new one; when the worker exits, an "end" record ends it
 * (nginx calls the entry's flush() in each process before it reopens a
 * file, and as it exits).  The "start" is written as soon as the file
 * is reopened, from an event that flush() posts for the worker's next
 * turn of its event loop (nginx has no hook after a reopen), not with
 * the worker's next record: so the files verify right after a
 * rotation, even when a worker stays idle.  A chain seals every file of
 * its life, even one it wrote nothing else to ("start" and "rotate"),
 * so that a missing file shows.  A reload starts new workers, hence new
 * chains; the old workers end theirs as they exit.
 */


#include "ngx_http_fgs_policy_audit_log.h"
#include "ngx_http_fgs_policy_metrics.h"


/* the longest line, its newline included */
#define NGX_HTTP_FGS_POLICY_AUDIT_FILE_LINE    65536
#define NGX_HTTP_FGS_POLICY_AUDIT_SYSLOG_LINE  8192

/* the defaults of buffer= and flush= (docs/audit.md, "Buffering") */
#define NGX_HTTP_FGS_POLICY_AUDIT_BUFFER       (64 * 1024)
#define NGX_HTTP_FGS_POLICY_AUDIT_FLUSH        1000

/* buffer= at most */
#define NGX_HTTP_FGS_POLICY_AUDIT_MAX_BUFFER   (64 * 1024 * 1024)

/*
 * Room for a "start" (about 260 bytes) that goes before a record when
 * the buffer is nearly full: a line of the longest still fits after it.
 */
#define NGX_HTTP_FGS_POLICY_AUDIT_START_ROOM   1024


struct ngx_http_fgs_policy_audit_log_s {
    ngx_str_t                 name;
    ngx_open_file_t          *file;         /* a file, or */
    ngx_syslog_peer_t        *syslog;       /* syslog */
    ngx_cycle_t              *cycle;        /* whose open files has it */

    /*
     * A file's lines wait in buf, from buf to last; one byte before buf
     * holds the newline that ends a line cut short.  Fewer than
     * "buffer" bytes wait between two records, and the room after them
     * holds a "start" and a line of the longest.
     */
    u_char                   *buf;
    size_t                    size;         /* after buf */
    size_t                    buffer;       /* buffer= */
    ngx_msec_t                flush;        /* flush= */

    /* this process's own */
    u_char                   *last;         /* the end of what waits */
    u_char                   *start_line;   /* a "start" that waits */
    ngx_uint_t                pending;      /* records that wait */
    ngx_uint_t                intents;      /* intents among them */
    u_char                    last_id[64];  /* the request id of the
                                               last request's line */
    size_t                    last_id_len;
    fgs_audit_kind_e          last_kind;    /* and its kind */
    fgs_audit_chain_t         chain;        /* after the last line made */
    fgs_audit_chain_t         written;      /* after the last one the
                                               file took */
    ngx_uint_t                run;          /* lines were lost, or the
                                               file sealed, this many
                                               times: a request record
                                               refers to its intent only
                                               within one run */
    ngx_event_t               flush_ev;     /* flush= */
    ngx_event_t               start_ev;     /* "start" after a reopen */
    time_t                    alert_time;
    ngx_uint_t                failed;       /* since the last alert */
    unsigned                  started:1;    /* the chain is drawn */
    unsigned                  need_start:1; /* it has no record in the
                                               file open now */
    unsigned                  torn:1;       /* a write was cut short: the
                                               next begins a new line */
    unsigned                  intent_lost:1; /* since the last commit */

    unsigned                  best_effort:1;
};


static ngx_int_t ngx_http_fgs_policy_audit_syslog(
    ngx_http_fgs_policy_audit_log_t *al, fgs_audit_record_t *rec,
    ngx_err_t *err);
static ngx_int_t ngx_http_fgs_policy_audit_append(
    ngx_http_fgs_policy_audit_log_t *al, fgs_audit_record_t *rec);
static ngx_int_t ngx_http_fgs_policy_audit_drain(
    ngx_http_fgs_policy_audit_log_t *al, ngx_uint_t *lost, ngx_err_t *err);
static ngx_uint_t ngx_http_fgs_policy_audit_took(
    ngx_http_fgs_policy_audit_log_t *al, u_char *p, size_t n);
static void ngx_http_fgs_policy_audit_flush_handler(ngx_event_t *ev);
static ngx_int_t ngx_http_fgs_policy_audit_start(
    ngx_http_fgs_policy_audit_log_t *al, fgs_audit_record_t *rec);
static void ngx_http_fgs_policy_audit_start_handler(ngx_event_t *ev);
static ngx_int_t ngx_http_fgs_policy_audit_seal(
    ngx_http_fgs_policy_audit_log_t *al, fgs_audit_kind_e kind,
    ngx_log_t *log);
static void ngx_http_fgs_policy_audit_flush(ngx_open_file_t *file,
    ngx_log_t *log);
static void ngx_http_fgs_policy_audit_cleanup(void *data);
static void ngx_http_fgs_policy_audit_failed(
    ngx_http_fgs_policy_audit_log_t *al, ngx_log_t *log,
    fgs_audit_kind_e kind, const u_char *id, size_t id_len,
    ngx_uint_t lost, ngx_err_t err);


ngx_http_fgs_policy_audit_log_t *
ngx_http_fgs_policy_audit_log_add(ngx_conf_t *cf, ngx_array_t **logs,
    ngx_str_t *name, ngx_uint_t best_effort, size_t buffer, ngx_msec_t flush)
{
    size_t                            size;
    u_char                           *p;
    ngx_str_t                         full;
    ngx_uint_t                        i;
    ngx_open_file_t                  *file;
    ngx_pool_cleanup_t               *cln;
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

        if (buffer == NGX_CONF_UNSET_SIZE) {
            buffer = NGX_HTTP_FGS_POLICY_AUDIT_BUFFER;

        } else if (buffer > NGX_HTTP_FGS_POLICY_AUDIT_MAX_BUFFER) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "buffer= of \"%V\" is larger than 64m",
                               name);
            return NULL;
        }

        if (flush == NGX_CONF_UNSET_MSEC) {
            flush = NGX_HTTP_FGS_POLICY_AUDIT_FLUSH;
        }

    } else if (buffer != NGX_CONF_UNSET_SIZE
               || flush != NGX_CONF_UNSET_MSEC)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "buffer= and flush= are for audit files: each "
                           "record goes to \"%V\" at once", name);
        return NULL;

    } else {
        buffer = 0;
        flush = 0;
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

            if (alp[i]->buffer != buffer || alp[i]->flush != flush) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "the audit destination \"%V\" is "
                                   "declared with different buffer= or "
                                   "flush=", name);
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
    al->buffer = buffer;
    al->flush = flush;
    al->cycle = cf->cycle;

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

        /* what may wait, then a "start" and a line of the longest */
        size = buffer + NGX_HTTP_FGS_POLICY_AUDIT_START_ROOM
               + NGX_HTTP_FGS_POLICY_AUDIT_FILE_LINE;

        /* the flush timer goes with the configuration's memory */

        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NULL;
        }

        cln->handler = ngx_http_fgs_policy_audit_cleanup;
        cln->data = al;
    }

    /* and one byte before it: the newline that ends a line cut short */

    p = ngx_pnalloc(cf->pool, size + 1);
    if (p == NULL) {
        return NULL;
    }

    al->buf = p + 1;
    al->last = al->buf;
    al->size = size;

    alp = ngx_array_push(*logs);
    if (alp == NULL) {
        return NULL;
    }

    *alp = al;

    return al;
}


ngx_uint_t
ngx_http_fgs_policy_audit_log_required(ngx_http_fgs_policy_audit_log_t *al)
{
    return !al->best_effort;
}


ngx_int_t
ngx_http_fgs_policy_audit_write(ngx_http_fgs_policy_audit_log_t *al,
    fgs_audit_record_t *rec, ngx_log_t *log)
{
    size_t      n;
    ngx_err_t   err;
    ngx_uint_t  lost;

    err = 0;
    lost = 1;

    if (!al->started) {
        if (fgs_audit_chain_init(&al->chain, (int64_t) ngx_pid) != FGS_OK) {
            goto failed;
        }

        al->written = al->chain;
        al->started = 1;
    }

    if (al->syslog) {
        if (ngx_http_fgs_policy_audit_syslog(al, rec, &err) != NGX_OK) {
            goto failed;
        }

        return NGX_OK;
    }

    if (ngx_http_fgs_policy_audit_start(al, rec) != NGX_OK
        || ngx_http_fgs_policy_audit_append(al, rec) != NGX_OK)
    {
        goto failed;
    }

    if (rec->kind == FGS_AUDIT_REQUEST || rec->kind == FGS_AUDIT_INTENT) {
        n = ngx_min(rec->request_id.len, sizeof(al->last_id));
        ngx_memcpy(al->last_id, rec->request_id.data, n);
        al->last_id_len = n;
        al->last_kind = rec->kind;
    }

    if ((size_t) (al->last - al->buf) < al->buffer) {

        if (rec->kind == FGS_AUDIT_INTENT) {
            /* the caller has it written: ..._audit_log_commit() */
            al->intents++;
            return NGX_AGAIN;
        }

        if (rec->kind == FGS_AUDIT_REQUEST) {

            /* it waits, at most flush= */

            if (!al->flush_ev.timer_set) {
                al->flush_ev.handler = ngx_http_fgs_policy_audit_flush_handler;
                al->flush_ev.data = al;
                al->flush_ev.log = ngx_cycle->log;
                al->flush_ev.cancelable = 1;

                ngx_add_timer(&al->flush_ev, al->flush);
            }

            return NGX_OK;
        }
    }

    /*
     * A record that seals the chain, or a buffer that is full: out now,
     * with everything before it.
     */

    if (ngx_http_fgs_policy_audit_drain(al, &lost, &err) == NGX_OK) {
        return NGX_OK;
    }

failed:

    ngx_http_fgs_policy_audit_failed(al, log, rec->kind, rec->request_id.data,
                                     rec->request_id.len, lost, err);

    return NGX_ERROR;
}


/* a record over syslog: one datagram, at once */

static ngx_int_t
ngx_http_fgs_policy_audit_syslog(ngx_http_fgs_policy_audit_log_t *al,
    fgs_audit_record_t *rec, ngx_err_t *err)
{
    char     hash[FGS_SHA256_HEX_LEN + 1];
    size_t   len;
    u_char  *p;
    ssize_t  n;

    p = ngx_syslog_add_header(al->syslog, al->buf);

    len = fgs_audit_line(p, al->buf + al->size - p, rec, &al->chain, hash);
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

    fgs_audit_chain_next(&al->chain, hash);

    return NGX_OK;
}


/*
 * The chain's next line, after those that wait: the room there holds a
 * line of the longest (ngx_http_fgs_policy_audit_write() writes the
 * buffer out once "buffer" bytes wait).
 */

static ngx_int_t
ngx_http_fgs_policy_audit_append(ngx_http_fgs_policy_audit_log_t *al,
    fgs_audit_record_t *rec)
{
    char    hash[FGS_SHA256_HEX_LEN + 1];
    size_t  len, room;

    room = ngx_min((size_t) (al->buf + al->size - al->last),
                   NGX_HTTP_FGS_POLICY_AUDIT_FILE_LINE);

    len = fgs_audit_line(al->last, room, rec, &al->chain, hash);
    if (len == 0) {
        return NGX_ERROR;
    }

    fgs_audit_chain_next(&al->chain, hash);

    al->last += len;
    al->pending++;

    return NGX_OK;
}


/*
 * Everything that waits, in one write().  NGX_OK once the file took it
 * all; else the records it did not take whole are lost (*lost of them,
 * for the caller to count and report, with the error in *err), and the
 * chain goes on from the last one it took.
 */

static ngx_int_t
ngx_http_fgs_policy_audit_drain(ngx_http_fgs_policy_audit_log_t *al,
    ngx_uint_t *lost, ngx_err_t *err)
{
    u_char   *p;
    size_t    len;
    ssize_t   n;

    if (al->last == al->buf) {
        return NGX_OK;
    }

    p = al->buf;

    if (al->torn) {
        *--p = '\n';
    }

    len = al->last - p;

    n = ngx_write_fd(al->file->fd, p, len);

    if (n == (ssize_t) len) {
        al->written = al->chain;
        al->last = al->buf;
        al->start_line = NULL;
        al->pending = 0;
        al->intents = 0;
        al->torn = 0;

        return NGX_OK;
    }

    /* a full disk may take part of it */

    al->run++;

    *err = (n == -1) ? ngx_errno : NGX_ENOSPC;
    *lost = al->pending - ngx_http_fgs_policy_audit_took(al, p,
                                                         n > 0 ? n : 0);

    al->chain = al->written;
    al->last = al->buf;
    al->start_line = NULL;
    al->pending = 0;

    /* the requests of intents that waited here are refused */

    if (al->intents) {
        al->intent_lost = 1;
        al->intents = 0;
    }

    return NGX_ERROR;
}


/*
 * After a write() that took only the first n bytes from p: the records
 * among them that it took whole, each moving the chain as the file has
 * it (its hash ends the line), and whether a line was cut short.  A
 * "start" it did not take whole is needed again.  Returns how many
 * records it took.
 */

static ngx_uint_t
ngx_http_fgs_policy_audit_took(ngx_http_fgs_policy_audit_log_t *al,
    u_char *p, size_t n)
{
    u_char      *q, *line, *end;
    ngx_uint_t   took;

    took = 0;
    line = p;
    end = p + n;

    /* lines end with ,"hash":"H"}\n, and a newline only ends a line */

    for (q = p; q < end; q++) {
        if (*q != '\n') {
            continue;
        }

        if (q - line > 2 + FGS_SHA256_HEX_LEN) {
            al->written.seq++;
            ngx_memcpy(al->written.prev, q - 2 - FGS_SHA256_HEX_LEN,
                       FGS_SHA256_HEX_LEN);
            took++;
        }

        line = q + 1;
    }

    if (n) {
        al->torn = (end > line);
    }

    if (al->start_line && al->start_line >= line) {
        al->need_start = 1;
    }

    return took;
}


/* flush= after a request record was buffered */

static void
ngx_http_fgs_policy_audit_flush_handler(ngx_event_t *ev)
{
    ngx_http_fgs_policy_audit_log_t *al = ev->data;

    ngx_err_t   err;
    ngx_uint_t  lost;

    if (al->cycle != (ngx_cycle_t *) ngx_cycle) {
        /*
         * A reload with "master_process off" replaced the configuration
         * whose file this is: nginx has closed it.
         */
        return;
    }

    if (ngx_http_fgs_policy_audit_drain(al, &lost, &err) != NGX_OK) {
        ngx_http_fgs_policy_audit_failed(al, ev->log, al->last_kind,
                                         al->last_id, al->last_id_len, lost,
                                         err);
    }
}


/*
 * The intents that wait, in one write() per file with the records
 * before them, once the worker's turn of its event loop has decided
 * all it could (ngx_http_fgs_policy_audit.c).
 */

void
ngx_http_fgs_policy_audit_log_commit(ngx_array_t *logs, ngx_log_t *log)
{
    ngx_err_t                          err;
    ngx_uint_t                         i, lost;
    ngx_http_fgs_policy_audit_log_t  **alp, *al;

    if (logs == NULL) {
        return;
    }

    alp = logs->elts;

    for (i = 0; i < logs->nelts; i++) {
        al = alp[i];

        if (al->intents == 0) {
            continue;
        }

        err = 0;

        if (ngx_http_fgs_policy_audit_drain(al, &lost, &err) != NGX_OK) {
            ngx_http_fgs_policy_audit_failed(al, log, al->last_kind,
                                             al->last_id, al->last_id_len,
                                             lost, err);
        }
    }
}


void
ngx_http_fgs_policy_audit_log_mark(ngx_http_fgs_policy_audit_log_t *al,
    ngx_http_fgs_policy_audit_mark_t *mark)
{
    /* the chain is after the line just made */

    mark->seq = al->file ? al->chain.seq : 0;
    mark->run = al->run;
}


uint64_t
ngx_http_fgs_policy_audit_log_intent(ngx_http_fgs_policy_audit_log_t *al,
    ngx_http_fgs_policy_audit_mark_t *mark)
{
    if (al->file == NULL || mark->seq == 0 || mark->run != al->run
        || al->written.seq < mark->seq)
    {
        return 0;
    }

    return mark->seq;
}


ngx_uint_t
ngx_http_fgs_policy_audit_log_lost(ngx_http_fgs_policy_audit_log_t *al)
{
    return al->intent_lost;
}


void
ngx_http_fgs_policy_audit_log_committed(ngx_array_t *logs)
{
    ngx_uint_t                         i;
    ngx_http_fgs_policy_audit_log_t  **alp;

    if (logs == NULL) {
        return;
    }

    alp = logs->elts;

    for (i = 0; i < logs->nelts; i++) {
        alp[i]->intent_lost = 0;
    }
}


/* the "start" the chain needs in this file, if any, dated as rec */

static ngx_int_t
ngx_http_fgs_policy_audit_start(ngx_http_fgs_policy_audit_log_t *al,
    fgs_audit_record_t *rec)
{
    u_char              *line;
    fgs_audit_record_t   start;

    if (!al->need_start) {
        return NGX_OK;
    }

    ngx_memzero(&start, sizeof(fgs_audit_record_t));

    start.kind = FGS_AUDIT_START;
    start.sec = rec->sec;
    start.msec = rec->msec;

    line = al->last;

    if (ngx_http_fgs_policy_audit_append(al, &start) != NGX_OK) {
        return NGX_ERROR;
    }

    /* should the file not take it, it is needed again */

    al->start_line = line;
    al->need_start = 0;

    return NGX_OK;
}


/*
 * Posted by flush() before a reopen: by now the file is the new one,
 * and the "start" goes there at once (with a request record that came
 * first and took it along, if one did).  A failure is counted and
 * alerted like any record's; the chain then tries again with its next
 * record.
 */

static void
ngx_http_fgs_policy_audit_start_handler(ngx_event_t *ev)
{
    ngx_http_fgs_policy_audit_log_t *al = ev->data;

    ngx_err_t           err;
    ngx_uint_t          lost;
    ngx_time_t         *tp;
    fgs_audit_record_t  rec;

    if (ngx_exiting || ngx_terminate
        || al->cycle != (ngx_cycle_t *) ngx_cycle)
    {
        return;
    }

    err = 0;
    lost = 1;

    if (al->need_start) {
        ngx_memzero(&rec, sizeof(fgs_audit_record_t));

        tp = ngx_timeofday();

        rec.kind = FGS_AUDIT_START;
        rec.sec = tp->sec;
        rec.msec = tp->msec;

        if (ngx_http_fgs_policy_audit_start(al, &rec) != NGX_OK) {
            goto failed;
        }

    } else if (al->start_line == NULL) {
        /* written already */
        return;
    }

    if (ngx_http_fgs_policy_audit_drain(al, &lost, &err) == NGX_OK) {
        return;
    }

failed:

    ngx_http_fgs_policy_audit_failed(al, ev->log, FGS_AUDIT_START, NULL, 0,
                                     lost, err);
}


/*
 * nginx calls flush() on every open file before reopening it, and in
 * each process as it exits (ngx_conf_flush_files()): this worker's chain
 * seals the file with "end" when the worker exits, "rotate" otherwise,
 * written with whatever waits, and a "start" record will begin its part
 * of the next file.  (A reopen while a worker shuts down gracefully is
 * sealed with "end" too: the records of its last requests then follow a
 * "start".)
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

        if (al->flush_ev.timer_set) {
            ngx_del_timer(&al->flush_ev);
        }

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


/*
 * The configuration's memory goes (a worker exits, or a reload with
 * "master_process off" is done with the old one): its events go first.
 */

static void
ngx_http_fgs_policy_audit_cleanup(void *data)
{
    ngx_http_fgs_policy_audit_log_t  *al = data;

    if (al->flush_ev.timer_set) {
        ngx_del_timer(&al->flush_ev);
    }

    if (al->start_ev.posted) {
        ngx_delete_posted_event(&al->start_ev);
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
    al->run++;

    return rc;
}


/*
 * Records that were not written: counted, and an alert (an error for a
 * best_effort destination) at most once a second per destination in
 * this worker, with the number of failures since the last one, naming
 * the last record lost (a request's by its id, or the one that seals or
 * resumes a chain).  (With fgs_policy_audit_fail closed a request whose
 * intent is lost is refused by the caller.)
 */

static void
ngx_http_fgs_policy_audit_failed(ngx_http_fgs_policy_audit_log_t *al,
    ngx_log_t *log, fgs_audit_kind_e kind, const u_char *id, size_t id_len,
    ngx_uint_t lost, ngx_err_t err)
{
    u_char      *p;
    u_char       what[160];
    ngx_uint_t   i, level;

    for (i = 0; i < lost; i++) {
        ngx_http_fgs_policy_metrics_audit_failure();
    }

    al->failed += lost;

    if (lost == 0 || al->alert_time == ngx_time()) {
        return;
    }

    if (kind == FGS_AUDIT_REQUEST || kind == FGS_AUDIT_INTENT) {
        p = ngx_snprintf(what, sizeof(what), "of request %*s%s",
                         ngx_min(id_len, 64), id,
                         kind == FGS_AUDIT_INTENT ? " (its intent)" : "");

        if (lost > 1) {
            p = ngx_snprintf(p, what + sizeof(what) - p,
                             " and %ui more buffered with it", lost - 1);
        }

    } else if (kind == FGS_AUDIT_START) {
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

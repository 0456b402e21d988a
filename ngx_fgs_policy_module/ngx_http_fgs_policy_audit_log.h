
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Audit destinations and each worker's chain in them
 * (ngx_http_fgs_policy_audit_log.c): the audit's records
 * (ngx_http_fgs_policy_audit.c) are written here.
 */


#ifndef _NGX_HTTP_FGS_POLICY_AUDIT_LOG_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_AUDIT_LOG_H_INCLUDED_


#include "ngx_http_fgs_policy_conf.h"
#include "audit/fgs_audit.h"


/*
 * The destination named by "fgs_policy_audit_log NAME [best_effort]
 * [buffer=SIZE] [flush=TIME]": a file or "syslog:server=...", one per
 * name in the configuration, which every mention must declare alike.
 * buffer and flush: NGX_CONF_UNSET_SIZE and NGX_CONF_UNSET_MSEC when not
 * given (a file then takes the defaults; syslog takes neither).  *logs
 * holds the configuration's destinations (made on first use).  NULL on
 * an error, logged.
 */
ngx_http_fgs_policy_audit_log_t *ngx_http_fgs_policy_audit_log_add(
    ngx_conf_t *cf, ngx_array_t **logs, ngx_str_t *name,
    ngx_uint_t best_effort, size_t buffer, ngx_msec_t flush);

/*
 * Whether the destination carries the guarantee of "fgs_policy_audit_fail
 * closed": one declared best_effort does not, and a record it refuses
 * refuses no request.
 */
ngx_uint_t ngx_http_fgs_policy_audit_log_required(
    ngx_http_fgs_policy_audit_log_t *al);

/*
 * Writes rec as the next record of this worker's chain (docs/audit.md,
 * "Buffering").  A file's request record waits in the destination's
 * buffer (buffer=, flush=); an intent waits there for
 * ngx_http_fgs_policy_audit_log_commit(), which writes it with the
 * other intents decided in the same turn of the event loop and the
 * records before them.  Returns NGX_OK once the destination accepted
 * the record (the file's write() took the whole of it, the datagram was
 * sent) or, for a request record, buffered it; NGX_AGAIN for an intent
 * that waits for the commit; or NGX_ERROR, after an alert at most once
 * a second per destination and a count in the metrics.  The alert names
 * the record by its request id.
 */
ngx_int_t ngx_http_fgs_policy_audit_write(ngx_http_fgs_policy_audit_log_t *al,
    fgs_audit_record_t *rec, ngx_log_t *log);

/*
 * Where an intent went in a file: its seq in this worker's chain there,
 * and the run of the chain's lines it belongs to (a run ends when lines
 * are lost or the file is sealed for a reopen or an exit).
 */
typedef struct {
    uint64_t                  seq;          /* 0: none */
    ngx_uint_t                run;
} ngx_http_fgs_policy_audit_mark_t;

/* right after an intent was given to ngx_http_fgs_policy_audit_write() */
void ngx_http_fgs_policy_audit_log_mark(ngx_http_fgs_policy_audit_log_t *al,
    ngx_http_fgs_policy_audit_mark_t *mark);

/*
 * The seq of the intent marked, when the file took it whole and its
 * request record will follow it in the same file, with no line of the
 * chain lost in between; else 0.  Always 0 for syslog, whose datagrams
 * may be lost without a word: there each record stands alone.
 */
uint64_t ngx_http_fgs_policy_audit_log_intent(
    ngx_http_fgs_policy_audit_log_t *al,
    ngx_http_fgs_policy_audit_mark_t *mark);

/*
 * Writes the intents that wait in the files of logs (the
 * configuration's destinations), each file's with one write().  Until
 * ngx_http_fgs_policy_audit_log_committed(logs),
 * ngx_http_fgs_policy_audit_log_lost(al) tells whether intents that
 * waited in al were lost (not written whole, or with a write() that did
 * not take all it was given): their requests are refused.
 */
void ngx_http_fgs_policy_audit_log_commit(ngx_array_t *logs, ngx_log_t *log);
ngx_uint_t ngx_http_fgs_policy_audit_log_lost(
    ngx_http_fgs_policy_audit_log_t *al);
void ngx_http_fgs_policy_audit_log_committed(ngx_array_t *logs);

/*
 * A worker exits: the chains it keeps over syslog end (a file's end,
 * with what waits in its buffer, as nginx flushes it).  logs: the
 * configuration's destinations, or NULL.
 */
void ngx_http_fgs_policy_audit_log_exit(ngx_array_t *logs, ngx_log_t *log);


#endif /* _NGX_HTTP_FGS_POLICY_AUDIT_LOG_H_INCLUDED_ */

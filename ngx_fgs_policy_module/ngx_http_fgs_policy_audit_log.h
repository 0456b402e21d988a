
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
 * The destination named by "fgs_policy_audit_log NAME [best_effort]": a
 * file or "syslog:server=...", one per name in the configuration, which
 * every mention must declare alike.  *logs holds the configuration's
 * destinations (made on first use).  NULL on an error, logged.
 */
ngx_http_fgs_policy_audit_log_t *ngx_http_fgs_policy_audit_log_add(
    ngx_conf_t *cf, ngx_array_t **logs, ngx_str_t *name,
    ngx_uint_t best_effort);

/*
 * Whether the destination carries the guarantee of "fgs_policy_audit_fail
 * closed": one declared best_effort does not, and a record it refuses
 * refuses no request.
 */
ngx_uint_t ngx_http_fgs_policy_audit_log_required(
    ngx_http_fgs_policy_audit_log_t *al);

/*
 * Writes rec as the next record of this worker's chain.  Returns NGX_OK
 * once the destination accepted the whole line (the file's write()
 * returned, the datagram was sent), or NGX_ERROR, after an alert at
 * most once a second per destination and a count in the metrics.  The
 * alert names the record by its request id, made only then.
 */
ngx_int_t ngx_http_fgs_policy_audit_write(ngx_http_fgs_policy_audit_log_t *al,
    fgs_audit_record_t *rec, ngx_log_t *log);

/*
 * A worker exits: the chains it keeps over syslog end (a file's end as
 * nginx flushes it).  logs: the configuration's destinations, or NULL.
 */
void ngx_http_fgs_policy_audit_log_exit(ngx_array_t *logs, ngx_log_t *log);


#endif /* _NGX_HTTP_FGS_POLICY_AUDIT_LOG_H_INCLUDED_ */

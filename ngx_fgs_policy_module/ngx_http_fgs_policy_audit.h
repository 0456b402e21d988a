
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What the two halves of the audit share: the records of requests
 * (ngx_http_fgs_policy_audit.c) go to the destinations that keep each
 * worker's chain (ngx_http_fgs_policy_audit_log.c).
 */


#ifndef _NGX_HTTP_FGS_POLICY_AUDIT_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_AUDIT_H_INCLUDED_


#include "ngx_http_fgs_policy_module.h"
#include "fgs_audit.h"


/*
 * The destination named by "fgs_policy_audit_log NAME": a file or
 * "syslog:server=...", one per name in the configuration.
 */
ngx_http_fgs_policy_audit_log_t *ngx_http_fgs_policy_audit_log_add(
    ngx_conf_t *cf, ngx_str_t *name);

/*
 * Writes rec as the next record of this worker's chain.  Returns NGX_OK
 * once the destination accepted the whole line (the file's write()
 * returned, the datagram was sent), or NGX_ERROR, after an alert at
 * most once a second per destination and a count in the metrics.
 * what names the record in that alert ("of request ...").
 */
ngx_int_t ngx_http_fgs_policy_audit_write(ngx_http_fgs_policy_audit_log_t *al,
    fgs_audit_record_t *rec, ngx_log_t *log, ngx_str_t *what);


#endif /* _NGX_HTTP_FGS_POLICY_AUDIT_H_INCLUDED_ */

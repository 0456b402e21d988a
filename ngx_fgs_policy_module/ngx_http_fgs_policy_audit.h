
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The audit records of governed requests (ngx_http_fgs_policy_audit.c):
 * its directives, the check of its settings, its handlers.  What it
 * keeps of a request is its own; the destinations it writes to are
 * ngx_http_fgs_policy_audit_log.c's.
 */


#ifndef _NGX_HTTP_FGS_POLICY_AUDIT_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_AUDIT_H_INCLUDED_


#include "ngx_http_fgs_policy_conf.h"


/*
 * "fgs_policy_audit_log" and "fgs_policy_audit_fail" into the
 * ngx_http_fgs_policy_loc_conf_t conf, as a directive's handler does.
 */
char *ngx_http_fgs_policy_audit_set_log(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_fgs_policy_audit_set_fail(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* once flcf is merged: refuses "closed" with only best_effort places */
char *ngx_http_fgs_policy_audit_merge_check(ngx_conf_t *cf,
    ngx_http_fgs_policy_loc_conf_t *flcf);

/* postconfiguration: the log-phase handler and the body's hashing */
ngx_int_t ngx_http_fgs_policy_audit_init(ngx_conf_t *cf);

/*
 * The intent record of a request the policy has just decided to
 * forward, for PRECONTENT, to be called right after the policy's
 * handler declined (ngx_http_fgs_policy_module.c): NGX_DECLINED once it
 * is written; NGX_AGAIN while it waits for the end of the event loop's
 * turn, after which the request's phases resume from the same handler;
 * or the status the request is refused with when the record is not
 * written.
 */
ngx_int_t ngx_http_fgs_policy_audit_intent(ngx_http_request_t *r);


#endif /* _NGX_HTTP_FGS_POLICY_AUDIT_H_INCLUDED_ */

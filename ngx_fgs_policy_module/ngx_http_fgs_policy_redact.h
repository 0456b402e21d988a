
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The error-log writer that blanks credentials
 * (ngx_http_fgs_policy_redact.c).  Which logs get it is the
 * configuration's choice (fgs_policy_redact_log, in
 * ngx_http_fgs_policy_module.c).
 */


#ifndef _NGX_HTTP_FGS_POLICY_REDACT_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_REDACT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


/*
 * Every log of the chain that starts at log writes its lines redacted
 * until pool is destroyed, which gives each its own writer back.  A log
 * that is redacted already is left as it is.  NGX_OK or NGX_ERROR.
 */
ngx_int_t ngx_http_fgs_policy_redact_log(ngx_pool_t *pool, ngx_log_t *log);

/* whether log, the first of its chain, writes its lines redacted */
ngx_uint_t ngx_http_fgs_policy_redacted(ngx_log_t *log);

/*
 * As a process starts: cycle's main error log, and the listening sockets'
 * copies of a log that is redacted, in cycle->pool.
 */
ngx_int_t ngx_http_fgs_policy_redact_process(ngx_cycle_t *cycle);


#endif /* _NGX_HTTP_FGS_POLICY_REDACT_H_INCLUDED_ */

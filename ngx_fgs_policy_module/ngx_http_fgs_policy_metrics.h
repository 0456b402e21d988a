
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Counters of governed requests, kept in one shared memory zone so that
 * every worker process adds to the same numbers and a reload keeps them,
 * and the "fgs_policy_metrics" location that serves them as Prometheus
 * text (see ngx_http_fgs_policy_metrics.c).
 */


#ifndef _NGX_HTTP_FGS_POLICY_METRICS_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_METRICS_H_INCLUDED_


#include "ngx_http_fgs_policy_conf.h"


/*
 * Postconfiguration: adds the zone when a policy or the metrics location
 * is configured, and the header filter and log-phase handler that count
 * every governed request once.
 */
ngx_int_t ngx_http_fgs_policy_metrics_init(ngx_conf_t *cf);

/*
 * In create_main_conf: when this configuration fails to load on a
 * reload, the running configuration's counters say so
 * (fgs_policy_reload_failures_total, fgs_policy_last_reload_successful).
 */
ngx_int_t ngx_http_fgs_policy_metrics_conf(ngx_conf_t *cf,
    ngx_http_fgs_policy_main_conf_t *fmcf);

/* init_module: the configuration of cycle loaded whole */
void ngx_http_fgs_policy_metrics_loaded(ngx_cycle_t *cycle);

/* the "fgs_policy_metrics" directive: location only, no arguments */
char *ngx_http_fgs_policy_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/*
 * Counts one audit record that could not be written.  Safe to call from
 * anywhere in a worker, with or without a request; does nothing when no
 * zone is configured.
 */
void ngx_http_fgs_policy_metrics_audit_failure(void);


#endif /* _NGX_HTTP_FGS_POLICY_METRICS_H_INCLUDED_ */

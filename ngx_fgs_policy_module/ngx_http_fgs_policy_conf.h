
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The module's configuration, as every part of the glue reads it: the
 * policy files loaded at configuration time, and the settings of each
 * server and location (docs/directives.md).
 */


#ifndef _NGX_HTTP_FGS_POLICY_CONF_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "policy/fgs_policy.h"


#define NGX_HTTP_FGS_POLICY_MAX_BODY  (64 * 1024 * 1024)

/* fgs_policy_audit_fail */
#define NGX_HTTP_FGS_POLICY_AUDIT_CLOSED  1
#define NGX_HTTP_FGS_POLICY_AUDIT_OPEN    2


/* an audit destination, and what the audit keeps of a request */
typedef struct ngx_http_fgs_policy_audit_log_s
    ngx_http_fgs_policy_audit_log_t;
typedef struct ngx_http_fgs_policy_audit_req_s
    ngx_http_fgs_policy_audit_req_t;


/* one policy file loaded at configuration time, shared by name */
typedef struct {
    ngx_str_t                 file;         /* full path */
    fgs_policy_t             *policy;
} ngx_http_fgs_policy_file_t;


typedef struct {
    ngx_array_t               files;        /* ngx_http_fgs_policy_file_t */
    ngx_int_t                 request_id_index;
    ngx_shm_zone_t           *metrics_zone;     /* the counters, or NULL */
    ngx_array_t              *audit_logs;   /* the audit destinations, one
                                               per name; NULL if none */
    unsigned                  loaded:1;     /* this configuration cycle
                                               was loaded whole */
    unsigned                  redact:1;     /* some context redacts its
                                               error log: so does the main
                                               one, in each process */
} ngx_http_fgs_policy_main_conf_t;


typedef struct {
    ngx_http_fgs_policy_file_t  *file;      /* NULL: "off";
                                               NGX_CONF_UNSET_PTR: unset */
    ngx_uint_t                mode;         /* fgs_mode_e */
    off_t                     max_body_size;

    /*
     * The governing policy was set in http{} or server{}: requests are
     * then decided in the server-level phase, before any location is
     * chosen, and a location does not change that.
     */
    unsigned                  server_level:1;

    /* one of the module's directives appears in this location{} */
    unsigned                  in_location:1;
    ngx_str_t                 conf_file;    /* where, for the message */
    ngx_uint_t                conf_line;

    ngx_array_t              *audit_log;    /* the destinations, each an
                                               ngx_http_fgs_policy_audit_
                                               log_t *; NULL: "off";
                                               NGX_CONF_UNSET_PTR: unset */
    ngx_uint_t                audit_fail;   /* NGX_HTTP_FGS_POLICY_AUDIT_* */

    /*
     * fgs_policy_redact_log as set here or above, NGX_CONF_UNSET where
     * nowhere: then a context redacts where it has a policy.
     */
    ngx_flag_t                redact_log;

    /*
     * Of a server{}'s own configuration: it or one of its locations
     * redacts, so the server's log and that of the default server of
     * each of its addresses are redacted too.
     */
    unsigned                  redact_server:1;
} ngx_http_fgs_policy_loc_conf_t;


extern ngx_module_t  ngx_http_fgs_policy_module;


#endif /* _NGX_HTTP_FGS_POLICY_CONF_H_INCLUDED_ */

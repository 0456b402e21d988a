
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The module's directives, its configuration (create and merge) and its
 * initialisation: the phase handlers, the filters and the variables.
 *
 *   fgs_policy FILE | off;                      http, server, location
 *   fgs_policy_mode enforce | audit;            http, server, location
 *   fgs_policy_max_body_size SIZE;              http, server, location
 *   fgs_policy_audit_log PATH [buffer=SIZE] [flush=TIME] [best_effort]
 *       | syslog:... [best_effort] | off;         http, server, location
 *   fgs_policy_audit_fail closed | open;        http, server, location
 *   fgs_policy_redact_log on | off;             http, server, location
 *   fgs_policy_metrics;                         location
 *
 * A policy file is loaded and compiled while the configuration is read:
 * "nginx -t" reports a file that does not load with its rule and field.
 * The loaded policy belongs to the configuration cycle (a cleanup of
 * cf->pool frees it), so a reload swaps it together with everything else
 * and a reload that fails leaves the old cycle, and its policy, serving.
 */


#include "ngx_http_fgs_policy_module.h"
#include "ngx_http_fgs_policy_audit.h"
#include "ngx_http_fgs_policy_audit_log.h"
#include "ngx_http_fgs_policy_metrics.h"
#include "ngx_http_fgs_policy_redact.h"
#include "core/fgs_version.h"
#include "load/fgs_load.h"


static ngx_int_t ngx_http_fgs_policy_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_fgs_policy_init_process(ngx_cycle_t *cycle);
static void ngx_http_fgs_policy_exit_process(ngx_cycle_t *cycle);
static void ngx_http_fgs_policy_exit_master(ngx_cycle_t *cycle);
static char *ngx_http_fgs_policy(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_http_fgs_policy_file_t *ngx_http_fgs_policy_load(ngx_conf_t *cf,
    ngx_str_t *name);
static void ngx_http_fgs_policy_free(void *data);
static void ngx_http_fgs_policy_warn(void *data, const char *exception,
    const char *message);
static char *ngx_http_fgs_policy_set_mode(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_fgs_policy_set_max_body_size(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_fgs_policy_set_audit_log(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_fgs_policy_set_audit_fail(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static void ngx_http_fgs_policy_note_location(ngx_conf_t *cf,
    ngx_http_fgs_policy_loc_conf_t *flcf);

static ngx_int_t ngx_http_fgs_policy_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_fgs_policy_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_fgs_policy_precontent(ngx_http_request_t *r);
static void *ngx_http_fgs_policy_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_fgs_policy_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_fgs_policy_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_fgs_policy_merge_redact(ngx_conf_t *cf,
    ngx_http_fgs_policy_loc_conf_t *prev,
    ngx_http_fgs_policy_loc_conf_t *conf);
static ngx_int_t ngx_http_fgs_policy_redact_conf_log(ngx_conf_t *cf,
    ngx_log_t *log);
static ngx_int_t ngx_http_fgs_policy_redact_defaults(ngx_conf_t *cf);
static ngx_uint_t ngx_http_fgs_policy_redact_addr(ngx_http_conf_addr_t *addr);


static ngx_str_t  ngx_http_fgs_policy_request_id_name =
    ngx_string("request_id");


static ngx_conf_enum_t  ngx_http_fgs_policy_modes[] = {
    { ngx_string("enforce"), FGS_MODE_ENFORCE },
    { ngx_string("audit"), FGS_MODE_AUDIT },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_fgs_policy_commands[] = {

    { ngx_string("fgs_policy"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_fgs_policy,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("fgs_policy_mode"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_fgs_policy_set_mode,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fgs_policy_loc_conf_t, mode),
      &ngx_http_fgs_policy_modes },

    { ngx_string("fgs_policy_max_body_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_fgs_policy_set_max_body_size,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fgs_policy_loc_conf_t, max_body_size),
      NULL },

    { ngx_string("fgs_policy_audit_log"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1234,
      ngx_http_fgs_policy_set_audit_log,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("fgs_policy_audit_fail"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_fgs_policy_set_audit_fail,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fgs_policy_loc_conf_t, audit_fail),
      NULL },

    { ngx_string("fgs_policy_redact_log"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fgs_policy_loc_conf_t, redact_log),
      NULL },

    { ngx_string("fgs_policy_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_fgs_policy_metrics,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_fgs_policy_module_ctx = {
    ngx_http_fgs_policy_preconfiguration,  /* preconfiguration */
    ngx_http_fgs_policy_init,              /* postconfiguration */

    ngx_http_fgs_policy_create_main_conf,  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_fgs_policy_create_loc_conf,   /* create location configuration */
    ngx_http_fgs_policy_merge_loc_conf     /* merge location configuration */
};


ngx_module_t  ngx_http_fgs_policy_module = {
    NGX_MODULE_V1,
    &ngx_http_fgs_policy_module_ctx,       /* module context */
    ngx_http_fgs_policy_commands,          /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_fgs_policy_init_module,       /* init module */
    ngx_http_fgs_policy_init_process,      /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_fgs_policy_exit_process,      /* exit process */
    ngx_http_fgs_policy_exit_master,       /* exit master */
    NGX_MODULE_V1_PADDING
};


static char *
ngx_http_fgs_policy(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fgs_policy_loc_conf_t *flcf = conf;

    ngx_str_t                   *value;
    ngx_http_fgs_policy_file_t  *file;

    if (flcf->file != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        file = NULL;

    } else {
        file = ngx_http_fgs_policy_load(cf, &value[1]);
        if (file == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    flcf->file = file;
    flcf->server_level = (file != NULL && cf->cmd_type != NGX_HTTP_LOC_CONF);

    ngx_http_fgs_policy_note_location(cf, flcf);

    return NGX_CONF_OK;
}


/*
 * Every context that names the same file shares one loaded policy: it is
 * immutable once loaded (its match data is used by one request at a
 * time, and a worker evaluates a request without suspending).
 */

static ngx_http_fgs_policy_file_t *
ngx_http_fgs_policy_load(ngx_conf_t *cf, ngx_str_t *name)
{
    u_char                           *p, *last;
    ngx_str_t                         path;
    ngx_uint_t                        i;
    fgs_policy_t                     *policy;
    ngx_pool_cleanup_t               *cln;
    fgs_policy_error_t                err;
    ngx_http_fgs_policy_file_t       *file;
    ngx_http_fgs_policy_main_conf_t  *fmcf;
    u_char                            where[512];

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_fgs_policy_module);

    path = *name;

    /* a relative name is relative to the configuration prefix */

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NULL;
    }

    file = fmcf->files.elts;

    for (i = 0; i < fmcf->files.nelts; i++) {
        if (file[i].file.len == path.len
            && ngx_strncmp(file[i].file.data, path.data, path.len) == 0)
        {
            return &file[i];
        }
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    ngx_memzero(&err, sizeof(fgs_policy_error_t));

    /* ngx_conf_full_name() leaves the path NUL-terminated */

    policy = fgs_policy_load((const char *) path.data, &err);

    if (policy == NULL) {
        p = where;
        last = where + sizeof(where);

        if (err.rule) {
            p = ngx_slprintf(p, last, "rule \"%s\", ", err.rule);
        }

        if (err.field) {
            p = ngx_slprintf(p, last, "field \"%s\": ", err.field);
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "fgs_policy \"%s\" does not load: %*s%s",
                           err.file ? err.file : (char *) path.data,
                           p - where, where,
                           err.message ? err.message : "unknown error");

        fgs_policy_error_free(&err);
        return NULL;
    }

    cln->handler = ngx_http_fgs_policy_free;
    cln->data = policy;

    /*
     * expired exceptions, and those about to expire: on nginx -t, at
     * start and on every reload, so that no exception runs out unnoticed
     */

    (void) fgs_policy_warnings(policy, ngx_time(), ngx_http_fgs_policy_warn,
                               cf);

    file = ngx_array_push(&fmcf->files);
    if (file == NULL) {
        return NULL;
    }

    file->file = path;
    file->policy = policy;

    return file;
}


static void
ngx_http_fgs_policy_free(void *data)
{
    fgs_policy_free(data);
}


static void
ngx_http_fgs_policy_warn(void *data, const char *exception,
    const char *message)
{
    ngx_conf_t  *cf = data;

    ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "fgs_policy: %s", message);
}


static char *
ngx_http_fgs_policy_set_mode(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *rv;

    rv = ngx_conf_set_enum_slot(cf, cmd, conf);

    if (rv == NGX_CONF_OK) {
        ngx_http_fgs_policy_note_location(cf, conf);
    }

    return rv;
}


static char *
ngx_http_fgs_policy_set_max_body_size(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_fgs_policy_loc_conf_t *flcf = conf;

    char  *rv;

    rv = ngx_conf_set_off_slot(cf, cmd, conf);

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    /* the scanner reads bodies of up to 4 GB - 1 */

    if (flcf->max_body_size < 1
        || (uint64_t) flcf->max_body_size > (uint64_t) FGS_JSON_MAX_BODY)
    {
        return "must be between 1 and 4294967295 bytes";
    }

    ngx_http_fgs_policy_note_location(cf, flcf);

    return NGX_CONF_OK;
}


/*
 * The audit's directives, which ngx_http_fgs_policy_audit.c reads; set
 * in a location, they are noted for the merge like the others.
 */

static char *
ngx_http_fgs_policy_set_audit_log(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *rv;

    rv = ngx_http_fgs_policy_audit_set_log(cf, cmd, conf);

    if (rv == NGX_CONF_OK) {
        ngx_http_fgs_policy_note_location(cf, conf);
    }

    return rv;
}


static char *
ngx_http_fgs_policy_set_audit_fail(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *rv;

    rv = ngx_http_fgs_policy_audit_set_fail(cf, cmd, conf);

    if (rv == NGX_CONF_OK) {
        ngx_http_fgs_policy_note_location(cf, conf);
    }

    return rv;
}


/*
 * A setting of the policy's in a location{}, and where it is: see the
 * merge.  fgs_policy_redact_log is not one: it is about the logs, which
 * a location's requests write to whatever governs them.
 */

static void
ngx_http_fgs_policy_note_location(ngx_conf_t *cf,
    ngx_http_fgs_policy_loc_conf_t *flcf)
{
    if (cf->cmd_type == NGX_HTTP_LOC_CONF && !flcf->in_location) {
        flcf->in_location = 1;
        flcf->conf_file = cf->conf_file->file.name;
        flcf->conf_line = cf->conf_file->line;
    }
}


static ngx_int_t
ngx_http_fgs_policy_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_fgs_policy_add_variables(cf);
}


/*
 * POST_READ decides requests where a policy is set in http{} or
 * server{}, PRECONTENT reads and checks their bodies and does it all
 * where a policy is set only in a location (see
 * ngx_http_fgs_policy_handler.c).
 *
 * What the module adds does not depend on the order in which it adds
 * it: the audit's intent is written by the same PRECONTENT handler that
 * decides (ngx_http_fgs_policy_precontent()), and the metrics' header
 * filter counts once the filters below it, the error filter among them,
 * have run (ngx_http_fgs_policy_metrics.c).  Each of the module's other
 * handlers and filters looks only at what is final when it runs.
 */

static ngx_int_t
ngx_http_fgs_policy_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt              *h;
    ngx_http_core_main_conf_t        *cmcf;
    ngx_http_fgs_policy_main_conf_t  *fmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_POST_READ_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_fgs_policy_post_read_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_fgs_policy_precontent;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_fgs_policy_module);

    fmcf->request_id_index = ngx_http_get_variable_index(cf,
                                 &ngx_http_fgs_policy_request_id_name);
    if (fmcf->request_id_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (ngx_http_fgs_policy_audit_init(cf) != NGX_OK
        || ngx_http_fgs_policy_body_init(cf) != NGX_OK
        || ngx_http_fgs_policy_metrics_init(cf) != NGX_OK
        || ngx_http_fgs_policy_error_init(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_fgs_policy_redact_defaults(cf);
}


/*
 * The policy's PRECONTENT handler, then, once it let the request go on,
 * the audit's intent: a request is never forwarded before the record of
 * what was decided for it is written (fgs_policy_audit_fail closed).
 * One handler calls both so that nothing of nginx's, or another
 * module's, can run between them.
 */

static ngx_int_t
ngx_http_fgs_policy_precontent(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_fgs_policy_precontent_handler(r);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    return ngx_http_fgs_policy_audit_intent(r);
}


static void *
ngx_http_fgs_policy_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_fgs_policy_main_conf_t  *fmcf;

    fmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fgs_policy_main_conf_t));
    if (fmcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&fmcf->files, cf->pool, 2,
                       sizeof(ngx_http_fgs_policy_file_t))
        != NGX_OK)
    {
        return NULL;
    }

    fmcf->request_id_index = NGX_ERROR;

    if (ngx_http_fgs_policy_metrics_conf(cf, fmcf) != NGX_OK) {
        return NULL;
    }

    return fmcf;
}


static void *
ngx_http_fgs_policy_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_fgs_policy_loc_conf_t  *flcf;

    flcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fgs_policy_loc_conf_t));
    if (flcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     flcf->server_level = 0;
     *     flcf->in_location = 0;
     *     flcf->conf_file = { 0, NULL };
     *     flcf->conf_line = 0;
     *     flcf->redact_server = 0;
     */

    flcf->file = NGX_CONF_UNSET_PTR;
    flcf->mode = NGX_CONF_UNSET_UINT;
    flcf->max_body_size = NGX_CONF_UNSET;
    flcf->audit_log = NGX_CONF_UNSET_PTR;
    flcf->audit_fail = NGX_CONF_UNSET_UINT;
    flcf->redact_log = NGX_CONF_UNSET;

    return flcf;
}


static char *
ngx_http_fgs_policy_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_fgs_policy_loc_conf_t *prev = parent;
    ngx_http_fgs_policy_loc_conf_t *conf = child;

    /*
     * A location inside a server that is governed at server level does
     * not change what governs its requests: they are decided before any
     * location is chosen, so that no location can exempt them.  A
     * different setting here would silently not apply: say so.
     */

    if (conf->in_location && prev->server_level) {

        if ((conf->file != NGX_CONF_UNSET_PTR && conf->file != prev->file)
            || (conf->mode != NGX_CONF_UNSET_UINT && conf->mode != prev->mode)
            || (conf->max_body_size != NGX_CONF_UNSET
                && conf->max_body_size != prev->max_body_size)
            || (conf->audit_log != NGX_CONF_UNSET_PTR
                && conf->audit_log != prev->audit_log)
            || (conf->audit_fail != NGX_CONF_UNSET_UINT
                && conf->audit_fail != prev->audit_fail))
        {
            ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                          "fgs_policy settings in the location at %V:%ui "
                          "do not apply: the server level governs "
                          "FunctionGraph requests, before a location is "
                          "chosen", &conf->conf_file, conf->conf_line);
        }

        conf->file = prev->file;
        conf->server_level = 1;
        conf->mode = prev->mode;
        conf->max_body_size = prev->max_body_size;
        conf->audit_log = prev->audit_log;
        conf->audit_fail = prev->audit_fail;

    } else {

        if (conf->file == NGX_CONF_UNSET_PTR) {
            conf->file = (prev->file == NGX_CONF_UNSET_PTR) ? NULL
                                                            : prev->file;
            conf->server_level = prev->server_level;
        }

        ngx_conf_merge_uint_value(conf->mode, prev->mode, FGS_MODE_UNSET);
        ngx_conf_merge_off_value(conf->max_body_size, prev->max_body_size,
                                 NGX_HTTP_FGS_POLICY_MAX_BODY);
        ngx_conf_merge_ptr_value(conf->audit_log, prev->audit_log, NULL);
        ngx_conf_merge_uint_value(conf->audit_fail, prev->audit_fail,
                                  NGX_HTTP_FGS_POLICY_AUDIT_CLOSED);
    }

    if (ngx_http_fgs_policy_merge_redact(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_fgs_policy_audit_merge_check(cf, conf);
}


/*
 * fgs_policy_redact_log (docs/directives.md).  Redaction is a property
 * of a log, the error_log of a context, which every request handled
 * there writes through (nginx copies a log's writer into the
 * connection's log, ngx_set_connection_log()), and which other contexts
 * may share by inheriting it: a log is redacted when any context that
 * redacts writes to it.  A context redacts when the directive says "on"
 * here or above, or, where it says nothing, when a policy governs it.
 * A request's header lines are logged before its location is known, in
 * its server's log (and, before the Host header, in that of the default
 * server of the address: see ngx_http_fgs_policy_redact_defaults()), so
 * a location that redacts redacts its server's log too.  The main error
 * log, which the servers that set no error_log of their own inherit,
 * is redacted in each process as it starts when any context redacts.
 */

static char *
ngx_http_fgs_policy_merge_redact(ngx_conf_t *cf,
    ngx_http_fgs_policy_loc_conf_t *prev, ngx_http_fgs_policy_loc_conf_t *conf)
{
    ngx_http_core_loc_conf_t         *clcf;
    ngx_http_core_srv_conf_t         *cscf;
    ngx_http_fgs_policy_loc_conf_t   *sflcf;
    ngx_http_fgs_policy_main_conf_t  *fmcf;

    /* unset stays unset: each context then follows its own policy */

    ngx_conf_merge_value(conf->redact_log, prev->redact_log, NGX_CONF_UNSET);

    if (conf->redact_log == 0
        || (conf->redact_log == NGX_CONF_UNSET && conf->file == NULL))
    {
        return NGX_CONF_OK;
    }

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_fgs_policy_module);
    fmcf->redact = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (ngx_http_fgs_policy_redact_conf_log(cf, clcf->error_log) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* the server's own configuration, merged before its locations */

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);

    sflcf = cscf->ctx->loc_conf[ngx_http_fgs_policy_module.ctx_index];
    sflcf->redact_server = 1;

    clcf = cscf->ctx->loc_conf[ngx_http_core_module.ctx_index];

    if (ngx_http_fgs_policy_redact_conf_log(cf, clcf->error_log) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * A log of the configuration.  The main error log, which contexts that
 * set none inherit, is left to each process's start (see
 * ngx_http_fgs_policy_redact_process()).
 */

static ngx_int_t
ngx_http_fgs_policy_redact_conf_log(ngx_conf_t *cf, ngx_log_t *log)
{
    if (log == NULL || log == &cf->cycle->new_log) {
        return NGX_OK;
    }

    return ngx_http_fgs_policy_redact_log(cf->pool, log);
}


/*
 * Postconfiguration, with every server merged: a connection logs
 * through the log of the default server of the address it came to until
 * its request names a server (its Host header, the SNI name), and
 * HTTP/2 logs its header tables there for good; so that server's log is
 * redacted when any server on the address redacts.  "on" in http{}
 * redacts the main error log even when no server inherits it.
 */

static ngx_int_t
ngx_http_fgs_policy_redact_defaults(ngx_conf_t *cf)
{
    ngx_uint_t                        p, a;
    ngx_http_conf_port_t             *port;
    ngx_http_conf_addr_t             *addr;
    ngx_http_core_srv_conf_t         *cscf;
    ngx_http_core_loc_conf_t         *clcf;
    ngx_http_core_main_conf_t        *cmcf;
    ngx_http_fgs_policy_loc_conf_t   *flcf;
    ngx_http_fgs_policy_main_conf_t  *fmcf;

    flcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_fgs_policy_module);

    if (flcf->redact_log == 1) {
        fmcf = ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_fgs_policy_module);
        fmcf->redact = 1;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    if (cmcf->ports == NULL) {
        return NGX_OK;
    }

    port = cmcf->ports->elts;

    for (p = 0; p < cmcf->ports->nelts; p++) {

        addr = port[p].addrs.elts;

        for (a = 0; a < port[p].addrs.nelts; a++) {

            if (!ngx_http_fgs_policy_redact_addr(&addr[a])) {
                continue;
            }

            cscf = addr[a].default_server;
            clcf = cscf->ctx->loc_conf[ngx_http_core_module.ctx_index];

            if (ngx_http_fgs_policy_redact_conf_log(cf, clcf->error_log)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/* some server on the address redacts */

static ngx_uint_t
ngx_http_fgs_policy_redact_addr(ngx_http_conf_addr_t *addr)
{
    ngx_uint_t                       i;
    ngx_http_core_srv_conf_t       **cscfp;
    ngx_http_fgs_policy_loc_conf_t  *flcf;

    cscfp = addr->servers.elts;

    for (i = 0; i < addr->servers.nelts; i++) {
        flcf = cscfp[i]->ctx->loc_conf[ngx_http_fgs_policy_module.ctx_index];

        if (flcf->redact_server) {
            return 1;
        }
    }

    return 0;
}


/*
 * A configuration loaded whole, at start or on a reload (in the master):
 * one notice with the module's version and its libraries', and the
 * metrics learn that the load succeeded.  "nginx -t" and "nginx -s" say
 * nothing.
 */

static ngx_int_t
ngx_http_fgs_policy_init_module(ngx_cycle_t *cycle)
{
    fgs_version_libs_t  libs;

    if (!ngx_test_config && ngx_process != NGX_PROCESS_SIGNALLER) {
        fgs_version_libs(&libs);

        ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                      "fgs_policy " FGS_VERSION
                      " (jansson %s, PCRE2 %s, OpenSSL %s)",
                      libs.jansson, libs.pcre2, libs.openssl);
    }

    ngx_http_fgs_policy_metrics_loaded(cycle);

    return NGX_OK;
}


/* a worker (or the single process) starts: its own id key, its logs */

static ngx_int_t
ngx_http_fgs_policy_init_process(ngx_cycle_t *cycle)
{
    ngx_http_fgs_policy_main_conf_t  *fmcf;

    if (ngx_http_fgs_policy_request_id_init(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    fmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_fgs_policy_module);

    if (fmcf == NULL || !fmcf->redact) {
        return NGX_OK;
    }

    return ngx_http_fgs_policy_redact_process(cycle);
}


/*
 * A worker's exit: the audit seals its chains, then the request arena's
 * kept blocks are freed.  The master serves requests only with
 * "master_process off"; it frees its kept blocks too.
 */

static void
ngx_http_fgs_policy_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_fgs_policy_main_conf_t  *fmcf;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_fgs_policy_module);

    if (fmcf != NULL) {
        ngx_http_fgs_policy_audit_log_exit(fmcf->audit_logs, cycle->log);
    }

    ngx_http_fgs_policy_arena_free_kept();
}


static void
ngx_http_fgs_policy_exit_master(ngx_cycle_t *cycle)
{
    ngx_http_fgs_policy_arena_free_kept();
}

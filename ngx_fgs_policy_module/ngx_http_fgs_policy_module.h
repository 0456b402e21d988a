
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What the parts of the nginx glue share: the configuration, the
 * per-request context and the functions each part offers the others.
 * The policy engine (engine/) knows nothing of nginx; this glue hands it
 * the request's bytes and memory from the request's pool.
 */


#ifndef _NGX_HTTP_FGS_POLICY_MODULE_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "fgs_common.h"
#include "fgs_json.h"
#include "fgs_base64.h"
#include "fgs_target.h"
#include "fgs_schema.h"
#include "fgs_policy.h"

#include "ngx_http_fgs_policy_arena.h"


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
} ngx_http_fgs_policy_loc_conf_t;


/*
 * The per-request context.  It lives in a cleanup of the request's pool
 * so that it survives internal redirects (which zero r->ctx):
 * ngx_http_fgs_policy_get_ctx() finds it again there.  It exists only for
 * requests on governed paths (and those rejected for their target).  It
 * holds all that is known of the decision, for the variables and for an
 * audit record written once the response status is known.
 */

typedef struct {
    ngx_http_request_t       *request;
    fgs_alloc_t               alloc;        /* the engine's memory: */
    ngx_http_fgs_policy_arena_t  arena;     /* from this arena */

    /*
     * What the scan and the checks work in, released as soon as the
     * request is decided (docs/performance.md, "Memory"): a decided request
     * holds only what alloc holds.
     */
    fgs_alloc_t               scan_alloc;
    ngx_http_fgs_policy_arena_t  scan_arena;

    /* the settings that govern the request, fixed when it is decided */
    ngx_http_fgs_policy_loc_conf_t  *conf;

    fgs_target_t              target;
    fgs_op_e                  op;
    fgs_decision_e            decision;

    off_t                     max_body_size;
    off_t                     received;     /* body bytes read so far */

    /* the body as one contiguous view, as read (docs/architecture.md) */
    u_char                   *body;
    size_t                    body_len;
    void                     *map;          /* an mmap()ed temp file */
    size_t                    map_len;

    /* base64 runs found while a large body was read, for the scanner */
    fgs_base64_runs_t         runs;
    unsigned                  runs_on:1;

    fgs_json_doc_t            doc;
    fgs_violations_t          schema;       /* API reference violations */
    fgs_eval_t                eval;
    unsigned                  evaluated:1;

    size_t                    forwarded_len;    /* after a rewrite */

    /* the error this request is rejected with, for the error filter */
    ngx_uint_t                err_status;
    const char               *err_code;
    const char               *err_msg;
    const fgs_violation_t    *err_violations;

    ngx_buf_t                *err_body;     /* the JSON that replaces
                                               nginx's page */
    const char               *sent_code;    /* its error_code, for the
                                               metrics */

    ngx_http_fgs_policy_audit_req_t  *audit;

    unsigned                  signed_body:1;    /* AK/SK covers it */
    unsigned                  pending:1;    /* governed; the body is to be
                                               read in PRECONTENT */
    unsigned                  reading:1;    /* the body is being read */
    unsigned                  decided:1;    /* forwarded or rejected: the
                                               request is not governed
                                               again */
    unsigned                  rejected:1;   /* never forwarded */
    unsigned                  err_sent:1;
    unsigned                  counted:1;    /* in the metrics */
} ngx_http_fgs_policy_ctx_t;


extern ngx_module_t  ngx_http_fgs_policy_module;


/* ngx_http_fgs_policy_handler.c */
ngx_int_t ngx_http_fgs_policy_post_read_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_fgs_policy_precontent_handler(ngx_http_request_t *r);
ngx_http_fgs_policy_ctx_t *ngx_http_fgs_policy_get_ctx(ngx_http_request_t *r);
ngx_http_fgs_policy_ctx_t *ngx_http_fgs_policy_create_ctx(
    ngx_http_request_t *r);
fgs_target_result_e ngx_http_fgs_policy_parse_target(ngx_http_request_t *r,
    fgs_target_t *t);

/* ngx_http_fgs_policy_headers.c */
typedef struct {
    ngx_uint_t                content_types;
    ngx_table_elt_t          *content_encoding;     /* not "identity" */
    ngx_table_elt_t          *method_override;
    unsigned                  aksk:1;               /* an SDK signature */
    unsigned                  unsigned_payload:1;
} ngx_http_fgs_policy_headers_t;

/* what an Authorization header's SDK signature says */
typedef struct {
    ngx_str_t                 access_key;   /* empty if not a valid AK */
    unsigned                  sm3:1;        /* hashes with SM3: its body
                                               header is X-Sdk-Content-Sm3 */
} ngx_http_fgs_policy_signature_t;

ngx_int_t ngx_http_fgs_policy_signature(ngx_str_t *value,
    ngx_http_fgs_policy_signature_t *sig);

void ngx_http_fgs_policy_read_headers(ngx_http_request_t *r,
    ngx_http_fgs_policy_headers_t *h);
ngx_int_t ngx_http_fgs_policy_json_type(ngx_str_t *value);
ngx_uint_t ngx_http_fgs_policy_in_fgs_path(const fgs_str_t *path);

/* ngx_http_fgs_policy_body.c */
ngx_int_t ngx_http_fgs_policy_body_init(ngx_conf_t *cf);
ngx_int_t ngx_http_fgs_policy_too_large(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);
ngx_int_t ngx_http_fgs_policy_body_view(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);
ngx_int_t ngx_http_fgs_policy_forward_edits(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);
void ngx_http_fgs_policy_unmap(ngx_http_fgs_policy_ctx_t *ctx);

/* ngx_http_fgs_policy_error.c */
ngx_int_t ngx_http_fgs_policy_error_init(ngx_conf_t *cf);

/*
 * $request_id of a governed request (ngx_http_fgs_policy_error.c): the
 * variable's value, made here when nothing has made it yet, 32 hex
 * digits as nginx makes them, from a keyed hash of a per-worker counter
 * instead of one RAND_bytes() call per request.  The key is drawn as
 * each process starts.
 */
ngx_int_t ngx_http_fgs_policy_request_id_init(ngx_cycle_t *cycle);
ngx_http_variable_value_t *ngx_http_fgs_policy_request_id(
    ngx_http_request_t *r);
ngx_int_t ngx_http_fgs_policy_reject(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_uint_t status, const char *code,
    const char *msg, const fgs_violation_t *violations);
ngx_int_t ngx_http_fgs_policy_internal_error(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, const char *what);

/* ngx_http_fgs_policy_variables.c */
ngx_int_t ngx_http_fgs_policy_add_variables(ngx_conf_t *cf);

/* ngx_http_fgs_policy_module.c */
void ngx_http_fgs_policy_note_location(ngx_conf_t *cf,
    ngx_http_fgs_policy_loc_conf_t *flcf);

/* ngx_http_fgs_policy_audit.c */
ngx_int_t ngx_http_fgs_policy_audit_init(ngx_conf_t *cf);
char *ngx_http_fgs_policy_audit_log_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_fgs_policy_audit_fail_slot(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_fgs_policy_audit_merge_check(ngx_conf_t *cf,
    ngx_http_fgs_policy_loc_conf_t *flcf);

/* ngx_http_fgs_policy_audit_log.c */
void ngx_http_fgs_policy_audit_exit_process(ngx_cycle_t *cycle);

/* ngx_http_fgs_policy_redact.c */
char *ngx_http_fgs_policy_redact_conf(ngx_conf_t *cf);
ngx_int_t ngx_http_fgs_policy_redact_init_process(ngx_cycle_t *cycle);


#endif /* _NGX_HTTP_FGS_POLICY_MODULE_H_INCLUDED_ */

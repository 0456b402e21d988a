
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

#include "ngx_http_fgs_policy_conf.h"
#include "ngx_http_fgs_policy_ctx.h"
#include "ngx_http_fgs_policy_facts.h"
#include "ngx_http_fgs_policy_request_id.h"


/* ngx_http_fgs_policy_handler.c */
ngx_int_t ngx_http_fgs_policy_post_read_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_fgs_policy_precontent_handler(ngx_http_request_t *r);

/* ngx_http_fgs_policy_body.c */
ngx_int_t ngx_http_fgs_policy_body_init(ngx_conf_t *cf);
ngx_int_t ngx_http_fgs_policy_body_view(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);
ngx_int_t ngx_http_fgs_policy_forward_edits(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);

/* ngx_http_fgs_policy_error.c */
ngx_int_t ngx_http_fgs_policy_error_init(ngx_conf_t *cf);

/* ngx_http_fgs_policy_variables.c */
ngx_int_t ngx_http_fgs_policy_add_variables(ngx_conf_t *cf);


#endif /* _NGX_HTTP_FGS_POLICY_MODULE_H_INCLUDED_ */

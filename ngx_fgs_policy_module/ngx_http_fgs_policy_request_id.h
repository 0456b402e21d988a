
/*
 * Copyright (C) ngx_fgs_policy_module authors
 */


#ifndef _NGX_HTTP_FGS_POLICY_REQUEST_ID_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_REQUEST_ID_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_fgs_policy_conf.h"


/*
 * $request_id of a governed request: the variable's value, made here
 * when nothing has made it yet, 32 hex digits as nginx makes them, from
 * a keyed hash of a per-worker counter instead of one RAND_bytes() call
 * per request.  The key is drawn as each process starts.
 */
ngx_int_t ngx_http_fgs_policy_request_id_init(ngx_cycle_t *cycle);
ngx_http_variable_value_t *ngx_http_fgs_policy_request_id(
    ngx_http_request_t *r);

/*
 * Adds "name: $request_id" to the answer; *value is the id, or NULL when
 * the variable has none.
 */
ngx_int_t ngx_http_fgs_policy_id_header(ngx_http_request_t *r,
    ngx_str_t *name, ngx_http_variable_value_t **value);


#endif /* _NGX_HTTP_FGS_POLICY_REQUEST_ID_H_INCLUDED_ */

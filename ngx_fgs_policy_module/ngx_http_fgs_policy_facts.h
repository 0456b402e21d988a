
/*
 * Copyright (C) ngx_fgs_policy_module authors
 */


#ifndef _NGX_HTTP_FGS_POLICY_FACTS_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_FACTS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "request/fgs_request.h"

#include "ngx_http_fgs_policy_conf.h"


/*
 * The request's facts for the engine (ngx_http_fgs_policy_facts.c):
 * with flcf NULL without the settings that govern it.
 */
void ngx_http_fgs_policy_read_facts(ngx_http_request_t *r,
    ngx_http_fgs_policy_loc_conf_t *flcf, fgs_request_t *rq);


#endif /* _NGX_HTTP_FGS_POLICY_FACTS_H_INCLUDED_ */


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Variables for access_log and headers (docs/directives.md, "Variables"):
 *
 *   $fgs_policy_operation     code, config, create, other
 *   $fgs_policy_decision      allow, rewrite, audit, deny, error
 *   $fgs_policy_rules         the policy rules that acted on the request:
 *                             violated (enforced or audited) or rewriting,
 *                             comma-separated, each once, in that order
 *   $fgs_policy_project_id    the target's project
 *   $fgs_policy_function_urn  the target's function URN
 *   $fgs_policy_identity      who: ak:AK, user:DOMAIN/NAME,
 *                             agency:DOMAIN/AGENCY, token:HASH or none
 *   $fgs_policy_principals    the policy's principals the caller belongs
 *                             to, comma-separated
 *
 * Each is empty (not found) for a request that is not governed.  They
 * are not cacheable: the decision comes after the body is read, and a
 * variable may be read before (a log format evaluated early) and after.
 */


#include "ngx_http_fgs_policy_module.h"


static ngx_int_t ngx_http_fgs_policy_operation_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fgs_policy_decision_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fgs_policy_rules_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fgs_policy_target_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fgs_policy_identity_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fgs_policy_principals_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static size_t ngx_http_fgs_policy_add_rule(u_char *p, u_char *start,
    const char *rule);
static void ngx_http_fgs_policy_set_value(ngx_http_variable_value_t *v,
    const u_char *data, size_t len);


static ngx_http_variable_t  ngx_http_fgs_policy_vars[] = {

    { ngx_string("fgs_policy_operation"), NULL,
      ngx_http_fgs_policy_operation_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fgs_policy_decision"), NULL,
      ngx_http_fgs_policy_decision_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fgs_policy_rules"), NULL,
      ngx_http_fgs_policy_rules_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fgs_policy_project_id"), NULL,
      ngx_http_fgs_policy_target_variable,
      offsetof(fgs_target_t, project_id),
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fgs_policy_function_urn"), NULL,
      ngx_http_fgs_policy_target_variable,
      offsetof(fgs_target_t, urn),
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fgs_policy_identity"), NULL,
      ngx_http_fgs_policy_identity_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fgs_policy_principals"), NULL,
      ngx_http_fgs_policy_principals_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_fgs_policy_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_fgs_policy_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_fgs_policy_operation_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char                 *name;
    ngx_http_fgs_policy_ctx_t  *ctx;

    ctx = ngx_http_fgs_policy_get_ctx(r);

    if (ctx == NULL || ctx->verdict.op == FGS_OP_NONE) {
        v->not_found = 1;
        return NGX_OK;
    }

    name = fgs_op_name(ctx->verdict.op);
    ngx_http_fgs_policy_set_value(v, (const u_char *) name, ngx_strlen(name));

    return NGX_OK;
}


static ngx_int_t
ngx_http_fgs_policy_decision_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char                 *name;
    ngx_http_fgs_policy_ctx_t  *ctx;

    ctx = ngx_http_fgs_policy_get_ctx(r);

    if (ctx == NULL
        || (!ngx_http_fgs_policy_decided(ctx) && ctx->err_body == NULL))
    {
        v->not_found = 1;
        return NGX_OK;
    }

    /* a request that nginx refused before the policy: "error" */

    name = fgs_policy_decision_name(ngx_http_fgs_policy_decided(ctx)
                                    ? ctx->verdict.decision
                                    : FGS_DECISION_ERROR);
    ngx_http_fgs_policy_set_value(v, (const u_char *) name, ngx_strlen(name));

    return NGX_OK;
}


/* the caller's identity as one label (engine/identity/fgs_identity.h) */

static ngx_int_t
ngx_http_fgs_policy_identity_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                     *p;
    size_t                      size;
    ngx_http_fgs_policy_ctx_t  *ctx;

    ctx = ngx_http_fgs_policy_get_ctx(r);

    if (ctx == NULL || !ctx->verdict.identified) {
        v->not_found = 1;
        return NGX_OK;
    }

    /* the token's hash, when nothing recorded it yet */

    if (fgs_identity_token_hash(&ctx->verdict.identity) != FGS_OK) {
        return NGX_ERROR;
    }

    size = 2 * FGS_IDENTITY_MAX_NAME + 16;

    p = ngx_pnalloc(r->pool, size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_http_fgs_policy_set_value(v, p,
        fgs_identity_label(&ctx->verdict.identity, (char *) p, size));

    return NGX_OK;
}


static ngx_int_t
ngx_http_fgs_policy_principals_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                     *p, *start;
    size_t                      len, n;
    uint32_t                    i;
    uint64_t                    mask;
    const char                 *name;
    const fgs_policy_t         *policy;
    ngx_http_fgs_policy_ctx_t  *ctx;

    ctx = ngx_http_fgs_policy_get_ctx(r);

    if (ctx == NULL || !ctx->verdict.identified || ctx->conf == NULL
        || ctx->conf->file == NULL)
    {
        v->not_found = 1;
        return NGX_OK;
    }

    policy = ctx->conf->file->policy;
    mask = ctx->verdict.identity.principals;
    len = 0;

    for (i = 0; i < FGS_POLICY_MAX_PRINCIPALS; i++) {
        name = (mask & ((uint64_t) 1 << i))
               ? fgs_policy_principal_name(policy, i) : NULL;

        if (name != NULL) {
            len += ngx_strlen(name) + 1;
        }
    }

    start = ngx_pnalloc(r->pool, len + 1);
    if (start == NULL) {
        return NGX_ERROR;
    }

    p = start;

    for (i = 0; i < FGS_POLICY_MAX_PRINCIPALS; i++) {
        name = (mask & ((uint64_t) 1 << i))
               ? fgs_policy_principal_name(policy, i) : NULL;

        if (name == NULL) {
            continue;
        }

        if (p != start) {
            *p++ = ',';
        }

        n = ngx_strlen(name);
        p = ngx_cpymem(p, name, n);
    }

    ngx_http_fgs_policy_set_value(v, start, p - start);

    return NGX_OK;
}


static ngx_int_t
ngx_http_fgs_policy_rules_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                     *p, *start;
    size_t                      len;
    fgs_rule_note_t            *note;
    fgs_violation_t            *vi;
    ngx_http_fgs_policy_ctx_t  *ctx;

    ctx = ngx_http_fgs_policy_get_ctx(r);

    if (ctx == NULL || !ctx->verdict.evaluated) {
        v->not_found = 1;
        return NGX_OK;
    }

    len = 0;

    for (vi = ctx->verdict.eval.violations.head; vi; vi = vi->next) {
        len += vi->rule ? ngx_strlen(vi->rule) + 1 : 0;
    }

    for (vi = ctx->verdict.eval.audited.head; vi; vi = vi->next) {
        len += vi->rule ? ngx_strlen(vi->rule) + 1 : 0;
    }

    for (note = ctx->verdict.eval.rewrites; note; note = note->next) {
        len += note->rule ? ngx_strlen(note->rule) + 1 : 0;
    }

    if (len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    start = ngx_pnalloc(r->pool, len);
    if (start == NULL) {
        return NGX_ERROR;
    }

    p = start;

    for (vi = ctx->verdict.eval.violations.head; vi; vi = vi->next) {
        p += ngx_http_fgs_policy_add_rule(p, start, vi->rule);
    }

    for (vi = ctx->verdict.eval.audited.head; vi; vi = vi->next) {
        p += ngx_http_fgs_policy_add_rule(p, start, vi->rule);
    }

    for (note = ctx->verdict.eval.rewrites; note; note = note->next) {
        p += ngx_http_fgs_policy_add_rule(p, start, note->rule);
    }

    ngx_http_fgs_policy_set_value(v, start, p - start);

    return NGX_OK;
}


/*
 * Appends ",rule" (or "rule" first) unless start..p already names it.
 * Rule ids are [A-Za-z0-9_.-]: they hold no comma.
 */

static size_t
ngx_http_fgs_policy_add_rule(u_char *p, u_char *start, const char *rule)
{
    size_t   len;
    u_char  *s, *end, *comma;

    if (rule == NULL) {
        return 0;
    }

    len = ngx_strlen(rule);

    for (s = start; s < p; s = comma + 1) {
        comma = ngx_strlchr(s, p, ',');
        end = comma ? comma : p;

        if ((size_t) (end - s) == len && ngx_strncmp(s, rule, len) == 0) {
            return 0;
        }

        if (comma == NULL) {
            break;
        }
    }

    if (p == start) {
        ngx_memcpy(p, rule, len);
        return len;
    }

    *p++ = ',';
    ngx_memcpy(p, rule, len);

    return len + 1;
}


static ngx_int_t
ngx_http_fgs_policy_target_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    fgs_str_t                  *s;
    ngx_http_fgs_policy_ctx_t  *ctx;

    ctx = ngx_http_fgs_policy_get_ctx(r);

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    s = (fgs_str_t *) ((char *) &ctx->verdict.target + data);

    if (s->len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    ngx_http_fgs_policy_set_value(v, s->data, s->len);

    return NGX_OK;
}


static void
ngx_http_fgs_policy_set_value(ngx_http_variable_value_t *v,
    const u_char *data, size_t len)
{
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = (u_char *) data;
}

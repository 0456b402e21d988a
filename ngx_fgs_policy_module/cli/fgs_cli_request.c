
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * One request through the engine's one pipeline (fgs_request_begin() and
 * fgs_request_body(), which the module calls too), and the body that
 * would be forwarded.  Shared by "eval" and "test".
 */


#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fgs_cli.h"


static int fgs_cli_target(const fgs_cli_request_t *rq, fgs_alloc_t *a,
    const char **pmethod, const char **ptarget, char *err, size_t errlen);


/*
 * The request as the gateway would receive it, through the one pipeline
 * the module runs (engine/request/fgs_request.h): a Content-Type of
 * application/json, the body's length, and an SDK signature over the
 * body when --signed is given.
 */

int
fgs_cli_run(const fgs_policy_t *policy, const fgs_cli_request_t *rq,
    fgs_cli_result_t *res, fgs_alloc_t *a, char *err, size_t errlen)
{
    int             rc;
    u_char         *buf;
    const char     *method, *target;
    fgs_verdict_t  *v;
    fgs_request_t   req;

    memset(res, 0, sizeof(fgs_cli_result_t));
    res->policy = policy;

    rc = fgs_cli_target(rq, a, &method, &target, err, errlen);
    if (rc != FGS_OK) {
        return rc;
    }

    if (rq->op != FGS_OP_OTHER && rq->body == NULL
        && fgs_request_takes_body(fgs_cli_api(rq)))
    {
        snprintf(err, errlen, "a %s request needs a body",
                 fgs_op_name(rq->op));
        return FGS_DECLINED;
    }

    memset(&req, 0, sizeof(fgs_request_t));

    req.method.data = (const u_char *) method;
    req.method.len = strlen(method);
    req.target.data = (const u_char *) target;
    req.target.len = strlen(target);
    req.content_types = 1;
    req.record_changes = 1;
    req.content_type.data = (const u_char *) "application/json";
    req.content_type.len = sizeof("application/json") - 1;
    req.content_length = rq->body ? (int64_t) rq->len : -1;
    req.aksk = rq->signed_body || rq->aksk;
    req.unsigned_payload = rq->aksk && rq->unsigned_payload
                           && !rq->signed_body;
    req.identity = rq->identity;
    req.auth_token = rq->auth_token;
    req.access_key = rq->access_key;
    req.auth_tokens = rq->auth_tokens;
    req.authorizations = rq->authorizations;
    req.security_tokens = rq->security_tokens;
    req.policy = policy;
    req.mode = rq->mode;
    req.max_body_size = INT64_MAX;
    req.now = rq->now;

    v = &res->verdict;

    rc = fgs_request_begin(&req, v, a);

    if (rc == FGS_OK && v->next == FGS_NEXT_BODY) {
        rc = fgs_request_body(&req, v, rq->body, rq->len, NULL, a, a);
    }

    if (rc != FGS_OK) {
        snprintf(err, errlen, "%s (out of memory)",
                 v->failure ? v->failure : "the check failed");
        return FGS_ERROR;
    }

    if (v->next == FGS_NEXT_PASS
        || (v->next != FGS_NEXT_ANSWER && v->op != rq->op))
    {
        snprintf(err, errlen, "%s %s is not a %s request", method, target,
                 fgs_op_name(rq->op));
        return FGS_DECLINED;
    }

    if (v->next != FGS_NEXT_FORWARD || rq->op == FGS_OP_OTHER) {
        return FGS_OK;
    }

    if (v->eval.nedits == 0) {
        res->forwarded = rq->body;
        res->forwarded_len = rq->len;
        return FGS_OK;
    }

    buf = a->alloc(a->data, v->eval.new_len + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return FGS_ERROR;
    }

    res->forwarded_len = fgs_edits_apply(rq->body, rq->len, v->eval.edits,
                                         v->eval.nedits, buf);
    res->forwarded = buf;

    if (res->forwarded_len != v->eval.new_len) {
        snprintf(err, errlen, "the rewritten body is %zu bytes, not %zu",
                 res->forwarded_len, v->eval.new_len);
        return FGS_ERROR;
    }

    return FGS_OK;
}


/*
 * The request line the gateway would see for the operation: its endpoint
 * in fgs_apis[] (the one of rq->method, or the operation's first: its
 * create), with the project and the URN in place and every other
 * "{name}" as "name"; for "other", a POST of a path no endpoint has.
 */

static int
fgs_cli_target(const fgs_cli_request_t *rq, fgs_alloc_t *a,
    const char **pmethod, const char **ptarget, char *err, size_t errlen)
{
    int                    i;
    char                  *target, project[33];
    size_t                 n, size, k;
    fgs_api_e              api;
    const char            *p, *q;
    const fgs_api_t       *e;
    const fgs_api_word_t  *w;

    project[0] = '\0';

    if (rq->project != NULL) {
        snprintf(project, sizeof(project), "%s", rq->project);

    } else if (rq->urn != NULL) {
        /* urn:fss:{region}:{project_id}:function:... */
        for (p = rq->urn, i = 0; p != NULL && i < 3; i++) {
            p = strchr(p, ':');
            p = p ? p + 1 : NULL;
        }

        q = p ? strchr(p, ':') : NULL;

        if (q != NULL && q - p < (int) sizeof(project)) {
            memcpy(project, p, q - p);
            project[q - p] = '\0';
        }
    }

    if (project[0] == '\0') {
        snprintf(err, errlen, "give --project, or a --urn that names it");
        return FGS_DECLINED;
    }

    if (rq->op == FGS_OP_OTHER) {
        *pmethod = "POST";
        *ptarget = fgs_sprintf(a, "/v2/%s/fgs/no-such-api", project);
        return *ptarget ? FGS_OK : FGS_ERROR;
    }

    api = fgs_cli_api(rq);

    if (api == FGS_API_NONE) {
        snprintf(err, errlen, "the %s operation has no %s endpoint%s%s",
                 fgs_op_name(rq->op), fgs_method_name(rq->method),
                 rq->path ? " " : "", rq->path ? rq->path : "");
        return FGS_DECLINED;
    }

    e = &fgs_apis[api];

    if (e->urn && rq->urn == NULL) {
        snprintf(err, errlen, "a %s request needs --urn",
                 fgs_op_name(rq->op));
        return FGS_DECLINED;
    }

    size = 64 + strlen(project) + (rq->urn ? strlen(rq->urn) : 0);

    for (k = 0; k < e->n; k++) {
        size += e->word[k].len + 1;
    }

    target = a->alloc(a->data, size);
    if (target == NULL) {
        snprintf(err, errlen, "out of memory");
        return FGS_ERROR;
    }

    n = (size_t) snprintf(target, size, "/v2/%s", project);

    for (k = 0; k < e->n; k++) {
        w = &e->word[k];

        if (k + 1 == e->urn) {
            n += snprintf(target + n, size - n, "/%s", rq->urn);

        } else if (w->text[0] == '{') {
            n += snprintf(target + n, size - n, "/%.*s", (int) w->len - 2,
                          w->text + 1);

        } else {
            n += snprintf(target + n, size - n, "/%s", w->text);
        }
    }

    *pmethod = fgs_method_name(e->method);
    *ptarget = target;

    return FGS_OK;
}


/* "eval --explain": what refused the request, or the policy's reasons */

int
fgs_cli_explain(const fgs_policy_t *policy, const fgs_cli_request_t *rq,
    const fgs_cli_result_t *res, fgs_alloc_t *a, fgs_policy_print_pt print,
    void *data)
{
    char                  line[1024];
    fgs_eval_input_t      in;
    const fgs_verdict_t  *v;

    v = &res->verdict;

    if (!v->evaluated) {
        snprintf(line, sizeof(line), "refused before the policy (%s): %s",
                 v->error_code ? v->error_code : "no code",
                 v->error_msg ? v->error_msg : "no reason given");
        print(data, line);
        return FGS_OK;
    }

    /* what the policy ran on, as fgs_request_body() gave it */

    memset(&in, 0, sizeof(fgs_eval_input_t));
    in.op = v->op;
    in.target = &v->target;
    in.doc = (v->op == FGS_OP_OTHER) ? NULL : &v->doc;
    in.mode = rq->mode;
    in.now = rq->now;
    in.signed_body = v->signed_body;

    return fgs_policy_explain(policy, &in, &v->eval, a, print, data);
}


/*
 * The endpoint of the request: the operation's one of rq->method and
 * rq->path ("fgs-policy endpoints" prints them), or its first.
 */

fgs_api_e
fgs_cli_api(const fgs_cli_request_t *rq)
{
    char      path[160];
    uint32_t  a;

    if (rq->path == NULL) {
        return fgs_api_of(rq->op, rq->method);
    }

    for (a = 1; a < FGS_API_COUNT; a++) {
        if (fgs_apis[a].op == rq->op
            && (rq->method == 0 || fgs_apis[a].method == rq->method)
            && strcmp(fgs_api_path((fgs_api_e) a, path, sizeof(path)),
                      rq->path) == 0)
        {
            return (fgs_api_e) a;
        }
    }

    return FGS_API_NONE;
}


int
fgs_cli_parse_op(const char *s, fgs_op_e *op)
{
    *op = fgs_op_by_name(s, strlen(s));

    return (*op == FGS_OP_NONE) ? FGS_DECLINED : FGS_OK;
}


int
fgs_cli_parse_method(const char *s, fgs_method_e *m)
{
    if (strcmp(s, "POST") == 0) {
        *m = FGS_METHOD_POST;

    } else if (strcmp(s, "PUT") == 0) {
        *m = FGS_METHOD_PUT;

    } else if (strcmp(s, "DELETE") == 0) {
        *m = FGS_METHOD_DELETE;

    } else {
        return FGS_DECLINED;
    }

    return FGS_OK;
}


int
fgs_cli_parse_mode(const char *s, fgs_mode_e *mode)
{
    if (strcmp(s, "enforce") == 0) {
        *mode = FGS_MODE_ENFORCE;

    } else if (strcmp(s, "audit") == 0) {
        *mode = FGS_MODE_AUDIT;

    } else {
        return FGS_DECLINED;
    }

    return FGS_OK;
}


/* RFC 3339, or the current time for NULL */

int
fgs_cli_parse_now(const char *s, time_t *now)
{
    if (s == NULL) {
        *now = time(NULL);
        return FGS_OK;
    }

    return fgs_policy_parse_time((const u_char *) s, strlen(s), now);
}

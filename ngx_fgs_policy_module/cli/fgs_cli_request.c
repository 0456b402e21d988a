
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * One request through the engine exactly as the gateway runs it: the
 * request target (fgs_target_parse), the strict scan (fgs_json_scan),
 * the API reference (fgs_schema_validate), the policy (fgs_policy_eval), and
 * the body that would be forwarded.  Shared by "eval" and "test".
 */


#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fgs_cli.h"
#include "request/fgs_error.h"
#include "schema/fgs_schema.h"


static int fgs_cli_target(const fgs_cli_request_t *rq, fgs_cli_result_t *res,
    fgs_alloc_t *a, char *err, size_t errlen);
static int fgs_cli_refuse(fgs_cli_result_t *res, fgs_alloc_t *a,
    const char *code, const char *msg);


int
fgs_cli_run(const fgs_policy_t *policy, const fgs_cli_request_t *rq,
    fgs_cli_result_t *res, fgs_alloc_t *a, char *err, size_t errlen)
{
    int                rc;
    u_char            *buf;
    fgs_eval_input_t   in;

    memset(res, 0, sizeof(fgs_cli_result_t));
    fgs_violations_init(&res->schema);

    rc = fgs_cli_target(rq, res, a, err, errlen);
    if (rc != FGS_OK) {
        return rc;
    }

    memset(&in, 0, sizeof(fgs_eval_input_t));
    in.op = rq->op;
    in.target = &res->target;
    in.mode = rq->mode;
    in.now = rq->now;
    in.signed_body = rq->signed_body;

    if (rq->op != FGS_OP_OTHER) {
        if (rq->body == NULL) {
            snprintf(err, errlen, "a %s request needs a body",
                     fgs_op_name(rq->op));
            return FGS_DECLINED;
        }

        rc = fgs_json_scan(&res->doc, rq->body, rq->len, a);

        if (rc == FGS_ERROR) {
            snprintf(err, errlen, "out of memory");
            return FGS_ERROR;
        }

        if (rc != FGS_OK) {
            return fgs_cli_refuse(res, a, "FGSPOL.4000",
                                  fgs_error_scan_msg(a, &res->doc));
        }

        rc = fgs_schema_validate(&res->doc, rq->op, &res->schema, a);

        if (rc == FGS_ERROR) {
            snprintf(err, errlen, "out of memory");
            return FGS_ERROR;
        }

        if (rc != FGS_OK) {
            return fgs_cli_refuse(res, a, fgs_error_schema_code(&res->schema),
                                  fgs_error_schema_msg(a, &res->schema));
        }

        in.doc = &res->doc;
    }

    if (fgs_policy_eval(policy, &in, &res->eval, a) != FGS_OK) {
        snprintf(err, errlen, "the evaluation failed (out of memory)");
        return FGS_ERROR;
    }

    res->evaluated = 1;
    res->in = in;
    res->decision = res->eval.decision;
    res->status = res->eval.status;
    res->error_code = res->eval.error_code;
    res->error_msg = res->eval.error_msg;

    if (res->decision == FGS_DECISION_DENY || rq->op == FGS_OP_OTHER) {
        return FGS_OK;
    }

    if (res->eval.nedits == 0) {
        res->forwarded = rq->body;
        res->forwarded_len = rq->len;
        return FGS_OK;
    }

    buf = a->alloc(a->data, res->eval.new_len + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return FGS_ERROR;
    }

    res->forwarded_len = fgs_edits_apply(rq->body, rq->len, res->eval.edits,
                                         res->eval.nedits, buf);
    res->forwarded = buf;

    if (res->forwarded_len != res->eval.new_len) {
        snprintf(err, errlen, "the rewritten body is %zu bytes, not %zu",
                 res->forwarded_len, res->eval.new_len);
        return FGS_ERROR;
    }

    return FGS_OK;
}


/*
 * The request line the gateway would see for the operation: PUT of
 * .../{urn}/code or /config, POST of .../functions, and for "other" a
 * DELETE of the function (or a POST of a trigger without a URN).
 */

static int
fgs_cli_target(const fgs_cli_request_t *rq, fgs_cli_result_t *res,
    fgs_alloc_t *a, char *err, size_t errlen)
{
    int                   i;
    char                 *target, project[33];
    const char           *method, *p, *q;
    fgs_target_result_e   r;

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

    if (rq->op != FGS_OP_CREATE && rq->op != FGS_OP_OTHER && rq->urn == NULL)
    {
        snprintf(err, errlen, "a %s request needs --urn",
                 fgs_op_name(rq->op));
        return FGS_DECLINED;
    }

    switch (rq->op) {

    case FGS_OP_CODE:
    case FGS_OP_CONFIG:
        method = "PUT";
        target = fgs_sprintf(a, "/v2/%s/fgs/functions/%s/%s", project,
                             rq->urn, fgs_op_name(rq->op));
        break;

    case FGS_OP_CREATE:
        method = "POST";
        target = fgs_sprintf(a, "/v2/%s/fgs/functions", project);
        break;

    default: /* FGS_OP_OTHER */
        method = rq->urn ? "DELETE" : "POST";
        target = rq->urn
                 ? fgs_sprintf(a, "/v2/%s/fgs/functions/%s", project, rq->urn)
                 : fgs_sprintf(a, "/v2/%s/fgs/triggers", project);
        break;
    }

    if (target == NULL) {
        snprintf(err, errlen, "out of memory");
        return FGS_ERROR;
    }

    r = fgs_target_parse(&res->target, (const u_char *) method,
                         strlen(method), (const u_char *) target,
                         strlen(target));

    if (r == FGS_TARGET_REJECT) {
        snprintf(err, errlen, "%s %s: %s", method, target,
                 res->target.error ? res->target.error : "refused");
        return FGS_DECLINED;
    }

    if (r != FGS_TARGET_GOVERN || res->target.op != rq->op) {
        snprintf(err, errlen, "%s %s is not a %s request", method, target,
                 fgs_op_name(rq->op));
        return FGS_DECLINED;
    }

    return FGS_OK;
}


/* refused before policy: 400 with the error the gateway would return */

static int
fgs_cli_refuse(fgs_cli_result_t *res, fgs_alloc_t *a, const char *code,
    const char *msg)
{
    res->decision = FGS_DECISION_ERROR;
    res->status = 400;
    res->error_code = code;
    res->error_msg = msg;

    return msg ? FGS_OK : FGS_ERROR;
}


/* "eval --explain": what refused the request, or the policy's reasons */

int
fgs_cli_explain(const fgs_policy_t *policy, const fgs_cli_request_t *rq,
    const fgs_cli_result_t *res, fgs_alloc_t *a, fgs_policy_print_pt print,
    void *data)
{
    char  line[1024];

    if (!res->evaluated) {
        snprintf(line, sizeof(line), "refused before the policy (%s): %s",
                 res->error_code ? res->error_code : "no code",
                 res->error_msg ? res->error_msg : "no reason given");
        print(data, line);
        return FGS_OK;
    }

    return fgs_policy_explain(policy, &res->in, &res->eval, a, print, data);
}


int
fgs_cli_parse_op(const char *s, fgs_op_e *op)
{
    if (strcmp(s, "code") == 0) {
        *op = FGS_OP_CODE;

    } else if (strcmp(s, "config") == 0) {
        *op = FGS_OP_CONFIG;

    } else if (strcmp(s, "create") == 0) {
        *op = FGS_OP_CREATE;

    } else if (strcmp(s, "other") == 0) {
        *op = FGS_OP_OTHER;

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

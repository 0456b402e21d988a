
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The pipeline of a governed request (fgs_request.h): the target, the
 * headers, the body, the API reference and the policy, in that order,
 * each refusal with its documented status and code (docs/errors.md).
 */


#include <string.h>

#include "fgs_request.h"
#include "fgs_error.h"
#include "schema/fgs_schema.h"
#include "audit/fgs_audit.h"


static int fgs_request_in_fgs_path(const fgs_str_t *path);
static int fgs_request_headers(const fgs_request_t *rq, fgs_verdict_t *v,
    fgs_alloc_t *a);
static int fgs_request_evaluate(const fgs_request_t *rq, fgs_verdict_t *v,
    const fgs_json_doc_t *doc, fgs_alloc_t *scan, fgs_alloc_t *keep);
static int fgs_request_refuse(fgs_verdict_t *v, int status,
    const char *code, const char *msg);
static int fgs_request_fail(fgs_verdict_t *v, const char *what);
static const char *fgs_request_quote(fgs_alloc_t *a, const fgs_str_t *s);


int
fgs_request_concerns(const fgs_request_t *rq, fgs_target_t *t)
{
    fgs_target_result_e  res;

    res = fgs_target_parse(t, rq->method.data, rq->method.len,
                           rq->target.data, rq->target.len);

    return (res != FGS_TARGET_PASS || fgs_request_in_fgs_path(&t->path));
}


int
fgs_request_begin(const fgs_request_t *rq, fgs_verdict_t *v, fgs_alloc_t *a)
{
    int                  rc;
    fgs_target_result_e  res;

    memset(v, 0, sizeof(fgs_verdict_t));
    v->decision = FGS_DECISION_ERROR;

    res = fgs_target_parse(&v->target, rq->method.data, rq->method.len,
                           rq->target.data, rq->target.len);

    v->op = v->target.op;

    if (res == FGS_TARGET_PASS) {

        /*
         * Reads and invocations pass untouched, but not with a header
         * that makes an upstream read another method: that would turn a
         * GET into the PUT it did not check.
         */

        if (rq->method_override.len == 0
            || !fgs_request_in_fgs_path(&v->target.path))
        {
            v->next = FGS_NEXT_PASS;
            return FGS_OK;
        }
    }

    /* who, for every governed request and its record */

    rc = fgs_request_identity(rq, &v->identity, a);

    if (rc == FGS_ERROR) {
        return fgs_request_fail(v, "no memory");
    }

    v->identified = 1;

    if (res == FGS_TARGET_REJECT) {
        return fgs_request_refuse(v, 400, "FGSPOL.4002", v->target.error);
    }

    if (rc == FGS_DECLINED) {
        return fgs_request_refuse(v, 401, "FGSPOL.4010",
                   "the request carries more than one credential (an "
                   "X-Auth-Token with an AK/SK signature, or two of "
                   "either); send exactly one, so that the caller the "
                   "policy decides for is the one FunctionGraph "
                   "verifies");
    }

    if (rq->http3) {

        /*
         * HTTP/3 delivers the body through its own framing, which no
         * test of the module drives yet: until one does, a write over
         * HTTP/3 is refused rather than checked by a path nobody has
         * seen work (docs/security.md, "HTTP/3").
         */

        return fgs_request_refuse(v, 505, "FGSPOL.5050",
                   "FunctionGraph writes are not accepted over HTTP/3 by "
                   "this gateway; send them over HTTP/1.1 or HTTP/2");
    }

    if (fgs_request_headers(rq, v, a) != FGS_OK) {
        return FGS_ERROR;
    }

    if (v->next == FGS_NEXT_ANSWER) {
        return FGS_OK;
    }

    if (v->op == FGS_OP_OTHER) {
        /* other writes are decided by "other_writes"; no body is read */
        return fgs_request_evaluate(rq, v, NULL, a, a);
    }

    v->next = FGS_NEXT_BODY;

    return FGS_OK;
}


/* the headers of a governed request; v->next is ANSWER if refused */

static int
fgs_request_headers(const fgs_request_t *rq, fgs_verdict_t *v,
    fgs_alloc_t *a)
{
    const char  *msg;

    if (rq->method_override.len) {
        msg = fgs_sprintf(a, "the %s header is not accepted on "
                          "FunctionGraph API paths: an upstream could read "
                          "another method than the one checked; send the "
                          "real method instead",
                          fgs_request_quote(a, &rq->method_override));

        return fgs_request_refuse(v, 400, "FGSPOL.4002", msg);
    }

    v->signed_body = (rq->aksk && !rq->unsigned_payload);

    if (v->op == FGS_OP_OTHER
        || fgs_schema_model(v->target.api)->root == NULL)
    {
        /* no body to read as JSON: one that comes is refused whole */
        return FGS_OK;
    }

    if (rq->content_types > 1) {
        return fgs_request_refuse(v, 415, "FGSPOL.4150",
                   "the request has more than one Content-Type header; "
                   "send exactly one: Content-Type: application/json");
    }

    if (rq->content_types == 0) {
        return fgs_request_refuse(v, 415, "FGSPOL.4150",
                   "the request has no Content-Type; send the body as "
                   "Content-Type: application/json");
    }

    if (fgs_headers_json_type(rq->content_type.data, rq->content_type.len)
        != FGS_OK)
    {
        msg = fgs_sprintf(a, "Content-Type \"%s\" is not accepted; send the "
                          "body as application/json (the only parameter "
                          "allowed is charset=utf-8)",
                          fgs_request_quote(a, &rq->content_type));

        return fgs_request_refuse(v, 415, "FGSPOL.4150", msg);
    }

    if (rq->content_encoding.len) {
        msg = fgs_sprintf(a, "Content-Encoding \"%s\" is not accepted; send "
                          "the JSON body uncompressed",
                          fgs_request_quote(a, &rq->content_encoding));

        return fgs_request_refuse(v, 415, "FGSPOL.4150", msg);
    }

    if (rq->content_length > rq->max_body_size) {
        return fgs_request_too_large(rq, v, a);
    }

    return FGS_OK;
}


int
fgs_request_takes_body(fgs_api_e api)
{
    return fgs_schema_model(api)->root != NULL;
}


int
fgs_request_too_large(const fgs_request_t *rq, fgs_verdict_t *v,
    fgs_alloc_t *a)
{
    const char  *msg;

    msg = fgs_sprintf(a, "the body is larger than the %lld bytes this "
                      "gateway accepts for FunctionGraph changes "
                      "(fgs_policy_max_body_size)",
                      (long long) rq->max_body_size);

    return fgs_request_refuse(v, 413, "FGSPOL.4130", msg);
}


int
fgs_request_body(const fgs_request_t *rq, fgs_verdict_t *v,
    const u_char *body, size_t len, const fgs_base64_runs_t *runs,
    fgs_alloc_t *scan, fgs_alloc_t *keep)
{
    int          rc;
    const char  *msg;

    static const u_char  empty[] = "{}";

    if (fgs_schema_model(v->target.api)->root == NULL) {

        /*
         * An endpoint that takes no body (a DELETE, a switch in the
         * path): the policy reads it as an empty object, and a body
         * that comes anyway is refused, since no rule was written for
         * what FunctionGraph might make of it.
         */

        if (len != 0) {
            msg = fgs_sprintf(keep, "%s %s takes no body in the "
                              "FunctionGraph API reference; send the "
                              "request without one",
                              fgs_method_name(fgs_apis[v->target.api].method),
                              fgs_api_path(v->target.api, v->path_text,
                                           sizeof(v->path_text)));

            return fgs_request_refuse(v, 400, "FGSPOL.4001", msg);
        }

        body = empty;
        len = sizeof(empty) - 1;
        runs = NULL;

    } else if (len == 0) {
        return fgs_request_refuse(v, 400, "FGSPOL.4000",
                                  "the request has no body; send one JSON "
                                  "object");
    }

    rc = fgs_json_scan_runs(&v->doc, body, len, runs, scan);

    if (rc == FGS_DECLINED) {
        return fgs_request_refuse(v, 400, "FGSPOL.4000",
                                  fgs_error_scan_msg(keep, &v->doc));
    }

    if (rc != FGS_OK) {
        return fgs_request_fail(v, "the JSON scanner failed");
    }

    fgs_violations_init(&v->reference);

    rc = fgs_schema_validate(&v->doc, v->target.api, &v->reference, scan);

    if (rc == FGS_DECLINED && v->reference.only_unknown
        && (rq->mode == FGS_MODE_AUDIT
            || fgs_policy_unknown_audit(rq->policy)))
    {
        /*
         * Fields the reference does not define, and nothing else, while
         * a rollout audits them (the policy's unknown_fields, or
         * fgs_policy_mode audit): decided by the policy, and recorded
         * as audited (docs/policy-language.md, "unknown_fields").
         */

        if (fgs_violations_copy(&v->reference, keep) != FGS_OK) {
            return fgs_request_fail(v, "no memory");
        }

        rc = fgs_request_evaluate(rq, v, &v->doc, scan, keep);

        if (rc == FGS_OK && v->next == FGS_NEXT_FORWARD) {
            if (fgs_violations_append(&v->eval.audited, &v->reference, keep)
                != FGS_OK)
            {
                return fgs_request_fail(v, "no memory");
            }

            if (v->decision == FGS_DECISION_ALLOW) {
                v->decision = FGS_DECISION_AUDIT;
                v->eval.decision = FGS_DECISION_AUDIT;
            }
        }

        return rc;
    }

    if (rc == FGS_DECLINED && v->reference.n > 0) {
        msg = fgs_error_schema_msg(keep, &v->reference);

        /* the list outlives the scan's memory: it makes the answer */

        if (msg == NULL
            || fgs_violations_copy(&v->reference, keep) != FGS_OK)
        {
            return fgs_request_fail(v, "no memory");
        }

        rc = fgs_request_refuse(v, 400, fgs_error_schema_code(&v->reference),
                                msg);
        v->violations = v->reference.head;

        return rc;
    }

    if (rc != FGS_OK) {
        return fgs_request_fail(v, "the API reference check failed");
    }

    return fgs_request_evaluate(rq, v, &v->doc, scan, keep);
}


static int
fgs_request_evaluate(const fgs_request_t *rq, fgs_verdict_t *v,
    const fgs_json_doc_t *doc, fgs_alloc_t *scan, fgs_alloc_t *keep)
{
    int                cut;
    fgs_eval_t        *e;
    fgs_eval_input_t   in;

    memset(&in, 0, sizeof(fgs_eval_input_t));

    in.op = v->op;
    in.target = &v->target;
    in.doc = doc;
    in.mode = rq->mode;
    in.now = rq->now;
    in.principals = v->identity.principals;
    in.signed_body = v->signed_body;

    e = &v->eval;

    if (fgs_policy_eval(rq->policy, &in, e, scan) != FGS_OK
        || (scan != keep && fgs_eval_keep(e, keep) != FGS_OK))
    {
        return fgs_request_fail(v, "the policy failed");
    }

    v->evaluated = 1;
    v->decision = e->decision;

    /*
     * What the body changes, as forwarded (or as sent, when denied):
     * made from the scan before its memory goes, kept in keep
     */

    if (rq->record_changes && doc != NULL
        && (e->decision != FGS_DECISION_DENY || e->violations.n > 0))
    {
        cut = 0;

        if (fgs_audit_changes(doc, v->target.api,
                              e->decision == FGS_DECISION_REWRITE
                              ? e->rewrites : NULL,
                              keep, &v->changes, &cut)
            != FGS_OK)
        {
            return fgs_request_fail(v, "no memory");
        }

        v->changes_cut = cut;
    }

    switch (e->decision) {

    case FGS_DECISION_ALLOW:
    case FGS_DECISION_AUDIT:
    case FGS_DECISION_REWRITE:

        if (e->decision == FGS_DECISION_REWRITE && doc == NULL) {
            break;
        }

        v->next = FGS_NEXT_FORWARD;
        v->status = 200;

        return FGS_OK;

    case FGS_DECISION_DENY:

        if (e->status < 400 || e->status > 599 || e->error_code == NULL) {
            break;
        }

        v->next = FGS_NEXT_ANSWER;
        v->status = e->status;
        v->error_code = e->error_code;
        v->error_msg = e->error_msg ? e->error_msg : "the request is refused";
        v->violations = e->violations.head;

        return FGS_OK;

    default:
        break;
    }

    return fgs_request_fail(v, "the policy gave no usable decision");
}


/* a refusal before the policy: msg NULL means memory ran out */

static int
fgs_request_refuse(fgs_verdict_t *v, int status, const char *code,
    const char *msg)
{
    if (msg == NULL) {
        return fgs_request_fail(v, "no memory");
    }

    v->next = FGS_NEXT_ANSWER;
    v->decision = FGS_DECISION_ERROR;
    v->status = status;
    v->error_code = code;
    v->error_msg = msg;
    v->violations = NULL;

    return FGS_OK;
}


static int
fgs_request_fail(fgs_verdict_t *v, const char *what)
{
    (void) fgs_request_refuse(v, 500, "FGSPOL.5000", FGS_ERROR_INTERNAL_MSG);
    v->failure = what;

    return FGS_ERROR;
}


/*
 * At most 64 bytes of a header's value or name for a sentence, with
 * "..." when cut; the sentence is JSON-escaped where it is written.
 */

static const char *
fgs_request_quote(fgs_alloc_t *a, const fgs_str_t *s)
{
    size_t       n;
    const char  *q;

    n = s->len < 64 ? s->len : 64;

    q = fgs_sprintf(a, "%.*s%s", (int) n, (const char *) s->data,
                    s->len > 64 ? "..." : "");

    /* out of memory: the sentence that quotes it will fail as well */
    return q ? q : "";
}


/*
 * Any segment named "fgs" or "tags", in any case, or any
 * percent-encoding: a request that may be under /v2/{project_id}/fgs/,
 * or a resource's tags, for some reader.  Only
 * decides whether a method-override header is refused on a target the
 * target check let pass (a read or an invocation).
 */

static int
fgs_request_in_fgs_path(const fgs_str_t *path)
{
    const u_char  *p, *end, *seg;

    p = path->data;
    end = path->data + path->len;
    seg = p;

    for ( ;; ) {

        if (p == end || *p == '/') {
            if ((p - seg == 3
                 && (seg[0] | 0x20) == 'f'
                 && (seg[1] | 0x20) == 'g'
                 && (seg[2] | 0x20) == 's')
                || (p - seg == 4
                    && (seg[0] | 0x20) == 't'
                    && (seg[1] | 0x20) == 'a'
                    && (seg[2] | 0x20) == 'g'
                    && (seg[3] | 0x20) == 's'))
            {
                return 1;
            }

            if (p == end) {
                return 0;
            }

            seg = p + 1;

        } else if (*p == '%') {
            return 1;
        }

        p++;
    }
}

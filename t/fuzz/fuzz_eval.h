
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * One request through the policy as the gateway runs it (scan, API
 * reference, evaluation, rewrite), with the invariants of fgs_policy.h
 * checked on the way: what each decision carries, edits sorted,
 * disjoint and inside the body, new_len exact, and the rewritten body
 * one strict JSON object again.  Shared by fuzz_policy_eval.c (fixed
 * policies, fuzzed requests) and fuzz_policy_load.c (fuzzed policies,
 * fixed requests).
 */


#ifndef _FGS_FUZZ_EVAL_H_INCLUDED_
#define _FGS_FUZZ_EVAL_H_INCLUDED_


#include "fuzz.h"
#include "fuzz_tape.h"
#include "policy/fgs_policy.h"
#include "load/fgs_load.h"
#include "schema/fgs_schema.h"


#define FUZZ_PROJECT  "0123456789abcdef0123456789abcdef"

/* 2026-11-23T10:00:00Z and a year later (EXC-1 has expired by then) */
#define FUZZ_NOW      ((time_t) 1795428000)
#define FUZZ_LATER    ((time_t) 1826964000)


typedef struct {
    fgs_op_e            op;
    const char         *name;       /* the function: URN or body */
    const char         *version;    /* NULL: none in the URN */
    fgs_mode_e          mode;
    time_t              now;
    unsigned            signed_body:1;

    /*
     * the policy's mutations write values that follow the API reference:
     * the rewritten body must follow it too, and evaluating it again
     * must change nothing more
     */
    unsigned            strict:1;
} fuzz_req_t;


static int fuzz_eval(const fgs_policy_t *p, const fuzz_req_t *rq,
    const u_char *body, size_t len, fgs_alloc_t *a) FUZZ_UNUSED;
static int fuzz_eval_result(const fgs_eval_t *out, const fuzz_req_t *rq,
    size_t len) FUZZ_UNUSED;
static int fuzz_eval_violations(const fgs_violations_t *v) FUZZ_UNUSED;
static int fuzz_eval_same_rules(const fgs_rule_note_t *a,
    const fgs_rule_note_t *b) FUZZ_UNUSED;
static int fuzz_eval_target(fgs_target_t *t, const fuzz_req_t *rq,
    char *buf, size_t size) FUZZ_UNUSED;


/*
 * The request target of rq, parsed by fgs_target_parse() into t; its
 * spans point into buf.
 */

static int
fuzz_eval_target(fgs_target_t *t, const fuzz_req_t *rq, char *buf,
    size_t size)
{
    int          n;
    const char  *m;

    if (rq->op == FGS_OP_CREATE) {
        m = "POST";
        n = snprintf(buf, size, "/v2/" FUZZ_PROJECT "/fgs/functions");

    } else {
        m = "PUT";
        n = snprintf(buf, size, "/v2/" FUZZ_PROJECT "/fgs/functions/"
                     "urn:fss:cn-north-4:" FUZZ_PROJECT ":function:"
                     "default:%s%s%s/%s", rq->name,
                     rq->version ? ":" : "", rq->version ? rq->version : "",
                     rq->op == FGS_OP_CODE ? "code" : "config");
    }

    FUZZ_CHECK(n > 0 && (size_t) n < size
               && fgs_target_parse(t, (const u_char *) m, strlen(m),
                                   (const u_char *) buf, n)
                  == FGS_TARGET_GOVERN && t->op == rq->op,
               "the request target is not governed");

    return 0;
}


/*
 * Returns 1 when the request was evaluated, 0 when the scanner or the API
 * reference refused its body (it never reaches the policy, as in the
 * gateway), -1 after a broken invariant.
 */

static int
fuzz_eval(const fgs_policy_t *p, const fuzz_req_t *rq, const u_char *body,
    size_t len, fgs_alloc_t *a)
{
    int                rc;
    char               tbuf[512];
    size_t             n;
    u_char            *nb;
    fgs_eval_t         out, again;
    fgs_target_t       t;
    fgs_json_doc_t     doc, ndoc;
    fgs_violations_t   v;
    fgs_eval_input_t   in;

    if (fgs_json_scan(&doc, body, len, a) != FGS_OK) {
        return 0;
    }

    fgs_violations_init(&v);

    if (fgs_schema_validate(&doc, fgs_api_of(rq->op, 0), &v, a) != FGS_OK) {
        return 0;
    }

    if (fuzz_eval_target(&t, rq, tbuf, sizeof(tbuf)) != 0) {
        return -1;
    }

    memset(&in, 0, sizeof(fgs_eval_input_t));
    in.op = rq->op;
    in.target = &t;
    in.doc = &doc;
    in.mode = rq->mode;
    in.now = rq->now;
    in.signed_body = rq->signed_body;

    rc = fgs_policy_eval(p, &in, &out, a);

    FUZZ_CHECK(rc == FGS_OK, "fgs_policy_eval failed");

    if (fuzz_eval_result(&out, rq, len) != 0) {
        return -1;
    }

    if (out.nedits == 0) {
        return 1;
    }

    /* the rewritten body */

    nb = a->alloc(a->data, out.new_len + 1);
    if (nb == NULL) {
        return 1;
    }

    n = fgs_edits_apply(body, len, out.edits, out.nedits, nb);

    FUZZ_CHECK(n == out.new_len, "fgs_edits_apply wrote other than new_len");

    rc = fgs_json_scan(&ndoc, nb, n, a);

    if (rc != FGS_OK) {
        printf("# rewritten: %s at %zu: %.*s\n", ndoc.error, ndoc.error_off,
               (int) n, nb);
    }

    FUZZ_CHECK(rc == FGS_OK, "the rewritten body is not one JSON object");

    if (fuzz_tape_check(&ndoc, a) != 0) {
        return -1;
    }

    if (!rq->strict) {
        return 1;
    }

    fgs_violations_init(&v);
    rc = fgs_schema_validate(&ndoc, fgs_api_of(rq->op, 0), &v, a);

    if (rc != FGS_OK) {
        printf("# rewritten: %s: %s: %.*s\n", v.head ? v.head->field : "",
               v.head ? v.head->message : "", (int) n, nb);
    }

    FUZZ_CHECK(rc == FGS_OK, "the rewritten body breaks the API reference");

    /* the same rules on the rewritten body: nothing left to change */

    in.doc = &ndoc;

    FUZZ_CHECK(fgs_policy_eval(p, &in, &again, a) == FGS_OK,
               "fgs_policy_eval failed on the rewritten body");

    if (fuzz_eval_same_rules(out.applied, again.applied)) {
        if (again.nedits != 0) {
            printf("# rewritten: %.*s\n", (int) n, nb);
        }

        FUZZ_CHECK(again.nedits == 0, "a rewritten body is rewritten again");
        FUZZ_CHECK(again.decision != FGS_DECISION_DENY,
                   "a rewritten body is denied by the rules that made it");
    }

    return 1;
}


static int
fuzz_eval_result(const fgs_eval_t *out, const fuzz_req_t *rq, size_t len)
{
    size_t                  nl, end;
    uint32_t                i;
    const fgs_edit_t       *e;
    const fgs_rule_note_t  *note;

    FUZZ_CHECK(fuzz_eval_violations(&out->violations) == 0
               && fuzz_eval_violations(&out->audited) == 0,
               "bad violations");

    switch (out->decision) {

    case FGS_DECISION_DENY:
        FUZZ_CHECK(out->status == 403 && out->error_code != NULL
                   && (strcmp(out->error_code, "FGSPOL.4030") == 0
                       || strcmp(out->error_code, "FGSPOL.4031") == 0)
                   && out->error_msg != NULL
                   && !fuzz_has_control(out->error_msg),
                   "a denial without its code and message");
        FUZZ_CHECK(out->violations.n > 0, "a denial without violations");
        FUZZ_CHECK(out->nedits == 0 && out->rewrites == NULL,
                   "a denial with edits");
        return 0;

    case FGS_DECISION_REWRITE:
        FUZZ_CHECK(out->nedits > 0 && out->rewrites != NULL,
                   "a rewrite without edits");
        FUZZ_CHECK(!rq->signed_body, "a signed body is rewritten");
        break;

    case FGS_DECISION_AUDIT:
        FUZZ_CHECK(out->nedits == 0
                   && out->audited.n + out->audited.dropped > 0,
                   "an audit without audited violations, or with edits");
        break;

    case FGS_DECISION_ALLOW:
        FUZZ_CHECK(out->nedits == 0 && out->audited.n == 0,
                   "an allow with edits or audited violations");
        break;

    default:
        FUZZ_CHECK(0, "an unknown decision");
    }

    FUZZ_CHECK(out->status == 200 && out->error_code == NULL
               && out->violations.n == 0, "a forward with an error");

    if (rq->mode == FGS_MODE_AUDIT) {
        FUZZ_CHECK(out->nedits == 0, "an audit-mode evaluation rewrites");
    }

    nl = len;
    end = 0;

    for (i = 0; i < out->nedits; i++) {
        e = &out->edits[i];

        FUZZ_CHECK(e->off >= end && e->off + e->len <= len,
                   "edits unsorted, overlapping or outside the body");
        FUZZ_CHECK(e->data_len == 0 || e->data != NULL, "an edit's data");

        end = e->off + e->len;
        nl = nl - e->len + e->data_len;
    }

    FUZZ_CHECK(nl == out->new_len, "new_len is not the edits' sum");

    for (note = out->rewrites; note != NULL; note = note->next) {
        FUZZ_CHECK(note->rule != NULL && note->field != NULL
                   && note->action != NULL, "a rewrite note without text");
    }

    return 0;
}


static int
fuzz_eval_violations(const fgs_violations_t *v)
{
    uint32_t                n, more;
    const fgs_violation_t  *vi;

    n = 0;
    more = 0;

    for (vi = v->head; vi != NULL; vi = vi->next) {
        FUZZ_CHECK(vi->rule != NULL && vi->field != NULL
                   && vi->message != NULL, "a policy violation's text");
        FUZZ_CHECK(!fuzz_has_control(vi->message)
                   && !fuzz_has_control(vi->field),
                   "a policy violation with a control character");

        if (vi->more) {
            more += vi->more;

        } else {
            FUZZ_CHECK(more == 0, "a violation after a summary");
            n++;
        }
    }

    /* at most FGS_VIOLATIONS_MAX listed, the rest in summaries */

    FUZZ_CHECK(n == v->n && n <= FGS_VIOLATIONS_MAX && more == v->dropped,
               "violation count differs from the list");

    return 0;
}


static int
fuzz_eval_same_rules(const fgs_rule_note_t *a, const fgs_rule_note_t *b)
{
    for ( /* void */ ; a != NULL && b != NULL; a = a->next, b = b->next) {
        if (strcmp(a->rule, b->rule) != 0) {
            return 0;
        }
    }

    return a == NULL && b == NULL;
}


#endif /* _FGS_FUZZ_EVAL_H_INCLUDED_ */


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * "fgs-policy eval --explain": why a request was decided so, rule by
 * rule.  It runs after fgs_policy_eval() and reads its result: which
 * rules applied or were waived, the violations and the rewrites; it
 * evaluates again only what the result does not keep (the match of a
 * rule that did not apply, each "when" on its own, each exception).  It
 * is never on the request path.
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fgs_policy_int.h"


typedef struct {
    fgs_eval_ctx_t          *ctx;
    const fgs_eval_t        *out;           /* fgs_policy_eval()'s */
    fgs_subject_t            subject;
    fgs_policy_print_pt      print;
    void                    *data;
    char                     line[1024];
} fgs_explain_t;


static void fgs_explain_rule(fgs_explain_t *x, const fgs_rule_t *rule);
static int fgs_explain_when(fgs_explain_t *x, const fgs_rule_t *rule);
static void fgs_explain_exceptions(fgs_explain_t *x, const fgs_rule_t *rule);
static void fgs_explain_checks(fgs_explain_t *x, const fgs_rule_t *rule);
static const fgs_violation_t *fgs_explain_violation(
    const fgs_violations_t *v, const char *rule, const char *path);
static const fgs_rule_note_t *fgs_explain_note(const fgs_rule_note_t *n,
    const char *rule, const char *field);
static void fgs_explain_say(fgs_explain_t *x, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__ ((format (printf, 2, 3)))
#endif
    ;


int
fgs_policy_explain(const fgs_policy_t *policy, const fgs_eval_input_t *in,
    const fgs_eval_t *out, fgs_alloc_t *a, fgs_policy_print_pt print,
    void *data)
{
    uint32_t        i;
    fgs_eval_t      scratch;
    fgs_explain_t   x;
    fgs_eval_ctx_t  ctx;

    x.print = print;
    x.data = data;
    x.ctx = &ctx;
    x.out = out;

    memset(&ctx, 0, sizeof(fgs_eval_ctx_t));
    memset(&scratch, 0, sizeof(fgs_eval_t));
    ctx.policy = policy;
    ctx.in = in;
    ctx.out = &scratch;
    ctx.a = a;

    if (in->op == FGS_OP_OTHER) {
        fgs_explain_say(&x, "a write outside code, config and create: no "
                        "rule applies; other_writes decides: %s",
                        fgs_policy_decision_name(out->decision));
        return FGS_OK;
    }

    if (in->doc == NULL || in->doc->n == 0
        || in->doc->nodes[0].type != FGS_JSON_OBJECT)
    {
        fgs_explain_say(&x, "no body: the policy did not run");
        return FGS_OK;
    }

    if (fgs_eval_explain_subject(&ctx, &x.subject) != FGS_OK) {
        return FGS_ERROR;
    }

    fgs_explain_say(&x, "%s of function \"%.*s\", package \"%.*s\", version "
                    "\"%.*s\"", fgs_op_name(in->op),
                    (int) x.subject.parts[0].len,
                    (char *) x.subject.parts[0].data,
                    (int) x.subject.parts[1].len,
                    (char *) x.subject.parts[1].data,
                    (int) x.subject.parts[2].len,
                    (char *) x.subject.parts[2].data);

    for (i = 0; i < policy->nrules; i++) {
        fgs_explain_rule(&x, &policy->rules[i]);
    }

    fgs_explain_say(&x, "decision: %s%s%s%s",
                    fgs_policy_decision_name(out->decision),
                    out->error_code ? " (" : "",
                    out->error_code ? out->error_code : "",
                    out->error_code ? ")" : "");

    return FGS_OK;
}


static void
fgs_explain_rule(fgs_explain_t *x, const fgs_rule_t *rule)
{
    uint32_t                i;
    const char             *mode;
    const fgs_mutation_t   *m;
    const fgs_rule_note_t  *n;

    if (!(rule->ops & (1u << x->ctx->in->op))) {
        fgs_explain_say(x, "rule %s: not for the %s operation", rule->id,
                        fgs_op_name(x->ctx->in->op));
        return;
    }

    if (rule->match.nprojects == 0 && rule->match.function == NULL
        && rule->match.package == NULL && rule->match.version == NULL)
    {
        fgs_explain_say(x, "rule %s: for the %s operation; no match: every "
                        "function", rule->id, fgs_op_name(x->ctx->in->op));

    } else if (fgs_eval_explain_match(&rule->match, &x->subject, 1)) {
        fgs_explain_say(x, "rule %s: for the %s operation; its match holds",
                        rule->id, fgs_op_name(x->ctx->in->op));

    } else {
        fgs_explain_say(x, "rule %s: for the %s operation; its match does "
                        "not hold: the rule does not apply", rule->id,
                        fgs_op_name(x->ctx->in->op));
        return;
    }

    if (fgs_explain_when(x, rule) != FGS_OK) {
        return;
    }

    fgs_explain_exceptions(x, rule);

    if (fgs_explain_note(x->out->applied, rule->id, NULL) == NULL) {
        if (fgs_explain_note(x->out->waived, rule->id, NULL) != NULL) {
            return;
        }

        fgs_explain_say(x, "  the rule did not apply");
        return;
    }

    mode = (x->ctx->in->mode != FGS_MODE_UNSET)
           ? (x->ctx->in->mode == FGS_MODE_AUDIT ? "audit" : "enforce")
           : (rule->mode != FGS_MODE_UNSET)
             ? (rule->mode == FGS_MODE_AUDIT ? "audit" : "enforce")
             : (x->ctx->policy->mode == FGS_MODE_AUDIT ? "audit"
                                                        : "enforce");

    fgs_explain_say(x, "  applies, in %s mode", mode);

    for (i = 0; i < rule->nmuts; i++) {
        m = &rule->muts[i];
        n = fgs_explain_note(x->out->rewrites, rule->id, m->path.text);

        if (n != NULL) {
            fgs_explain_say(x, "  %s %s: changed the body",
                            fgs_mutate_names[m->action], m->path.text);

        } else if (fgs_explain_violation(&x->out->audited, rule->id,
                                         m->path.text)
                   != NULL
                   || fgs_explain_violation(&x->out->violations, rule->id,
                                            m->path.text)
                      != NULL)
        {
            fgs_explain_say(x, "  %s %s: would change the body (see the "
                            "violation)", fgs_mutate_names[m->action],
                            m->path.text);

        } else if (x->out->decision == FGS_DECISION_DENY) {
            fgs_explain_say(x, "  %s %s: not made: the request is denied",
                            fgs_mutate_names[m->action], m->path.text);

        } else {
            fgs_explain_say(x, "  %s %s: nothing to change",
                            fgs_mutate_names[m->action], m->path.text);
        }
    }

    fgs_explain_checks(x, rule);
}


/* each "when" on the body as sent; FGS_DECLINED when one does not hold */

static int
fgs_explain_when(fgs_explain_t *x, const fgs_rule_t *rule)
{
    int               rc;
    uint32_t          i;
    fgs_check_sink_t  sink;

    rc = FGS_OK;

    for (i = 0; i < rule->nwhen; i++) {
        sink.ctx = x->ctx;
        sink.rule = rule->id;
        sink.out = NULL;
        sink.failed = 0;

        if (fgs_check_all(&rule->when[i], 1,
                          fgs_view_root(x->ctx->in->doc, NULL), &sink)
            == FGS_ERROR)
        {
            sink.failed = 1;
        }

        fgs_explain_say(x, "  when %s: %s", rule->when[i].path.text,
                        sink.failed ? "does not hold" : "holds");

        if (sink.failed) {
            rc = FGS_DECLINED;
        }
    }

    if (rc != FGS_OK) {
        fgs_explain_say(x, "  the rule does not apply");
    }

    return rc;
}


static void
fgs_explain_exceptions(fgs_explain_t *x, const fgs_rule_t *rule)
{
    char                    when[32];
    uint32_t                i;
    const fgs_exception_t  *exc;
    const fgs_rule_note_t  *n;

    n = fgs_explain_note(x->out->waived, rule->id, NULL);

    for (i = 0; i < rule->nexceptions; i++) {
        exc = rule->exceptions[i];
        fgs_policy_format_time(exc->expires, when, sizeof(when));

        if (n != NULL && strcmp(n->action, exc->id) == 0) {
            fgs_explain_say(x, "  exception %s: %s (until %s: %s)", exc->id,
                            exc->narrows ? "narrows the rule: its \"allow\" "
                                           "values pass the rule's \"in\""
                                         : "waives the rule",
                            when, exc->reason);

        } else if (!fgs_eval_explain_match(&exc->match, &x->subject, 0)) {
            fgs_explain_say(x, "  exception %s: its match does not hold",
                            exc->id);

        } else if (x->ctx->in->now >= exc->expires) {
            fgs_explain_say(x, "  exception %s: would waive the rule, but "
                            "expired on %s", exc->id, when);

        } else {
            fgs_explain_say(x, "  exception %s: not used (another waives "
                            "the rule)", exc->id);
        }
    }
}


static void
fgs_explain_checks(fgs_explain_t *x, const fgs_rule_t *rule)
{
    uint32_t                i;
    const char             *path;
    const fgs_violation_t  *v;

    for (i = 0; i < rule->nchecks; i++) {
        path = rule->checks[i].path.text;

        v = fgs_explain_violation(&x->out->violations, rule->id, path);

        if (v != NULL) {
            fgs_explain_say(x, "  check %s: fails: %s", path, v->message);
            continue;
        }

        v = fgs_explain_violation(&x->out->audited, rule->id, path);

        if (v != NULL) {
            fgs_explain_say(x, "  check %s: fails (audited, forwarded): %s",
                            path, v->message);
            continue;
        }

        fgs_explain_say(x, "  check %s: holds", path);
    }
}


static const fgs_violation_t *
fgs_explain_violation(const fgs_violations_t *v, const char *rule,
    const char *path)
{
    const fgs_violation_t  *p;

    for (p = v->head; p != NULL; p = p->next) {
        if (p->rule != NULL && strcmp(p->rule, rule) == 0
            && fgs_policy_field_of(path, p->field))
        {
            return p;
        }
    }

    return NULL;
}


/* a note of rule (and of field, when given) */

static const fgs_rule_note_t *
fgs_explain_note(const fgs_rule_note_t *n, const char *rule,
    const char *field)
{
    for ( /* void */ ; n != NULL; n = n->next) {
        if (strcmp(n->rule, rule) == 0
            && (field == NULL
                || (n->field != NULL && strcmp(n->field, field) == 0)))
        {
            return n;
        }
    }

    return NULL;
}


static void
fgs_explain_say(fgs_explain_t *x, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    vsnprintf(x->line, sizeof(x->line), fmt, args);
    va_end(args);

    fgs_oneline(x->line);

    x->print(x->data, x->line);
}


/*
 * Whether field, as a violation names it ("a.b[2].c"), is one of path's
 * ("a.b[*].c"): equal but where path has "[*]" and field "[N]".
 */

int
fgs_policy_field_of(const char *path, const char *field)
{
    while (*path != '\0' && *field != '\0') {
        if (path[0] == '[' && path[1] == '*' && path[2] == ']'
            && field[0] == '[')
        {
            field++;

            while (*field >= '0' && *field <= '9') {
                field++;
            }

            if (*field != ']') {
                return 0;
            }

            path += 3;
            field++;
            continue;
        }

        if (*path != *field) {
            return 0;
        }

        path++;
        field++;
    }

    return *path == '\0' && *field == '\0';
}


const char *
fgs_policy_rule_id(const fgs_policy_t *policy, uint32_t i)
{
    return (i < policy->nrules) ? policy->rules[i].id : NULL;
}


const char *
fgs_policy_rule_check(const fgs_policy_t *policy, uint32_t i, uint32_t j)
{
    if (i >= policy->nrules || j >= policy->rules[i].nchecks) {
        return NULL;
    }

    return policy->rules[i].checks[j].path.text;
}

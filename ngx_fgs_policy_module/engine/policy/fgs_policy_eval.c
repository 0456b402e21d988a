
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * One request against the policy (docs/policy-language.md, "Evaluation
 * and decisions"):
 *
 * 1. which rules apply: the operation, the match on the URN (for create:
 *    on the body's func_name and package), the "when" checks on the body
 *    as sent; a rule waived by a live exception neither mutates nor
 *    checks, and is recorded in waived;
 * 2. the applicable rules' mutations, in file order, on the view;
 * 3. the applicable rules' checks on the mutated view, every violation
 *    collected, each in the rule's mode (fgs_policy_mode overrides);
 * 4. the edits, and the decision: deny on any enforced violation (403
 *    FGSPOL.4030), or on edits to a signed body (FGSPOL.4031); else
 *    rewrite when there are edits; else audit on audited violations;
 *    else allow.
 */


#include <stddef.h>
#include <string.h>

#include "fgs_policy_int.h"


/* what a match reads; function, package and version as parts[] */

#define FGS_SUBJECT_FUNCTION  0
#define FGS_SUBJECT_PACKAGE   1
#define FGS_SUBJECT_VERSION   2

static int fgs_eval_mutate(fgs_eval_ctx_t *ctx, fgs_subject_t *s,
    const fgs_check_t **checks, uint8_t *applies);
static int fgs_eval_checks(fgs_eval_ctx_t *ctx, const fgs_check_t **checks,
    const uint8_t *applies);
static int fgs_eval_other(fgs_eval_ctx_t *ctx);
static int fgs_eval_subject(fgs_eval_ctx_t *ctx, fgs_subject_t *s);
static int fgs_eval_body_string(fgs_eval_ctx_t *ctx, uint32_t root_key,
    const char *key, fgs_str_t *out);
static int fgs_eval_match(const fgs_match_t *m, fgs_subject_t *s,
    int on_failure);

/* a match that is not given: tested before the call, the common case */
#define fgs_eval_match_none(m)                                               \
    ((m)->nprojects == 0 && (m)->function == NULL && (m)->package == NULL   \
     && (m)->version == NULL && (m)->principals == 0                         \
     && (m)->not_principals == 0)

static fgs_regex_result_e fgs_eval_part(const fgs_regex_t *re,
    fgs_subject_t *s, uint32_t part);
static int fgs_eval_rule_applies(fgs_eval_ctx_t *ctx, const fgs_rule_t *rule,
    fgs_subject_t *s, const fgs_check_t **checks);
static const fgs_exception_t *fgs_eval_waiver(fgs_eval_ctx_t *ctx,
    const fgs_rule_t *rule, fgs_subject_t *s, uint32_t *k);
static void fgs_eval_note(fgs_eval_ctx_t *ctx, fgs_rule_note_t ***tail,
    uint32_t rule, const char *action);
static fgs_mode_e fgs_eval_mode(fgs_eval_ctx_t *ctx, const fgs_rule_t *rule);
static int fgs_eval_expired(fgs_eval_ctx_t *ctx, fgs_subject_t *s);
static int fgs_eval_describe(fgs_eval_ctx_t *ctx, fgs_violations_t *list);
static const fgs_rule_t *fgs_eval_rule_of(fgs_eval_ctx_t *ctx,
    const char *id);
static int fgs_eval_decide(fgs_eval_ctx_t *ctx);
static char *fgs_eval_signed_fields(fgs_eval_ctx_t *ctx);
static int fgs_eval_signed_msg(fgs_eval_ctx_t *ctx, const char *fields);
static int fgs_eval_deny(fgs_eval_ctx_t *ctx, const char *code);
static int fgs_eval_keep_notes(fgs_rule_note_t **list, fgs_alloc_t *a);


int
fgs_policy_eval(const fgs_policy_t *policy, const fgs_eval_input_t *in,
    fgs_eval_t *out, fgs_alloc_t *a)
{
    int                 rc;
    uint8_t            *applies;
    fgs_subject_t       subject;
    fgs_eval_ctx_t      ctx;
    const fgs_check_t **checks;

    memset(out, 0, sizeof(fgs_eval_t));
    fgs_violations_init(&out->violations);
    fgs_violations_init(&out->audited);
    out->decision = FGS_DECISION_ALLOW;
    out->status = 200;

    ctx.policy = policy;
    ctx.in = in;
    ctx.out = out;
    ctx.a = a;

    if (in->op == FGS_OP_OTHER) {
        /* reads nothing else of ctx */
        return fgs_eval_other(&ctx);
    }

    if (in->op <= FGS_OP_NONE || in->op >= FGS_OP_OTHER) {
        /* not governed: nothing applies */
        return FGS_OK;
    }

    if (in->doc == NULL || in->doc->n == 0
        || in->doc->nodes[0].type != FGS_JSON_OBJECT)
    {
        return FGS_ERROR;
    }

    /* the rest of ctx; root_nodes are set by fgs_path_index_body() */

    memset(&ctx.root, 0, offsetof(fgs_eval_ctx_t, root_nodes)
                         - offsetof(fgs_eval_ctx_t, root));
    ctx.root.state = FGS_PATCH_INNER;
    ctx.root.eval = &ctx;
    ctx.rewrites_tail = &out->rewrites;
    ctx.waived_tail = &out->waived;
    ctx.applied_tail = &out->applied;
    fgs_violations_init(&ctx.signed_fixes);

    out->new_len = in->doc->len;

    fgs_path_index_body(&ctx);

    rc = fgs_eval_subject(&ctx, &subject);
    if (rc != FGS_OK) {
        return rc;
    }

    /*
     * a rule is noted once as applied, once as waived (an exception that
     * narrows it notes both), and has the checks it applies: one block
     */

    ctx.notes = a->alloc(a->data, policy->nrules
                                  * (2 * sizeof(fgs_rule_note_t)
                                     + sizeof(fgs_check_t *))
                                  + policy->nrules + 1);
    if (ctx.notes == NULL) {
        return FGS_ERROR;
    }

    checks = (const fgs_check_t **) (ctx.notes + 2 * policy->nrules);
    applies = (uint8_t *) (checks + policy->nrules);

    if (fgs_eval_mutate(&ctx, &subject, checks, applies) != FGS_OK
        || fgs_eval_checks(&ctx, checks, applies) != FGS_OK)
    {
        return FGS_ERROR;
    }

    if (fgs_rewrite_edits(&ctx) != FGS_OK) {
        return FGS_ERROR;
    }

    /* only on the way to a denial: nothing for a request that passes */

    if (out->violations.n > 0 && fgs_eval_expired(&ctx, &subject) != FGS_OK)
    {
        return FGS_ERROR;
    }

    /* what the rules say of themselves, for the caller to act on */

    if (fgs_eval_describe(&ctx, &out->violations) != FGS_OK
        || fgs_eval_describe(&ctx, &out->audited) != FGS_OK)
    {
        return FGS_ERROR;
    }

    if (fgs_eval_decide(&ctx) != FGS_OK) {
        return FGS_ERROR;
    }

    /*
     * At most FGS_VIOLATIONS_MAX listed in an answer and in an audit
     * record, which holds both lists: the audited ones get the room the
     * enforced ones leave.
     */

    if (fgs_violations_trim(&out->audited,
                            FGS_VIOLATIONS_MAX - out->violations.n, a)
        != FGS_OK
        || fgs_violations_close(&out->violations, a, "the policy") != FGS_OK
        || fgs_violations_close(&out->audited, a, "the policy") != FGS_OK)
    {
        return FGS_ERROR;
    }

    return FGS_OK;
}


/*
 * Which rules of the operation apply, and their mutations in file
 * order: applies[] gets the mode of each rule that applies, 0 for the
 * others, and checks[] the checks it applies (its own, or as an
 * exception narrows them).  FGS_OK or FGS_ERROR.
 */

static int
fgs_eval_mutate(fgs_eval_ctx_t *ctx, fgs_subject_t *s,
    const fgs_check_t **checks, uint8_t *applies)
{
    int                rc;
    uint32_t           i, j, nop_rules;
    fgs_mode_e         mode;
    const uint32_t    *op_rules;
    const fgs_rule_t  *rule;

    op_rules = ctx->policy->op_rules[ctx->in->op];
    nop_rules = ctx->policy->nop_rules[ctx->in->op];

    for (j = 0; j < nop_rules; j++) {
        i = op_rules[j];
        rule = &ctx->policy->rules[i];

        checks[i] = rule->checks;

        rc = fgs_eval_rule_applies(ctx, rule, s, &checks[i]);
        if (rc == FGS_ERROR) {
            return FGS_ERROR;
        }

        if (rc != FGS_OK) {
            applies[i] = 0;
            continue;
        }

        mode = fgs_eval_mode(ctx, rule);
        applies[i] = (uint8_t) mode;

        fgs_eval_note(ctx, &ctx->applied_tail, i, NULL);

        if (rule->nmuts && fgs_mutate(ctx, rule, mode) != FGS_OK) {
            return FGS_ERROR;
        }
    }

    return FGS_OK;
}


/*
 * The checks of the rules that apply, on the mutated body, each
 * violation to the list of the rule's mode.  FGS_OK or FGS_ERROR.
 */

static int
fgs_eval_checks(fgs_eval_ctx_t *ctx, const fgs_check_t **checks,
    const uint8_t *applies)
{
    uint32_t           i, j, nop_rules;
    const uint32_t    *op_rules;
    fgs_check_sink_t   sink;
    const fgs_rule_t  *rule;

    op_rules = ctx->policy->op_rules[ctx->in->op];
    nop_rules = ctx->policy->nop_rules[ctx->in->op];

    for (j = 0; j < nop_rules; j++) {
        i = op_rules[j];
        rule = &ctx->policy->rules[i];

        if (applies[i] == 0 || (rule->nchecks == 0 && !rule->deny)) {
            continue;
        }

        sink.ctx = ctx;
        sink.rule = rule->id;
        sink.out = ((fgs_mode_e) applies[i] == FGS_MODE_AUDIT)
                   ? &ctx->out->audited : &ctx->out->violations;
        sink.failed = 0;

        /*
         * "deny": every request in the rule's scope is refused; the
         * description, added by fgs_eval_describe(), says why
         */

        if (rule->deny
            && fgs_violation_add(sink.out, ctx->a, rule->id, "",
                                 rule->description ? "denied"
                                 : "every request in this rule's scope "
                                   "is denied")
               != FGS_OK)
        {
            return FGS_ERROR;
        }

        if (rule->nchecks == 0) {
            continue;
        }

        if (fgs_check_all(checks[i], rule->nchecks,
                          fgs_view_root(ctx->in->doc, &ctx->root), &sink)
            != FGS_OK)
        {
            return FGS_ERROR;
        }
    }

    return FGS_OK;
}


/*
 * For fgs_policy_explain(): the subject of a request (its function,
 * package, version and project) and whether a rule's or an exception's
 * match holds on it; ctx is set up as fgs_policy_eval() sets it.
 */

int
fgs_eval_explain_subject(fgs_eval_ctx_t *ctx, fgs_subject_t *s)
{
    memset(&ctx->root, 0, offsetof(fgs_eval_ctx_t, root_nodes)
                          - offsetof(fgs_eval_ctx_t, root));
    ctx->root.state = FGS_PATCH_INNER;
    ctx->root.eval = ctx;

    fgs_path_index_body(ctx);

    return fgs_eval_subject(ctx, s);
}


int
fgs_eval_explain_match(const fgs_match_t *m, fgs_subject_t *s,
    int on_failure)
{
    return fgs_eval_match_none(m) || fgs_eval_match(m, s, on_failure);
}


/*
 * A violation of a rule that an exception would have waived had it not
 * expired says so: the caller whose exception ran out learns why, and
 * whom to ask, instead of only "runtime not allowed".
 */

static int
fgs_eval_expired(fgs_eval_ctx_t *ctx, fgs_subject_t *s)
{
    char                    when[32];
    uint32_t                i, r;
    const char             *msg;
    fgs_violation_t        *v;
    const fgs_rule_t       *rule;
    const fgs_exception_t  *exc;

    for (v = ctx->out->violations.head; v != NULL; v = v->next) {
        rule = NULL;

        for (r = 0; v->rule != NULL && r < ctx->policy->nrules; r++) {
            if (ctx->policy->rules[r].id == v->rule) {
                rule = &ctx->policy->rules[r];
                break;
            }
        }

        if (rule == NULL) {
            continue;
        }

        for (i = 0; i < rule->nexceptions; i++) {
            exc = rule->exceptions[i];

            if (ctx->in->now < exc->expires
                || !fgs_eval_match(&exc->match, s, 0))
            {
                continue;
            }

            fgs_policy_format_time(exc->expires, when, sizeof(when));

            msg = fgs_strcat(ctx->a, v->message, " (exception ", exc->id,
                             " for this expired on ", when, ")", NULL);
            if (msg == NULL) {
                return FGS_ERROR;
            }

            v->message = msg;
            break;
        }
    }

    return FGS_OK;
}


/*
 * A rule's description and remediation after each of its violations'
 * messages (docs/policy-language.md, "Rules"): "MESSAGE (DESCRIPTION;
 * see REMEDIATION)"; a "deny" rule's message is its description.
 * Only on violations, so nothing for a request that passes.
 */

static int
fgs_eval_describe(fgs_eval_ctx_t *ctx, fgs_violations_t *list)
{
    const char        *msg;
    fgs_violation_t   *v;
    const fgs_rule_t  *rule;

    for (v = list->head; v != NULL; v = v->next) {

        if (v->more || v->rule == NULL) {
            continue;
        }

        rule = fgs_eval_rule_of(ctx, v->rule);

        if (rule == NULL
            || (rule->description == NULL && rule->remediation == NULL))
        {
            continue;
        }

        if (rule->deny && rule->description) {
            /* the description is the reason */
            msg = fgs_strcat(ctx->a, rule->description,
                             rule->remediation ? " (see " : "",
                             rule->remediation ? rule->remediation : "",
                             rule->remediation ? ")" : "", NULL);

        } else {
            msg = fgs_strcat(ctx->a, v->message, " (",
                             rule->description ? rule->description : "",
                             rule->description && rule->remediation
                             ? "; " : "",
                             rule->remediation ? "see " : "",
                             rule->remediation ? rule->remediation : "",
                             ")", NULL);
        }

        if (msg == NULL) {
            return FGS_ERROR;
        }

        v->message = msg;
    }

    return FGS_OK;
}


/* the rule whose id a violation names (the same pointer) */

static const fgs_rule_t *
fgs_eval_rule_of(fgs_eval_ctx_t *ctx, const char *id)
{
    uint32_t  r;

    for (r = 0; r < ctx->policy->nrules; r++) {
        if (ctx->policy->rules[r].id == id) {
            return &ctx->policy->rules[r];
        }
    }

    return NULL;
}


/*
 * Whether rule applies: FGS_OK, FGS_DECLINED (not, or waived: then
 * recorded), FGS_ERROR.  An exception with "allow" narrows the rule
 * instead: it applies, with *checks widened, and the exception is
 * recorded as used.
 */

static int
fgs_eval_rule_applies(fgs_eval_ctx_t *ctx, const fgs_rule_t *rule,
    fgs_subject_t *s, const fgs_check_t **checks)
{
    int                     rc;
    uint32_t                k;
    fgs_check_sink_t        sink;
    const fgs_exception_t  *exc;

    /* the rule includes the operation: policy->op_rules */

    /* a pattern that cannot be matched scopes the rule in: fail closed */
    if (!fgs_eval_match_none(&rule->match)
        && !fgs_eval_match(&rule->match, s, 1))
    {
        return FGS_DECLINED;
    }

    if (rule->nwhen) {
        /* on the body as sent: no rule's scope depends on another's edit */

        sink.ctx = ctx;
        sink.rule = rule->id;
        sink.out = NULL;
        sink.failed = 0;

        rc = fgs_check_all(rule->when, rule->nwhen,
                           fgs_view_root(ctx->in->doc, NULL), &sink);
        if (rc == FGS_ERROR) {
            return FGS_ERROR;
        }

        if (sink.failed) {
            return FGS_DECLINED;
        }
    }

    exc = fgs_eval_waiver(ctx, rule, s, &k);

    if (exc == NULL) {
        return FGS_OK;
    }

    fgs_eval_note(ctx, &ctx->waived_tail, rule - ctx->policy->rules,
                  exc->id);

    if (rule->narrowed[k] != NULL) {
        *checks = rule->narrowed[k];
        return FGS_OK;
    }

    return FGS_DECLINED;
}


static const fgs_exception_t *
fgs_eval_waiver(fgs_eval_ctx_t *ctx, const fgs_rule_t *rule,
    fgs_subject_t *s, uint32_t *k)
{
    uint32_t                i;
    const fgs_exception_t  *exc;

    for (i = 0; i < rule->nexceptions; i++) {
        exc = rule->exceptions[i];

        /* a pattern that cannot be matched waives nothing: fail closed */
        if (ctx->in->now < exc->expires && fgs_eval_match(&exc->match, s, 0))
        {
            *k = i;
            return exc;
        }
    }

    return NULL;
}


/*
 * Every part of the match that is given must hold.  The parts are
 * independent: plain strings, which cost a compare, are tried before
 * patterns, which run PCRE2, and the first that does not hold decides.
 */

static int
fgs_eval_match(const fgs_match_t *m, fgs_subject_t *s, int on_failure)
{
    uint32_t            i, n, later[3];
    fgs_regex_t        *re[3];
    fgs_regex_result_e  r;

    /* who: from any of the principals, from none of the others */

    if ((m->principals && (m->principals & s->principals) == 0)
        || (m->not_principals & s->principals))
    {
        return 0;
    }

    if (m->nprojects) {
        for (i = 0; i < m->nprojects; i++) {
            if (m->projects[i].len == s->project.len
                && memcmp(m->projects[i].data, s->project.data,
                          s->project.len) == 0)
            {
                break;
            }
        }

        if (i == m->nprojects) {
            return 0;
        }
    }

    re[FGS_SUBJECT_FUNCTION] = m->function;
    re[FGS_SUBJECT_PACKAGE] = m->package;
    re[FGS_SUBJECT_VERSION] = m->version;

    n = 0;

    for (i = 0; i < 3; i++) {
        if (re[i] == NULL) {
            continue;
        }

        if (!re[i]->literal) {
            later[n++] = i;
            continue;
        }

        r = fgs_eval_part(re[i], s, i);

        if (r == FGS_REGEX_NOMATCH || (r == FGS_REGEX_FAILED && !on_failure))
        {
            return 0;
        }
    }

    for (i = 0; i < n; i++) {
        r = fgs_eval_part(re[later[i]], s, later[i]);

        if (r == FGS_REGEX_NOMATCH || (r == FGS_REGEX_FAILED && !on_failure))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * A part of the subject against a pattern.  Whether the part is ASCII,
 * and so valid UTF-8 that PCRE2 need not validate, is learnt once per
 * request, not once per pattern.
 */

static fgs_regex_result_e
fgs_eval_part(const fgs_regex_t *re, fgs_subject_t *s, uint32_t part)
{
    size_t            i;
    const fgs_str_t  *str;

    str = &s->parts[part];

    if (s->ascii[part] == 0) {
        for (i = 0; i < str->len && str->data[i] < 0x80; i++) {
            /* void */
        }

        s->ascii[part] = (i == str->len) ? 1 : 2;
    }

    if (s->ascii[part] == 1) {
        return fgs_regex_match_utf8(re, str->data, str->len);
    }

    return fgs_regex_match(re, str->data, str->len);
}


/*
 * What a match reads.  Most operations name the function in the URN.
 * create and import name it in the body (func_name, package), or a rule
 * scoped to "^prod-" would be bypassed by creating the function; a body
 * without a package creates it in "default".  A URN without a version,
 * and a new function, are "latest".
 */

static int
fgs_eval_subject(fgs_eval_ctx_t *ctx, fgs_subject_t *s)
{
    int                  rc;
    const fgs_target_t  *t;
    static u_char        latest[] = "latest";
    static u_char        dflt[] = "default";

    memset(s, 0, sizeof(fgs_subject_t));

    s->principals = ctx->in->principals;

    t = ctx->in->target;

    if (t != NULL) {
        s->project = t->project_id;
        s->parts[FGS_SUBJECT_FUNCTION] = t->name;
        s->parts[FGS_SUBJECT_PACKAGE] = t->package;
        s->parts[FGS_SUBJECT_VERSION] = t->version;
    }

    if (ctx->in->op == FGS_OP_CREATE || ctx->in->op == FGS_OP_IMPORT) {
        rc = fgs_eval_body_string(ctx, FGS_ROOT_KEY_FUNC_NAME, "func_name",
                                  &s->parts[FGS_SUBJECT_FUNCTION]);
        if (rc != FGS_OK) {
            return rc;
        }

        rc = fgs_eval_body_string(ctx, FGS_ROOT_KEY_PACKAGE, "package",
                                  &s->parts[FGS_SUBJECT_PACKAGE]);
        if (rc != FGS_OK) {
            return rc;
        }

        if (s->parts[FGS_SUBJECT_PACKAGE].len == 0) {
            s->parts[FGS_SUBJECT_PACKAGE].data = dflt;
            s->parts[FGS_SUBJECT_PACKAGE].len = sizeof(dflt) - 1;
        }

        s->parts[FGS_SUBJECT_VERSION].len = 0;
    }

    if (s->parts[FGS_SUBJECT_VERSION].len == 0) {
        s->parts[FGS_SUBJECT_VERSION].data = latest;
        s->parts[FGS_SUBJECT_VERSION].len = sizeof(latest) - 1;
    }

    return FGS_OK;
}


/* root_key: the key's number in the policy's root keys, when it has them */

static int
fgs_eval_body_string(fgs_eval_ctx_t *ctx, uint32_t root_key, const char *key,
    fgs_str_t *out)
{
    uint32_t  n;

    out->data = NULL;
    out->len = 0;

    n = (ctx->policy->nroot_keys >= root_key)
        ? ctx->root_nodes[root_key - 1]
        : fgs_json_child(ctx->in->doc, 0, key, strlen(key));

    if (n == FGS_NONE || ctx->in->doc->nodes[n].type != FGS_JSON_STRING) {
        return FGS_OK;
    }

    return fgs_json_string(ctx->in->doc, n, ctx->a, out);
}


static fgs_mode_e
fgs_eval_mode(fgs_eval_ctx_t *ctx, const fgs_rule_t *rule)
{
    if (ctx->in->mode != FGS_MODE_UNSET) {
        return ctx->in->mode;
    }

    if (rule->mode != FGS_MODE_UNSET) {
        return rule->mode;
    }

    return ctx->policy->mode;
}


/* rule: the rule's index; its note is taken from ctx->notes */

static void
fgs_eval_note(fgs_eval_ctx_t *ctx, fgs_rule_note_t ***tail, uint32_t rule,
    const char *action)
{
    fgs_rule_note_t  *note;

    /* the applied notes first, then the waived ones: a rule may be both */
    note = &ctx->notes[(tail == &ctx->waived_tail) ? ctx->policy->nrules + rule
                                                   : rule];

    note->rule = ctx->policy->rules[rule].id;
    note->field = NULL;
    note->action = action;
    note->value_doc = NULL;
    note->value_node = 0;
    note->next = NULL;

    **tail = note;
    *tail = &note->next;
}


static int
fgs_eval_decide(fgs_eval_ctx_t *ctx)
{
    char        *fields;
    uint32_t     enforced;
    fgs_eval_t  *out;

    out = ctx->out;
    enforced = out->violations.n + out->violations.dropped;

    if (out->nedits > 0 && ctx->in->signed_body) {

        /*
         * the caller makes the changes, or the signature breaks: the
         * fields are named before the fixes join the violations, which
         * takes them from their list
         */

        fields = enforced ? NULL : fgs_eval_signed_fields(ctx);

        if ((!enforced && fields == NULL)
            || fgs_violations_append(&out->violations, &ctx->signed_fixes,
                                     ctx->a)
               != FGS_OK)
        {
            return FGS_ERROR;
        }

        if (enforced) {
            return fgs_eval_deny(ctx, "FGSPOL.4030");
        }

        if (fgs_eval_deny(ctx, "FGSPOL.4031") != FGS_OK) {
            return FGS_ERROR;
        }

        return fgs_eval_signed_msg(ctx, fields);
    }

    if (enforced > 0) {
        return fgs_eval_deny(ctx, "FGSPOL.4030");
    }

    if (out->nedits > 0) {
        out->decision = FGS_DECISION_REWRITE;

    } else if (out->audited.n + out->audited.dropped > 0) {
        out->decision = FGS_DECISION_AUDIT;

    } else {
        out->decision = FGS_DECISION_ALLOW;
    }

    return FGS_OK;
}


/*
 * FGSPOL.4031: the policy's only objection is a rewrite that the body's
 * signature forbids.  The sentence names both ways out: leave the body
 * unsigned for the gateway to rewrite, or make each change yourself.
 */

/* the fields an AK/SK caller must set itself, "a, b, c"; NULL: no memory */

static char *
fgs_eval_signed_fields(fgs_eval_ctx_t *ctx)
{
    char                   *fields, *p;
    size_t                  len;
    const fgs_violation_t  *v;

    len = 1;

    for (v = ctx->signed_fixes.head; v != NULL; v = v->next) {
        len += strlen(v->field) + 2;
    }

    fields = ctx->a->alloc(ctx->a->data, len);
    if (fields == NULL) {
        return NULL;
    }

    p = fields;

    for (v = ctx->signed_fixes.head; v != NULL; v = v->next) {
        if (p != fields) {
            *p++ = ',';
            *p++ = ' ';
        }

        len = strlen(v->field);
        memcpy(p, v->field, len);
        p += len;
    }

    *p = '\0';

    return fields;
}


static int
fgs_eval_signed_msg(fgs_eval_ctx_t *ctx, const char *fields)
{
    ctx->out->error_msg = fgs_strcat(ctx->a, "denied by policy: the "
                                     "body is signed with AK/SK and the "
                                     "policy would rewrite it; either "
                                     "send X-Sdk-Content-Sha256: "
                                     "UNSIGNED-PAYLOAD and let the "
                                     "gateway rewrite it, or make the "
                                     "change yourself in ", fields,
                                     " (each violation says how)", NULL);

    return ctx->out->error_msg ? FGS_OK : FGS_ERROR;
}


/* nothing is forwarded: no edits, no rewrites; every violation listed */

static int
fgs_eval_deny(fgs_eval_ctx_t *ctx, const char *code)
{
    char                   *p, more[32];
    uint32_t                n;
    fgs_eval_t             *out;
    const fgs_violation_t  *first;

    out = ctx->out;
    first = out->violations.head;

    out->decision = FGS_DECISION_DENY;
    out->status = 403;
    out->error_code = code;
    out->edits = NULL;
    out->nedits = 0;
    out->new_len = ctx->in->doc ? ctx->in->doc->len : 0;
    out->rewrites = NULL;

    /* "denied by policy: RULE: MESSAGE (and N more)" */

    p = more + sizeof(more);
    *--p = '\0';

    n = out->violations.n + out->violations.dropped;

    if (n > 1) {
        p -= sizeof(" more)") - 1;
        memcpy(p, " more)", sizeof(" more)") - 1);

        n--;

        do {
            *--p = (char) ('0' + n % 10);
            n /= 10;
        } while (n);

        p -= sizeof(" (and ") - 1;
        memcpy(p, " (and ", sizeof(" (and ") - 1);
    }

    out->error_msg = fgs_strcat(ctx->a, "denied by policy: ",
                                first->rule ? first->rule : "", ": ",
                                first->message, p, NULL);

    return out->error_msg ? FGS_OK : FGS_ERROR;
}


/*
 * A write outside code, config and create: no body is read, no rule
 * applies; other_writes decides.  fgs_policy_mode audit turns a deny into
 * an audit, like every other enforcement.
 */

static int
fgs_eval_other(fgs_eval_ctx_t *ctx)
{
    char                *path;
    fgs_eval_t          *out;
    fgs_violations_t    *v;
    const fgs_target_t  *t;

    out = ctx->out;
    t = ctx->in->target;

    switch (ctx->policy->other_writes) {

    case FGS_OTHER_ALLOW:
        out->decision = FGS_DECISION_ALLOW;
        return FGS_OK;

    case FGS_OTHER_AUDIT:
        out->decision = FGS_DECISION_AUDIT;
        return FGS_OK;

    default: /* FGS_OTHER_DENY */
        break;
    }

    v = (ctx->in->mode == FGS_MODE_AUDIT) ? &out->audited : &out->violations;

    if (fgs_violation_add(v, ctx->a, "other_writes", "",
                          "writes that are no endpoint of the FunctionGraph "
                          "API reference are denied by this policy") != FGS_OK)
    {
        return FGS_ERROR;
    }

    if (ctx->in->mode == FGS_MODE_AUDIT) {
        out->decision = FGS_DECISION_AUDIT;
        return FGS_OK;
    }

    path = (t != NULL && t->path.len)
           ? fgs_value_quote(t->path.data, t->path.len, ctx->a)
           : (char *) "this request";
    if (path == NULL) {
        return FGS_ERROR;
    }

    out->decision = FGS_DECISION_DENY;
    out->status = 403;
    out->error_code = "FGSPOL.4030";
    out->error_msg = fgs_sprintf(ctx->a, "denied by policy: other_writes is "
                                 "deny: %s is a write that no endpoint of "
                                 "the FunctionGraph API reference is, so no "
                                 "rule was written for it", path);

    return out->error_msg ? FGS_OK : FGS_ERROR;
}


int
fgs_eval_keep(fgs_eval_t *e, fgs_alloc_t *a)
{
    u_char      *p;
    size_t       len;
    uint32_t     i;
    fgs_edit_t  *edits;

    if (e->error_msg != NULL) {
        e->error_msg = fgs_strdup(a, e->error_msg, strlen(e->error_msg));
        if (e->error_msg == NULL) {
            return FGS_ERROR;
        }
    }

    /* "applied" is for the CLI, which keeps its one arena: not kept */

    e->applied = NULL;

    if ((e->violations.head
         && fgs_violations_copy(&e->violations, a) != FGS_OK)
        || (e->audited.head && fgs_violations_copy(&e->audited, a) != FGS_OK)
        || fgs_eval_keep_notes(&e->rewrites, a) != FGS_OK
        || fgs_eval_keep_notes(&e->waived, a) != FGS_OK)
    {
        return FGS_ERROR;
    }

    if (e->nedits == 0) {
        return FGS_OK;
    }

    /* the edits and their bytes in one block */

    len = e->nedits * sizeof(fgs_edit_t);

    for (i = 0; i < e->nedits; i++) {
        len += e->edits[i].data_len;
    }

    edits = a->alloc(a->data, len);
    if (edits == NULL) {
        return FGS_ERROR;
    }

    p = (u_char *) (edits + e->nedits);

    for (i = 0; i < e->nedits; i++) {
        edits[i] = e->edits[i];

        if (e->edits[i].data_len) {
            memcpy(p, e->edits[i].data, e->edits[i].data_len);
            edits[i].data = p;
            p += e->edits[i].data_len;
        }
    }

    e->edits = edits;

    return FGS_OK;
}


/* the notes themselves; their strings are the policy's */

static int
fgs_eval_keep_notes(fgs_rule_note_t **list, fgs_alloc_t *a)
{
    fgs_rule_note_t  *n, *c;

    for (n = *list; n; n = n->next) {
        c = a->alloc(a->data, sizeof(fgs_rule_note_t));
        if (c == NULL) {
            return FGS_ERROR;
        }

        *c = *n;
        *list = c;
        list = &c->next;
    }

    return FGS_OK;
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * A policy's rules and exceptions: each rule's id, operations, match,
 * mode, "when" and "check" (fgs_load_checks.c) and mutations
 * (fgs_load_mutations.c), what it reads held to the API reference
 * (fgs_load_schema_checks.c); each exception's scope, expiry and reason,
 * the rules it waives, and the checks its "allow" widens.
 */


#include <stdio.h>
#include <string.h>

#include "fgs_load_int.h"


static int fgs_load_rule(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj,
    size_t index);
static int fgs_load_rule_id(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj);
static int fgs_load_operations(fgs_load_t *ld, fgs_rule_t *rule,
    json_t *ops);
static int fgs_load_match(fgs_load_t *ld, json_t *obj, fgs_match_t *m,
    const char *name);
static int fgs_load_exception(fgs_load_t *ld, fgs_exception_t *exc,
    json_t *obj, size_t index);
static int fgs_load_exception_rules(fgs_load_t *ld, fgs_exception_t *exc,
    json_t *rules, json_t *allow);
static int fgs_load_allow(fgs_load_t *ld, const fgs_rule_t *rule,
    json_t *allow, const fgs_check_t **out);

int
fgs_load_rules(fgs_load_t *ld, json_t *rules)
{
    size_t         i, j;
    json_t        *obj;
    fgs_policy_t  *policy;

    policy = ld->policy;

    if (!json_is_array(rules)) {
        return fgs_load_fail(ld, "rules", "must be a list of rules");
    }

    policy->nrules = (uint32_t) json_array_size(rules);
    policy->rules = ld->a->alloc(ld->a->data,
                                 (policy->nrules + 1) * sizeof(fgs_rule_t));
    if (policy->rules == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    memset(policy->rules, 0, (policy->nrules + 1) * sizeof(fgs_rule_t));

    json_array_foreach(rules, i, obj) {
        if (fgs_load_rule(ld, &policy->rules[i], obj, i) != FGS_OK) {
            return FGS_DECLINED;
        }

        for (j = 0; j < i; j++) {
            if (strcmp(policy->rules[j].id, policy->rules[i].id) == 0) {
                return fgs_load_fail(ld, "id", "duplicate rule id (rules[%zu]"
                                     " and rules[%zu])", j, i);
            }
        }
    }

    ld->rule = NULL;

    return FGS_OK;
}


static int
fgs_load_rule(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj, size_t index)
{
    char        *s;
    json_t      *v;
    const char  *key;

    snprintf(ld->rule_buf, sizeof(ld->rule_buf), "rules[%zu]", index);
    ld->rule = ld->rule_buf;

    if (!json_is_object(obj)) {
        return fgs_load_fail(ld, NULL, "a rule is a JSON object");
    }

    if (fgs_load_rule_id(ld, rule, obj) != FGS_OK) {
        return FGS_DECLINED;
    }

    ld->rule = rule->id;

    rule->ops = (1u << FGS_OP_CODE) | (1u << FGS_OP_CONFIG)
                | (1u << FGS_OP_CREATE);
    rule->mode = FGS_MODE_UNSET;

    json_object_foreach(obj, key, v) {

        if (strcmp(key, "id") == 0
            || strcmp(key, "set_default") == 0 || strcmp(key, "set") == 0
            || strcmp(key, "remove") == 0)
        {
            /* the id is read; mutations are read below, in their order */
            continue;
        }

        if (strcmp(key, "description") == 0
            || strcmp(key, "remediation") == 0)
        {
            if (!json_is_string(v) || json_string_length(v) == 0
                || json_string_length(v) > 512)
            {
                return fgs_load_fail(ld, key, "must be a string of 1 to "
                                     "512 bytes");
            }

            /* one line: it is quoted in answers and records */

            s = fgs_strdup(ld->a, json_string_value(v),
                           json_string_length(v));
            if (s == NULL) {
                return fgs_load_fail(ld, NULL, "out of memory");
            }

            fgs_oneline(s);

            if (key[0] == 'd') {
                rule->description = s;

            } else {
                rule->remediation = s;
            }

        } else if (strcmp(key, "deny") == 0) {
            if (!json_is_boolean(v)) {
                return fgs_load_fail(ld, key, "must be true or false");
            }

            rule->deny = json_is_true(v);

        } else if (strcmp(key, "operations") == 0) {
            if (fgs_load_operations(ld, rule, v) != FGS_OK) {
                return FGS_DECLINED;
            }

        } else if (strcmp(key, "match") == 0) {
            if (fgs_load_match(ld, v, &rule->match, "match") != FGS_OK) {
                return FGS_DECLINED;
            }

        } else if (strcmp(key, "when") == 0) {
            if (fgs_load_checks(ld, v, "when", &rule->when, &rule->nwhen)
                != FGS_OK)
            {
                return FGS_DECLINED;
            }

        } else if (strcmp(key, "mode") == 0) {
            if (fgs_load_mode(ld, v, &rule->mode) != FGS_OK) {
                return FGS_DECLINED;
            }

        } else if (strcmp(key, "check") == 0) {
            if (fgs_load_checks(ld, v, "check", &rule->checks,
                                &rule->nchecks)
                != FGS_OK)
            {
                return FGS_DECLINED;
            }

        } else {
            return fgs_load_fail(ld, key, "unknown key \"%s\"; a rule has "
                                 "id, description, remediation, operations, "
                                 "match, when, mode, deny, check, "
                                 "set_default, set and remove",
                                 key);
        }
    }

    if (fgs_load_mutations(ld, rule, obj) != FGS_OK) {
        return FGS_DECLINED;
    }

    if (rule->deny && (rule->nchecks || rule->nmuts)) {
        return fgs_load_fail(ld, "deny", "a rule that denies every request "
                             "in its scope has no check, set_default, set "
                             "or remove: make them a rule of their own");
    }

    if (rule->nchecks == 0 && rule->nmuts == 0 && !rule->deny) {
        return fgs_load_fail(ld, NULL, "the rule does nothing: give it a "
                             "check, set_default, set or remove, or "
                             "\"deny\": true");
    }

    /* what checks read is held to the API reference, as what they write */

    if (!ld->any_shape && fgs_load_schema_checks(ld, rule) != FGS_OK) {
        return FGS_DECLINED;
    }

    return FGS_OK;
}


static int
fgs_load_rule_id(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj)
{
    json_t  *v;

    v = json_object_get(obj, "id");

    if (v == NULL) {
        return fgs_load_fail(ld, "id", "a rule needs an id");
    }

    if (!json_is_string(v)
        || !fgs_load_id_ok(json_string_value(v), json_string_length(v)))
    {
        return fgs_load_fail(ld, "id", "an id is 1 to 64 letters, digits, "
                             "\"_\", \".\" or \"-\"");
    }

    rule->id = fgs_strdup(ld->a, json_string_value(v), json_string_length(v));
    if (rule->id == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    return FGS_OK;
}


static int
fgs_load_operations(fgs_load_t *ld, fgs_rule_t *rule, json_t *ops)
{
    size_t       i;
    json_t      *v;
    fgs_op_e     op;
    const char  *s;

    if (!json_is_array(ops) || json_array_size(ops) == 0) {
        return fgs_load_fail(ld, "operations", "must be a non-empty list of "
                             "operations (\"code\", \"config\", "
                             "\"create\", \"trigger\", ...)");
    }

    rule->ops = 0;

    json_array_foreach(ops, i, v) {
        s = json_string_value(v);
        op = (s != NULL) ? fgs_op_by_name(s, strlen(s)) : FGS_OP_NONE;

        if (op == FGS_OP_OTHER) {
            return fgs_load_fail(ld, "operations", "\"other\" writes are "
                                 "those the gateway cannot classify, with no "
                                 "body a rule could read: use the policy's "
                                 "\"other_writes\"");
        }

        if (op == FGS_OP_NONE) {
            return fgs_load_fail(ld, "operations", "unknown operation "
                                 "\"%.32s\"; use one of the operations "
                                 "of docs/policy-language.md, \"What it "
                                 "governs\" (code, config, create, import, "
                                 "trigger, tags, ...)",
                                 s ? s : "(not a string)");
        }

        rule->ops |= 1u << op;
    }

    return FGS_OK;
}


int
fgs_load_mode(fgs_load_t *ld, json_t *v, fgs_mode_e *mode)
{
    const char  *s;

    s = json_string_value(v);

    if (s != NULL && strcmp(s, "enforce") == 0) {
        *mode = FGS_MODE_ENFORCE;
        return FGS_OK;
    }

    if (s != NULL && strcmp(s, "audit") == 0) {
        *mode = FGS_MODE_AUDIT;
        return FGS_OK;
    }

    return fgs_load_fail(ld, "mode", "must be \"enforce\" or \"audit\"");
}


/* the scope of a rule or an exception */

static int
fgs_load_match(fgs_load_t *ld, json_t *obj, fgs_match_t *m, const char *name)
{
    char          field[32];
    size_t        i;
    json_t       *v, *p;
    const char   *key, *s;
    fgs_regex_t **re;

    if (!json_is_object(obj) || json_object_size(obj) == 0) {
        return fgs_load_fail(ld, name, "must be an object with project_id, "
                             "function, package, version, principal or "
                             "not_principal; leave it out to match every "
                             "request");
    }

    json_object_foreach(obj, key, v) {

        snprintf(field, sizeof(field), "%s.%.16s", name, key);

        if (strcmp(key, "project_id") == 0) {
            v = fgs_load_values(ld, v, field);
            if (v == NULL) {
                return FGS_DECLINED;
            }

            if (json_array_size(v) == 0) {
                return fgs_load_fail(ld, field, "must be a non-empty list "
                                     "of project ids");
            }

            m->nprojects = (uint32_t) json_array_size(v);
            m->projects = ld->a->alloc(ld->a->data,
                                       m->nprojects * sizeof(fgs_str_t));
            if (m->projects == NULL) {
                return fgs_load_fail(ld, NULL, "out of memory");
            }

            json_array_foreach(v, i, p) {
                s = json_string_value(p);

                if (s == NULL || json_string_length(p) != 32
                    || strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 32)
                {
                    return fgs_load_fail(ld, field, "a project id is 32 "
                                         "letters or digits");
                }

                m->projects[i].data = (u_char *) fgs_strdup(ld->a, s, 32);
                m->projects[i].len = 32;

                if (m->projects[i].data == NULL) {
                    return fgs_load_fail(ld, NULL, "out of memory");
                }
            }

            continue;
        }

        if (strcmp(key, "principal") == 0) {
            if (fgs_load_principal_names(ld, v, field, &m->principals)
                != FGS_OK)
            {
                return FGS_DECLINED;
            }

            continue;
        }

        if (strcmp(key, "not_principal") == 0) {
            if (fgs_load_principal_names(ld, v, field, &m->not_principals)
                != FGS_OK)
            {
                return FGS_DECLINED;
            }

            continue;
        }

        if (strcmp(key, "function") == 0) {
            re = &m->function;

        } else if (strcmp(key, "package") == 0) {
            re = &m->package;

        } else if (strcmp(key, "version") == 0) {
            re = &m->version;

        } else {
            return fgs_load_fail(ld, field, "unknown key \"%s\"; a match has "
                                 "project_id, function, package, version, "
                                 "principal and not_principal",
                                 key);
        }

        if (fgs_load_pattern(ld, v, field, re) != FGS_OK) {
            return FGS_DECLINED;
        }
    }

    return FGS_OK;
}


int
fgs_load_exceptions(fgs_load_t *ld, json_t *list)
{
    size_t         i, j;
    json_t        *obj;
    fgs_policy_t  *policy;

    policy = ld->policy;

    if (!json_is_array(list)) {
        return fgs_load_fail(ld, "exceptions", "must be a list");
    }

    policy->nexceptions = (uint32_t) json_array_size(list);
    policy->exceptions = ld->a->alloc(ld->a->data, (policy->nexceptions + 1)
                                                   * sizeof(fgs_exception_t));
    if (policy->exceptions == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    memset(policy->exceptions, 0,
           (policy->nexceptions + 1) * sizeof(fgs_exception_t));

    json_array_foreach(list, i, obj) {
        if (fgs_load_exception(ld, &policy->exceptions[i], obj, i) != FGS_OK)
        {
            return FGS_DECLINED;
        }

        for (j = 0; j < i; j++) {
            if (strcmp(policy->exceptions[j].id, policy->exceptions[i].id)
                == 0)
            {
                return fgs_load_fail(ld, "id", "duplicate exception id "
                                     "(exceptions[%zu] and exceptions[%zu])",
                                     j, i);
            }
        }
    }

    ld->rule = NULL;

    return FGS_OK;
}


static int
fgs_load_exception(fgs_load_t *ld, fgs_exception_t *exc, json_t *obj,
    size_t index)
{
    json_t      *v, *rules, *allow;
    const char  *key;

    snprintf(ld->rule_buf, sizeof(ld->rule_buf), "exceptions[%zu]", index);
    ld->rule = ld->rule_buf;

    if (!json_is_object(obj)) {
        return fgs_load_fail(ld, NULL, "an exception is a JSON object");
    }

    v = json_object_get(obj, "id");

    if (v == NULL || !json_is_string(v)
        || !fgs_load_id_ok(json_string_value(v), json_string_length(v)))
    {
        return fgs_load_fail(ld, "id", "an exception needs an id of 1 to 64 "
                             "letters, digits, \"_\", \".\" or \"-\"");
    }

    exc->id = fgs_strdup(ld->a, json_string_value(v), json_string_length(v));
    if (exc->id == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    ld->rule = exc->id;
    rules = NULL;
    allow = NULL;

    json_object_foreach(obj, key, v) {

        if (strcmp(key, "id") == 0) {
            continue;
        }

        if (strcmp(key, "rules") == 0) {
            rules = v;

        } else if (strcmp(key, "match") == 0) {
            if (fgs_load_match(ld, v, &exc->match, "match") != FGS_OK) {
                return FGS_DECLINED;
            }

        } else if (strcmp(key, "expires") == 0) {
            if (!json_is_string(v)
                || fgs_policy_parse_time((u_char *) json_string_value(v),
                                         json_string_length(v),
                                         &exc->expires)
                   != FGS_OK)
            {
                return fgs_load_fail(ld, key, "must be an RFC 3339 "
                                     "date-time such as "
                                     "\"2027-03-31T00:00:00Z\"");
            }

        } else if (strcmp(key, "allow") == 0) {
            if (!json_is_object(v) || json_object_size(v) == 0) {
                return fgs_load_fail(ld, key, "must be an object of path "
                                     "-> {\"in\": [values]}: the values "
                                     "the exception allows besides the "
                                     "rule's own");
            }

            allow = v;
            exc->narrows = 1;

        } else if (strcmp(key, "reason") == 0) {
            if (!json_is_string(v) || json_string_length(v) == 0) {
                return fgs_load_fail(ld, key, "must be a non-empty string");
            }

            exc->reason = fgs_strdup(ld->a, json_string_value(v),
                                     json_string_length(v));
            if (exc->reason == NULL) {
                return fgs_load_fail(ld, NULL, "out of memory");
            }

        } else {
            return fgs_load_fail(ld, key, "unknown key \"%s\"; an exception "
                                 "has id, rules, match, expires, reason and "
                                 "allow", key);
        }
    }

    if (json_object_get(obj, "expires") == NULL) {
        return fgs_load_fail(ld, "expires", "an exception needs an expiry "
                             "date (RFC 3339)");
    }

    if (exc->reason == NULL) {
        return fgs_load_fail(ld, "reason", "an exception needs a reason");
    }

    if (rules == NULL) {
        return fgs_load_fail(ld, "rules", "an exception needs the list of "
                             "rule ids it waives");
    }

    return fgs_load_exception_rules(ld, exc, rules, allow);
}


static int
fgs_load_exception_rules(fgs_load_t *ld, fgs_exception_t *exc,
    json_t *rules, json_t *allow)
{
    size_t                i;
    json_t               *v;
    uint32_t              r;
    const char           *s;
    fgs_rule_t           *rule;
    fgs_exception_t     **list;
    const fgs_check_t    *narrowed, **nlist;

    if (!json_is_array(rules) || json_array_size(rules) == 0) {
        return fgs_load_fail(ld, "rules", "must be a non-empty list of rule "
                             "ids");
    }

    json_array_foreach(rules, i, v) {
        s = json_string_value(v);

        if (s == NULL) {
            return fgs_load_fail(ld, "rules", "must be a list of rule ids");
        }

        rule = NULL;

        for (r = 0; r < ld->policy->nrules; r++) {
            if (strcmp(ld->policy->rules[r].id, s) == 0) {
                rule = &ld->policy->rules[r];
                break;
            }
        }

        if (rule == NULL) {
            return fgs_load_fail(ld, "rules", "no rule has the id \"%.64s\"",
                                 s);
        }

        /* the rule's list of exceptions grows by one (few, at load) */

        /* "allow": the rule's checks widened, made once, here */

        narrowed = NULL;

        if (allow != NULL
            && fgs_load_allow(ld, rule, allow, &narrowed) != FGS_OK)
        {
            return FGS_DECLINED;
        }

        list = ld->a->alloc(ld->a->data, (rule->nexceptions + 1)
                                         * sizeof(fgs_exception_t *));
        nlist = ld->a->alloc(ld->a->data, (rule->nexceptions + 1)
                                          * sizeof(fgs_check_t *));
        if (list == NULL || nlist == NULL) {
            return fgs_load_fail(ld, NULL, "out of memory");
        }

        if (rule->nexceptions) {
            memcpy(list, rule->exceptions,
                   rule->nexceptions * sizeof(fgs_exception_t *));
            memcpy(nlist, rule->narrowed,
                   rule->nexceptions * sizeof(fgs_check_t *));
        }

        nlist[rule->nexceptions] = narrowed;
        list[rule->nexceptions++] = exc;
        rule->exceptions = list;
        rule->narrowed = nlist;
    }

    return FGS_OK;
}


/*
 * An exception's "allow" for one of its rules: {"PATH": {"in": [...]}},
 * values allowed besides those of the rule's "in" check of PATH.  The
 * rule's checks are copied with those lists widened, and held to the
 * API reference like the rule's own; the exception then narrows the rule
 * instead of waiving it.
 */

static int
fgs_load_allow(fgs_load_t *ld, const fgs_rule_t *rule, json_t *allow,
    const fgs_check_t **out)
{
    char           field[160];
    json_t        *spec, *v;
    uint32_t       j, nextra;
    fgs_rule_t     widened;
    const char    *path, *extra_text;
    fgs_check_t   *checks, *c;
    fgs_scalar_t  *extra, *merged;

    checks = ld->a->alloc(ld->a->data,
                          (rule->nchecks + 1) * sizeof(fgs_check_t));
    if (checks == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    memcpy(checks, rule->checks, rule->nchecks * sizeof(fgs_check_t));

    json_object_foreach(allow, path, spec) {
        snprintf(field, sizeof(field), "allow[%.100s]", path);

        c = NULL;

        for (j = 0; j < rule->nchecks; j++) {
            if (strcmp(checks[j].path.text, path) == 0
                && (checks[j].has & FGS_CHECK_IN))
            {
                c = &checks[j];
                break;
            }
        }

        if (c == NULL) {
            return fgs_load_fail(ld, field, "rule %s has no \"in\" check of "
                                 "%.100s for the exception to widen; to "
                                 "switch the rule off, leave \"allow\" out",
                                 rule->id, path);
        }

        v = json_object_get(spec, "in");

        if (!json_is_object(spec) || v == NULL || json_object_size(spec) != 1)
        {
            return fgs_load_fail(ld, field, "must be {\"in\": [values]} or "
                                 "{\"in\": {\"list\": \"NAME\"}}");
        }

        snprintf(field, sizeof(field), "allow[%.100s].in", path);

        v = fgs_load_values(ld, v, field);

        if (v == NULL
            || fgs_load_list(ld, field, v, &extra, &nextra, &extra_text)
               != FGS_OK)
        {
            return FGS_DECLINED;
        }

        merged = ld->a->alloc(ld->a->data,
                              (c->nin + nextra) * sizeof(fgs_scalar_t));
        if (merged == NULL) {
            return fgs_load_fail(ld, NULL, "out of memory");
        }

        memcpy(merged, c->in, c->nin * sizeof(fgs_scalar_t));
        memcpy(merged + c->nin, extra, nextra * sizeof(fgs_scalar_t));

        c->in = merged;
        c->nin += nextra;
        c->in_text = fgs_strcat(ld->a, c->in_text, ", ", extra_text, NULL);
        if (c->in_text == NULL) {
            return fgs_load_fail(ld, NULL, "out of memory");
        }
    }

    /* what the exception allows is held to the reference too */

    if (!ld->any_shape) {
        widened = *rule;
        widened.checks = checks;
        widened.nwhen = 0;

        if (fgs_load_schema_checks(ld, &widened) != FGS_OK) {
            return FGS_DECLINED;
        }
    }

    *out = checks;

    return FGS_OK;
}

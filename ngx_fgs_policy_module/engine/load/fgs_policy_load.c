
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Loading a policy file (docs/policy-language.md, "The policy file" and
 * "Loading and reloading"): read once, hashed, parsed by jansson refusing
 * duplicate keys, then every key checked (an unknown key anywhere is an
 * error: a typo must not silently disable a rule) and compiled into the
 * structures that evaluation reads.  The first error is reported with the
 * file, the rule or exception and the field.
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <openssl/evp.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "policy/fgs_policy_int.h"
#include "fgs_policy_load_schema.h"


static u_char *fgs_load_file(fgs_load_t *ld, const char *path, size_t *len);
static int fgs_load_top(fgs_load_t *ld, json_t *root);
static int fgs_load_lists(fgs_load_t *ld, json_t *lists);
static int fgs_load_rules(fgs_load_t *ld, json_t *rules);
static int fgs_load_op_rules(fgs_load_t *ld);
static int fgs_load_rule(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj,
    size_t index);
static int fgs_load_rule_id(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj);
static int fgs_load_operations(fgs_load_t *ld, fgs_rule_t *rule,
    json_t *ops);
static int fgs_load_mode(fgs_load_t *ld, json_t *v, fgs_mode_e *mode);
static int fgs_load_exceptions(fgs_load_t *ld, json_t *list);
static int fgs_load_exception(fgs_load_t *ld, fgs_exception_t *exc,
    json_t *obj, size_t index);
static int fgs_load_exception_rules(fgs_load_t *ld, fgs_exception_t *exc,
    json_t *rules, json_t *allow);
static fgs_policy_t *fgs_policy_load_file(const char *path,
    fgs_policy_error_t *err, unsigned any_shape);
static int fgs_load_id_ok(const char *id, size_t len);
static char *fgs_load_strdup(const char *s);


fgs_policy_t *
fgs_policy_load(const char *path, fgs_policy_error_t *err)
{
    return fgs_policy_load_file(path, err, 0);
}


/*
 * For the unit tests of the rewrite and path mechanics, which use fields
 * of any shape: the same load, but neither a mutation nor a check is
 * held to the API reference (fgs_policy_load_schema.c).  The gateway and
 * the CLI never load a policy this way.
 */

fgs_policy_t *
fgs_policy_load_any_shape(const char *path, fgs_policy_error_t *err)
{
    return fgs_policy_load_file(path, err, 1);
}


static fgs_policy_t *
fgs_policy_load_file(const char *path, fgs_policy_error_t *err,
    unsigned any_shape)
{
    char            field[128];
    size_t          len, i;
    u_char         *buf, md[EVP_MAX_MD_SIZE];
    json_t         *root;
    unsigned int    mdlen;
    fgs_load_t      ld;
    json_error_t    jerr;
    fgs_policy_t   *policy;

    memset(err, 0, sizeof(fgs_policy_error_t));

    ld.err = err;
    ld.file = path;
    ld.rule = NULL;
    ld.policy = NULL;
    ld.lists = NULL;
    ld.any_shape = any_shape;

    policy = calloc(1, sizeof(fgs_policy_t));
    if (policy == NULL) {
        fgs_load_fail(&ld, NULL, "out of memory");
        return NULL;
    }

    fgs_arena_init(&policy->arena);
    policy->mode = FGS_MODE_ENFORCE;
    policy->other_writes = FGS_OTHER_AUDIT;
    policy->warn_window = (time_t) FGS_POLICY_WARN_DAYS * 86400;

    ld.policy = policy;
    ld.a = &policy->arena.alloc;

    policy->file = fgs_strdup(ld.a, path, strlen(path));
    policy->mctx = pcre2_match_context_create(NULL);

    if (policy->file == NULL || policy->mctx == NULL) {
        fgs_load_fail(&ld, NULL, "out of memory");
        goto failed;
    }

    /* NULL where there is no JIT: patterns are interpreted then */
    policy->jit_stack = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);

    if (policy->jit_stack != NULL) {
        pcre2_jit_stack_assign(policy->mctx, NULL, policy->jit_stack);
    }

    buf = fgs_load_file(&ld, path, &len);
    if (buf == NULL) {
        goto failed;
    }

    if (EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
        free(buf);
        fgs_load_fail(&ld, NULL, "SHA-256 failed");
        goto failed;
    }

    for (i = 0; i < mdlen && i < 32; i++) {
        snprintf(policy->sha256 + 2 * i, 3, "%02x", md[i]);
    }

    root = json_loadb((const char *) buf, len, JSON_REJECT_DUPLICATES, &jerr);

    if (root == NULL) {
        fgs_load_locate(&ld, buf, len, (size_t) jerr.position, field,
                        sizeof(field));
        free(buf);
        fgs_load_fail(&ld, field[0] ? field : NULL, "line %d, column %d: %s",
                      jerr.line, jerr.column, jerr.text);
        goto failed;
    }

    free(buf);

    if (fgs_load_top(&ld, root) != FGS_OK) {
        json_decref(root);
        goto failed;
    }

    json_decref(root);

    return policy;

failed:

    fgs_policy_free(policy);

    return NULL;
}


static u_char *
fgs_load_file(fgs_load_t *ld, const char *path, size_t *len)
{
    FILE         *f;
    size_t        n;
    u_char       *buf;
    struct stat   st;

    f = fopen(path, "rb");
    if (f == NULL) {
        fgs_load_fail(ld, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }

    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        fgs_load_fail(ld, NULL, "not a regular file");
        return NULL;
    }

    if (st.st_size > FGS_POLICY_MAX_FILE) {
        fclose(f);
        fgs_load_fail(ld, NULL, "larger than %d bytes", FGS_POLICY_MAX_FILE);
        return NULL;
    }

    buf = malloc((size_t) st.st_size + 1);
    if (buf == NULL) {
        fclose(f);
        fgs_load_fail(ld, NULL, "out of memory");
        return NULL;
    }

    n = fread(buf, 1, (size_t) st.st_size + 1, f);

    if (ferror(f) || n != (size_t) st.st_size) {
        fclose(f);
        free(buf);
        fgs_load_fail(ld, NULL, "cannot read: the file changed or failed");
        return NULL;
    }

    fclose(f);
    *len = n;

    return buf;
}


static int
fgs_load_top(fgs_load_t *ld, json_t *root)
{
    json_t        *v, *rules;
    const char    *key, *s;
    fgs_policy_t  *policy;

    policy = ld->policy;

    if (!json_is_object(root)) {
        return fgs_load_fail(ld, NULL, "a policy is a JSON object");
    }

    v = json_object_get(root, "fgs_policy");

    if (v == NULL) {
        return fgs_load_fail(ld, "fgs_policy", "not a policy file: "
                             "\"fgs_policy\": 1 is missing");
    }

    if (!json_is_integer(v) || json_integer_value(v) != 1) {
        return fgs_load_fail(ld, "fgs_policy", "this build reads policy "
                             "format 1 (\"fgs_policy\": 1)");
    }

    json_object_foreach(root, key, v) {

        if (strcmp(key, "fgs_policy") == 0) {
            continue;
        }

        if (strcmp(key, "description") == 0) {
            if (!json_is_string(v)) {
                return fgs_load_fail(ld, key, "must be a string");
            }

            continue;
        }

        if (strcmp(key, "mode") == 0) {
            if (fgs_load_mode(ld, v, &policy->mode) != FGS_OK) {
                return FGS_DECLINED;
            }

            continue;
        }

        if (strcmp(key, "other_writes") == 0) {
            s = json_string_value(v);

            if (s != NULL && strcmp(s, "allow") == 0) {
                policy->other_writes = FGS_OTHER_ALLOW;

            } else if (s != NULL && strcmp(s, "audit") == 0) {
                policy->other_writes = FGS_OTHER_AUDIT;

            } else if (s != NULL && strcmp(s, "deny") == 0) {
                policy->other_writes = FGS_OTHER_DENY;

            } else {
                return fgs_load_fail(ld, key, "must be \"allow\", \"audit\" "
                                     "or \"deny\"");
            }

            continue;
        }

        if (strcmp(key, "expiry_warning_days") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0
                || json_integer_value(v) > 3650)
            {
                return fgs_load_fail(ld, key, "must be a number of days, "
                                     "0 to 3650 (0: warn only of expired "
                                     "exceptions)");
            }

            policy->warn_window = (time_t) json_integer_value(v) * 86400;
            continue;
        }

        if (strcmp(key, "rules") == 0 || strcmp(key, "exceptions") == 0) {
            continue;
        }

        if (strcmp(key, "lists") == 0) {
            if (fgs_load_lists(ld, v) != FGS_OK) {
                return FGS_DECLINED;
            }

            continue;
        }

        return fgs_load_fail(ld, key, "unknown key \"%s\"; a policy has "
                             "fgs_policy, description, mode, other_writes, "
                             "expiry_warning_days, lists, rules and "
                             "exceptions", key);
    }

    rules = json_object_get(root, "rules");

    if (rules == NULL) {
        return fgs_load_fail(ld, "rules", "a policy needs \"rules\" (a list, "
                             "possibly empty)");
    }

    if (fgs_load_value_empty(ld) != FGS_OK
        || fgs_load_rules(ld, rules) != FGS_OK)
    {
        return FGS_DECLINED;
    }

    /* the top-level keys the checks read, found per request in one pass */
    fgs_path_index(ld->policy);

    if (fgs_load_op_rules(ld) != FGS_OK) {
        return FGS_DECLINED;
    }

    v = json_object_get(root, "exceptions");

    if (v != NULL && fgs_load_exceptions(ld, v) != FGS_OK) {
        return FGS_DECLINED;
    }

    return FGS_OK;
}


/*
 * "lists": {"approved_vpcs": ["vpc-1", "vpc-2"], ...}: named lists of
 * values (or of patterns) that checks, matches and exceptions refer to
 * as {"list": "approved_vpcs"}, so that one list serves several rules.
 * They are read where they are used (fgs_load_values()), and kept only
 * for the load.
 */

static int
fgs_load_lists(fgs_load_t *ld, json_t *lists)
{
    char         field[96];
    json_t      *v, *e;
    size_t       i;
    const char  *name;

    if (!json_is_object(lists)) {
        return fgs_load_fail(ld, "lists", "must be an object of name -> "
                             "list of values");
    }

    json_object_foreach(lists, name, v) {
        snprintf(field, sizeof(field), "lists.%.64s", name);

        if (!fgs_load_id_ok(name, strlen(name))) {
            return fgs_load_fail(ld, field, "a list's name is 1 to 64 "
                                 "letters, digits, \"_\", \".\" or \"-\"");
        }

        if (!json_is_array(v) || json_array_size(v) == 0) {
            return fgs_load_fail(ld, field, "must be a non-empty list of "
                                 "strings, numbers, booleans or null");
        }

        json_array_foreach(v, i, e) {
            if (json_is_object(e) || json_is_array(e)) {
                return fgs_load_fail(ld, field, "lists strings, numbers, "
                                     "booleans or null, not objects or "
                                     "arrays");
            }
        }
    }

    ld->lists = lists;

    return FGS_OK;
}


/*
 * Per operation, the rules that include it: a request is evaluated
 * against those only, not tested against every rule.
 */

static int
fgs_load_op_rules(fgs_load_t *ld)
{
    uint32_t       i, op, n;
    fgs_policy_t  *policy;

    policy = ld->policy;
    ld->rule = NULL;

    for (op = FGS_OP_CODE; op <= FGS_OP_CREATE; op++) {
        policy->op_rules[op] = ld->a->alloc(ld->a->data,
                                            (policy->nrules + 1)
                                            * sizeof(uint32_t));
        if (policy->op_rules[op] == NULL) {
            return fgs_load_fail(ld, NULL, "out of memory");
        }

        n = 0;

        for (i = 0; i < policy->nrules; i++) {
            if (policy->rules[i].ops & (1u << op)) {
                policy->op_rules[op][n++] = i;
            }
        }

        policy->nop_rules[op] = n;
    }

    return FGS_OK;
}


static int
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

        if (strcmp(key, "description") == 0) {
            if (!json_is_string(v)) {
                return fgs_load_fail(ld, key, "must be a string");
            }

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
                                 "id, description, operations, match, when, "
                                 "mode, check, set_default, set and remove",
                                 key);
        }
    }

    if (fgs_load_mutations(ld, rule, obj) != FGS_OK) {
        return FGS_DECLINED;
    }

    if (rule->nchecks == 0 && rule->nmuts == 0) {
        return fgs_load_fail(ld, NULL, "the rule does nothing: give it a "
                             "check, set_default, set or remove");
    }

    /* what checks read is held to the API reference, as what they write */

    if (!ld->any_shape && fgs_load_checks_schema(ld, rule) != FGS_OK) {
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
    const char  *s;

    if (!json_is_array(ops) || json_array_size(ops) == 0) {
        return fgs_load_fail(ld, "operations", "must be a non-empty list of "
                             "\"code\", \"config\", \"create\"");
    }

    rule->ops = 0;

    json_array_foreach(ops, i, v) {
        s = json_string_value(v);

        if (s != NULL && strcmp(s, "code") == 0) {
            rule->ops |= 1u << FGS_OP_CODE;

        } else if (s != NULL && strcmp(s, "config") == 0) {
            rule->ops |= 1u << FGS_OP_CONFIG;

        } else if (s != NULL && strcmp(s, "create") == 0) {
            rule->ops |= 1u << FGS_OP_CREATE;

        } else if (s != NULL && strcmp(s, "other") == 0) {
            return fgs_load_fail(ld, "operations", "\"other\" writes carry "
                                 "no function body for a rule to read: use "
                                 "the policy's \"other_writes\"");

        } else {
            return fgs_load_fail(ld, "operations", "unknown operation "
                                 "\"%.32s\"; use \"code\", \"config\" or "
                                 "\"create\"", s ? s : "(not a string)");
        }
    }

    return FGS_OK;
}


static int
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

int
fgs_load_match(fgs_load_t *ld, json_t *obj, fgs_match_t *m, const char *name)
{
    char          field[32];
    size_t        i;
    json_t       *v, *p;
    const char   *key, *s;
    fgs_regex_t **re;

    if (!json_is_object(obj) || json_object_size(obj) == 0) {
        return fgs_load_fail(ld, name, "must be an object with project_id, "
                             "function, package or version; leave it out to "
                             "match every request");
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

        if (strcmp(key, "function") == 0) {
            re = &m->function;

        } else if (strcmp(key, "package") == 0) {
            re = &m->package;

        } else if (strcmp(key, "version") == 0) {
            re = &m->version;

        } else {
            return fgs_load_fail(ld, field, "unknown key \"%s\"; a match has "
                                 "project_id, function, package and version",
                                 key);
        }

        if (fgs_load_pattern(ld, v, field, re) != FGS_OK) {
            return FGS_DECLINED;
        }
    }

    return FGS_OK;
}


static int
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


static int
fgs_load_id_ok(const char *id, size_t len)
{
    return len >= 1 && len <= FGS_POLICY_MAX_ID
           && strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789_.-") == len;
}


/*
 * Records the first error: file, rule (or exception) and field, each
 * malloc()ed for the caller (nginx prints them after the pool is gone).
 * Returns FGS_DECLINED for "return fgs_load_fail(...)".
 */

int
fgs_load_fail(fgs_load_t *ld, const char *field, const char *fmt, ...)
{
    int      n;
    char    *msg;
    va_list  args;

    if (ld->err->message != NULL) {
        return FGS_DECLINED;
    }

    va_start(args, fmt);
    n = vsnprintf(NULL, 0, fmt, args);
    va_end(args);

    msg = malloc(n > 0 ? (size_t) n + 1 : 1);

    if (msg != NULL) {
        va_start(args, fmt);
        vsnprintf(msg, (size_t) n + 1, fmt, args);
        va_end(args);
    }

    ld->err->message = msg ? msg : fgs_load_strdup("out of memory");
    ld->err->file = fgs_load_strdup(ld->file);
    ld->err->rule = ld->rule ? fgs_load_strdup(ld->rule) : NULL;
    ld->err->field = field ? fgs_load_strdup(field) : NULL;

    fgs_policy_oneline(ld->err->message);
    fgs_policy_oneline(ld->err->rule);
    fgs_policy_oneline(ld->err->field);

    return FGS_DECLINED;
}


/*
 * Errors and violations are printed on one line (nginx -t, the error
 * log, fgs-policy check and eval), but they may quote the policy file:
 * jansson's text quotes the token it stopped at ("near '<0x01>'"), a key
 * cut by a raw newline is a field, a pattern may hold "\n".  Control
 * bytes become '?'.
 */

void
fgs_policy_oneline(char *s)
{
    size_t   len;
    u_char  *p, *end;
#if defined(__SSE2__)
    __m128i  v, low, del;
#endif

    if (s == NULL) {
        return;
    }

    p = (u_char *) s;
    end = p + strlen(s);

#if defined(__SSE2__)

    /*
     * Every violation passes here, so 16 bytes at a time: a byte is a
     * control byte when the unsigned minimum with 0x1f leaves it as it is.
     */

    low = _mm_set1_epi8(0x1f);
    del = _mm_set1_epi8(0x7f);

    while (end - p >= 16) {
        v = _mm_loadu_si128((const __m128i *) p);

        if (_mm_movemask_epi8(
                _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, low), v),
                             _mm_cmpeq_epi8(v, del)))
            != 0)
        {
            break;
        }

        p += 16;
    }

#endif

    for (len = end - p; len; len--, p++) {
        if (*p < 0x20 || *p == 0x7f) {
            *p = '?';
        }
    }
}


static char *
fgs_load_strdup(const char *s)
{
    char    *p;
    size_t   len;

    len = strlen(s);

    p = malloc(len + 1);
    if (p != NULL) {
        memcpy(p, s, len + 1);
    }

    return p;
}


void
fgs_policy_error_free(fgs_policy_error_t *err)
{
    free(err->file);
    free(err->rule);
    free(err->field);
    free(err->message);

    memset(err, 0, sizeof(fgs_policy_error_t));
}


void
fgs_policy_free(fgs_policy_t *policy)
{
    if (policy == NULL) {
        return;
    }

    fgs_regex_free_all(policy);

    if (policy->mctx != NULL) {
        pcre2_match_context_free(policy->mctx);
    }

    if (policy->jit_stack != NULL) {
        pcre2_jit_stack_free(policy->jit_stack);
    }

    fgs_arena_reset(&policy->arena);
    free(policy);
}


const char *
fgs_policy_sha256(const fgs_policy_t *policy)
{
    return policy->sha256;
}


fgs_mode_e
fgs_policy_mode(const fgs_policy_t *policy)
{
    return policy->mode;
}


fgs_other_writes_e
fgs_policy_other_writes(const fgs_policy_t *policy)
{
    return policy->other_writes;
}


uint32_t
fgs_policy_nrules(const fgs_policy_t *policy)
{
    return policy->nrules;
}


uint32_t
fgs_policy_nexceptions(const fgs_policy_t *policy)
{
    return policy->nexceptions;
}


const char *
fgs_policy_exception(const fgs_policy_t *policy, uint32_t i,
    time_t *expires)
{
    if (i >= policy->nexceptions) {
        return NULL;
    }

    if (expires != NULL) {
        *expires = policy->exceptions[i].expires;
    }

    return policy->exceptions[i].id;
}


time_t
fgs_policy_warn_window(const fgs_policy_t *policy)
{
    return policy->warn_window;
}


uint32_t
fgs_policy_warnings(const fgs_policy_t *policy, time_t now,
    fgs_policy_warn_pt warn, void *data)
{
    char                    when[32], msg[256];
    time_t                  left;
    uint32_t                i, n;
    const fgs_exception_t  *exc;

    n = 0;

    for (i = 0; i < policy->nexceptions; i++) {
        exc = &policy->exceptions[i];
        fgs_policy_format_time(exc->expires, when, sizeof(when));

        if (exc->expires <= now) {
            snprintf(msg, sizeof(msg), "exception %s expired at %s: it "
                     "waives nothing; renew its \"expires\" or remove it",
                     exc->id, when);

        } else if (exc->expires - now <= policy->warn_window) {
            left = (exc->expires - now + 86399) / 86400;

            snprintf(msg, sizeof(msg), "exception %s expires at %s, in %ld "
                     "day%s (expiry_warning_days: %ld)", exc->id, when,
                     (long) left, (left == 1) ? "" : "s",
                     (long) (policy->warn_window / 86400));

        } else {
            continue;
        }

        n++;

        if (warn != NULL) {
            warn(data, exc->id, msg);
        }
    }

    return n;
}


void
fgs_policy_format_time(time_t t, char *buf, size_t len)
{
    struct tm  tm;

    if (gmtime_r(&t, &tm) == NULL
        || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    {
        snprintf(buf, len, "%lld", (long long) t);
    }
}


const char *
fgs_policy_waiver(const fgs_policy_t *policy, uint32_t i, uint32_t j,
    const char **rule, time_t *expires)
{
    const fgs_exception_t  *e;

    if (i >= policy->nrules || j >= policy->rules[i].nexceptions) {
        return NULL;
    }

    e = policy->rules[i].exceptions[j];

    *rule = policy->rules[i].id;
    *expires = e->expires;

    return e->id;
}


const char *
fgs_decision_name(fgs_decision_e decision)
{
    static const char  *names[] = {
        "allow", "rewrite", "audit", "deny", "error"
    };

    if ((unsigned) decision >= sizeof(names) / sizeof(names[0])) {
        return "error";
    }

    return names[decision];
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Loading a policy file (docs/policy-language.md, "The policy file" and
 * "Loading and reloading"): read once, hashed, parsed by jansson refusing
 * duplicate keys, then every key held to the policy language (an unknown
 * key anywhere is an error: a typo must not silently disable a rule) and
 * compiled into the structures that evaluation reads.  The first error
 * is reported with the file, the rule or exception and the field
 * (fgs_load_error.c).  The top level is read here; rules and exceptions
 * in fgs_load_rules.c.
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <openssl/evp.h>

#include "fgs_load_int.h"


static u_char *fgs_load_file(fgs_load_t *ld, const char *path, size_t *len);
static int fgs_load_top(fgs_load_t *ld, json_t *root);
static int fgs_load_top_key(fgs_load_t *ld, const char *key, json_t *v);
static int fgs_load_lists(fgs_load_t *ld, json_t *lists);
static int fgs_load_op_rules(fgs_load_t *ld);


fgs_policy_t *
fgs_policy_load(const char *path, fgs_policy_error_t *err)
{
    return fgs_load_policy(path, err, 0);
}


/*
 * any_shape: neither a check nor a mutation held to the API reference,
 * for the unit tests only (fgs_policy_load_any_shape.c)
 */

fgs_policy_t *
fgs_load_policy(const char *path, fgs_policy_error_t *err, unsigned any_shape)
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
    json_t      *v, *rules;
    const char  *key;

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
        if (fgs_load_top_key(ld, key, v) != FGS_OK) {
            return FGS_DECLINED;
        }
    }

    rules = json_object_get(root, "rules");

    if (rules == NULL) {
        return fgs_load_fail(ld, "rules", "a policy needs \"rules\" (a list, "
                             "possibly empty)");
    }

    v = json_object_get(root, "principals");

    if (v != NULL && fgs_load_principals(ld, v) != FGS_OK) {
        return FGS_DECLINED;
    }

    if (fgs_load_value_empty(ld) != FGS_OK
        || fgs_load_rules(ld, rules) != FGS_OK)
    {
        return FGS_DECLINED;
    }

    /* the top-level keys the checks read, found per request in one pass */
    fgs_load_root_keys(ld->policy);

    if (fgs_load_op_rules(ld) != FGS_OK) {
        return FGS_DECLINED;
    }

    v = json_object_get(root, "exceptions");

    if (v != NULL && fgs_load_exceptions(ld, v) != FGS_OK) {
        return FGS_DECLINED;
    }

    return FGS_OK;
}


/* one top-level key: the policy's own settings; rules come after */

static int
fgs_load_top_key(fgs_load_t *ld, const char *key, json_t *v)
{
    const char    *s;
    fgs_policy_t  *policy;

    policy = ld->policy;

    if (strcmp(key, "fgs_policy") == 0) {
        return FGS_OK;
    }

    if (strcmp(key, "description") == 0) {
        if (!json_is_string(v)) {
            return fgs_load_fail(ld, key, "must be a string");
        }

        return FGS_OK;
    }

    if (strcmp(key, "mode") == 0) {
        if (fgs_load_mode(ld, v, &policy->mode) != FGS_OK) {
            return FGS_DECLINED;
        }

        return FGS_OK;
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

        return FGS_OK;
    }

    if (strcmp(key, "unknown_fields") == 0) {
        s = json_string_value(v);

        if (s != NULL && strcmp(s, "deny") == 0) {
            policy->unknown_audit = 0;

        } else if (s != NULL && strcmp(s, "audit") == 0) {
            policy->unknown_audit = 1;

        } else {
            return fgs_load_fail(ld, key, "must be \"deny\" or \"audit\"");
        }

        return FGS_OK;
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
        return FGS_OK;
    }

    if (strcmp(key, "rules") == 0 || strcmp(key, "exceptions") == 0
        || strcmp(key, "principals") == 0)
    {
        /* after the other keys, in their order: principals, rules, ... */
        return FGS_OK;
    }

    if (strcmp(key, "lists") == 0) {
        if (fgs_load_lists(ld, v) != FGS_OK) {
            return FGS_DECLINED;
        }

        return FGS_OK;
    }

    return fgs_load_fail(ld, key, "unknown key \"%s\"; a policy has "
                         "fgs_policy, description, mode, other_writes, "
                         "unknown_fields, expiry_warning_days, lists, "
                         "principals, rules and exceptions", key);
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

    for (op = FGS_OP_CODE; op < FGS_OP_OTHER; op++) {
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


void
fgs_policy_error_free(fgs_policy_error_t *err)
{
    free(err->file);
    free(err->rule);
    free(err->field);
    free(err->message);

    memset(err, 0, sizeof(fgs_policy_error_t));
}

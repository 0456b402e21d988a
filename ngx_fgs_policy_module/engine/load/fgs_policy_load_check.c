
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Loading a rule's "check" and "when" (path -> checks) and its
 * "set_default", "set" and "remove": paths parsed, patterns compiled,
 * lists and limits validated, values serialised to compact JSON and
 * scanned into a tape of their own, and the sentences that messages
 * quote prepared, all once, at load time.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/fgs_policy_int.h"
#include "fgs_policy_load_schema.h"


static int fgs_load_check(fgs_load_t *ld, fgs_check_t *c, const char *what,
    const char *path, json_t *spec);
static int fgs_load_check_key(fgs_load_t *ld, fgs_check_t *c,
    const char *field, const char *key, json_t *v);
static int fgs_load_types(fgs_load_t *ld, fgs_check_t *c, const char *field,
    json_t *v);
static int fgs_load_list(fgs_load_t *ld, const char *field, json_t *v,
    fgs_scalar_t **list, uint32_t *n, const char **text);
static int fgs_load_number(fgs_load_t *ld, const char *field, json_t *v,
    long double *num, const char **text);
static int fgs_load_limit(fgs_load_t *ld, const char *field, json_t *v,
    uint64_t *limit);
static int fgs_load_path(fgs_load_t *ld, fgs_path_t *path, const char *text,
    const char *field, int wildcard_ok);
static int fgs_load_set(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj,
    fgs_mut_e action, const char *name);
static int fgs_load_remove(fgs_load_t *ld, fgs_rule_t *rule, json_t *list);
static int fgs_load_value(fgs_load_t *ld, json_t *v, const char *field,
    const fgs_value_t **out);
static const char *fgs_load_value_text(fgs_load_t *ld, json_t *v,
    const fgs_value_t *value);


typedef struct {
    const char  *name;
    uint32_t     types;
    const char  *phrase;
} fgs_type_name_t;


static const fgs_type_name_t  fgs_type_names[] = {
    { "string", 1u << FGS_JSON_STRING, "a string" },
    { "integer", 1u << FGS_JSON_INTEGER, "an integer" },
    { "number", (1u << FGS_JSON_INTEGER) | (1u << FGS_JSON_REAL),
      "a number" },
    { "boolean", (1u << FGS_JSON_TRUE) | (1u << FGS_JSON_FALSE),
      "a boolean" },
    { "object", 1u << FGS_JSON_OBJECT, "an object" },
    { "array", 1u << FGS_JSON_ARRAY, "an array" },
    { "null", 1u << FGS_JSON_NULL, "null" }
};


/* what: "check" or "when" */

int
fgs_load_checks(fgs_load_t *ld, json_t *obj, const char *what,
    fgs_check_t **out, uint32_t *n)
{
    json_t       *spec;
    uint32_t      i;
    const char   *path;
    fgs_check_t  *checks;

    if (!json_is_object(obj) || json_object_size(obj) == 0) {
        return fgs_load_fail(ld, what, "must be an object of path -> "
                             "checks");
    }

    checks = ld->a->alloc(ld->a->data,
                          json_object_size(obj) * sizeof(fgs_check_t));
    if (checks == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    memset(checks, 0, json_object_size(obj) * sizeof(fgs_check_t));

    i = 0;

    json_object_foreach(obj, path, spec) {
        if (fgs_load_check(ld, &checks[i], what, path, spec) != FGS_OK) {
            return FGS_DECLINED;
        }

        i++;
    }

    *out = checks;
    *n = i;

    return FGS_OK;
}


static int
fgs_load_check(fgs_load_t *ld, fgs_check_t *c, const char *what,
    const char *path, json_t *spec)
{
    char         field[160];
    json_t      *v;
    const char  *key;

    snprintf(field, sizeof(field), "%s[%.100s]", what, path);

    if (fgs_load_path(ld, &c->path, path, field, 1) != FGS_OK) {
        return FGS_DECLINED;
    }

    if (!json_is_object(spec) || json_object_size(spec) == 0) {
        return fgs_load_fail(ld, field, "must be an object of checks, such "
                             "as {\"required\": true}");
    }

    json_object_foreach(spec, key, v) {
        snprintf(field, sizeof(field), "%s[%.100s].%.32s", what, path, key);

        if (fgs_load_check_key(ld, c, field, key, v) != FGS_OK) {
            return FGS_DECLINED;
        }
    }

    snprintf(field, sizeof(field), "%s[%.100s]", what, path);

    if ((c->has & FGS_CHECK_FORBIDDEN) && c->has != FGS_CHECK_FORBIDDEN) {
        return fgs_load_fail(ld, field, "\"forbidden\" cannot be combined "
                             "with other checks of the same path");
    }

    if ((c->has & FGS_CHECK_MIN) && (c->has & FGS_CHECK_MAX)
        && c->min > c->max)
    {
        return fgs_load_fail(ld, field, "min is greater than max: no value "
                             "can pass");
    }

    return FGS_OK;
}


static int
fgs_load_check_key(fgs_load_t *ld, fgs_check_t *c, const char *field,
    const char *key, json_t *v)
{
    fgs_regex_t  *re;

    if (strcmp(key, "required") == 0 || strcmp(key, "forbidden") == 0) {
        if (!json_is_boolean(v)) {
            return fgs_load_fail(ld, field, "must be true or false");
        }

        /* "required": false is the default, written out */
        if (json_is_true(v)) {
            c->has |= (key[0] == 'r') ? FGS_CHECK_REQUIRED
                                      : FGS_CHECK_FORBIDDEN;
        }

        return FGS_OK;
    }

    if (strcmp(key, "type") == 0) {
        return fgs_load_types(ld, c, field, v);
    }

    if (strcmp(key, "in") == 0) {
        c->has |= FGS_CHECK_IN;
        v = fgs_load_values(ld, v, field);

        return (v == NULL) ? FGS_DECLINED
                           : fgs_load_list(ld, field, v, &c->in, &c->nin,
                                           &c->in_text);
    }

    if (strcmp(key, "not_in") == 0) {
        c->has |= FGS_CHECK_NOT_IN;
        v = fgs_load_values(ld, v, field);

        return (v == NULL) ? FGS_DECLINED
                           : fgs_load_list(ld, field, v, &c->not_in,
                                           &c->nnot_in, &c->not_in_text);
    }

    if (strcmp(key, "pattern") == 0 || strcmp(key, "not_pattern") == 0) {
        if (fgs_load_pattern(ld, v, field, &re) != FGS_OK) {
            return FGS_DECLINED;
        }

        if (key[0] == 'p') {
            c->has |= FGS_CHECK_PATTERN;
            c->pattern = re;

        } else {
            c->has |= FGS_CHECK_NOT_PATTERN;
            c->not_pattern = re;
        }

        return FGS_OK;
    }

    if (strcmp(key, "min") == 0) {
        c->has |= FGS_CHECK_MIN;
        return fgs_load_number(ld, field, v, &c->min, &c->min_text);
    }

    if (strcmp(key, "max") == 0) {
        c->has |= FGS_CHECK_MAX;
        return fgs_load_number(ld, field, v, &c->max, &c->max_text);
    }

    if (strcmp(key, "max_length") == 0) {
        c->has |= FGS_CHECK_MAX_LENGTH;
        return fgs_load_limit(ld, field, v, &c->max_length);
    }

    if (strcmp(key, "max_decoded_bytes") == 0) {
        c->has |= FGS_CHECK_MAX_DECODED_BYTES;
        return fgs_load_limit(ld, field, v, &c->max_decoded);
    }

    return fgs_load_fail(ld, field, "unknown check \"%s\"; the checks are "
                         "required, forbidden, type, in, not_in, pattern, "
                         "not_pattern, min, max, max_length and "
                         "max_decoded_bytes", key);
}


static int
fgs_load_types(fgs_load_t *ld, fgs_check_t *c, const char *field, json_t *v)
{
    char         *text, *p;
    size_t        i, n, k, len;
    json_t       *t, *one;
    const char   *s;

    one = NULL;

    if (json_is_string(v)) {
        one = json_array();
        if (one == NULL || json_array_append(one, v) != 0) {
            json_decref(one);
            return fgs_load_fail(ld, NULL, "out of memory");
        }

        v = one;
    }

    if (!json_is_array(v) || json_array_size(v) == 0) {
        return fgs_load_fail(ld, field, "must be a type name or a list of "
                             "them: string, integer, number, boolean, "
                             "object, array, null");
    }

    n = sizeof(fgs_type_names) / sizeof(fgs_type_names[0]);
    len = 1;

    json_array_foreach(v, i, t) {
        s = json_string_value(t);

        for (k = 0; s != NULL && k < n; k++) {
            if (strcmp(s, fgs_type_names[k].name) == 0) {
                break;
            }
        }

        if (s == NULL || k == n) {
            json_decref(one);
            return fgs_load_fail(ld, field, "unknown type; the types are "
                                 "string, integer, number, boolean, object, "
                                 "array and null");
        }

        c->types |= fgs_type_names[k].types;
        len += strlen(fgs_type_names[k].phrase) + sizeof(" or ");
    }

    /* "an integer or null" */

    text = ld->a->alloc(ld->a->data, len);
    if (text == NULL) {
        json_decref(one);
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    p = text;
    *p = '\0';

    json_array_foreach(v, i, t) {
        for (k = 0; k < n; k++) {
            if (strcmp(json_string_value(t), fgs_type_names[k].name) == 0) {
                p += sprintf(p, "%s%s", i ? " or " : "",
                             fgs_type_names[k].phrase);
                break;
            }
        }
    }

    json_decref(one);

    c->has |= FGS_CHECK_TYPE;
    c->types_text = text;

    return FGS_OK;
}


/*
 * An exception's "allow" for one of its rules: {"PATH": {"in": [...]}},
 * values allowed besides those of the rule's "in" check of PATH.  The
 * rule's checks are copied with those lists widened, and held to the
 * API reference like the rule's own; the exception then narrows the rule
 * instead of waiving it.
 */

int
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
        c->in_text = fgs_policy_cat(ld->a, c->in_text, ", ", extra_text,
                                    NULL);
        if (c->in_text == NULL) {
            return fgs_load_fail(ld, NULL, "out of memory");
        }
    }

    /* what the exception allows is held to the reference too */

    if (!ld->any_shape) {
        widened = *rule;
        widened.checks = checks;
        widened.nwhen = 0;

        if (fgs_load_checks_schema(ld, &widened) != FGS_OK) {
            return FGS_DECLINED;
        }
    }

    *out = checks;

    return FGS_OK;
}


/*
 * A list of values as written, or {"list": "NAME"}: the policy's named
 * list (docs/policy-language.md, "Named lists").  Returns the array,
 * borrowed from the file, or NULL with the load failed.
 */

json_t *
fgs_load_values(fgs_load_t *ld, json_t *v, const char *field)
{
    json_t      *name, *list;
    const char  *s;

    if (!json_is_object(v)) {
        return v;
    }

    name = json_object_get(v, "list");
    s = json_string_value(name);

    if (s == NULL || json_object_size(v) != 1) {
        (void) fgs_load_fail(ld, field, "a list is written out, or "
                             "{\"list\": \"NAME\"} for one of the "
                             "policy's \"lists\"");
        return NULL;
    }

    list = ld->lists ? json_object_get(ld->lists, s) : NULL;

    if (list == NULL) {
        (void) fgs_load_fail(ld, field, "no list is named \"%.64s\" in the "
                             "policy's \"lists\"", s);
        return NULL;
    }

    return list;
}


/*
 * A PCRE2 pattern, or {"list": "NAME"}: any of the named list's patterns
 * (compiled as one alternation, each pattern in a group of its own).
 */

int
fgs_load_pattern(fgs_load_t *ld, json_t *v, const char *field,
    fgs_regex_t **re)
{
    char        errbuf[256], *src, *p;
    size_t      i, len;
    json_t     *list, *e;

    if (json_is_string(v)) {
        *re = fgs_regex_compile(ld->policy, json_string_value(v),
                                json_string_length(v), errbuf,
                                sizeof(errbuf));
        if (*re == NULL) {
            return fgs_load_fail(ld, field, "%s", errbuf);
        }

        return FGS_OK;
    }

    if (!json_is_object(v)) {
        return fgs_load_fail(ld, field, "must be a PCRE2 pattern (a string) "
                             "or {\"list\": \"NAME\"}");
    }

    list = fgs_load_values(ld, v, field);
    if (list == NULL) {
        return FGS_DECLINED;
    }

    len = 1;

    json_array_foreach(list, i, e) {
        if (!json_is_string(e)) {
            return fgs_load_fail(ld, field, "the list \"%.64s\" holds a "
                                 "value that is no pattern (item %zu)",
                                 json_string_value(json_object_get(v, "list")),
                                 i + 1);
        }

        len += json_string_length(e) + sizeof("(?:)|");
    }

    src = ld->a->alloc(ld->a->data, len);
    if (src == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    p = src;

    json_array_foreach(list, i, e) {
        p += sprintf(p, "%s(?:", i ? "|" : "");
        memcpy(p, json_string_value(e), json_string_length(e));
        p += json_string_length(e);
        *p++ = ')';
    }

    *p = '\0';

    *re = fgs_regex_compile(ld->policy, src, p - src, errbuf, sizeof(errbuf));
    if (*re == NULL) {
        return fgs_load_fail(ld, field, "%s", errbuf);
    }

    return FGS_OK;
}


/* an "in" or "not_in" list, and "a, b, c" for messages */

static int
fgs_load_list(fgs_load_t *ld, const char *field, json_t *v,
    fgs_scalar_t **list, uint32_t *n, const char **text)
{
    char          *s, *p;
    size_t         i, len;
    json_t        *e;
    fgs_scalar_t  *l;

    if (!json_is_array(v) || json_array_size(v) == 0) {
        return fgs_load_fail(ld, field, "must be a non-empty list of "
                             "strings, numbers, booleans or null");
    }

    *n = (uint32_t) json_array_size(v);

    l = ld->a->alloc(ld->a->data, *n * sizeof(fgs_scalar_t));
    if (l == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    memset(l, 0, *n * sizeof(fgs_scalar_t));
    len = sizeof(", ... (4294967295 more)");

    json_array_foreach(v, i, e) {
        switch (json_typeof(e)) {

        case JSON_STRING:
            l[i].type = FGS_JSON_STRING;
            l[i].str.len = json_string_length(e);
            l[i].str.data = (u_char *) fgs_strdup(ld->a, json_string_value(e),
                                                  l[i].str.len);
            if (l[i].str.data == NULL) {
                return fgs_load_fail(ld, NULL, "out of memory");
            }

            len += l[i].str.len + 2;
            break;

        case JSON_INTEGER:
            l[i].type = FGS_JSON_INTEGER;
            l[i].num = (long double) json_integer_value(e);
            len += 24;
            break;

        case JSON_REAL:
            l[i].type = FGS_JSON_INTEGER;
            l[i].num = (long double) json_real_value(e);
            len += 32;
            break;

        case JSON_TRUE:
            l[i].type = FGS_JSON_TRUE;
            len += 6;
            break;

        case JSON_FALSE:
            l[i].type = FGS_JSON_FALSE;
            len += 7;
            break;

        case JSON_NULL:
            l[i].type = FGS_JSON_NULL;
            len += 6;
            break;

        default:
            return fgs_load_fail(ld, field, "lists strings, numbers, "
                                 "booleans or null, not objects or arrays");
        }
    }

    s = ld->a->alloc(ld->a->data, len);
    if (s == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    p = s;

    json_array_foreach(v, i, e) {
        if (i == FGS_POLICY_LIST_MAX) {
            p += sprintf(p, ", ... (%zu more)", *n - i);
            break;
        }

        if (i > 0) {
            *p++ = ',';
            *p++ = ' ';
        }

        switch (json_typeof(e)) {

        case JSON_STRING:
            memcpy(p, l[i].str.data, l[i].str.len);
            p += l[i].str.len;
            break;

        case JSON_INTEGER:
            p += sprintf(p, "%" JSON_INTEGER_FORMAT, json_integer_value(e));
            break;

        case JSON_REAL:
            p += sprintf(p, "%.17g", json_real_value(e));
            break;

        default:
            p += sprintf(p, "%s", json_is_true(e) ? "true"
                                  : json_is_false(e) ? "false" : "null");
            break;
        }
    }

    *p = '\0';

    *list = l;
    *text = s;

    return FGS_OK;
}


static int
fgs_load_number(fgs_load_t *ld, const char *field, json_t *v,
    long double *num, const char **text)
{
    if (json_is_integer(v)) {
        *num = (long double) json_integer_value(v);
        *text = fgs_sprintf(ld->a, "%" JSON_INTEGER_FORMAT,
                            json_integer_value(v));

    } else if (json_is_real(v)) {
        *num = (long double) json_real_value(v);
        *text = fgs_sprintf(ld->a, "%.17g", json_real_value(v));

    } else {
        return fgs_load_fail(ld, field, "must be a number");
    }

    if (*text == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    return FGS_OK;
}


static int
fgs_load_limit(fgs_load_t *ld, const char *field, json_t *v,
    uint64_t *limit)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        return fgs_load_fail(ld, field, "must be a non-negative integer");
    }

    *limit = (uint64_t) json_integer_value(v);

    return FGS_OK;
}


static int
fgs_load_path(fgs_load_t *ld, fgs_path_t *path, const char *text,
    const char *field, int wildcard_ok)
{
    int          rc;
    const char  *error;

    rc = fgs_path_parse(path, text, strlen(text), ld->a, &error);

    if (rc == FGS_ERROR) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    if (rc != FGS_OK) {
        return fgs_load_fail(ld, field, "bad path \"%.100s\": %s", text,
                             error);
    }

    if (path->wildcard && !wildcard_ok) {
        return fgs_load_fail(ld, field, "bad path \"%.100s\": a mutation "
                             "names one field; \"[*]\" is for checks", text);
    }

    return FGS_OK;
}


/*
 * The rule's mutations, in the order they apply: set_default, then set,
 * then remove; each in the order the file lists them.
 */

int
fgs_load_mutations(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj)
{
    size_t   n;
    json_t  *sd, *set, *rm;

    sd = json_object_get(obj, "set_default");
    set = json_object_get(obj, "set");
    rm = json_object_get(obj, "remove");

    n = 0;

    if (sd != NULL) {
        if (!json_is_object(sd) || json_object_size(sd) == 0) {
            return fgs_load_fail(ld, "set_default", "must be an object of "
                                 "path -> value");
        }

        n += json_object_size(sd);
    }

    if (set != NULL) {
        if (!json_is_object(set) || json_object_size(set) == 0) {
            return fgs_load_fail(ld, "set", "must be an object of path -> "
                                 "value");
        }

        n += json_object_size(set);
    }

    if (rm != NULL) {
        if (!json_is_array(rm) || json_array_size(rm) == 0) {
            return fgs_load_fail(ld, "remove", "must be a non-empty list of "
                                 "paths");
        }

        n += json_array_size(rm);
    }

    if (n == 0) {
        return FGS_OK;
    }

    rule->muts = ld->a->alloc(ld->a->data, n * sizeof(fgs_mutation_t));
    if (rule->muts == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    memset(rule->muts, 0, n * sizeof(fgs_mutation_t));

    if ((sd != NULL
         && fgs_load_set(ld, rule, sd, FGS_MUT_SET_DEFAULT, "set_default")
            != FGS_OK)
        || (set != NULL
            && fgs_load_set(ld, rule, set, FGS_MUT_SET, "set") != FGS_OK)
        || (rm != NULL && fgs_load_remove(ld, rule, rm) != FGS_OK))
    {
        return FGS_DECLINED;
    }

    /* a rewritten body is not checked again: it must conform by design */

    if (ld->any_shape) {
        return FGS_OK;
    }

    return fgs_load_mutations_schema(ld, rule);
}


static int
fgs_load_set(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj,
    fgs_mut_e action, const char *name)
{
    char             field[160];
    json_t          *v;
    const char      *path;
    fgs_mutation_t  *m;

    json_object_foreach(obj, path, v) {
        snprintf(field, sizeof(field), "%s[%.100s]", name, path);

        m = &rule->muts[rule->nmuts];
        m->action = action;

        if (fgs_load_path(ld, &m->path, path, field, 0) != FGS_OK
            || fgs_load_value(ld, v, field, &m->value) != FGS_OK)
        {
            return FGS_DECLINED;
        }

        if (!m->path.secret) {
            m->value_text = fgs_load_value_text(ld, v, m->value);
            if (m->value_text == NULL) {
                return fgs_load_fail(ld, NULL, "out of memory");
            }
        }

        rule->nmuts++;
    }

    return FGS_OK;
}


static int
fgs_load_remove(fgs_load_t *ld, fgs_rule_t *rule, json_t *list)
{
    char             field[160];
    size_t           i;
    json_t          *v;
    fgs_mutation_t  *m;

    json_array_foreach(list, i, v) {
        if (!json_is_string(v)) {
            snprintf(field, sizeof(field), "remove[%zu]", i);
            return fgs_load_fail(ld, field, "must be a path (a string)");
        }

        snprintf(field, sizeof(field), "remove[%.100s]",
                 json_string_value(v));

        m = &rule->muts[rule->nmuts];
        m->action = FGS_MUT_REMOVE;

        if (fgs_load_path(ld, &m->path, json_string_value(v), field, 0)
            != FGS_OK)
        {
            return FGS_DECLINED;
        }

        rule->nmuts++;
    }

    return FGS_OK;
}


/*
 * A value to write: compact JSON, scanned by the request path's own
 * scanner as {"v":VALUE} (the scanner reads objects only), so that it is
 * exactly as strict as a body and checks read it like the body.
 */

static int
fgs_load_value(fgs_load_t *ld, json_t *v, const char *field,
    const fgs_value_t **out)
{
    int           rc;
    char         *json;
    size_t        len;
    u_char       *wrap;
    fgs_value_t  *value;

    json = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (json == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    len = strlen(json);

    value = ld->a->alloc(ld->a->data, sizeof(fgs_value_t));
    wrap = ld->a->alloc(ld->a->data, len + sizeof("{\"v\":}"));

    if (value == NULL || wrap == NULL) {
        free(json);
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    memcpy(wrap, "{\"v\":", 5);
    memcpy(wrap + 5, json, len);
    wrap[5 + len] = '}';
    wrap[6 + len] = '\0';
    free(json);

    rc = fgs_json_scan(&value->doc, wrap, len + 6, ld->a);

    if (rc == FGS_ERROR) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    if (rc != FGS_OK) {
        return fgs_load_fail(ld, field, "the value cannot be sent: %s",
                             value->doc.error ? value->doc.error
                                              : "refused by the scanner");
    }

    value->node = 1;
    value->json = wrap + value->doc.nodes[1].off;
    value->len = value->doc.nodes[1].len;

    *out = value;

    return FGS_OK;
}


/* the {} that a removed or non-object parent becomes to hold a member */

int
fgs_load_value_empty(fgs_load_t *ld)
{
    int      rc;
    json_t  *v;

    v = json_object();
    if (v == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    rc = fgs_load_value(ld, v, NULL, &ld->policy->empty_object);
    json_decref(v);

    return rc;
}


/* a value for messages: a string quoted and escaped, or short JSON */

static const char *
fgs_load_value_text(fgs_load_t *ld, json_t *v, const fgs_value_t *value)
{
    char    *s;
    size_t   n;

    if (json_is_string(v)) {
        return fgs_value_quote((u_char *) json_string_value(v),
                               json_string_length(v), ld->a);
    }

    if (value->len <= FGS_POLICY_ECHO_MAX) {
        n = value->len;

    } else {
        /* cut on a character boundary */
        n = FGS_POLICY_ECHO_MAX;

        while (n > 0 && (value->json[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    s = fgs_strdup(ld->a, (const char *) value->json,
                   n < value->len ? n + 3 : n);
    if (s == NULL) {
        return NULL;
    }

    if (n < value->len) {
        memcpy(s + n, "...", 3);
    }

    /* compact JSON leaves DEL raw in strings: messages hold no control */

    fgs_policy_oneline(s);

    return s;
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The operands a policy gives as values: lists written out or named
 * ("lists"), PCRE2 patterns (one, or a named list's as one alternation),
 * numbers and limits, each with the text its messages quote.
 */


#include <stdio.h>
#include <string.h>

#include "fgs_load_int.h"


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

int
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


int
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


int
fgs_load_limit(fgs_load_t *ld, const char *field, json_t *v,
    uint64_t *limit)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        return fgs_load_fail(ld, field, "must be a non-negative integer");
    }

    *limit = (uint64_t) json_integer_value(v);

    return FGS_OK;
}


/* an id of a rule, an exception or a principal: [A-Za-z0-9_.-]{1,64} */

int
fgs_load_id_ok(const char *id, size_t len)
{
    return len >= 1 && len <= FGS_POLICY_MAX_ID
           && strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789_.-") == len;
}

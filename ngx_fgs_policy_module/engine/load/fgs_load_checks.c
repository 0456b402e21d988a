
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * A rule's "check" and "when": each path parsed, each check's operand
 * read (types, lists, patterns, bounds) and the sentences its messages
 * quote prepared, once, at load time.
 */


#include <stdio.h>
#include <string.h>

#include "fgs_load_int.h"


static int fgs_load_check(fgs_load_t *ld, fgs_check_t *c, const char *what,
    const char *path, json_t *spec);
static int fgs_load_check_key(fgs_load_t *ld, fgs_check_t *c,
    const char *field, const char *key, json_t *v);
static int fgs_load_types(fgs_load_t *ld, fgs_check_t *c, const char *field,
    json_t *v);

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

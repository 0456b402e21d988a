
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * A rule's "check" and "when" held to the FunctionGraph API reference
 * when the policy loads, as its mutations are (in
 * fgs_load_schema_mutations.c): a path that names no field of the body
 * of an operation the rule is for, or a check that cannot apply to the
 * field's documented type, would silently never hold (or always fail) at
 * run time; it fails the load instead, naming the fix (the closest
 * documented name of a misspelt key).
 */


#include <stdio.h>
#include <string.h>

#include "fgs_load_int.h"
#include "schema/fgs_schema.h"


#define FGS_LOAD_KIND_MAPVAL  0x10      /* a value of a Map<String,String> */


static int fgs_load_schema_check(fgs_load_t *ld, const fgs_check_t *c,
    const char *what, fgs_op_e op, const fgs_schema_object_t *root,
    uint8_t bit);
static int fgs_load_schema_kind(fgs_load_t *ld, const fgs_check_t *c,
    const char *field, const char *name, const fgs_schema_field_t *f,
    uint32_t kind, fgs_op_e op);
static uint32_t fgs_load_schema_types(uint32_t kind);
static int fgs_load_schema_lists(fgs_load_t *ld, const fgs_check_t *c,
    const char *field, const char *name, const fgs_schema_field_t *f,
    uint32_t types, const char *is, fgs_op_e op);
static int fgs_load_schema_enum(const fgs_schema_field_t *f, fgs_op_e op,
    const fgs_scalar_t *v, char *values, size_t len);
static const char *fgs_load_schema_closest(const fgs_schema_object_t *obj,
    const char *key, size_t len, uint8_t bit);
static size_t fgs_load_schema_fold(const char *s, size_t len, char *out);
static size_t fgs_load_schema_distance(const char *a, size_t na,
    const char *b, size_t nb);
static const char *fgs_load_schema_kind_name(uint32_t kind,
    const fgs_schema_field_t *f);


int
fgs_load_schema_checks(fgs_load_t *ld, const fgs_rule_t *rule)
{
    uint8_t                     bits;
    uint32_t                    i, op;
    const fgs_schema_object_t  *root;

    for (op = FGS_OP_CODE; op < FGS_OP_OTHER; op++) {
        if (!(rule->ops & (1u << op))) {
            continue;
        }

        /* a path names a field of any of the operation's bodies */

        bits = (uint8_t) fgs_schema_op_variants((fgs_op_e) op, &root);

        for (i = 0; i < rule->nwhen; i++) {
            if (fgs_load_schema_check(ld, &rule->when[i], "when",
                                      (fgs_op_e) op, root, bits)
                != FGS_OK)
            {
                return FGS_DECLINED;
            }
        }

        for (i = 0; i < rule->nchecks; i++) {
            if (fgs_load_schema_check(ld, &rule->checks[i], "check",
                                      (fgs_op_e) op, root, bits)
                != FGS_OK)
            {
                return FGS_DECLINED;
            }
        }
    }

    return FGS_OK;
}


static int
fgs_load_schema_check(fgs_load_t *ld, const fgs_check_t *c,
    const char *what, fgs_op_e op, const fgs_schema_object_t *root,
    uint8_t bit)
{
    int                         k;
    char                        field[160], name[160];
    size_t                      nlen;
    uint32_t                    i, kind;
    const char                 *hint;
    const fgs_path_seg_t       *seg;
    const fgs_schema_field_t   *f;
    const fgs_schema_object_t  *obj;

    snprintf(field, sizeof(field), "%s[%.100s]", what, c->path.text);

    if (root == NULL) {
        return fgs_load_fail(ld, field, "the %s operation takes no body in "
                             "the FunctionGraph API reference, so the check "
                             "would never apply: list the rule's "
                             "\"operations\" without %s", fgs_op_name(op),
                             fgs_op_name(op));
    }

    obj = root;
    f = NULL;
    kind = FGS_SCHEMA_OBJECT;
    nlen = 0;
    name[0] = '\0';

    for (i = 0; i < c->path.nsegs; i++) {
        seg = &c->path.segs[i];

        if (seg->key == NULL) {

            /* "[*]": only on an array, then its items */

            if (kind != FGS_SCHEMA_ARRAY) {
                return fgs_load_fail(ld, field, "\"[*]\" follows %s, which "
                                     "is %s in the FunctionGraph API "
                                     "reference, not an array: remove the "
                                     "\"[*]\"", name,
                                     fgs_load_schema_kind_name(kind, f));
            }

            kind = f->item;
            obj = f->object;
            nlen += (size_t) snprintf(name + nlen, sizeof(name) - nlen,
                                      "[*]");
            continue;
        }

        if (kind == FGS_SCHEMA_ARRAY) {
            return fgs_load_fail(ld, field, "%s is an array in the "
                                 "FunctionGraph API reference: write "
                                 "\"%s[*].%.*s\" to check each of its "
                                 "items", name, name, (int) seg->key_len,
                                 seg->key);
        }

        if (kind == FGS_SCHEMA_MAP) {
            /* Map<String,String>: its keys are the caller's */
            kind = FGS_LOAD_KIND_MAPVAL;
            nlen += (size_t) snprintf(name + nlen, sizeof(name) - nlen,
                                      ".%.*s", (int) seg->key_len,
                                      seg->key);
            continue;
        }

        if (kind != FGS_SCHEMA_OBJECT) {
            return fgs_load_fail(ld, field, "%s is %s in the FunctionGraph "
                                 "API reference: it has no member \"%.*s\"",
                                 name, fgs_load_schema_kind_name(kind, f),
                                 (int) seg->key_len, seg->key);
        }

        k = fgs_schema_find(obj, seg->key, seg->key_len);
        f = (k < 0) ? NULL : &obj->fields[k];

        if (f == NULL) {
            hint = fgs_load_schema_closest(obj, seg->key, seg->key_len, bit);

            return fgs_load_fail(ld, field, "\"%.*s\" is not a field of %s "
                                 "in the FunctionGraph API reference for the "
                                 "%s operation, so the check would never "
                                 "apply%s%s%s", (int) seg->key_len, seg->key,
                                 obj->name, fgs_op_name(op),
                                 hint ? "; did you mean `" : "",
                                 hint ? hint : "", hint ? "`?" : "");
        }

        if (!(f->ops & bit)) {
            return fgs_load_fail(ld, field, "the %s operation does not take "
                                 "\"%s\" (FunctionGraph API reference, %s): "
                                 "list the rule's \"operations\" without %s",
                                 fgs_op_name(op), f->name, obj->name,
                                 fgs_op_name(op));
        }

        nlen += (size_t) snprintf(name + nlen, sizeof(name) - nlen, "%s%s",
                                  nlen ? "." : "", f->name);
        if (nlen >= sizeof(name)) {
            nlen = sizeof(name) - 1;
        }

        kind = f->type;
        obj = f->object;
    }

    return fgs_load_schema_kind(ld, c, field, name, f, kind, op);
}


/* whether each check of c can apply to a value of the field's kind */

static int
fgs_load_schema_kind(fgs_load_t *ld, const fgs_check_t *c, const char *field,
    const char *name, const fgs_schema_field_t *f, uint32_t kind,
    fgs_op_e op)
{
    uint32_t     types;
    const char  *is;

    is = fgs_load_schema_kind_name(kind, f);

    if (kind == FGS_SCHEMA_ARRAY
        && (c->has & (FGS_CHECK_IN | FGS_CHECK_NOT_IN | FGS_CHECK_PATTERN
                      | FGS_CHECK_NOT_PATTERN | FGS_CHECK_MIN | FGS_CHECK_MAX
                      | FGS_CHECK_MAX_DECODED_BYTES)))
    {
        return fgs_load_fail(ld, field, "%s is an array in the FunctionGraph "
                             "API reference: write \"%s[*]\" to check each "
                             "of its items", name, name);
    }

    types = fgs_load_schema_types(kind);

    if ((c->has & FGS_CHECK_TYPE)
        && !(c->types & (types | (1u << FGS_JSON_NULL))))
    {
        return fgs_load_fail(ld, field, "\"type\": %s is %s in the "
                             "FunctionGraph API reference, so a body that "
                             "conforms never passes: check for %s", name,
                             is, is);
    }

    if ((c->has & (FGS_CHECK_MIN | FGS_CHECK_MAX))
        && kind != FGS_SCHEMA_INTEGER && kind != FGS_SCHEMA_ID)
    {
        return fgs_load_fail(ld, field, "\"%s\" bounds a number, but %s is "
                             "%s in the FunctionGraph API reference%s",
                             (c->has & FGS_CHECK_MIN) ? "min" : "max", name,
                             is, (types & (1u << FGS_JSON_STRING))
                                 ? ": use max_length, pattern or in" : "");
    }

    if ((c->has & (FGS_CHECK_PATTERN | FGS_CHECK_NOT_PATTERN))
        && !(types & (1u << FGS_JSON_STRING)))
    {
        return fgs_load_fail(ld, field, "\"%s\" matches a string, but %s is "
                             "%s in the FunctionGraph API reference%s",
                             (c->has & FGS_CHECK_PATTERN) ? "pattern"
                                                          : "not_pattern",
                             name, is, (kind == FGS_SCHEMA_INTEGER)
                                       ? ": use min, max or in" : "");
    }

    if ((c->has & FGS_CHECK_MAX_LENGTH)
        && !(types & ((1u << FGS_JSON_STRING) | (1u << FGS_JSON_ARRAY))))
    {
        return fgs_load_fail(ld, field, "\"max_length\" bounds a string or "
                             "an array, but %s is %s in the FunctionGraph "
                             "API reference%s", name, is,
                             (kind == FGS_SCHEMA_INTEGER)
                             ? ": use max" : "");
    }

    if ((c->has & FGS_CHECK_MAX_DECODED_BYTES)
        && (f == NULL || kind != FGS_SCHEMA_STRING
            || f->constraint != FGS_CONSTRAINT_BASE64))
    {
        return fgs_load_fail(ld, field, "\"max_decoded_bytes\" bounds a "
                             "base64 string, but %s is not base64 in the "
                             "FunctionGraph API reference: use max_length",
                             name);
    }

    return fgs_load_schema_lists(ld, c, field, name, f, types, is, op);
}


/* the JSON types of a value of the field's kind, as 1 << fgs_json_type_e */

static uint32_t
fgs_load_schema_types(uint32_t kind)
{
    switch (kind) {
    case FGS_SCHEMA_STRING:
    case FGS_LOAD_KIND_MAPVAL:
        return 1u << FGS_JSON_STRING;
    case FGS_SCHEMA_INTEGER:
        return 1u << FGS_JSON_INTEGER;
    case FGS_SCHEMA_BOOLEAN:
        return (1u << FGS_JSON_TRUE) | (1u << FGS_JSON_FALSE);
    case FGS_SCHEMA_ID:
        return (1u << FGS_JSON_INTEGER) | (1u << FGS_JSON_STRING);
    case FGS_SCHEMA_ARRAY:
        return 1u << FGS_JSON_ARRAY;
    case FGS_SCHEMA_NUMBER:
        return (1u << FGS_JSON_INTEGER) | (1u << FGS_JSON_REAL);
    case FGS_SCHEMA_ANY:
        return (1u << FGS_JSON_STRING) | (1u << FGS_JSON_INTEGER)
               | (1u << FGS_JSON_REAL) | (1u << FGS_JSON_TRUE)
               | (1u << FGS_JSON_FALSE) | (1u << FGS_JSON_ARRAY)
               | (1u << FGS_JSON_OBJECT);
    default:
        return 1u << FGS_JSON_OBJECT;
    }
}


/*
 * The values of c's "in" and "not_in": each must be of a type the field
 * (of JSON types types, "is" in words) can hold, and one of the values
 * the reference lists when it lists them.
 */

static int
fgs_load_schema_lists(fgs_load_t *ld, const fgs_check_t *c,
    const char *field, const char *name, const fgs_schema_field_t *f,
    uint32_t types, const char *is, fgs_op_e op)
{
    char                 values[256];
    uint32_t             i, list, nl, want;
    const char          *what;
    const fgs_scalar_t  *l;

    for (list = 0; list < 2; list++) {
        if (list == 0) {
            if (!(c->has & FGS_CHECK_IN)) {
                continue;
            }

            what = "in";
            l = c->in;
            nl = c->nin;

        } else {
            if (!(c->has & FGS_CHECK_NOT_IN)) {
                continue;
            }

            what = "not_in";
            l = c->not_in;
            nl = c->nnot_in;
        }

        if (!(types & ((1u << FGS_JSON_STRING) | (1u << FGS_JSON_INTEGER)
                       | (1u << FGS_JSON_TRUE))))
        {
            return fgs_load_fail(ld, field, "\"%s\" compares a value, but %s "
                                 "is %s in the FunctionGraph API reference",
                                 what, name, is);
        }

        for (i = 0; i < nl; i++) {
            want = (l[i].type == FGS_JSON_FALSE) ? FGS_JSON_TRUE
                                                 : l[i].type;

            if (l[i].type == FGS_JSON_NULL || (types & (1u << want))) {
                continue;
            }

            return fgs_load_fail(ld, field, "\"%s\" lists %s%.*s%s (item "
                                 "%u), but %s is %s in the FunctionGraph "
                                 "API reference: no body of the %s operation "
                                 "can hold it; list only values of that type",
                                 what,
                                 (l[i].type == FGS_JSON_STRING) ? "\"" : "",
                                 (l[i].type == FGS_JSON_STRING)
                                 ? (int) (l[i].str.len > 64
                                          ? 64 : l[i].str.len) : 0,
                                 (l[i].type == FGS_JSON_STRING)
                                 ? (const char *) l[i].str.data : "",
                                 (l[i].type == FGS_JSON_STRING) ? "\""
                                 : (l[i].type == FGS_JSON_INTEGER)
                                   ? "a number" : "a boolean",
                                 i + 1, name, is, fgs_op_name(op));
        }

        /* a documented set of values: one outside it never matches */

        for (i = 0; f != NULL && i < nl; i++) {
            if (l[i].type != FGS_JSON_STRING
                || fgs_load_schema_enum(f, op, &l[i], values, sizeof(values))
                   == FGS_OK)
            {
                continue;
            }

            return fgs_load_fail(ld, field, "\"%s\" lists \"%.*s\" (item "
                                 "%u), but %s is one of %s in the "
                                 "FunctionGraph API reference for the %s "
                                 "operation", what,
                                 (int) (l[i].str.len > 64 ? 64
                                                          : l[i].str.len),
                                 (const char *) l[i].str.data, i + 1, name,
                                 values, fgs_op_name(op));
        }
    }

    return FGS_OK;
}


/*
 * FGS_OK when the string v may be a value of f for the operation: any
 * string, unless the reference lists the values (an enum, code_type);
 * otherwise the values, "a, b, c", in values.
 */

static int
fgs_load_schema_enum(const fgs_schema_field_t *f, fgs_op_e op,
    const fgs_scalar_t *v, char *values, size_t len)
{
    size_t              n;
    uint32_t            k, pass;
    const char *const  *list;

    if (f->constraint != FGS_CONSTRAINT_ENUM
        && f->constraint != FGS_CONSTRAINT_CODE_TYPE)
    {
        return FGS_OK;
    }

    n = 0;
    values[0] = '\0';

    for (pass = 0; pass < 2; pass++) {
        list = (pass == 0) ? f->values
               : (f->constraint == FGS_CONSTRAINT_CODE_TYPE
                  && op == FGS_OP_CREATE)
                 ? fgs_schema_create_code_types : NULL;

        for (k = 0; list != NULL && list[k] != NULL; k++) {
            if (strlen(list[k]) == v->str.len
                && memcmp(list[k], v->str.data, v->str.len) == 0)
            {
                return FGS_OK;
            }

            if (n < len) {
                n += (size_t) snprintf(values + n, len - n, "%s%s",
                                       n ? ", " : "", list[k]);
            }
        }
    }

    return FGS_DECLINED;
}


/* the name of obj that the operation takes closest to key, or NULL */

static const char *
fgs_load_schema_closest(const fgs_schema_object_t *obj, const char *key,
    size_t len, uint8_t bit)
{
    char         a[FGS_POLICY_MAX_KEY + 1], b[FGS_SCHEMA_MAX_NAME + 1];
    size_t       na, nb, d, best_d, best_n, limit;
    uint32_t     k;
    const char  *best;

    na = fgs_load_schema_fold(key, len, a);
    best = NULL;
    best_d = (size_t) -1;
    best_n = 0;

    for (k = 0; k < obj->n; k++) {
        if (!(obj->fields[k].ops & bit)) {
            continue;
        }

        nb = fgs_load_schema_fold(obj->fields[k].name, obj->fields[k].len, b);
        d = fgs_load_schema_distance(a, na, b, nb);

        if (d < best_d) {
            best_d = d;
            best_n = nb;
            best = obj->fields[k].name;
        }
    }

    /* a name a third of which differs is no typo */
    limit = (na > best_n ? na : best_n) / 3;
    limit = limit < 2 ? 2 : limit;

    return (best_d <= limit) ? best : NULL;
}


/* lower case without "_" and "-": memorySize, memory-size, memorysize */

static size_t
fgs_load_schema_fold(const char *s, size_t len, char *out)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < len && n < FGS_POLICY_MAX_KEY; i++) {
        if (s[i] == '_' || s[i] == '-') {
            continue;
        }

        out[n++] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i];
    }

    out[n] = '\0';

    return n;
}


/* Levenshtein distance of two short names */

static size_t
fgs_load_schema_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t  i, j, prev, cur, tmp, row[FGS_POLICY_MAX_KEY + 1];

    for (j = 0; j <= nb; j++) {
        row[j] = j;
    }

    for (i = 1; i <= na; i++) {
        prev = row[0];
        row[0] = i;

        for (j = 1; j <= nb; j++) {
            cur = prev + (a[i - 1] != b[j - 1]);
            cur = (row[j] + 1 < cur) ? row[j] + 1 : cur;
            cur = (row[j - 1] + 1 < cur) ? row[j - 1] + 1 : cur;
            tmp = row[j];
            row[j] = cur;
            prev = tmp;
        }
    }

    return row[nb];
}


static const char *
fgs_load_schema_kind_name(uint32_t kind, const fgs_schema_field_t *f)
{
    switch (kind) {
    case FGS_SCHEMA_STRING:
    case FGS_LOAD_KIND_MAPVAL:
        return (f != NULL && f->constraint == FGS_CONSTRAINT_BASE64)
               ? "a base64 string" : "a string";
    case FGS_SCHEMA_INTEGER:
        return "an integer";
    case FGS_SCHEMA_BOOLEAN:
        return "a boolean";
    case FGS_SCHEMA_ARRAY:
        return "an array";
    case FGS_SCHEMA_MAP:
        return "a map of strings";
    case FGS_SCHEMA_ID:
        return "an id (integer or string)";
    case FGS_SCHEMA_NUMBER:
        return "a number";
    case FGS_SCHEMA_ANY:
        return "any value";
    default:
        return "an object";
    }
}

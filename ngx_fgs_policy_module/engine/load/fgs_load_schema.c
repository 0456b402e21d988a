
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * A rule held to the FunctionGraph API reference once, when the policy
 * loads: its "check" and "when" (fgs_load_schema_checks(), further
 * down), and its set_default, set and remove, so that a rewritten body
 * never has to be validated again on the request path.  The body a
 * mutation starts from conforms (the schema validates it before the
 * policy runs); a mutation may only keep it so.  For every operation the
 * rule applies to:
 *
 * - remove may not delete a field that the reference requires (in the
 *   body or in the object that holds it);
 * - set_default, set and remove may not touch a field that a rule of the
 *   reference ties to other fields of the body (the handler and the
 *   runtime, code_type and code_url, ...): whether the result conforms
 *   depends on the request, which the load cannot know.  A set_default
 *   of a field the operation requires is exempt: it never writes;
 * - what the rule writes must conform on its own: the rule's mutations
 *   are applied, in their order, to an empty body, as they would be to a
 *   body that has none of their fields (every parent then created), and
 *   the result is scanned and walked by the schema itself.  Its problems
 *   in the fields the rule wrote, a value of the wrong type or range, a
 *   field the operation does not take, an object created without a
 *   member the reference requires, fail the load; the members the empty
 *   body lacks at its top level are the request's and are not counted.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fgs_load_int.h"
#include "schema/fgs_schema.h"


/* a field that a rule of the reference ties to other fields */

typedef struct {
    const char  *path;          /* dotted */
    uint8_t      ops;           /* where the rule applies: FGS_SCHEMA_* */
    const char  *why;
} fgs_load_joint_t;


static int fgs_load_schema_op(fgs_load_t *ld, const fgs_rule_t *rule,
    fgs_op_e op, uint8_t bit);
static int fgs_load_schema_one(fgs_load_t *ld, const fgs_mutation_t *m,
    fgs_op_e op, uint8_t bit);
static int fgs_load_schema_written(fgs_load_t *ld, const fgs_rule_t *rule,
    fgs_op_e op);
static int fgs_load_schema_apply(json_t *body, const fgs_mutation_t *m);
static const fgs_mutation_t *fgs_load_schema_culprit(const fgs_rule_t *rule,
    const char *field);
static const fgs_schema_field_t *fgs_load_schema_field(
    const fgs_path_t *path, uint8_t bit, const fgs_schema_object_t **holder);
static const fgs_schema_field_t *fgs_load_schema_member(
    const fgs_schema_object_t *obj, const char *key, size_t len);
static int fgs_load_schema_is(const fgs_path_t *path, const char *dotted);
static const char *fgs_load_schema_field_text(const fgs_mutation_t *m,
    char *buf, size_t len);


#define FGS_LOAD_CFG   (FGS_SCHEMA_CONFIG | FGS_SCHEMA_CREATE)
#define FGS_LOAD_CODE  (FGS_SCHEMA_CODE | FGS_SCHEMA_CREATE)

#define FGS_LOAD_HANDLER_RULE                                               \
    "the form of handler depends on runtime and custom_image.enabled"
#define FGS_LOAD_CODE_RULE                                                  \
    "code_type decides whether code_filename and code_url are required or " \
    "must be blank"

/* the cross-field rules of fgs_schema_rules.c (fgs_schema_function_rules) */

static const fgs_load_joint_t  fgs_load_joints[] = {
    { "handler", FGS_LOAD_CFG, FGS_LOAD_HANDLER_RULE },
    { "runtime", FGS_LOAD_CFG, FGS_LOAD_HANDLER_RULE },
    { "custom_image", FGS_LOAD_CFG, FGS_LOAD_HANDLER_RULE },
    { "custom_image.enabled", FGS_LOAD_CFG, FGS_LOAD_HANDLER_RULE },
    { "initializer_handler", FGS_LOAD_CFG,
      "initializer_timeout is required when initializer_handler is set" },
    { "initializer_timeout", FGS_LOAD_CFG,
      "initializer_timeout is required when initializer_handler is set" },
    { "restore_hook_handler", FGS_LOAD_CFG,
      "restore_hook_timeout needs a non-empty restore_hook_handler" },
    { "restore_hook_timeout", FGS_LOAD_CFG,
      "restore_hook_timeout needs a non-empty restore_hook_handler" },
    { "code_type", FGS_LOAD_CODE, FGS_LOAD_CODE_RULE },
    { "code_filename", FGS_LOAD_CODE, FGS_LOAD_CODE_RULE },
    { "code_url", FGS_LOAD_CODE, FGS_LOAD_CODE_RULE }
};


int
fgs_load_schema_mutations(fgs_load_t *ld, const fgs_rule_t *rule)
{
    if (rule->nmuts == 0) {
        return FGS_OK;
    }

    if (((rule->ops & (1u << FGS_OP_CODE))
         && fgs_load_schema_op(ld, rule, FGS_OP_CODE, FGS_SCHEMA_CODE)
            != FGS_OK)
        || ((rule->ops & (1u << FGS_OP_CONFIG))
            && fgs_load_schema_op(ld, rule, FGS_OP_CONFIG, FGS_SCHEMA_CONFIG)
               != FGS_OK)
        || ((rule->ops & (1u << FGS_OP_CREATE))
            && fgs_load_schema_op(ld, rule, FGS_OP_CREATE, FGS_SCHEMA_CREATE)
               != FGS_OK))
    {
        return FGS_DECLINED;
    }

    return FGS_OK;
}


static int
fgs_load_schema_op(fgs_load_t *ld, const fgs_rule_t *rule, fgs_op_e op,
    uint8_t bit)
{
    uint32_t  i;

    for (i = 0; i < rule->nmuts; i++) {
        if (fgs_load_schema_one(ld, &rule->muts[i], op, bit) != FGS_OK) {
            return FGS_DECLINED;
        }
    }

    return fgs_load_schema_written(ld, rule, op);
}


/* what one mutation may do to a field, whatever it writes */

static int
fgs_load_schema_one(fgs_load_t *ld, const fgs_mutation_t *m, fgs_op_e op,
    uint8_t bit)
{
    char                        field[160];
    size_t                      i;
    const fgs_load_joint_t     *j;
    const fgs_schema_field_t   *f;
    const fgs_schema_object_t  *holder;

    f = fgs_load_schema_field(&m->path, bit, &holder);

    if (m->action == FGS_MUT_REMOVE && f != NULL && (f->required & bit)) {
        return fgs_load_fail(ld, fgs_load_schema_field_text(m, field,
                                                            sizeof(field)),
                             "cannot remove %s: the FunctionGraph API "
                             "reference requires it in %s for the %s "
                             "operation, so the rewritten body would not "
                             "conform", m->path.text, holder->name,
                             fgs_op_name(op));
    }

    if (m->action == FGS_MUT_SET_DEFAULT && f != NULL && (f->required & bit)
        && holder == &fgs_schema_function)
    {
        /* a conforming body always has it: never written */
        return FGS_OK;
    }

    for (i = 0; i < sizeof(fgs_load_joints) / sizeof(fgs_load_joints[0]);
         i++)
    {
        j = &fgs_load_joints[i];

        if ((j->ops & bit) && fgs_load_schema_is(&m->path, j->path)) {
            return fgs_load_fail(ld, fgs_load_schema_field_text(m, field,
                                                                sizeof(field)),
                                 "cannot %s %s for the %s operation: the "
                                 "FunctionGraph API reference ties it to "
                                 "other fields (%s), so whether the "
                                 "rewritten body conforms would depend on "
                                 "the request", fgs_mutate_names[m->action],
                                 m->path.text, fgs_op_name(op), j->why);
        }
    }

    return FGS_OK;
}


/*
 * The rule's mutations applied to an empty body, walked by the schema:
 * every problem in a field the rule wrote fails the load.
 */

static int
fgs_load_schema_written(fgs_load_t *ld, const fgs_rule_t *rule, fgs_op_e op)
{
    int                    rc;
    char                  *json, field[160];
    size_t                 n;
    json_t                *body;
    uint32_t               i;
    fgs_arena_t            arena;
    fgs_json_doc_t         doc;
    fgs_violation_t       *v;
    fgs_violations_t       out;
    const fgs_mutation_t  *m;

    body = json_object();
    if (body == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    for (i = 0; i < rule->nmuts; i++) {
        if (fgs_load_schema_apply(body, &rule->muts[i]) != FGS_OK) {
            json_decref(body);
            return fgs_load_fail(ld, NULL, "out of memory");
        }
    }

    if (json_object_size(body) == 0) {
        /* the rule only removes */
        json_decref(body);
        return FGS_OK;
    }

    json = json_dumps(body, JSON_COMPACT);
    json_decref(body);

    if (json == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    fgs_arena_init(&arena);
    fgs_violations_init(&out);

    rc = fgs_json_scan(&doc, (u_char *) json, strlen(json), &arena.alloc);

    if (rc == FGS_DECLINED) {
        m = fgs_load_schema_culprit(rule, "");
        rc = fgs_load_fail(ld, fgs_load_schema_field_text(m, field,
                                                          sizeof(field)),
                           "the body the rule writes would be refused by "
                           "the gateway's JSON scanner: %s",
                           doc.error ? doc.error : "no reason given");
        goto done;
    }

    if (rc == FGS_OK) {
        rc = fgs_schema_validate(&doc, op, &out, &arena.alloc);
    }

    if (rc == FGS_ERROR) {
        rc = fgs_load_fail(ld, NULL, "out of memory");
        goto done;
    }

    rc = FGS_OK;

    for (v = out.head; v != NULL; v = v->next) {

        /* the field's top-level key: one of the rule's, or the request's */

        n = strcspn(v->field, ".[");

        if (n == 0) {

            /*
             * No field: the list was cut short (or the body was no
             * object), so what the rule writes cannot be shown to
             * conform; refuse rather than pass what was not listed.
             */

            rc = fgs_load_fail(ld, NULL, "the body the rule writes could "
                               "not be checked against the FunctionGraph "
                               "API reference for the %s operation: %s",
                               fgs_op_name(op), v->message);
            break;
        }

        if (fgs_json_child(&doc, 0, v->field, n) == FGS_NONE) {
            continue;
        }

        m = fgs_load_schema_culprit(rule, v->field);

        rc = fgs_load_fail(ld, fgs_load_schema_field_text(m, field,
                                                          sizeof(field)),
                           "the body the rule writes would not conform to "
                           "the FunctionGraph API reference for the %s "
                           "operation: %s", fgs_op_name(op), v->message);
        break;
    }

done:

    fgs_arena_reset(&arena);
    free(json);

    return rc;
}


/*
 * One mutation on the body being built, as fgs_mutate() makes it where
 * none of the path exists: set_default writes what is missing or null,
 * set writes, remove deletes, missing or null parents become objects.  A
 * parent that is no object is left alone: at run time that mutation is
 * a violation and nothing is forwarded.
 */

static int
fgs_load_schema_apply(json_t *body, const fgs_mutation_t *m)
{
    json_t                *obj, *next, *value;
    uint32_t               i;
    const fgs_path_seg_t  *seg;

    obj = body;

    for (i = 0; i + 1 < m->path.nsegs; i++) {
        seg = &m->path.segs[i];
        next = json_object_getn(obj, seg->key, seg->key_len);

        if (next == NULL || json_is_null(next)) {
            if (m->action == FGS_MUT_REMOVE) {
                return FGS_OK;
            }

            next = json_object();

            if (next == NULL
                || json_object_setn_new(obj, seg->key, seg->key_len, next)
                   != 0)
            {
                return FGS_ERROR;
            }

        } else if (!json_is_object(next)) {
            return FGS_OK;
        }

        obj = next;
    }

    seg = &m->path.segs[m->path.nsegs - 1];

    if (m->action == FGS_MUT_REMOVE) {
        (void) json_object_deln(obj, seg->key, seg->key_len);
        return FGS_OK;
    }

    if (m->action == FGS_MUT_SET_DEFAULT) {
        next = json_object_getn(obj, seg->key, seg->key_len);

        if (next != NULL && !json_is_null(next)) {
            return FGS_OK;
        }
    }

    /* the value's compact JSON, made from the file's own at load */

    value = json_loadb((const char *) m->value->json, m->value->len,
                       JSON_DECODE_ANY, NULL);

    if (value == NULL
        || json_object_setn_new(obj, seg->key, seg->key_len, value) != 0)
    {
        return FGS_ERROR;
    }

    return FGS_OK;
}


/*
 * The mutation a problem in field comes from: the one whose path shares
 * the most leading keys with it, the first of them on a tie.
 */

static const fgs_mutation_t *
fgs_load_schema_culprit(const fgs_rule_t *rule, const char *field)
{
    size_t                 k;
    uint32_t               i, s, best_n;
    const char            *p;
    const fgs_mutation_t  *m, *best;

    best = NULL;
    best_n = 0;

    for (i = 0; i < rule->nmuts; i++) {
        m = &rule->muts[i];

        if (best == NULL && m->action != FGS_MUT_REMOVE) {
            best = m;
        }

        p = field;

        for (s = 0; s < m->path.nsegs; s++) {
            k = m->path.segs[s].key_len;

            if (strncmp(p, m->path.segs[s].key, k) != 0
                || (p[k] != '\0' && p[k] != '.' && p[k] != '['))
            {
                break;
            }

            p += k;
            p += (*p == '.') ? 1 : 0;
        }

        if (s > best_n) {
            best = m;
            best_n = s;
        }
    }

    return best ? best : &rule->muts[0];
}


/*
 * The field of the reference that path names for an operation, and the
 * object that holds it; NULL when it names none (a key the reference
 * does not have there, a member inside an array or a map).
 */

static const fgs_schema_field_t *
fgs_load_schema_field(const fgs_path_t *path, uint8_t bit,
    const fgs_schema_object_t **holder)
{
    uint32_t                    i;
    const fgs_path_seg_t       *seg;
    const fgs_schema_field_t   *f;
    const fgs_schema_object_t  *obj;

    obj = &fgs_schema_function;

    for (i = 0; i < path->nsegs; i++) {
        seg = &path->segs[i];
        f = fgs_load_schema_member(obj, seg->key, seg->key_len);

        if (f == NULL || !(f->ops & bit)) {
            return NULL;
        }

        if (i + 1 == path->nsegs) {
            *holder = obj;
            return f;
        }

        if (f->type != FGS_SCHEMA_OBJECT) {
            return NULL;
        }

        obj = f->object;
    }

    return NULL;
}


/* the field of obj named exactly key, through the object's index */

static const fgs_schema_field_t *
fgs_load_schema_member(const fgs_schema_object_t *obj, const char *key,
    size_t len)
{
    int  k;

    k = fgs_schema_find(obj, key, len);

    return (k < 0) ? NULL : &obj->fields[k];
}


/* whether path is the dotted path, key by key */

static int
fgs_load_schema_is(const fgs_path_t *path, const char *dotted)
{
    size_t       k;
    uint32_t     i;
    const char  *p;

    p = dotted;

    for (i = 0; i < path->nsegs; i++) {
        k = path->segs[i].key_len;

        if (strncmp(p, path->segs[i].key, k) != 0
            || (p[k] != '\0' && p[k] != '.'))
        {
            return 0;
        }

        p += k;

        if (*p == '.') {
            if (i + 1 == path->nsegs) {
                return 0;
            }

            p++;
        }
    }

    return *p == '\0';
}


/* "set_default[strategy_config.concurrency]", as the load names it */

static const char *
fgs_load_schema_field_text(const fgs_mutation_t *m, char *buf, size_t len)
{
    snprintf(buf, len, "%s[%.100s]", fgs_mutate_names[m->action],
             m->path.text);

    return buf;
}


/*
 * A rule's "check" and "when" held to the API reference, as its
 * mutations are: a path that names no field of the body of an
 * operation the rule is for, or a check that cannot apply to the
 * field's documented type, would silently never hold (or always fail)
 * at run time; it fails the load instead, naming the fix.
 */

#define FGS_LOAD_KIND_MAPVAL  0x10      /* a value of a Map<String,String> */


static int fgs_load_schema_check(fgs_load_t *ld, const fgs_check_t *c,
    const char *what, fgs_op_e op, uint8_t bit);
static int fgs_load_schema_kind(fgs_load_t *ld, const fgs_check_t *c,
    const char *field, const char *name, const fgs_schema_field_t *f,
    uint32_t kind, fgs_op_e op);
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
    uint32_t  i, op;
    uint8_t   bit;

    static const uint8_t  bits[] = {
        0, FGS_SCHEMA_CODE, FGS_SCHEMA_CONFIG, FGS_SCHEMA_CREATE
    };

    for (op = FGS_OP_CODE; op <= FGS_OP_CREATE; op++) {
        if (!(rule->ops & (1u << op))) {
            continue;
        }

        bit = bits[op];

        for (i = 0; i < rule->nwhen; i++) {
            if (fgs_load_schema_check(ld, &rule->when[i], "when",
                                      (fgs_op_e) op, bit)
                != FGS_OK)
            {
                return FGS_DECLINED;
            }
        }

        for (i = 0; i < rule->nchecks; i++) {
            if (fgs_load_schema_check(ld, &rule->checks[i], "check",
                                      (fgs_op_e) op, bit)
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
    const char *what, fgs_op_e op, uint8_t bit)
{
    char                        field[160], name[160];
    size_t                      nlen;
    uint32_t                    i, kind;
    const char                 *hint;
    const fgs_path_seg_t       *seg;
    const fgs_schema_field_t   *f;
    const fgs_schema_object_t  *obj;

    snprintf(field, sizeof(field), "%s[%.100s]", what, c->path.text);

    obj = &fgs_schema_function;
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

        f = fgs_load_schema_member(obj, seg->key, seg->key_len);

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
    char                 values[256];
    uint32_t             i, types, list, nl, want;
    const char          *what, *is;
    const fgs_scalar_t  *l;

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

    switch (kind) {
    case FGS_SCHEMA_STRING:
    case FGS_LOAD_KIND_MAPVAL:
        types = 1u << FGS_JSON_STRING;
        break;
    case FGS_SCHEMA_INTEGER:
        types = 1u << FGS_JSON_INTEGER;
        break;
    case FGS_SCHEMA_BOOLEAN:
        types = (1u << FGS_JSON_TRUE) | (1u << FGS_JSON_FALSE);
        break;
    case FGS_SCHEMA_ID:
        types = (1u << FGS_JSON_INTEGER) | (1u << FGS_JSON_STRING);
        break;
    case FGS_SCHEMA_ARRAY:
        types = 1u << FGS_JSON_ARRAY;
        break;
    default:
        types = 1u << FGS_JSON_OBJECT;
        break;
    }

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
    default:
        return "an object";
    }
}

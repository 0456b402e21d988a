
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * A rule's set_default, set and remove held to the FunctionGraph API
 * reference once, when the policy loads, so that a rewritten body never
 * has to be validated again on the request path (its "check" and "when"
 * are held to it in fgs_load_schema_checks.c).  The body a mutation
 * starts from conforms (the schema validates it before the policy runs);
 * a mutation may only keep it so.  For every operation the rule applies
 * to:
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
    fgs_op_e op, fgs_api_e api, const fgs_schema_model_t *model);
static int fgs_load_schema_one(fgs_load_t *ld, const fgs_mutation_t *m,
    fgs_op_e op, const fgs_schema_model_t *model);
static int fgs_load_schema_written(fgs_load_t *ld, const fgs_rule_t *rule,
    fgs_op_e op, fgs_api_e api);
static int fgs_load_schema_apply(json_t *body, const fgs_mutation_t *m);
static const fgs_mutation_t *fgs_load_schema_culprit(const fgs_rule_t *rule,
    const char *field);
static const fgs_schema_field_t *fgs_load_schema_field(
    const fgs_path_t *path, const fgs_schema_object_t *root, uint8_t bit,
    const fgs_schema_object_t **holder);
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
    uint32_t                    op, a;
    const fgs_schema_model_t   *model;
    const fgs_schema_object_t  *root;

    if (rule->nmuts == 0) {
        return FGS_OK;
    }

    /* each endpoint of each of the rule's operations, with its body */

    for (op = FGS_OP_CODE; op < FGS_OP_OTHER; op++) {
        if (!(rule->ops & (1u << op))) {
            continue;
        }

        if (fgs_schema_op_variants((fgs_op_e) op, &root) == 0) {
            return fgs_load_fail(ld, "mutate", "the %s operation takes no "
                                 "body in the FunctionGraph API reference, "
                                 "so a rule for it has nothing to write: "
                                 "list the rule's \"operations\" without "
                                 "%s", fgs_op_name((fgs_op_e) op),
                                 fgs_op_name((fgs_op_e) op));
        }

        for (a = 1; a < FGS_API_COUNT; a++) {
            model = fgs_schema_model((fgs_api_e) a);

            if (fgs_apis[a].op != op || model->root == NULL) {
                continue;
            }

            if (fgs_load_schema_op(ld, rule, (fgs_op_e) op, (fgs_api_e) a,
                                   model)
                != FGS_OK)
            {
                return FGS_DECLINED;
            }
        }
    }

    return FGS_OK;
}


static int
fgs_load_schema_op(fgs_load_t *ld, const fgs_rule_t *rule, fgs_op_e op,
    fgs_api_e api, const fgs_schema_model_t *model)
{
    uint32_t  i;

    for (i = 0; i < rule->nmuts; i++) {
        if (fgs_load_schema_one(ld, &rule->muts[i], op, model) != FGS_OK) {
            return FGS_DECLINED;
        }
    }

    return fgs_load_schema_written(ld, rule, op, api);
}


/* what one mutation may do to a field, whatever it writes */

static int
fgs_load_schema_one(fgs_load_t *ld, const fgs_mutation_t *m, fgs_op_e op,
    const fgs_schema_model_t *model)
{
    char                        field[160];
    size_t                      i;
    const fgs_load_joint_t     *j;
    const fgs_schema_field_t   *f;
    uint8_t                     bit;
    const fgs_schema_object_t  *holder;

    bit = (uint8_t) (1u << model->variant);
    holder = NULL;

    f = fgs_load_schema_field(&m->path, model->root, bit, &holder);

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
        && holder == model->root)
    {
        /* a conforming body always has it: never written */
        return FGS_OK;
    }

    for (i = 0; i < sizeof(fgs_load_joints) / sizeof(fgs_load_joints[0]);
         i++)
    {
        j = &fgs_load_joints[i];

        if (model->root == &fgs_schema_function && (j->ops & bit)
            && fgs_load_schema_is(&m->path, j->path))
        {
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
fgs_load_schema_written(fgs_load_t *ld, const fgs_rule_t *rule, fgs_op_e op,
    fgs_api_e api)
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
        rc = fgs_schema_validate(&doc, api, &out, &arena.alloc);
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
fgs_load_schema_field(const fgs_path_t *path,
    const fgs_schema_object_t *root, uint8_t bit,
    const fgs_schema_object_t **holder)
{
    uint32_t                    i;
    const fgs_path_seg_t       *seg;
    const fgs_schema_field_t   *f;
    const fgs_schema_object_t  *obj;

    obj = root;

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

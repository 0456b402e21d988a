
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Validates a scanned body against the API reference tables
 * (fgs_schema_models.c) in one walk over the tape: each member is found
 * in its object's table through the object's hash (fgs_schema_int.h),
 * its value validated in place.
 * A body that conforms costs no allocation, except for the unescaped
 * copy of a validated string that carries escapes.
 *
 * This file is the walk: the members of each object, and the dispatch
 * of each value to the validation its field needs.  What a member's key
 * is comes from the object's index (fgs_schema_index.c), the validation
 * of a value from fgs_schema_values.c, the rules across fields from
 * fgs_schema_rules.c, the wording of the violations from
 * fgs_schema_report.c; the self-test of the tables is in
 * fgs_schema_selftest.c.  The dispatch stays inline in the walk, and so
 * do the lookup of a key and the validation that runs for most values
 * (static inline in fgs_schema_int.h): a body that conforms pays for a
 * call only where a constraint has real work.
 *
 * The validation is strict, and fails closed:
 *
 *   - A key that is not a documented field of its object is refused,
 *     at every level the reference defines.  A key that differs from a
 *     documented field only by letter case, '_', '-' or a non-ASCII
 *     letter that folds to ASCII ("memorySize", "Memory-Size", "mem\u017fory")
 *     is named as such: backends with case-insensitive or "smart" field
 *     matching would read it as the real field, after the policy looked
 *     at the real one.  Any other unknown key is refused too: the gateway
 *     only forwards what a policy can have been written for.
 *   - null is refused for every field: the reference gives no field a
 *     null value, and backends read it either as "unset" or as "leave
 *     unchanged".
 *   - Types are exact: an Integer is a JSON integer (not 1024.0, 1e3 or
 *     "1024") that fits int64_t.
 *   - Every violation is collected with its path
 *     ("mount_config.func_mounts[1].mount_type"), not only the first; a
 *     message never quotes a string value except the short ASCII value
 *     of an enumeration, so no secret (user_data, encrypted_user_data,
 *     func_code.file) can reach an error body or an audit record.
 */


#include <string.h>

#include "fgs_schema_index.h"


static void fgs_schema_object(fgs_schema_ctx_t *ctx,
    const fgs_schema_object_t *obj, uint32_t node);
static void fgs_schema_value(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node);
static int fgs_schema_type_ok(int field, int type);
static FGS_SCHEMA_INLINE void fgs_schema_typed(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node);
static void fgs_schema_array(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node);
static void fgs_schema_map(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node);
static FGS_SCHEMA_INLINE void fgs_schema_string(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node);


int
fgs_schema_validate(const fgs_json_doc_t *doc, fgs_api_e api,
    fgs_violations_t *out, fgs_alloc_t *a)
{
    fgs_schema_ctx_t           ctx;
    const fgs_schema_model_t  *model;

    model = fgs_schema_model(api);

    if (model->root == NULL) {
        /* the request stage refuses a body to an endpoint without one */
        return FGS_OK;
    }

    ctx.api = api;
    ctx.api_text[0] = '\0';
    ctx.variant = model->variant;
    ctx.opbit = 1u << model->variant;

    ctx.doc = doc;
    ctx.nodes = doc->nodes;
    ctx.out = out;
    ctx.a = a;
    ctx.op = fgs_apis[api].op;
    ctx.added = 0;
    ctx.unknown = 0;
    ctx.rc = FGS_OK;

    if (doc->n == 0 || doc->nodes == NULL
        || doc->nodes[0].type != FGS_JSON_OBJECT)
    {
        /* the scanner never yields this; refuse rather than pass */
        if (fgs_violation_add(out, a, NULL, "", "the body must be one JSON "
                              "object, as the API reference documents")
            != FGS_OK)
        {
            return FGS_ERROR;
        }

        return FGS_DECLINED;
    }

    fgs_schema_object(&ctx, model->root, 0);

    if (ctx.rc == FGS_OK
        && fgs_violations_close(out, a, "the API reference") != FGS_OK)
    {
        ctx.rc = FGS_ERROR;
    }

    if (ctx.rc != FGS_OK) {
        return FGS_ERROR;
    }

    out->only_unknown = (ctx.added != 0 && ctx.unknown == ctx.added);

    return ctx.added ? FGS_DECLINED : FGS_OK;
}


/* the members of an object, its mandatory fields, its cross-field rules */

static void
fgs_schema_object(fgs_schema_ctx_t *ctx, const fgs_schema_object_t *obj,
    uint32_t node)
{
    int                        idx;
    uint32_t                   i, child, act, variant;
    uint64_t                   seen, missing;
    fgs_schema_found_t         found;
    const fgs_json_node_t     *nodes, *ch;
    const fgs_schema_entry_t  *e;
    const fgs_schema_index_t  *index;
    const fgs_schema_field_t  *f;

    variant = ctx->variant;
    nodes = ctx->nodes;
    index = fgs_schema_index(obj);
    seen = 0;

    child = nodes[node].count ? node + 1 : FGS_NONE;

    for ( /* void */ ; child != FGS_NONE; child = ch->next) {
        ch = &nodes[child];

        e = fgs_schema_lookup(obj, index, ch->key, ch->key_len);

        if (e == NULL) {
            idx = fgs_schema_search(obj, index, ch->key, ch->key_len);

            if (idx < 0) {
                fgs_schema_unknown(ctx, obj, child);
                continue;
            }

            e = &index->entry[idx + 1];
        }

        /*
         * act is the JSON type that needs nothing more (a string for
         * most fields), or FGS_SCHEMA_TYPED with the JSON type that the
         * field's type validates further, or FGS_SCHEMA_VALUE, or
         * FGS_SCHEMA_REFUSE, which no node's type is.
         */

        act = e->act[variant];

        if (act != ch->type) {

            if (act == (FGS_SCHEMA_TYPED | ch->type)) {
                fgs_schema_typed(ctx, &obj->fields[e->field], child);

            } else if (act != FGS_SCHEMA_REFUSE) {
                fgs_schema_value(ctx, &obj->fields[e->field], child);

            } else {
                ctx->unknown++;
                fgs_schema_fail(ctx, child, NULL, "is not a field of %s in "
                                "the FunctionGraph API reference; remove "
                                "it", fgs_schema_api(ctx));
                continue;
            }
        }

        seen |= e->bit;
        found.node[e->field] = child;
    }

    found.seen = seen;

    /* listed in the order of the table, as the fields are */

    missing = index->required[ctx->opbit] & ~seen;

    for (i = 0; missing != 0; i++, missing >>= 1) {
        if (!(missing & 1)) {
            continue;
        }

        f = &obj->fields[i];

        if (node == 0) {
            fgs_schema_fail(ctx, node, f->name, "is required by the "
                            "FunctionGraph API reference for %s",
                            fgs_schema_api(ctx));

        } else {
            fgs_schema_fail(ctx, node, f->name, "is required in %s by "
                            "the FunctionGraph API reference",
                            obj->name);
        }
    }

    switch (obj->id) {

    case FGS_OBJ_FUNCTION:
        fgs_schema_function_rules(ctx, node, &found);
        break;

    case FGS_OBJ_FUNC_MOUNT:
        fgs_schema_func_mount_rules(ctx, node, &found);
        break;

    default:
        break;
    }
}


static void
fgs_schema_value(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    int  type;

    type = ctx->nodes[node].type;

    /* the field of the same name that this variant takes */

    if (f->alt != NULL && (f->alt->ops & ctx->opbit)) {
        f = f->alt;
    }

    if (type == FGS_JSON_NULL) {
        fgs_schema_fail(ctx, node, NULL, "is null; omit the field instead "
                        "(the API reference gives null no meaning)");
        return;
    }

    if (!fgs_schema_type_ok(f->type, type)) {
        fgs_schema_type_error(ctx, f, node, type);
        return;
    }

    fgs_schema_typed(ctx, f, node);
}


/* whether a JSON value of this type can be a value of the field's type */

static int
fgs_schema_type_ok(int field, int type)
{
    switch (field) {

    case FGS_SCHEMA_STRING:
        return type == FGS_JSON_STRING;

    case FGS_SCHEMA_INTEGER:
        return type == FGS_JSON_INTEGER;

    case FGS_SCHEMA_BOOLEAN:
        return type == FGS_JSON_TRUE || type == FGS_JSON_FALSE;

    case FGS_SCHEMA_OBJECT:
    case FGS_SCHEMA_MAP:
        return type == FGS_JSON_OBJECT;

    case FGS_SCHEMA_ARRAY:
        return type == FGS_JSON_ARRAY;

    case FGS_SCHEMA_ID:
        return type == FGS_JSON_INTEGER || type == FGS_JSON_STRING;

    case FGS_SCHEMA_NUMBER:
        return type == FGS_JSON_INTEGER || type == FGS_JSON_REAL;

    case FGS_SCHEMA_ANY:
        return 1;

    default:
        return 0;
    }
}


/*
 * The validation of a value that has a type of the field's (type_ok);
 * inlined in the walk of the members, which knows the type.
 */

static FGS_SCHEMA_INLINE void
fgs_schema_typed(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    int64_t  v;

    switch (f->type) {

    case FGS_SCHEMA_STRING:
        fgs_schema_string(ctx, f, node);
        return;

    case FGS_SCHEMA_INTEGER:
        if (ctx->nodes[node].len <= FGS_SCHEMA_SHORT_INT) {
            if (f->constraint == FGS_CONSTRAINT_RANGE) {
                v = fgs_schema_short_int(ctx, node);
                fgs_schema_range(ctx, f, node, v);
            }

            return;
        }

        fgs_schema_integer(ctx, f, node);
        return;

    case FGS_SCHEMA_OBJECT:
        fgs_schema_object(ctx, f->object, node);
        return;

    case FGS_SCHEMA_ARRAY:
        fgs_schema_array(ctx, f, node);
        return;

    case FGS_SCHEMA_MAP:
        fgs_schema_map(ctx, f, node);
        return;

    case FGS_SCHEMA_ID:
        fgs_schema_id(ctx, f, node);
        return;

    default:    /* BOOLEAN, NUMBER, ANY: any value of their types */
        return;
    }
}


static void
fgs_schema_array(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    int                     type;
    uint32_t                item;
    fgs_schema_field_t      each;
    const fgs_json_node_t  *nd;

    /* each item is validated as a field of the item type, "name[i]" */

    each = *f;
    each.type = f->item;
    each.constraint = FGS_CONSTRAINT_NONE;

    item = ctx->nodes[node].count ? node + 1 : FGS_NONE;

    for ( /* void */ ; item != FGS_NONE; item = nd->next) {
        nd = &ctx->nodes[item];
        type = nd->type;

        if (type == FGS_JSON_NULL) {
            fgs_schema_fail(ctx, item, NULL, "is null; the API reference "
                            "allows no null items in %s", f->name);
            continue;
        }

        if (f->item == FGS_SCHEMA_OBJECT) {
            if (type != FGS_JSON_OBJECT) {
                fgs_schema_type_error(ctx, &each, item, type);
                continue;
            }

            fgs_schema_object(ctx, f->object, item);
            continue;
        }

        if (type != (f->item == FGS_SCHEMA_INTEGER ? FGS_JSON_INTEGER
                                                   : FGS_JSON_STRING))
        {
            fgs_schema_type_error(ctx, &each, item, type);
        }
    }
}


/*
 * A map: the keys are the user's, every value of the item type, a
 * string unless the field says otherwise (Map<String,Integer>, a map of
 * objects); "name.key" in a violation.
 */

static void
fgs_schema_map(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    uint32_t                child;
    fgs_schema_field_t      each;
    const fgs_json_node_t  *nd;

    each = *f;
    each.type = f->item ? f->item : FGS_SCHEMA_STRING;
    each.alt = NULL;

    child = ctx->nodes[node].count ? node + 1 : FGS_NONE;

    for ( /* void */ ; child != FGS_NONE; child = nd->next) {
        nd = &ctx->nodes[child];

        if (nd->type == FGS_JSON_NULL) {
            fgs_schema_fail(ctx, child, NULL, "is null; the API reference "
                            "maps names to %s only",
                            each.type == FGS_SCHEMA_INTEGER ? "integers"
                            : each.type == FGS_SCHEMA_OBJECT ? f->object->name
                            : "strings");
            continue;
        }

        if (!fgs_schema_type_ok(each.type, nd->type)) {
            fgs_schema_type_error(ctx, &each, child, nd->type);
            continue;
        }

        if (each.type != FGS_SCHEMA_STRING) {
            fgs_schema_typed(ctx, &each, child);
        }
    }
}


static FGS_SCHEMA_INLINE void
fgs_schema_string(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    fgs_str_t  s;

    switch (f->constraint) {

    case FGS_CONSTRAINT_NONE:
    case FGS_CONSTRAINT_HANDLER:     /* with the runtime, in the body's rules */
        return;

    case FGS_CONSTRAINT_BASE64:
        fgs_schema_base64(ctx, node);
        return;

    case FGS_CONSTRAINT_MAX_BYTES:
        fgs_schema_max_bytes(ctx, f, node);
        return;

    default:
        break;
    }

    if (fgs_schema_str(ctx, node, &s) != FGS_OK) {
        return;
    }

    switch (f->constraint) {

    case FGS_CONSTRAINT_FUNC_NAME:
        fgs_schema_func_name(ctx, f, node, &s);
        break;

    case FGS_CONSTRAINT_DOTTED:
        if (s.len && memchr(s.data, '.', s.len) == NULL) {
            fgs_schema_fail(ctx, node, NULL, "must contain a '.' "
                            "(\"file.function\", like index.init) or be "
                            "empty");
        }

        break;

    case FGS_CONSTRAINT_CIDRS:
        fgs_schema_cidrs(ctx, f, node, &s);
        break;

    case FGS_CONSTRAINT_ENUM:
        fgs_schema_enum(ctx, node, &s, f->values, NULL);
        break;

    case FGS_CONSTRAINT_CODE_TYPE:
        fgs_schema_enum(ctx, node, &s, f->values,
                        ctx->op == FGS_OP_CREATE
                        ? fgs_schema_create_code_types : NULL);
        break;

    case FGS_CONSTRAINT_FILENAME:
        fgs_schema_filename(ctx, f, node, &s);
        break;

    case FGS_CONSTRAINT_LENGTH:
        fgs_schema_length(ctx, f, node, &s);
        break;

    default:
        break;
    }
}

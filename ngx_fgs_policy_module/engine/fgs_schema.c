
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Checks a scanned body against the API reference tables
 * (fgs_schema_fields.c) in one walk over the tape: each member is found
 * in its object's table by its length and name, its value checked in
 * place.
 * A body that conforms costs no allocation, except for the unescaped
 * copy of a checked string that carries escapes.
 *
 * The check is strict, and fails closed:
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


#include <stdio.h>
#include <string.h>

#include "fgs_base64.h"
#include "fgs_schema.h"
#include "fgs_schema_fields.h"


/*
 * A body can hold up to FGS_JSON_MAX_NODES members: listing a violation
 * for each would turn a small request into a large error response.
 * After this many the rest are counted in one last violation.
 */
#define FGS_SCHEMA_MAX_VIOLATIONS  100

#define FGS_SCHEMA_PATH_MAX        512
#define FGS_SCHEMA_KEY_CLIP        64
#define FGS_SCHEMA_QUOTE_MAX       32

/* an integer of at most this many bytes, '-' included, fits 32 bits */
#define FGS_SCHEMA_SHORT_INT       9

/*
 * The lookup of a key runs once per member: inlined whatever the
 * compiler's size heuristics say, it costs a third less.
 */
#if defined(__GNUC__)
#define FGS_SCHEMA_INLINE          inline __attribute__ ((always_inline))
#define fgs_schema_likely(c)       __builtin_expect(!!(c), 1)
#else
#define FGS_SCHEMA_INLINE          inline
#define fgs_schema_likely(c)       (c)
#endif

/* the multipliers the hash of an object's names tries, from the first */
#define FGS_SCHEMA_HASH_MULT       0x9e3779b97f4a7c15ULL
#define FGS_SCHEMA_HASH_TRIES      1024


typedef struct {
    const fgs_json_doc_t   *doc;
    const fgs_json_node_t  *nodes;
    fgs_violations_t       *out;
    fgs_alloc_t            *a;
    const char             *api;        /* the operation, as documented */
    fgs_op_e                op;
    uint32_t                opbit;      /* FGS_SCHEMA_CODE, ... */
    uint32_t                added;
    uint32_t                dropped;
    int                     rc;         /* FGS_ERROR once memory ran out */
} fgs_schema_ctx_t;


/*
 * The members of one object by field: node[i] is the member of field i,
 * and is set only when bit i of seen is (the array is never cleared).
 */
typedef struct {
    uint64_t                seen;
    uint32_t                node[FGS_SCHEMA_MAX_FIELDS];
} fgs_schema_found_t;


static uint32_t fgs_schema_opbit(fgs_op_e op);
static void fgs_schema_object(fgs_schema_ctx_t *ctx,
    const fgs_schema_object_t *obj, uint32_t node);
static void fgs_schema_value(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node);
static int fgs_schema_type_ok(int field, int type);
static FGS_SCHEMA_INLINE void fgs_schema_typed(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node);
static void fgs_schema_array(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node);
static void fgs_schema_map(fgs_schema_ctx_t *ctx, uint32_t node);
static void fgs_schema_integer(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node);
static inline int64_t fgs_schema_short_int(fgs_schema_ctx_t *ctx,
    uint32_t node);
static void fgs_schema_id(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node);
static FGS_SCHEMA_INLINE void fgs_schema_string(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node);
static void fgs_schema_range(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node, int64_t v);
static void fgs_schema_type_error(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node, int type);

static void fgs_schema_func_name(fgs_schema_ctx_t *ctx, uint32_t node,
    fgs_str_t *s);
static void fgs_schema_cidrs(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node, fgs_str_t *s);
static int fgs_schema_cidr(const u_char *p, const u_char *end);
static int fgs_schema_decimal(const u_char **pp, const u_char *end,
    uint32_t max, uint32_t *out);
static void fgs_schema_filename(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node, fgs_str_t *s);
static void fgs_schema_enum(fgs_schema_ctx_t *ctx, uint32_t node,
    fgs_str_t *s, const char *const *values, const char *const *more);
static void fgs_schema_base64(fgs_schema_ctx_t *ctx, uint32_t node);
static void fgs_schema_max_bytes(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node);

static void fgs_schema_function_rules(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found);
static void fgs_schema_handler(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found);
static void fgs_schema_code_source(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found);
static void fgs_schema_func_mount_rules(fgs_schema_ctx_t *ctx,
    uint32_t node, const fgs_schema_found_t *found);
static inline uint32_t fgs_schema_at(const fgs_schema_found_t *found,
    uint32_t field);

static int fgs_schema_find(const fgs_schema_object_t *obj, const char *key,
    size_t len);
static FGS_SCHEMA_INLINE const fgs_schema_entry_t *fgs_schema_lookup(
    const fgs_schema_object_t *obj, const fgs_schema_index_t *idx,
    const char *key, size_t len);
static int fgs_schema_search(const fgs_schema_object_t *obj,
    const fgs_schema_index_t *idx, const char *key, size_t len);
static FGS_SCHEMA_INLINE void fgs_schema_words(const u_char *key,
    size_t len, uint64_t *head, uint64_t *tail);
static FGS_SCHEMA_INLINE uint32_t fgs_schema_hash(uint64_t mult,
    uint64_t head, uint64_t tail, size_t len);
static uint32_t fgs_schema_index_fill(fgs_schema_index_t *idx,
    const fgs_schema_object_t *obj, uint64_t mult);
static inline const fgs_schema_index_t *fgs_schema_index(
    const fgs_schema_object_t *obj);
static const fgs_schema_index_t *fgs_schema_index_build(
    const fgs_schema_object_t *obj);
static uint32_t fgs_schema_act(const fgs_schema_field_t *f);
static FGS_SCHEMA_INLINE int fgs_schema_same(const u_char *a, const u_char *b,
    size_t len);
static void fgs_schema_unknown(fgs_schema_ctx_t *ctx,
    const fgs_schema_object_t *obj, uint32_t node);
static size_t fgs_schema_fold(const u_char *p, size_t len, u_char *out,
    size_t size);
static int fgs_schema_fold_cp(uint32_t cp, u_char *out);
static const char *fgs_schema_selftest_object(const fgs_schema_object_t *obj,
    int depth);

static inline int fgs_schema_str(fgs_schema_ctx_t *ctx, uint32_t node,
    fgs_str_t *s);

static int fgs_schema_is_value(const fgs_str_t *s, const char *value);

/* s is the string literal (only a literal compiles), its length known */
#define fgs_schema_is(s, literal)                                             \
    ((s)->len == sizeof("" literal) - 1                                       \
     && memcmp((s)->data, literal, sizeof(literal) - 1) == 0)

static int fgs_schema_nonempty(fgs_schema_ctx_t *ctx, uint32_t node);
static size_t fgs_schema_chars(const fgs_str_t *s);
static const char *fgs_schema_kind(int type);
static void fgs_schema_fail(fgs_schema_ctx_t *ctx, uint32_t node,
    const char *member, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__ ((format (printf, 4, 5)))
#endif
    ;
static char *fgs_schema_path(fgs_schema_ctx_t *ctx, uint32_t node,
    const char *member);
static u_char *fgs_schema_put_key(u_char *p, u_char *end, const char *key,
    size_t len);


int
fgs_schema_check(const fgs_json_doc_t *doc, fgs_op_e op,
    fgs_violations_t *out, fgs_alloc_t *a)
{
    fgs_schema_ctx_t  ctx;

    ctx.opbit = fgs_schema_opbit(op);

    switch (op) {

    case FGS_OP_CODE:
        ctx.api = "PUT /v2/{project_id}/fgs/functions/{function_urn}/code";
        break;

    case FGS_OP_CONFIG:
        ctx.api = "PUT /v2/{project_id}/fgs/functions/{function_urn}/config";
        break;

    case FGS_OP_CREATE:
        ctx.api = "POST /v2/{project_id}/fgs/functions";
        break;

    default:
        /* other writes and ungoverned requests have no documented body */
        return FGS_OK;
    }

    ctx.doc = doc;
    ctx.nodes = doc->nodes;
    ctx.out = out;
    ctx.a = a;
    ctx.op = op;
    ctx.added = 0;
    ctx.dropped = 0;
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

    fgs_schema_object(&ctx, &fgs_schema_function, 0);

    if (ctx.rc == FGS_OK && ctx.dropped) {
        if (fgs_violation_add(out, a, NULL, "", "%u more violations of the "
                              "API reference were found and not listed; "
                              "fix the ones above first", ctx.dropped)
            != FGS_OK)
        {
            ctx.rc = FGS_ERROR;
        }
    }

    if (ctx.rc != FGS_OK) {
        return FGS_ERROR;
    }

    return ctx.added ? FGS_DECLINED : FGS_OK;
}


/* the bit of an operation in the tables' ops and required, or 0 */

static uint32_t
fgs_schema_opbit(fgs_op_e op)
{
    switch (op) {

    case FGS_OP_CODE:
        return FGS_SCHEMA_CODE;

    case FGS_OP_CONFIG:
        return FGS_SCHEMA_CONFIG;

    case FGS_OP_CREATE:
        return FGS_SCHEMA_CREATE;

    default:
        return 0;
    }
}


/* the members of an object, its mandatory fields, its cross-field rules */

static void
fgs_schema_object(fgs_schema_ctx_t *ctx, const fgs_schema_object_t *obj,
    uint32_t node)
{
    int                        idx;
    uint32_t                   i, child, act;
    uint64_t                   seen, missing;
    fgs_op_e                   op;
    fgs_schema_found_t         found;
    const fgs_json_node_t     *nodes, *ch;
    const fgs_schema_entry_t  *e;
    const fgs_schema_index_t  *index;
    const fgs_schema_field_t  *f;

    op = ctx->op;
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
         * act is the JSON type that needs no more checks (a string for
         * most fields), or FGS_SCHEMA_TYPED with the JSON type whose
         * checks the field's type has, or FGS_SCHEMA_VALUE, or
         * FGS_SCHEMA_REFUSE, which no node's type is.
         */

        act = e->act[op];

        if (act != ch->type) {

            if (act == (FGS_SCHEMA_TYPED | ch->type)) {
                fgs_schema_typed(ctx, &obj->fields[e->field], child);

            } else if (act != FGS_SCHEMA_REFUSE) {
                fgs_schema_value(ctx, &obj->fields[e->field], child);

            } else {
                fgs_schema_fail(ctx, child, NULL, "is not a field of %s in "
                                "the FunctionGraph API reference; remove "
                                "it", ctx->api);
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
                            ctx->api);

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


/* the member of a field, or FGS_NONE when the object has none */

static inline uint32_t
fgs_schema_at(const fgs_schema_found_t *found, uint32_t field)
{
    return (found->seen >> field) & 1 ? found->node[field] : FGS_NONE;
}


static void
fgs_schema_value(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    int  type;

    type = ctx->nodes[node].type;

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

    default:
        return 0;
    }
}


/*
 * The checks of a value that has a type of the field's (type_ok);
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
            if (f->check == FGS_CHECK_RANGE) {
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
        fgs_schema_map(ctx, node);
        return;

    case FGS_SCHEMA_ID:
        fgs_schema_id(ctx, f, node);
        return;

    default:    /* FGS_SCHEMA_BOOLEAN: either value */
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

    /* each item is checked as a field of the item type, path "name[i]" */

    each = *f;
    each.type = f->item;
    each.check = FGS_CHECK_NONE;

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

        if (type != FGS_JSON_STRING) {
            fgs_schema_type_error(ctx, &each, item, type);
        }
    }
}


/* Map<String,String>: the keys are the user's, every value a string */

static void
fgs_schema_map(fgs_schema_ctx_t *ctx, uint32_t node)
{
    uint32_t                child;
    const fgs_json_node_t  *nd;

    child = ctx->nodes[node].count ? node + 1 : FGS_NONE;

    for ( /* void */ ; child != FGS_NONE; child = nd->next) {
        nd = &ctx->nodes[child];

        if (nd->type == FGS_JSON_STRING) {
            continue;
        }

        if (nd->type == FGS_JSON_NULL) {
            fgs_schema_fail(ctx, child, NULL, "is null; the API reference "
                            "maps tags to strings only");
            continue;
        }

        fgs_schema_fail(ctx, child, NULL, "must be a JSON string, not %s",
                        fgs_schema_kind(nd->type));
    }
}


static void
fgs_schema_integer(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    int64_t  v;

    /*
     * Without a range only the size matters, and up to 18 digits, sign
     * included, always fit in 64 bits.
     */

    if (f->check != FGS_CHECK_RANGE && ctx->nodes[node].len <= 18) {
        return;
    }

    if (fgs_json_int(ctx->doc, node, &v) != FGS_OK) {
        if (f->check == FGS_CHECK_RANGE) {
            fgs_schema_fail(ctx, node, NULL, "is out of range "
                            "%lld..%lld (it does not even fit in 64 bits)",
                            (long long) f->min, (long long) f->max);

        } else {
            fgs_schema_fail(ctx, node, NULL, "does not fit in a 64-bit "
                            "integer");
        }

        return;
    }

    if (f->check == FGS_CHECK_RANGE) {
        fgs_schema_range(ctx, f, node, v);
    }
}


/*
 * The value of an INTEGER node of at most FGS_SCHEMA_SHORT_INT bytes,
 * which the scanner checked to be an optional '-' and digits without a
 * leading zero: it fits in 32 bits, so it needs neither a check per
 * digit nor fgs_json_int()'s, which would cost more than the digits.
 */

static inline int64_t
fgs_schema_short_int(fgs_schema_ctx_t *ctx, uint32_t node)
{
    int64_t                 v;
    const u_char           *p, *end;
    const fgs_json_node_t  *nd;

    nd = &ctx->nodes[node];
    p = ctx->doc->body + nd->off;
    end = p + nd->len;

    v = 0;

    for (p += (*p == '-'); p < end; p++) {
        v = v * 10 + (*p - '0');
    }

    return ctx->doc->body[nd->off] == '-' ? -v : v;
}


/*
 * MountUser ids: a JSON integer, or a string that holds one in its
 * plain form ("-1", "1000"; not "+1", "01", "-0", " 1" or "1.0").
 */

static void
fgs_schema_id(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    int           neg;
    int64_t       v;
    size_t        digits;
    fgs_str_t     s;
    const u_char  *p, *end;

    if (ctx->nodes[node].type == FGS_JSON_INTEGER) {
        fgs_schema_integer(ctx, f, node);
        return;
    }

    if (fgs_schema_str(ctx, node, &s) != FGS_OK) {
        return;
    }

    p = s.data;
    end = s.data + s.len;

    neg = (p < end && *p == '-');
    if (neg) {
        p++;
    }

    digits = end - p;

    if (digits == 0 || digits > 18
        || (*p == '0' && (digits > 1 || neg)))
    {
        goto bad;
    }

    v = 0;

    for ( /* void */ ; p < end; p++) {
        if (*p < '0' || *p > '9') {
            goto bad;
        }

        v = v * 10 + (*p - '0');
    }

    fgs_schema_range(ctx, f, node, neg ? -v : v);
    return;

bad:

    fgs_schema_fail(ctx, node, NULL, "must be an integer from %lld to %lld, "
                    "as a JSON integer or a string of plain digits",
                    (long long) f->min, (long long) f->max);
}


static void
fgs_schema_range(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, int64_t v)
{
    if (v < f->min || v > f->max) {
        fgs_schema_fail(ctx, node, NULL, "%lld is out of range %lld..%lld",
                        (long long) v, (long long) f->min,
                        (long long) f->max);
    }
}


static void
fgs_schema_type_error(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, int type)
{
    switch (f->type) {

    case FGS_SCHEMA_INTEGER:
        if (type == FGS_JSON_REAL) {
            fgs_schema_fail(ctx, node, NULL, "must be a JSON integer, not a "
                            "number with a fraction or exponent");
            return;
        }

        fgs_schema_fail(ctx, node, NULL, "must be a JSON integer, not %s",
                        fgs_schema_kind(type));
        return;

    case FGS_SCHEMA_STRING:
        fgs_schema_fail(ctx, node, NULL, "must be a JSON string, not %s",
                        fgs_schema_kind(type));
        return;

    case FGS_SCHEMA_BOOLEAN:
        fgs_schema_fail(ctx, node, NULL, "must be true or false, not %s",
                        fgs_schema_kind(type));
        return;

    case FGS_SCHEMA_OBJECT:
        fgs_schema_fail(ctx, node, NULL, "must be a JSON object (%s), not %s",
                        f->object->name, fgs_schema_kind(type));
        return;

    case FGS_SCHEMA_ARRAY:
        fgs_schema_fail(ctx, node, NULL, "must be a JSON array of %s, not %s",
                        f->item == FGS_SCHEMA_OBJECT ? f->object->name
                                                     : "strings",
                        fgs_schema_kind(type));
        return;

    case FGS_SCHEMA_MAP:
        fgs_schema_fail(ctx, node, NULL, "must be a JSON object that maps "
                        "names to strings, not %s", fgs_schema_kind(type));
        return;

    default: /* FGS_SCHEMA_ID */
        fgs_schema_fail(ctx, node, NULL, "must be an integer from %lld to "
                        "%lld, as a JSON integer or a string of plain "
                        "digits, not %s", (long long) f->min,
                        (long long) f->max, fgs_schema_kind(type));
        return;
    }
}


static FGS_SCHEMA_INLINE void
fgs_schema_string(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    fgs_str_t  s;

    switch (f->check) {

    case FGS_CHECK_NONE:
    case FGS_CHECK_HANDLER:     /* with the runtime, in the body's rules */
        return;

    case FGS_CHECK_BASE64:
        fgs_schema_base64(ctx, node);
        return;

    case FGS_CHECK_MAX_BYTES:
        fgs_schema_max_bytes(ctx, f, node);
        return;

    default:
        break;
    }

    if (fgs_schema_str(ctx, node, &s) != FGS_OK) {
        return;
    }

    switch (f->check) {

    case FGS_CHECK_FUNC_NAME:
        fgs_schema_func_name(ctx, node, &s);
        break;

    case FGS_CHECK_DOTTED:
        if (s.len && memchr(s.data, '.', s.len) == NULL) {
            fgs_schema_fail(ctx, node, NULL, "must contain a '.' "
                            "(\"file.function\", like index.init) or be "
                            "empty");
        }

        break;

    case FGS_CHECK_CIDRS:
        fgs_schema_cidrs(ctx, f, node, &s);
        break;

    case FGS_CHECK_ENUM:
        fgs_schema_enum(ctx, node, &s, f->values, NULL);
        break;

    case FGS_CHECK_CODE_TYPE:
        fgs_schema_enum(ctx, node, &s, f->values,
                        ctx->op == FGS_OP_CREATE
                        ? fgs_schema_create_code_types : NULL);
        break;

    case FGS_CHECK_FILENAME:
        fgs_schema_filename(ctx, f, node, &s);
        break;

    default:
        break;
    }
}


/*
 * func_name: "1 to 60 characters, including letters, digits, underscores
 * (_), and hyphens (-).  It must start with a letter and end with a
 * letter or digit."
 */

static void
fgs_schema_func_name(fgs_schema_ctx_t *ctx, uint32_t node, fgs_str_t *s)
{
    u_char  c;
    size_t  i, chars;

    /*
     * The scanner passes only valid UTF-8, so 1 to 60 bytes hold 1 to 60
     * characters: they are counted only outside that.
     */

    chars = (s->len >= 1 && s->len <= 60) ? s->len : fgs_schema_chars(s);

    if (chars < 1 || chars > 60) {
        fgs_schema_fail(ctx, node, NULL, "has %zu characters; the API "
                        "reference allows 1 to 60 letters, digits, '_' or "
                        "'-'", chars);
        return;
    }

    for (i = 0; i < s->len; i++) {
        c = s->data[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '_' || c == '-')
        {
            continue;
        }

        fgs_schema_fail(ctx, node, NULL, "may hold only letters, digits, "
                        "'_' and '-' (character %zu is none of them)",
                        fgs_schema_chars(&(fgs_str_t) { i, s->data }) + 1);
        return;
    }

    c = s->data[0] | 0x20;

    if (c < 'a' || c > 'z') {
        fgs_schema_fail(ctx, node, NULL, "must start with a letter");
        return;
    }

    c = s->data[s->len - 1];

    if (c == '_' || c == '-') {
        fgs_schema_fail(ctx, node, NULL, "must end with a letter or a "
                        "digit");
    }
}


/*
 * peering_cidr: "The blocks are separated by semicolons (;) and the
 * number of blocks cannot exceed 5", "Valid IPv4 CIDR blocks with
 * masks".  A block is a.b.c.d/m in plain decimal (no leading zeros,
 * which some parsers read as octal), m at most 32, and no bits set past
 * the mask (10.0.0.1/8 is an address, not a block).  An empty value
 * means no blocks, as the service returns it for functions without any.
 */

static void
fgs_schema_cidrs(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, fgs_str_t *s)
{
    int64_t        n;
    const u_char  *p, *end, *semi;

    if (s->len == 0) {
        return;
    }

    p = s->data;
    end = s->data + s->len;

    for (n = 1; /* void */ ; n++) {
        semi = memchr(p, ';', end - p);

        if (n > f->max) {
            fgs_schema_fail(ctx, node, NULL, "holds more than %lld CIDR "
                            "blocks, the most the API reference allows",
                            (long long) f->max);
            return;
        }

        if (fgs_schema_cidr(p, semi ? semi : end) != FGS_OK) {
            fgs_schema_fail(ctx, node, NULL, "block %lld is not a valid IPv4 "
                            "CIDR block; write up to %lld blocks like "
                            "192.168.0.0/16, separated by ';'",
                            (long long) n, (long long) f->max);
            return;
        }

        if (semi == NULL) {
            return;
        }

        p = semi + 1;
    }
}


static int
fgs_schema_cidr(const u_char *p, const u_char *end)
{
    int       i;
    uint32_t  addr, octet, mask;

    addr = 0;

    for (i = 0; i < 4; i++) {
        if (i > 0) {
            if (p == end || *p != '.') {
                return FGS_DECLINED;
            }

            p++;
        }

        if (fgs_schema_decimal(&p, end, 255, &octet) != FGS_OK) {
            return FGS_DECLINED;
        }

        addr = (addr << 8) | octet;
    }

    if (p == end || *p++ != '/') {
        return FGS_DECLINED;
    }

    if (fgs_schema_decimal(&p, end, 32, &mask) != FGS_OK || p != end) {
        return FGS_DECLINED;
    }

    if (mask < 32 && (addr & (0xffffffffu >> mask)) != 0) {
        return FGS_DECLINED;
    }

    return FGS_OK;
}


/* 1-3 plain decimal digits, no leading zero, at most max */

static int
fgs_schema_decimal(const u_char **pp, const u_char *end, uint32_t max,
    uint32_t *out)
{
    uint32_t       v;
    const u_char  *p, *start;

    p = *pp;
    start = p;
    v = 0;

    while (p < end && *p >= '0' && *p <= '9' && p - start < 3) {
        v = v * 10 + (*p - '0');
        p++;
    }

    if (p == start || (*start == '0' && p - start > 1) || v > max
        || (p < end && *p >= '0' && *p <= '9'))
    {
        return FGS_DECLINED;
    }

    *pp = p;
    *out = v;

    return FGS_OK;
}


/*
 * code_filename: "Name of a function file", the older edition adds
 * "the file name, then the file type": a name like index.zip, not a
 * path.  Empty is allowed here (inline and obs need none); zip and jar
 * require one (fgs_schema_code_source).  At most 255 bytes, the longest
 * file name file systems keep.
 */

static void
fgs_schema_filename(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, fgs_str_t *s)
{
    u_char  c;
    size_t  i, dot;

    if (s->len == 0) {
        return;
    }

    if ((int64_t) s->len > f->max) {
        fgs_schema_fail(ctx, node, NULL, "is %zu bytes long; a file name "
                        "has at most %lld", s->len, (long long) f->max);
        return;
    }

    dot = 0;

    for (i = 0; i < s->len; i++) {
        c = s->data[i];

        if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) {
            fgs_schema_fail(ctx, node, NULL, "must be a file name like "
                            "index.zip, not a path (no '/', '\\' or control "
                            "characters)");
            return;
        }

        if (c == '.') {
            dot = i;
        }
    }

    if (dot == 0 || dot == s->len - 1) {
        fgs_schema_fail(ctx, node, NULL, "must be a file name with its type, "
                        "like index.zip or demo.jar");
    }
}


static void
fgs_schema_enum(fgs_schema_ctx_t *ctx, uint32_t node, fgs_str_t *s,
    const char *const *values, const char *const *more)
{
    int                 quote;
    size_t              i;
    u_char             *p, *end;
    u_char              list[256];
    const char *const  *v;

    for (v = values; *v; v++) {
        if (fgs_schema_is_value(s, *v)) {
            return;
        }
    }

    for (v = more; v && *v; v++) {
        if (fgs_schema_is_value(s, *v)) {
            return;
        }
    }

    p = list;
    end = list + sizeof(list) - 1;

    for (v = values; *v; v++) {
        i = strlen(*v);

        if ((size_t) (end - p) < i + 2) {
            break;
        }

        if (v != values) {
            *p++ = ',';
            *p++ = ' ';
        }

        memcpy(p, *v, i);
        p += i;
    }

    for (v = more; v && *v; v++) {
        i = strlen(*v);

        if ((size_t) (end - p) < i + 2) {
            break;
        }

        *p++ = ',';
        *p++ = ' ';
        memcpy(p, *v, i);
        p += i;
    }

    *p = '\0';

    /* only a short, plain ASCII value is quoted back */

    quote = (s->len <= FGS_SCHEMA_QUOTE_MAX);

    for (i = 0; quote && i < s->len; i++) {
        if (s->data[i] <= 0x20 || s->data[i] >= 0x7f || s->data[i] == '"'
            || s->data[i] == '\\')
        {
            quote = 0;
        }
    }

    if (quote) {
        fgs_schema_fail(ctx, node, NULL, "\"%.*s\" is not one of %s",
                        (int) s->len, s->data, list);

    } else {
        fgs_schema_fail(ctx, node, NULL, "must be one of %s", list);
    }
}


/*
 * func_code.file: canonical base64, straight from the raw bytes of the
 * body.  A string with escapes ("\/" from PHP's json_encode, "\u003d"
 * from Gson) is read as any JSON reader reads it, without a copy.  The
 * part of it that was seen to be alphabet while the body streamed in is
 * not read again.
 */

static void
fgs_schema_base64(fgs_schema_ctx_t *ctx, uint32_t node)
{
    int                     rc;
    size_t                  known;
    const u_char           *raw;
    fgs_base64_info_t       info;
    const fgs_json_node_t  *nd;

    nd = &ctx->nodes[node];
    raw = ctx->doc->body + nd->off + 1;
    known = fgs_base64_runs_known(ctx->doc->runs, nd->off + 1);

    rc = fgs_base64_check_known(raw, nd->len - 2, known,
                                (nd->flags & FGS_JSON_ESCAPED) != 0, &info);

    if (rc != FGS_OK) {
        fgs_schema_fail(ctx, node, NULL, "is not valid base64: %s (at "
                        "character %zu)", info.error, info.error_off);
    }
}


/*
 * user_data: unescaping never makes a string longer, so only a raw value
 * over the limit needs the (allocated) unescaped length.
 */

static void
fgs_schema_max_bytes(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    size_t                  len;
    fgs_str_t               s;
    const fgs_json_node_t  *nd;

    nd = &ctx->nodes[node];
    len = nd->len - 2;

    if ((int64_t) len <= f->max) {
        return;
    }

    if (nd->flags & FGS_JSON_ESCAPED) {
        if (fgs_schema_str(ctx, node, &s) != FGS_OK) {
            return;
        }

        len = s.len;
    }

    if ((int64_t) len > f->max) {
        fgs_schema_fail(ctx, node, NULL, "is %zu bytes; the API reference "
                        "allows at most %lld", len, (long long) f->max);
    }
}


/* the rules of the request body that involve more than one field */

static void
fgs_schema_function_rules(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found)
{
    uint32_t  n, h;

    if (ctx->opbit & (FGS_SCHEMA_CONFIG | FGS_SCHEMA_CREATE)) {
        fgs_schema_handler(ctx, node, found);

        /* "mandatory when the initialization function is configured" */

        h = fgs_schema_at(found, FGS_F_INITIALIZER_HANDLER);

        if (fgs_schema_nonempty(ctx, h)
            && fgs_schema_at(found, FGS_F_INITIALIZER_TIMEOUT) == FGS_NONE)
        {
            fgs_schema_fail(ctx, node, "initializer_timeout", "is required "
                            "when initializer_handler is set");
        }

        /* "restore_hook_handler must be configured" */

        n = fgs_schema_at(found, FGS_F_RESTORE_HOOK_TIMEOUT);
        h = fgs_schema_at(found, FGS_F_RESTORE_HOOK_HANDLER);

        if (n != FGS_NONE && !fgs_schema_nonempty(ctx, h)) {
            fgs_schema_fail(ctx, n, NULL, "needs restore_hook_handler, "
                            "which is missing or empty");
        }
    }

    if (ctx->opbit & (FGS_SCHEMA_CODE | FGS_SCHEMA_CREATE)) {
        fgs_schema_code_source(ctx, node, found);
    }
}


/*
 * handler: "3 to 128 characters", "in the format of xx.xx and must
 * contain a period (.).  The handler of a custom image function is -."
 * The page's own examples add the exceptions: "bootstrap" for a Custom
 * runtime function; HTTP functions start from a bootstrap file the same
 * way.  So: "-" for a custom image function (runtime "Custom Image" or
 * custom_image.enabled true); otherwise 3 to 128 characters, with a '.'
 * unless the runtime is Custom, Custom Image or http.
 */

static void
fgs_schema_handler(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found)
{
    int        image, bootstrap;
    size_t     chars;
    uint32_t   h, r, ci, en;
    fgs_str_t  handler, runtime;

    h = fgs_schema_at(found, FGS_F_HANDLER);
    r = fgs_schema_at(found, FGS_F_RUNTIME);

    if (h == FGS_NONE || ctx->nodes[h].type != FGS_JSON_STRING
        || fgs_schema_str(ctx, h, &handler) != FGS_OK)
    {
        return;
    }

    image = 0;
    bootstrap = -1;     /* unknown: the runtime is missing or no string */

    if (r != FGS_NONE && ctx->nodes[r].type == FGS_JSON_STRING) {
        if (fgs_schema_str(ctx, r, &runtime) != FGS_OK) {
            return;
        }

        image = fgs_schema_is(&runtime, "Custom Image");
        bootstrap = image || fgs_schema_is(&runtime, "Custom")
                    || fgs_schema_is(&runtime, "http")
                    || fgs_schema_is(&runtime, "HTTP");
    }

    ci = fgs_schema_at(found, FGS_F_CUSTOM_IMAGE);

    if (ci != FGS_NONE) {
        en = fgs_json_child(ctx->doc, ci, "enabled", sizeof("enabled") - 1);

        if (en != FGS_NONE && ctx->nodes[en].type == FGS_JSON_TRUE) {
            image = 1;
        }
    }

    if (fgs_schema_is(&handler, "-")) {
        if (!image) {
            fgs_schema_fail(ctx, h, NULL, "\"-\" is the handler of custom "
                            "image functions only (runtime \"Custom Image\" "
                            "or custom_image.enabled true)");
        }

        return;
    }

    /* 12 to 128 bytes of valid UTF-8 are 3 to 128 characters */

    chars = (handler.len >= 12 && handler.len <= 128)
            ? handler.len : fgs_schema_chars(&handler);

    if (chars < 3 || chars > 128) {
        fgs_schema_fail(ctx, h, NULL, "has %zu characters; the API "
                        "reference allows 3 to 128 (or \"-\" for a custom "
                        "image function)", chars);
        return;
    }

    if (bootstrap == 0 && memchr(handler.data, '.', handler.len) == NULL) {
        fgs_schema_fail(ctx, h, NULL, "must contain a '.' (\"file.function\", "
                        "like index.handler); only the Custom and http "
                        "runtimes and custom images do without");
    }
}


/*
 * code_type and where the code comes from: code_filename "is mandatory
 * only when code_type is set to jar or zip"; "if code_type is set to
 * obs, enter the OBS URL of the function code package.  If code_type is
 * not set to obs, leave this parameter blank."
 */

static void
fgs_schema_code_source(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found)
{
    int        obs;
    uint32_t   t, fn, url;
    fgs_str_t  type;

    t = fgs_schema_at(found, FGS_F_CODE_TYPE);

    if (t == FGS_NONE || ctx->nodes[t].type != FGS_JSON_STRING
        || fgs_schema_str(ctx, t, &type) != FGS_OK)
    {
        return;
    }

    fn = fgs_schema_at(found, FGS_F_CODE_FILENAME);
    url = fgs_schema_at(found, FGS_F_CODE_URL);
    obs = fgs_schema_is(&type, "obs");

    if ((fgs_schema_is(&type, "zip") || fgs_schema_is(&type, "jar"))
        && !fgs_schema_nonempty(ctx, fn))
    {
        if (fn == FGS_NONE) {
            fgs_schema_fail(ctx, node, "code_filename", "is required when "
                            "code_type is zip or jar");

        } else if (ctx->nodes[fn].type == FGS_JSON_STRING) {
            fgs_schema_fail(ctx, fn, NULL, "is empty; it is required when "
                            "code_type is zip or jar");
        }
    }

    if (obs && !fgs_schema_nonempty(ctx, url)) {
        if (url == FGS_NONE) {
            fgs_schema_fail(ctx, node, "code_url", "is required when "
                            "code_type is obs");

        } else if (ctx->nodes[url].type == FGS_JSON_STRING) {
            fgs_schema_fail(ctx, url, NULL, "is empty; it is required when "
                            "code_type is obs");
        }
    }

    if (!obs && fgs_schema_nonempty(ctx, url)) {
        fgs_schema_fail(ctx, url, NULL, "must be blank unless code_type is "
                        "obs; the code would not come from it");
    }
}


/* "mount_share_path ... is mandatory if mount_type is set to ecs" */

static void
fgs_schema_func_mount_rules(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found)
{
    uint32_t   t, sp;
    fgs_str_t  type;

    t = fgs_schema_at(found, FGS_FM_MOUNT_TYPE);

    if (t == FGS_NONE || ctx->nodes[t].type != FGS_JSON_STRING
        || fgs_schema_str(ctx, t, &type) != FGS_OK
        || !fgs_schema_is(&type, "ecs"))
    {
        return;
    }

    sp = fgs_schema_at(found, FGS_FM_MOUNT_SHARE_PATH);

    if (fgs_schema_nonempty(ctx, sp)) {
        return;
    }

    if (sp == FGS_NONE) {
        fgs_schema_fail(ctx, node, "mount_share_path", "is required when "
                        "mount_type is ecs");

    } else if (ctx->nodes[sp].type == FGS_JSON_STRING) {
        fgs_schema_fail(ctx, sp, NULL, "is empty; it is required when "
                        "mount_type is ecs");
    }
}


/* the index of the field named exactly key, or -1 */

static int
fgs_schema_find(const fgs_schema_object_t *obj, const char *key, size_t len)
{
    const fgs_schema_entry_t  *e;
    const fgs_schema_index_t  *idx;

    idx = fgs_schema_index(obj);

    e = fgs_schema_lookup(obj, idx, key, len);

    return e ? e->field : fgs_schema_search(obj, idx, key, len);
}


/*
 * The same with the object's index at hand, inlined in the walk of the
 * members: the key's slot names the one field the key can be, when
 * every name has a slot of its own.  NULL when it is not that field:
 * then fgs_schema_search() decides.
 */

static FGS_SCHEMA_INLINE const fgs_schema_entry_t *
fgs_schema_lookup(const fgs_schema_object_t *obj,
    const fgs_schema_index_t *idx, const char *key, size_t len)
{
    uint32_t                   slot;
    uint64_t                   head, tail;
    const fgs_schema_entry_t  *e;

    /*
     * Most names have 8 to 16 bytes: two words that are the whole name,
     * one test of the length.  Others are FGS_SCHEMA_MIN_NAME to
     * FGS_SCHEMA_MAX_NAME bytes long, and a longer one has bytes
     * between the words.
     */

    if (fgs_schema_likely(len - 8 <= 8)) {
        memcpy(&head, key, 8);
        memcpy(&tail, key + len - 8, 8);

    } else if (len - FGS_SCHEMA_MIN_NAME
               <= FGS_SCHEMA_MAX_NAME - FGS_SCHEMA_MIN_NAME)
    {
        fgs_schema_words((const u_char *) key, len, &head, &tail);

    } else {
        return NULL;
    }

    /* an empty slot is entry 0, whose length no key has */

    slot = idx->slot[fgs_schema_hash(idx->mult, head, tail, len)];
    e = &idx->entry[slot];

    if (e->len != len || e->head != head || e->tail != tail) {
        return NULL;
    }

    if (len > 16
        && !fgs_schema_same((const u_char *) obj->fields[e->field].name + 8,
                            (const u_char *) key + 8, len - 16))
    {
        return NULL;
    }

    return e;
}


/*
 * A key that fgs_schema_lookup() did not find: it is no field, unless
 * some name was left without a slot of its own (no multiplier tried
 * gave every name one), and this key is that name.
 */

static int
fgs_schema_search(const fgs_schema_object_t *obj,
    const fgs_schema_index_t *idx, const char *key, size_t len)
{
    uint32_t                   i;
    const fgs_schema_field_t  *f;

    if (idx->perfect) {
        return -1;
    }

    for (i = 0; i < obj->n; i++) {
        f = &obj->fields[i];

        if (f->len == len && memcmp(f->name, key, len) == 0) {
            return (int) i;
        }
    }

    return -1;
}


/*
 * The first and the last bytes of a name, as two words that overlap
 * when the name is shorter than two of them: eight bytes each from 8
 * bytes on, four from 4, two from FGS_SCHEMA_MIN_NAME.  Nothing past
 * the len bytes is read.
 */

static FGS_SCHEMA_INLINE void
fgs_schema_words(const u_char *key, size_t len, uint64_t *head,
    uint64_t *tail)
{
    uint16_t  h2, t2;
    uint32_t  h4, t4;

    if (fgs_schema_likely(len >= 8)) {
        memcpy(head, key, 8);
        memcpy(tail, key + len - 8, 8);
        return;
    }

    if (len >= 4) {
        memcpy(&h4, key, 4);
        memcpy(&t4, key + len - 4, 4);
        *head = h4;
        *tail = t4;
        return;
    }

    memcpy(&h2, key, 2);
    memcpy(&t2, key + len - 2, 2);
    *head = h2;
    *tail = t2;
}


/*
 * The two words and the length, mixed by one multiplication with the
 * object's own multiplier; the top bits pick the slot.  The sum is
 * cheap and weak, but the multiplier is chosen for the names, and a key
 * that is no name but has a name's slot fails the comparison.
 */

static FGS_SCHEMA_INLINE uint32_t
fgs_schema_hash(uint64_t mult, uint64_t head, uint64_t tail, size_t len)
{
    uint64_t  x;

    x = head + 2 * tail + len;

    return (uint32_t) ((x * mult) >> (64 - FGS_SCHEMA_SLOT_BITS));
}


/*
 * The names are short, and a call to memcmp() would cost more than the
 * comparison: eight bytes at a time (the last eight overlapping the ones
 * before; most names take two words, without a loop), and below eight
 * the first and the last four, two or one.
 * Both sides have len bytes; nothing past them is read.
 */

static FGS_SCHEMA_INLINE int
fgs_schema_same(const u_char *a, const u_char *b, size_t len)
{
    size_t    i;
    uint16_t  x2, y2;
    uint32_t  x4, y4;
    uint64_t  x8, y8;

    if (len > 16) {
        for (i = 0; i + 8 < len; i += 8) {
            memcpy(&x8, a + i, 8);
            memcpy(&y8, b + i, 8);

            if (x8 != y8) {
                return 0;
            }
        }

        memcpy(&x8, a + len - 8, 8);
        memcpy(&y8, b + len - 8, 8);

        return x8 == y8;
    }

    if (len >= 8) {
        memcpy(&x8, a, 8);
        memcpy(&y8, b, 8);

        if (x8 != y8) {
            return 0;
        }

        memcpy(&x8, a + len - 8, 8);
        memcpy(&y8, b + len - 8, 8);

        return x8 == y8;
    }

    if (len >= 4) {
        memcpy(&x4, a, 4);
        memcpy(&y4, b, 4);

        if (x4 != y4) {
            return 0;
        }

        memcpy(&x4, a + len - 4, 4);
        memcpy(&y4, b + len - 4, 4);

        return x4 == y4;
    }

    if (len >= 2) {
        memcpy(&x2, a, 2);
        memcpy(&y2, b, 2);

        if (x2 != y2) {
            return 0;
        }

        memcpy(&x2, a + len - 2, 2);
        memcpy(&y2, b + len - 2, 2);

        return x2 == y2;
    }

    return len == 0 || a[0] == b[0];
}


static inline const fgs_schema_index_t *
fgs_schema_index(const fgs_schema_object_t *obj)
{
    return obj->index->ready ? obj->index : fgs_schema_index_build(obj);
}


/*
 * Built on an object's first use, once per process: the tables are
 * constant, so the index is the same whoever builds it, and it is
 * complete before "ready" says so.
 */

static const fgs_schema_index_t *
fgs_schema_index_build(const fgs_schema_object_t *obj)
{
    uint32_t                   i, op, bit, act, shared, fewest;
    uint64_t                   mult, best;
    fgs_schema_entry_t        *e;
    fgs_schema_index_t        *idx;
    const fgs_schema_field_t  *f;

    idx = obj->index;

    memset(idx->entry, 0, sizeof(idx->entry));

    for (bit = 0; bit <= FGS_SCHEMA_ALL; bit++) {
        idx->required[bit] = 0;
    }

    for (i = 0; i < obj->n && i < FGS_SCHEMA_MAX_FIELDS; i++) {
        f = &obj->fields[i];
        e = &idx->entry[i + 1];
        e->field = (uint8_t) i;
        e->bit = (uint64_t) 1 << i;

        /* a name of another length stays out of the hash (the self-test
           refuses it), and fgs_schema_search() finds it */

        if (f->len >= FGS_SCHEMA_MIN_NAME && f->len <= FGS_SCHEMA_MAX_NAME) {
            e->len = f->len;
            fgs_schema_words((const u_char *) f->name, f->len, &e->head,
                             &e->tail);
        }

        act = fgs_schema_act(f);

        for (op = 0; op <= FGS_OP_CREATE; op++) {
            bit = fgs_schema_opbit(op);
            e->act[op] = (f->ops & bit) ? act : FGS_SCHEMA_REFUSE;
        }

        for (bit = 0; bit <= FGS_SCHEMA_ALL; bit++) {
            if (f->required & bit) {
                idx->required[bit] |= (uint64_t) 1 << i;
            }
        }
    }

    /*
     * The first multiplier of a fixed sequence that gives every name a
     * slot of its own: one try for most objects, 17 for the 48 names of
     * the request body.  Should none of them, the one that leaves the
     * fewest names without a slot is kept, and fgs_schema_search()
     * finds those.
     */

    best = FGS_SCHEMA_HASH_MULT;
    fewest = (uint32_t) -1;
    mult = FGS_SCHEMA_HASH_MULT;

    for (i = 0; i < FGS_SCHEMA_HASH_TRIES && fewest != 0; i++) {
        shared = fgs_schema_index_fill(idx, obj, mult);

        if (shared < fewest) {
            fewest = shared;
            best = mult;
        }

        mult = mult * 6364136223846793005ULL + 1442695040888963407ULL;
        mult |= 1;
    }

    idx->perfect = (fgs_schema_index_fill(idx, obj, best) == 0);

    idx->ready = 1;

    return idx;
}


/* what the walk of the members does with a field that is accepted */

static uint32_t
fgs_schema_act(const fgs_schema_field_t *f)
{
    switch (f->type) {

    case FGS_SCHEMA_STRING:

        /*
         * A string is all most string fields need; the handler is
         * checked with the runtime, in the body's rules.
         */

        if (f->check == FGS_CHECK_NONE || f->check == FGS_CHECK_HANDLER) {
            return FGS_JSON_STRING;
        }

        return FGS_SCHEMA_TYPED | FGS_JSON_STRING;

    case FGS_SCHEMA_INTEGER:
        return FGS_SCHEMA_TYPED | FGS_JSON_INTEGER;

    case FGS_SCHEMA_OBJECT:
    case FGS_SCHEMA_MAP:
        return FGS_SCHEMA_TYPED | FGS_JSON_OBJECT;

    case FGS_SCHEMA_ARRAY:
        return FGS_SCHEMA_TYPED | FGS_JSON_ARRAY;

    default:    /* BOOLEAN and ID: values of two JSON types */
        return FGS_SCHEMA_VALUE;
    }
}


/*
 * Fills the hash with the multiplier, and returns how many names found
 * their slot taken, or have none (they are left out).
 */

static uint32_t
fgs_schema_index_fill(fgs_schema_index_t *idx, const fgs_schema_object_t *obj,
    uint64_t mult)
{
    uint32_t                   i, h, shared;
    const fgs_schema_entry_t  *e;

    memset(idx->slot, 0, sizeof(idx->slot));
    idx->mult = mult;
    shared = 0;

    for (i = 0; i < obj->n && i < FGS_SCHEMA_MAX_FIELDS; i++) {
        e = &idx->entry[i + 1];

        if (e->len == 0) {
            shared++;
            continue;
        }

        h = fgs_schema_hash(mult, e->head, e->tail, e->len);

        if (idx->slot[h] != 0) {
            shared++;
            continue;
        }

        idx->slot[h] = (uint8_t) (i + 1);
    }

    return shared;
}


/* a key that is no field here: a look-alike of one, or simply unknown */

static void
fgs_schema_unknown(fgs_schema_ctx_t *ctx, const fgs_schema_object_t *obj,
    uint32_t node)
{
    size_t                     klen, flen;
    uint32_t                   i;
    const fgs_json_node_t     *nd;
    const fgs_schema_field_t  *f;
    u_char                     key[FGS_SCHEMA_MAX_NAME + 1];
    u_char                     name[FGS_SCHEMA_MAX_NAME + 1];

    nd = &ctx->nodes[node];

    klen = fgs_schema_fold((const u_char *) nd->key, nd->key_len, key,
                           sizeof(key));

    for (i = 0; klen <= FGS_SCHEMA_MAX_NAME && i < obj->n; i++) {
        f = &obj->fields[i];

        if (!(f->ops & ctx->opbit)) {
            continue;
        }

        flen = fgs_schema_fold((const u_char *) f->name, f->len, name,
                               sizeof(name));

        if (flen == klen && memcmp(key, name, klen) == 0) {

            /*
             * Two readers may read this key two ways: the body is not
             * one unambiguous object (DESIGN section 4), FGSPOL.4000.
             */

            ctx->out->ambiguous = 1;

            fgs_schema_fail(ctx, node, NULL, "differs from the documented "
                            "field %s only in letter case, '_', '-' or "
                            "look-alike letters, which backends may read "
                            "as %s; write it exactly as %s",
                            f->name, f->name, f->name);
            return;
        }
    }

    /*
     * The gateway refuses every field the reference does not define: the
     * backend might act on it, and no policy rule was written for it.
     */

    fgs_schema_fail(ctx, node, NULL, "is not in the FunctionGraph API "
                    "reference for %s (no field of %s has this name); "
                    "remove it", ctx->api, obj->name);
}


/*
 * The key as a case-insensitive, separator-blind matcher would see it:
 * ASCII letters lowercased, '_' and '-' dropped, and non-ASCII
 * characters that fold or normalize (NFKC) to ASCII letters mapped to
 * them; any other non-ASCII character becomes 0xff, which matches no
 * field.  Returns the folded length, or size when it does not fit.
 */

static size_t
fgs_schema_fold(const u_char *p, size_t len, u_char *out, size_t size)
{
    int            n, i;
    u_char         c, buf[4];
    size_t         o;
    uint32_t       cp;
    const u_char  *end;

    end = p + len;
    o = 0;

    while (p < end) {
        c = *p;

        if (c < 0x80) {
            p++;

            if (c == '_' || c == '-') {
                continue;
            }

            if (c >= 'A' && c <= 'Z') {
                c |= 0x20;
            }

            if (o == size) {
                return size;
            }

            out[o++] = c;
            continue;
        }

        /* the scanner passed only valid UTF-8; stay safe regardless */

        if (c >= 0xf0 && end - p >= 4) {
            cp = ((c & 0x07) << 18) | ((p[1] & 0x3f) << 12)
                 | ((p[2] & 0x3f) << 6) | (p[3] & 0x3f);
            p += 4;

        } else if (c >= 0xe0 && end - p >= 3) {
            cp = ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
            p += 3;

        } else if (c >= 0xc0 && end - p >= 2) {
            cp = ((c & 0x1f) << 6) | (p[1] & 0x3f);
            p += 2;

        } else {
            cp = 0xfffd;
            p++;
        }

        n = fgs_schema_fold_cp(cp, buf);

        if (n < 0) {
            buf[0] = 0xff;
            n = 1;
        }

        for (i = 0; i < n; i++) {
            if (o == size) {
                return size;
            }

            out[o++] = buf[i];
        }
    }

    return o;
}


/*
 * What a non-ASCII character folds to in ASCII: the bytes written to out
 * (0 for a dash or low line, dropped like '_' and '-'), or -1.
 */

static int
fgs_schema_fold_cp(uint32_t cp, u_char *out)
{
    static const char  *ligatures[] = {
        "ff", "fi", "fl", "ffi", "ffl", "st", "st"
    };

    size_t  n;

    switch (cp) {

    case 0x00df:        /* sharp s: upper case "SS" */
    case 0x1e9e:
        out[0] = 's';
        out[1] = 's';
        return 2;

    case 0x0130:        /* I with dot above: lower case 'i' */
    case 0x0131:        /* dotless i: upper case 'I' */
        out[0] = 'i';
        return 1;

    case 0x017f:        /* long s: upper case 'S' */
        out[0] = 's';
        return 1;

    case 0x212a:        /* Kelvin sign: lower case 'k' */
        out[0] = 'k';
        return 1;

    case 0x2010:        /* hyphens and low lines, NFKC '-' and '_' */
    case 0x2011:
    case 0xfe33:
    case 0xfe34:
    case 0xfe4d:
    case 0xfe4e:
    case 0xfe4f:
    case 0xfe63:
    case 0xff0d:
    case 0xff3f:
        return 0;
    }

    if (cp >= 0xff21 && cp <= 0xff3a) {         /* fullwidth A-Z */
        out[0] = (u_char) ('a' + cp - 0xff21);
        return 1;
    }

    if (cp >= 0xff41 && cp <= 0xff5a) {         /* fullwidth a-z */
        out[0] = (u_char) ('a' + cp - 0xff41);
        return 1;
    }

    if (cp >= 0xff10 && cp <= 0xff19) {         /* fullwidth digits */
        out[0] = (u_char) ('0' + cp - 0xff10);
        return 1;
    }

    if (cp >= 0x24b6 && cp <= 0x24e9) {         /* circled letters */
        out[0] = (u_char) ('a' + (cp - 0x24b6) % 26);
        return 1;
    }

    if (cp >= 0x1d400 && cp <= 0x1d6a3) {       /* mathematical letters */
        out[0] = (u_char) ('a' + (cp - 0x1d400) % 52 % 26);
        return 1;
    }

    if (cp >= 0x1d7ce && cp <= 0x1d7ff) {       /* mathematical digits */
        out[0] = (u_char) ('0' + (cp - 0x1d7ce) % 10);
        return 1;
    }

    if (cp >= 0xfb00 && cp <= 0xfb06) {         /* ligatures: "ﬁle" */
        n = strlen(ligatures[cp - 0xfb00]);
        memcpy(out, ligatures[cp - 0xfb00], n);
        return (int) n;
    }

    return -1;
}


const char *
fgs_schema_selftest(void)
{
    static const struct {
        uint32_t     index;
        const char  *name;
    } used[] = {
        { FGS_F_CODE_FILENAME, "code_filename" },
        { FGS_F_CODE_TYPE, "code_type" },
        { FGS_F_CODE_URL, "code_url" },
        { FGS_F_CUSTOM_IMAGE, "custom_image" },
        { FGS_F_HANDLER, "handler" },
        { FGS_F_INITIALIZER_HANDLER, "initializer_handler" },
        { FGS_F_INITIALIZER_TIMEOUT, "initializer_timeout" },
        { FGS_F_RESTORE_HOOK_HANDLER, "restore_hook_handler" },
        { FGS_F_RESTORE_HOOK_TIMEOUT, "restore_hook_timeout" },
        { FGS_F_RUNTIME, "runtime" }
    };

    int                         k;
    size_t                      i;
    const char                 *err;
    const fgs_schema_object_t  *mount;

    if (fgs_schema_function.n != FGS_F_NFIELDS) {
        return "the request body table and fgs_schema_function_e differ";
    }

    err = fgs_schema_selftest_object(&fgs_schema_function, 0);
    if (err) {
        return err;
    }

    for (i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
        if (strcmp(fgs_schema_function.fields[used[i].index].name,
                   used[i].name) != 0)
        {
            return "a field used by a rule is not at its enum index";
        }
    }

    /* MountConfig.func_mounts items: the FuncMount table */

    k = fgs_schema_find(&fgs_schema_function, "mount_config", 12);
    if (k < 0) {
        return "the request body has no mount_config";
    }

    mount = fgs_schema_function.fields[k].object;

    k = fgs_schema_find(mount, "func_mounts", 11);
    if (k < 0) {
        return "MountConfig has no func_mounts";
    }

    mount = mount->fields[k].object;

    if (mount->id != FGS_OBJ_FUNC_MOUNT || mount->n != FGS_FM_NFIELDS
        || strcmp(mount->fields[FGS_FM_MOUNT_TYPE].name, "mount_type") != 0
        || strcmp(mount->fields[FGS_FM_MOUNT_SHARE_PATH].name,
                  "mount_share_path") != 0)
    {
        return "the FuncMount table and fgs_schema_func_mount_e differ";
    }

    return NULL;
}


static const char *
fgs_schema_selftest_object(const fgs_schema_object_t *obj, int depth)
{
    size_t                     la, lb;
    uint32_t                   i, j;
    const char                *err;
    const fgs_schema_field_t  *f;
    u_char                     a[FGS_SCHEMA_MAX_NAME + 1];
    u_char                     b[FGS_SCHEMA_MAX_NAME + 1];

    if (depth > 8 || obj->n == 0 || obj->n > FGS_SCHEMA_MAX_FIELDS
        || obj->n > FGS_SCHEMA_SLOTS / 2)
    {
        return "an object table is empty, too large or nested too deep";
    }

    /* a key is compared with one name only: the one of its slot */

    if (!fgs_schema_index(obj)->perfect) {
        return "two names of an object share a slot of its hash";
    }

    for (i = 0; i < obj->n; i++) {
        f = &obj->fields[i];

        if (f->name == NULL || f->len != strlen(f->name)
            || f->len < FGS_SCHEMA_MIN_NAME
            || f->len > FGS_SCHEMA_MAX_NAME || f->ops == 0
            || (f->required & ~f->ops))
        {
            return "a field has no name, a wrong length, or no operation";
        }

        if (i > 0
            && (obj->fields[i - 1].len > f->len
                || (obj->fields[i - 1].len == f->len
                    && strcmp(obj->fields[i - 1].name, f->name) >= 0)))
        {
            return "a table is not sorted by length and name";
        }

        if (fgs_schema_find(obj, f->name, f->len) != (int) i) {
            return "a field is not found by its own name";
        }

        if ((f->check == FGS_CHECK_ENUM || f->check == FGS_CHECK_CODE_TYPE)
            && f->values == NULL)
        {
            return "an enumeration has no values";
        }

        if ((f->type == FGS_SCHEMA_OBJECT
             || (f->type == FGS_SCHEMA_ARRAY
                 && f->item == FGS_SCHEMA_OBJECT))
            != (f->object != NULL))
        {
            return "an object field and its table disagree";
        }

        if (f->object) {
            err = fgs_schema_selftest_object(f->object, depth + 1);
            if (err) {
                return err;
            }
        }

        la = fgs_schema_fold((const u_char *) f->name, f->len, a, sizeof(a));

        for (j = 0; j < i; j++) {
            lb = fgs_schema_fold((const u_char *) obj->fields[j].name,
                                 obj->fields[j].len, b, sizeof(b));

            if (la == lb && memcmp(a, b, la) == 0) {
                return "two fields of an object are look-alikes";
            }
        }
    }

    return NULL;
}


/* the unescaped value of a string node; FGS_ERROR when out of memory */

static inline int
fgs_schema_str(fgs_schema_ctx_t *ctx, uint32_t node, fgs_str_t *s)
{
    const fgs_json_node_t  *nd;

    /*
     * Without escapes the value is the raw bytes between the quotes
     * (fgs_json.h), taken without the call.
     */

    nd = &ctx->nodes[node];

    if (!(nd->flags & FGS_JSON_ESCAPED)) {
        s->data = ctx->doc->body + nd->off + 1;
        s->len = nd->len - 2;
        return FGS_OK;
    }

    if (fgs_json_string(ctx->doc, node, ctx->a, s) != FGS_OK) {
        ctx->rc = FGS_ERROR;
        return FGS_ERROR;
    }

    return FGS_OK;
}


static int
fgs_schema_is_value(const fgs_str_t *s, const char *value)
{
    size_t  n;

    n = strlen(value);

    return s->len == n && memcmp(s->data, value, n) == 0;
}


/* the node is a string that is not empty */

static int
fgs_schema_nonempty(fgs_schema_ctx_t *ctx, uint32_t node)
{
    return node != FGS_NONE && ctx->nodes[node].type == FGS_JSON_STRING
           && ctx->nodes[node].len > 2;
}


/* characters (code points) of valid UTF-8 */

static size_t
fgs_schema_chars(const fgs_str_t *s)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < s->len; i++) {
        n += (s->data[i] & 0xc0) != 0x80;
    }

    return n;
}


static const char *
fgs_schema_kind(int type)
{
    switch (type) {

    case FGS_JSON_OBJECT:
        return "an object";

    case FGS_JSON_ARRAY:
        return "an array";

    case FGS_JSON_STRING:
        return "a string";

    case FGS_JSON_INTEGER:
    case FGS_JSON_REAL:
        return "a number";

    case FGS_JSON_TRUE:
    case FGS_JSON_FALSE:
        return "a boolean";

    default:
        return "null";
    }
}


/*
 * Adds "<path> <message>" with the field path of node (and member, a
 * missing field of node).  Out of memory is remembered and reported by
 * fgs_schema_check().
 */

static void
fgs_schema_fail(fgs_schema_ctx_t *ctx, uint32_t node, const char *member,
    const char *fmt, ...)
{
    char     *path, *msg;
    va_list   args;

    if (ctx->rc != FGS_OK) {
        return;
    }

    if (ctx->added >= FGS_SCHEMA_MAX_VIOLATIONS) {
        ctx->dropped++;
        return;
    }

    path = fgs_schema_path(ctx, node, member);
    if (path == NULL) {
        ctx->rc = FGS_ERROR;
        return;
    }

    va_start(args, fmt);
    msg = fgs_vsprintf(ctx->a, fmt, args);
    va_end(args);

    if (msg == NULL
        || fgs_violation_add(ctx->out, ctx->a, NULL, path, "%s %s",
                             path[0] ? path : "the body", msg)
           != FGS_OK)
    {
        ctx->rc = FGS_ERROR;
        return;
    }

    ctx->added++;
}


/*
 * "func_vpc.subnet_id", "mount_config.func_mounts[1].mount_type": built
 * from the tape's parent links only when a violation needs it.
 */

static char *
fgs_schema_path(fgs_schema_ctx_t *ctx, uint32_t node, const char *member)
{
    int                     depth, i;
    u_char                 *p, *end;
    uint32_t                chain[FGS_JSON_MAX_DEPTH + 1];
    u_char                  buf[FGS_SCHEMA_PATH_MAX];
    const fgs_json_node_t  *nd;

    depth = 0;

    while (node != 0 && node != FGS_NONE && depth <= FGS_JSON_MAX_DEPTH) {
        chain[depth++] = node;
        node = ctx->nodes[node].parent;
    }

    p = buf;
    end = buf + sizeof(buf) - 4;    /* room for "..." and the NUL */

    for (i = depth - 1; i >= 0 && p < end; i--) {
        nd = &ctx->nodes[chain[i]];

        if (nd->key == NULL) {
            p += snprintf((char *) p, end - p, "[%u]", nd->index);
            p = p < end ? p : end;
            continue;
        }

        if (p != buf) {
            *p++ = '.';
        }

        p = fgs_schema_put_key(p, end, nd->key, nd->key_len);
    }

    if (member && p < end) {
        if (p != buf) {
            *p++ = '.';
        }

        p = fgs_schema_put_key(p, end, member, strlen(member));
    }

    if (p >= end) {
        p = end;
        memcpy(p, "...", 3);
        p += 3;
    }

    return fgs_strdup(ctx->a, (const char *) buf, p - buf);
}


/*
 * A key as a path component: clipped to FGS_SCHEMA_KEY_CLIP bytes at a
 * character boundary, control characters shown as '?', so that a hostile
 * key can neither bloat nor break the error body or the audit log.
 */

static u_char *
fgs_schema_put_key(u_char *p, u_char *end, const char *key, size_t len)
{
    size_t  i, n;
    u_char  c;

    n = len;

    if (n > FGS_SCHEMA_KEY_CLIP) {
        n = FGS_SCHEMA_KEY_CLIP;

        while (n > 0 && ((u_char) key[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    for (i = 0; i < n && p < end; i++) {
        c = (u_char) key[i];
        *p++ = (c < 0x20 || c == 0x7f) ? '?' : c;
    }

    if (n < len) {
        for (i = 0; i < 3 && p < end; i++) {
            *p++ = '.';
        }
    }

    return p;
}

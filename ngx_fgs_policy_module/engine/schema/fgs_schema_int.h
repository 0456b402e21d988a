
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What the parts of the API reference check share (fgs_schema.c walks
 * the body and dispatches each member; fgs_schema_values.c,
 * fgs_schema_rules.c and fgs_schema_report.c check values, check the
 * rules across fields and word the violations).  Private to them: the
 * rest of the engine sees fgs_schema.h only.
 *
 * The few functions that run once per member or per checked value are
 * static inline here, so that the walk pays no call for them in
 * whichever file they are used.
 */


#ifndef _FGS_SCHEMA_INT_H_INCLUDED_
#define _FGS_SCHEMA_INT_H_INCLUDED_


#include "fgs_schema.h"
#include "fgs_schema_fields.h"


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


typedef struct {
    const fgs_json_doc_t   *doc;
    const fgs_json_node_t  *nodes;
    fgs_violations_t       *out;
    fgs_alloc_t            *a;
    const char             *api;        /* the operation, as documented */
    fgs_op_e                op;
    uint32_t                opbit;      /* FGS_SCHEMA_CODE, ... */
    uint32_t                added;      /* found, listed or not */
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


/* the checks of typed values (fgs_schema_values.c) */

void fgs_schema_integer(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node);
void fgs_schema_id(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node);
void fgs_schema_func_name(fgs_schema_ctx_t *ctx, uint32_t node,
    fgs_str_t *s);
void fgs_schema_cidrs(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, fgs_str_t *s);
void fgs_schema_filename(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, fgs_str_t *s);
void fgs_schema_enum(fgs_schema_ctx_t *ctx, uint32_t node, fgs_str_t *s,
    const char *const *values, const char *const *more);
void fgs_schema_base64(fgs_schema_ctx_t *ctx, uint32_t node);
void fgs_schema_max_bytes(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node);


/* the rules that tie the fields of an object together (fgs_schema_rules.c) */

void fgs_schema_function_rules(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found);
void fgs_schema_func_mount_rules(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found);


/* the violations and their wording (fgs_schema_report.c) */

void fgs_schema_fail(fgs_schema_ctx_t *ctx, uint32_t node,
    const char *member, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__ ((format (printf, 4, 5)))
#endif
    ;
void fgs_schema_type_error(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node, int type);
void fgs_schema_unknown(fgs_schema_ctx_t *ctx, const fgs_schema_object_t *obj,
    uint32_t node);
size_t fgs_schema_fold(const u_char *p, size_t len, u_char *out,
    size_t size);
const char *fgs_schema_kind(int type);


/* the bit of an operation in the tables' ops and required, or 0 */

static inline uint32_t
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


/*
 * The value of an INTEGER node of at most FGS_SCHEMA_SHORT_INT bytes,
 * which the scanner checked to be an optional '-' and digits without a
 * leading zero: it fits in 32 bits, so it is read here, without the
 * call to fgs_json_int() and its checks of the node.
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


static inline void
fgs_schema_range(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, int64_t v)
{
    if (v < f->min || v > f->max) {
        fgs_schema_fail(ctx, node, NULL, "%lld is out of range %lld..%lld",
                        (long long) v, (long long) f->min,
                        (long long) f->max);
    }
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


/* characters (code points) of valid UTF-8 */

static inline size_t
fgs_schema_chars(const fgs_str_t *s)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < s->len; i++) {
        n += (s->data[i] & 0xc0) != 0x80;
    }

    return n;
}


/* whether s is exactly the NUL-terminated value */

static inline int
fgs_schema_is(const fgs_str_t *s, const char *value)
{
    size_t  n;

    n = strlen(value);

    return s->len == n && memcmp(s->data, value, n) == 0;
}


#endif /* _FGS_SCHEMA_INT_H_INCLUDED_ */

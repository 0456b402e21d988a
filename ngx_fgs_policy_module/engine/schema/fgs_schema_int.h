
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What the files of the schema share (fgs_schema.c walks the body and
 * dispatches each member; fgs_schema_values.c, fgs_schema_rules.c and
 * fgs_schema_report.c validate values, apply the rules across fields
 * and word the violations; fgs_schema_index.c indexes each object's
 * fields by name).  Private to them: the rest of the engine sees
 * fgs_schema.h only.
 *
 * The few functions that run once per member or per validated value are
 * static inline here, so that the walk pays no call for them in
 * whichever file they are used.
 */


#ifndef _FGS_SCHEMA_INT_H_INCLUDED_
#define _FGS_SCHEMA_INT_H_INCLUDED_


#include <string.h>

#include "fgs_schema.h"


/* no object of the reference has more fields (bits of a 64-bit mask) */
#define FGS_SCHEMA_MAX_FIELDS  64

/*
 * The slots of an object's hash of names: ten times its fields, so that
 * a multiplier that gives every name a slot of its own is found within
 * a few tries (17 for the 48 names of the request body).
 */
#define FGS_SCHEMA_SLOT_BITS   9
#define FGS_SCHEMA_SLOTS       (1 << FGS_SCHEMA_SLOT_BITS)


/* objects that have rules across their fields (fgs_schema_rules.c) */
typedef enum {
    FGS_OBJ_PLAIN = 0,
    FGS_OBJ_FUNCTION,           /* the request body */
    FGS_OBJ_FUNC_MOUNT
} fgs_schema_obj_e;


/*
 * What the walk of the members does with a field, by operation: refuse
 * it; accept a value of the one JSON type (fgs_json_type_e) that needs
 * nothing more; validate a value of the JSON type in FGS_SCHEMA_TYPED |
 * type by the field's type, and any other as any value; or validate
 * every value (FGS_SCHEMA_VALUE).
 */
#define FGS_SCHEMA_REFUSE      0
#define FGS_SCHEMA_TYPED       0x80
#define FGS_SCHEMA_VALUE       0xff


/* a field as the walk of the members reads it */
typedef struct {
    uint64_t                    head;       /* the name's first and last */
    uint64_t                    tail;       /* bytes (see fgs_schema_words()) */
    uint64_t                    bit;        /* 1 << field */
    uint8_t                     len;        /* 0 in entry 0: no key */
    uint8_t                     field;      /* its index in the table */
    uint8_t                     act[FGS_SCHEMA_VARIANTS];
                                            /* by variant */
} fgs_schema_entry_t;


/*
 * What the walker derives from an object's fields on the object's first
 * use, and only reads afterwards: a hash of the names in which each name
 * has a slot of its own (a key is then compared with one name only), and
 * the fields each operation requires, as a bit mask of their indexes.
 */

struct fgs_schema_index_s {
    uint8_t                     ready;
    uint8_t                     perfect;    /* no two names share a slot */
    uint64_t                    mult;       /* the hash's multiplier */
    uint64_t                    required[FGS_SCHEMA_ALL + 1];
                                            /* by operation bit */
    uint8_t                     slot[FGS_SCHEMA_SLOTS];
                                            /* a field's index + 1, or 0 */
    fgs_schema_entry_t          entry[FGS_SCHEMA_MAX_FIELDS + 1];
                                            /* field i is entry i + 1 */
};


/*
 * The index of each field of the request body in fgs_schema_function,
 * in the tables' order: by length, then by name.
 */
typedef enum {
    FGS_F_TYPE = 0,
    FGS_F_XROLE,
    FGS_F_STATUS,
    FGS_F_HANDLER,
    FGS_F_PACKAGE,
    FGS_F_RUNTIME,
    FGS_F_TIMEOUT,
    FGS_F_CODE_URL,
    FGS_F_FUNC_VPC,
    FGS_F_GPU_TYPE,
    FGS_F_APP_XROLE,
    FGS_F_CODE_TYPE,
    FGS_F_FUNC_CODE,
    FGS_F_FUNC_NAME,
    FGS_F_USER_DATA,
    FGS_F_DNS_CONFIG,
    FGS_F_GPU_MEMORY,
    FGS_F_LOG_CONFIG,
    FGS_F_DEPEND_LIST,
    FGS_F_DESCRIPTION,
    FGS_F_MEMORY_SIZE,
    FGS_F_CUSTOM_IMAGE,
    FGS_F_DOMAIN_NAMES,
    FGS_F_MOUNT_CONFIG,
    FGS_F_PEERING_CIDR,
    FGS_F_CODE_FILENAME,
    FGS_F_EXTEND_CONFIG,
    FGS_F_ENABLE_LTS_LOG,
    FGS_F_LTS_CUSTOM_TAG,
    FGS_F_STRATEGY_CONFIG,
    FGS_F_PRE_STOP_HANDLER,
    FGS_F_PRE_STOP_TIMEOUT,
    FGS_F_EPHEMERAL_STORAGE,
    FGS_F_HEARTBEAT_HANDLER,
    FGS_F_NETWORK_CONTROLLER,
    FGS_F_DEPEND_VERSION_LIST,
    FGS_F_ENCRYPTED_USER_DATA,
    FGS_F_INITIALIZER_HANDLER,
    FGS_F_INITIALIZER_TIMEOUT,
    FGS_F_IS_STATEFUL_FUNCTION,
    FGS_F_RESTORE_HOOK_HANDLER,
    FGS_F_RESTORE_HOOK_TIMEOUT,
    FGS_F_ENABLE_AUTH_IN_HEADER,
    FGS_F_ENABLE_DYNAMIC_MEMORY,
    FGS_F_ENTERPRISE_PROJECT_ID,
    FGS_F_ENABLE_CLASS_ISOLATION,
    FGS_F_CODE_ENCRYPT_KMS_KEY_ID,
    FGS_F_USER_DATA_ENCRYPT_KMS_KEY_ID,
    FGS_F_NFIELDS
} fgs_schema_function_e;


/* the index of each field of FuncMount in its table */
typedef enum {
    FGS_FM_MOUNT_TYPE = 0,
    FGS_FM_MOUNT_RESOURCE,
    FGS_FM_LOCAL_MOUNT_PATH,
    FGS_FM_MOUNT_SHARE_PATH,
    FGS_FM_NFIELDS
} fgs_schema_func_mount_e;


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
    fgs_api_e               api;        /* the endpoint */
    fgs_op_e                op;
    uint32_t                variant;    /* of the model's fields */
    uint32_t                opbit;      /* 1 << variant */
    char                    api_text[160];  /* "PUT /v2/...", made for
                                               a violation that names it */
    uint32_t                added;      /* found, listed or not */
    uint32_t                unknown;    /* of them, undefined fields */
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


/* the validation of typed values (fgs_schema_values.c) */

void fgs_schema_integer(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node);
void fgs_schema_id(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node);
void fgs_schema_func_name(fgs_schema_ctx_t *ctx,
    const fgs_schema_field_t *f, uint32_t node, fgs_str_t *s);
void fgs_schema_cidrs(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, fgs_str_t *s);
void fgs_schema_filename(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, fgs_str_t *s);
void fgs_schema_enum(fgs_schema_ctx_t *ctx, uint32_t node, fgs_str_t *s,
    const char *const *values, const char *const *more);
void fgs_schema_base64(fgs_schema_ctx_t *ctx, uint32_t node);
void fgs_schema_max_bytes(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node);
void fgs_schema_length(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, fgs_str_t *s);


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


/* the endpoint as the reference writes it, for a violation */
const char *fgs_schema_api(fgs_schema_ctx_t *ctx);


/*
 * The value of an INTEGER node of at most FGS_SCHEMA_SHORT_INT bytes,
 * which the scanner made sure is an optional '-' and digits without a
 * leading zero: it fits in 32 bits, so it is read here, without the
 * call to fgs_json_int() and its tests of the node.
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

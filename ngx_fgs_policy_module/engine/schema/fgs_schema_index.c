
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The index of each object's fields by name, built on the object's
 * first use: a hash in which every name has a slot of its own, what the
 * walk does with each field per operation, and the fields each
 * operation requires.  Apart from the walk because it is built once per
 * process and only read afterwards; its lookup, which runs per member,
 * is inline in fgs_schema_int.h.
 */


#include <string.h>

#include "fgs_schema_index.h"


/* the multipliers the hash of an object's names tries, from the first */
#define FGS_SCHEMA_HASH_MULT       0x9e3779b97f4a7c15ULL
#define FGS_SCHEMA_HASH_TRIES      1024


static uint32_t fgs_schema_index_fill(fgs_schema_index_t *idx,
    const fgs_schema_object_t *obj, uint64_t mult);
static uint32_t fgs_schema_act(const fgs_schema_field_t *f);


/* the index of the field named exactly key, or -1 */

int
fgs_schema_find(const fgs_schema_object_t *obj, const char *key, size_t len)
{
    const fgs_schema_entry_t  *e;
    const fgs_schema_index_t  *idx;

    idx = fgs_schema_index(obj);

    e = fgs_schema_lookup(obj, idx, key, len);

    return e ? e->field : fgs_schema_search(obj, idx, key, len);
}


/*
 * A key that fgs_schema_lookup() did not find: it is no field, unless
 * some name was left without a slot of its own (no multiplier tried
 * gave every name one), and this key is that name.
 */

int
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
 * Built on an object's first use, once per process: the tables are
 * constant, so the index is the same whoever builds it, and it is
 * complete before "ready" says so.
 */

const fgs_schema_index_t *
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
         * validated with the runtime, in the body's rules.
         */

        if (f->constraint == FGS_CONSTRAINT_NONE
            || f->constraint == FGS_CONSTRAINT_HANDLER)
        {
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


const fgs_schema_object_t *
fgs_schema_body(fgs_op_e op)
{
    switch (op) {

    case FGS_OP_CODE:
    case FGS_OP_CONFIG:
    case FGS_OP_CREATE:
        return &fgs_schema_function;

    default:
        return NULL;
    }
}

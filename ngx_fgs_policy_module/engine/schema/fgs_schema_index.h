
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The index of an object's fields by name (fgs_schema_index.c): built
 * once per object, and looked up inline in the walk.
 */


#ifndef _FGS_SCHEMA_INDEX_H_INCLUDED_
#define _FGS_SCHEMA_INDEX_H_INCLUDED_


#include "fgs_schema_int.h"


int fgs_schema_search(const fgs_schema_object_t *obj,
    const fgs_schema_index_t *idx, const char *key, size_t len);
const fgs_schema_index_t *fgs_schema_index_build(
    const fgs_schema_object_t *obj);


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
 * The middle bytes of a name longer than 16, which the key's two words
 * leave out: at most FGS_SCHEMA_MAX_NAME - 16 of them, so the same two
 * overlapping words as fgs_schema_words() takes cover them all (a call
 * to memcmp() would cost more).  Both sides have len bytes.
 */

_Static_assert(FGS_SCHEMA_MAX_NAME - 16 <= 16,
               "fgs_schema_same() compares at most 16 middle bytes");

static FGS_SCHEMA_INLINE int
fgs_schema_same(const u_char *a, const u_char *b, size_t len)
{
    uint64_t  ah, at, bh, bt;

    if (len < FGS_SCHEMA_MIN_NAME) {
        return len == 0 || a[0] == b[0];
    }

    fgs_schema_words(a, len, &ah, &at);
    fgs_schema_words(b, len, &bh, &bt);

    return ah == bh && at == bt;
}


/*
 * fgs_schema_find() with the object's index at hand, inlined in the walk
 * of the members: the key's slot names the one field the key can be, when
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


static inline const fgs_schema_index_t *
fgs_schema_index(const fgs_schema_object_t *obj)
{
    return obj->index->ready ? obj->index : fgs_schema_index_build(obj);
}


#endif /* _FGS_SCHEMA_INDEX_H_INCLUDED_ */

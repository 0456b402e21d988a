
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The duplicate key check of the JSON scanner (fgs_json_keys.c): the
 * members of one open object, and the check of each new key against
 * them.  Only the scanner uses it.
 */


#ifndef _FGS_JSON_KEYS_H_INCLUDED_
#define _FGS_JSON_KEYS_H_INCLUDED_


#include "fgs_json.h"


/* objects with more members than this check duplicates with a hash set */
#define FGS_JSON_KEYS_LINEAR  32


/*
 * The members of one open object.  While the object is small, slots
 * stays NULL and each member's fingerprint (its length, first and last
 * bytes) is kept in fp; bloom has one bit set per fingerprint, so that
 * most new keys are known to be new after one test, and the
 * fingerprints are compared only when the bit is set.
 */

typedef struct {
    uint64_t            bloom;
    uint32_t           *slots;      /* pairs: node index + 1 (0: free),
                                       hash of the key */
    uint32_t            mask;       /* number of pairs - 1 */
    uint32_t            used;
    uint64_t            seed[2];
    uint32_t            fp[FGS_JSON_KEYS_LINEAR];   /* fp[0..members) */
} fgs_json_keyset_t;


static inline void fgs_json_keys_init(fgs_json_keyset_t *set);
static inline uint32_t fgs_json_keys_fp(const u_char *k, uint32_t key_len);
static inline int fgs_json_keys_add(fgs_json_keyset_t *set,
    const fgs_json_node_t *nodes, uint32_t obj, uint32_t members,
    uint32_t idx, const char *key, uint32_t key_len, uint32_t *dup,
    fgs_alloc_t *a);

/* what fgs_json_keys_add() does not decide inline */
int fgs_json_keys_add_slow(fgs_json_keyset_t *set,
    const fgs_json_node_t *nodes, uint32_t obj, uint32_t members,
    uint32_t idx, const char *key, uint32_t key_len, uint32_t *dup,
    fgs_alloc_t *a);


/* the bloom bit of a fingerprint: its top six bits after a multiply */

#define fgs_json_keys_bit(fp)                                                \
    ((uint64_t) 1 << (((fp) * 0x9e3779b1u) >> 26))


static inline void
fgs_json_keys_init(fgs_json_keyset_t *set)
{
    set->bloom = 0;
    set->slots = NULL;
}


/* the fingerprint of a key: its length, first and last bytes */

static inline uint32_t
fgs_json_keys_fp(const u_char *k, uint32_t key_len)
{
    uint32_t  fp;

    fp = key_len;

    if (key_len) {
        fp ^= (uint32_t) k[0] << 16 ^ (uint32_t) k[key_len - 1] << 24;
    }

    return fp;
}


/*
 * Checks the key of the member that will become node "idx" against the
 * "members" earlier members of object "obj" and records it.  Returns
 * FGS_OK, FGS_DECLINED with *dup set to the earlier member's node, or
 * FGS_ERROR.  A small object whose bloom bit for the key is clear, as
 * for most keys, is done here without a call: the members of a
 * /config body are mostly keys of small objects.
 */

static inline int
fgs_json_keys_add(fgs_json_keyset_t *set, const fgs_json_node_t *nodes,
    uint32_t obj, uint32_t members, uint32_t idx, const char *key,
    uint32_t key_len, uint32_t *dup, fgs_alloc_t *a)
{
    uint32_t  fp;
    uint64_t  bit;

    if (members < FGS_JSON_KEYS_LINEAR) {
        fp = fgs_json_keys_fp((const u_char *) key, key_len);
        bit = fgs_json_keys_bit(fp);

        if ((set->bloom & bit) == 0) {
            set->bloom |= bit;
            set->fp[members] = fp;
            return FGS_OK;
        }
    }

    return fgs_json_keys_add_slow(set, nodes, obj, members, idx, key,
                                  key_len, dup, a);
}


#endif /* _FGS_JSON_KEYS_H_INCLUDED_ */


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The duplicate key check of the JSON scanner.
 *
 * Two readers of {"runtime": "a", "runtime": "b"} may take different
 * values, so the scanner refuses every object with a key twice.  Small
 * objects keep a fingerprint of each key (its length, first and last
 * bytes) and a 64-bit bloom word of them: most new keys find their bit
 * clear and cost a few instructions (fgs_json_keys_add(), inline in
 * fgs_json_keys.h);
 * otherwise the fingerprints of the earlier members are compared, and
 * the keys only when these match, so that a body made of colliding
 * fingerprints costs at most FGS_JSON_KEYS_LINEAR key compares per key.
 * Larger objects use a hash set keyed with a secret taken once per
 * process (SipHash-1-3), so that a body with tens of thousands of keys
 * costs linear time, and keys crafted to collide cannot make it
 * quadratic.
 */


#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/random.h>
#endif

#include "fgs_json_keys.h"


#define FGS_JSON_KEYS_MIN_SLOTS  64


static int fgs_json_keys_small(fgs_json_keyset_t *set,
    const fgs_json_node_t *nodes, uint32_t obj, uint32_t members,
    const char *key, uint32_t key_len, uint32_t *dup);
static int fgs_json_keys_same(const fgs_json_node_t *nodes, uint32_t *mi,
    uint32_t *j, uint32_t i, const char *key, uint32_t key_len);
static int fgs_json_keys_grow(fgs_json_keyset_t *set,
    const fgs_json_node_t *nodes, uint32_t obj, uint32_t members,
    fgs_alloc_t *a);
static void fgs_json_keys_put(fgs_json_keyset_t *set, uint32_t idx,
    uint32_t hash);
static inline uint64_t fgs_json_keys_word(const u_char *p);
static uint32_t fgs_json_keys_hash(const fgs_json_keyset_t *set,
    const u_char *p, size_t len);
static void fgs_json_keys_seed(uint64_t *seed);


/*
 * The hash secret: taken once per process and never changed, so it is
 * no per-request state.  Each set copies it when it is created.
 */
static uint64_t  fgs_json_keys_secret[2];
static int       fgs_json_keys_seeded;


/* the key's bit was set, or the object is large */

int
fgs_json_keys_add_slow(fgs_json_keyset_t *set, const fgs_json_node_t *nodes,
    uint32_t obj, uint32_t members, uint32_t idx, const char *key,
    uint32_t key_len, uint32_t *dup, fgs_alloc_t *a)
{
    uint32_t                i, hash;
    const fgs_json_node_t  *m;

    if (set->slots == NULL) {

        if (members < FGS_JSON_KEYS_LINEAR) {
            return fgs_json_keys_small(set, nodes, obj, members, key,
                                       key_len, dup);
        }

        if (fgs_json_keys_grow(set, nodes, obj, members, a) != FGS_OK) {
            return FGS_ERROR;
        }

    } else if ((set->used + 1) * 2 > set->mask + 1) {

        if (fgs_json_keys_grow(set, nodes, obj, members, a) != FGS_OK) {
            return FGS_ERROR;
        }
    }

    hash = fgs_json_keys_hash(set, (const u_char *) key, key_len);

    for (i = hash & set->mask; set->slots[2 * i]; i = (i + 1) & set->mask) {

        if (set->slots[2 * i + 1] != hash) {
            continue;
        }

        m = &nodes[set->slots[2 * i] - 1];

        if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0) {
            *dup = set->slots[2 * i] - 1;
            return FGS_DECLINED;
        }
    }

    set->slots[2 * i] = idx + 1;
    set->slots[2 * i + 1] = hash;
    set->used++;

    return FGS_OK;
}


/* a small object: the fingerprints of its members so far, then the keys */

static int
fgs_json_keys_small(fgs_json_keyset_t *set, const fgs_json_node_t *nodes,
    uint32_t obj, uint32_t members, const char *key, uint32_t key_len,
    uint32_t *dup)
{
    uint32_t  i, j, fp, mi;

    fp = fgs_json_keys_fp((const u_char *) key, key_len);

    mi = obj + 1;           /* member j */
    j = 0;

    for (i = 0; i < members; i++) {
        if (set->fp[i] == fp
            && fgs_json_keys_same(nodes, &mi, &j, i, key, key_len))
        {
            *dup = mi;
            return FGS_DECLINED;
        }
    }

    set->fp[members] = fp;
    set->bloom |= fgs_json_keys_bit(fp);

    return FGS_OK;
}


/*
 * Compares the key with member i, whose fingerprint matched.  The walk
 * to it goes on from member *j, node *mi, so that it is done once per
 * key at most.
 */

static int
fgs_json_keys_same(const fgs_json_node_t *nodes, uint32_t *mi, uint32_t *j,
    uint32_t i, const char *key, uint32_t key_len)
{
    const fgs_json_node_t  *m;

    while (*j < i) {
        *mi = nodes[*mi].next;
        (*j)++;
    }

    m = &nodes[*mi];

    return m->key_len == key_len && memcmp(m->key, key, key_len) == 0;
}


static int
fgs_json_keys_grow(fgs_json_keyset_t *set, const fgs_json_node_t *nodes,
    uint32_t obj, uint32_t members, fgs_alloc_t *a)
{
    size_t                  n;
    uint32_t                i, j, *old, old_n;
    const fgs_json_node_t  *m;

    old = set->slots;
    old_n = old ? set->mask + 1 : 0;

    n = old ? 2 * (size_t) old_n : FGS_JSON_KEYS_MIN_SLOTS;

    while (n < 4 * (size_t) members) {
        n *= 2;
    }

    /* the old table, if any, is given back once moved (fgs_alloc_t) */

    set->slots = a->alloc(a->data, n * 2 * sizeof(uint32_t));
    if (set->slots == NULL) {
        return FGS_ERROR;
    }

    memset(set->slots, 0, n * 2 * sizeof(uint32_t));
    set->mask = (uint32_t) n - 1;
    set->used = 0;

    if (old) {
        for (i = 0; i < old_n; i++) {
            if (old[2 * i]) {
                fgs_json_keys_put(set, old[2 * i] - 1, old[2 * i + 1]);
            }
        }

        if (a->free) {
            a->free(a->data, old);
        }

        return FGS_OK;
    }

    /* the object has just become large: index its members so far */

    if (!fgs_json_keys_seeded) {
        fgs_json_keys_seed(fgs_json_keys_secret);
        fgs_json_keys_seeded = 1;
    }

    set->seed[0] = fgs_json_keys_secret[0];
    set->seed[1] = fgs_json_keys_secret[1];

    i = obj + 1;

    for (j = 0; j < members; j++) {
        m = &nodes[i];
        fgs_json_keys_put(set, i,
                          fgs_json_keys_hash(set, (const u_char *) m->key,
                                             m->key_len));
        i = m->next;
    }

    return FGS_OK;
}


static void
fgs_json_keys_put(fgs_json_keyset_t *set, uint32_t idx, uint32_t hash)
{
    uint32_t  i;

    for (i = hash & set->mask; set->slots[2 * i]; i = (i + 1) & set->mask) {
        /* void */
    }

    set->slots[2 * i] = idx + 1;
    set->slots[2 * i + 1] = hash;
    set->used++;
}


/* a little-endian 64-bit word, in one load where that is the order */

static inline uint64_t
fgs_json_keys_word(const u_char *p)
{
    uint64_t  m;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&m, p, 8);
#else
    int       i;

    m = 0;

    for (i = 0; i < 8; i++) {
        m |= (uint64_t) p[i] << (8 * i);
    }
#endif

    return m;
}


#define FGS_ROTL(x, b)  (uint64_t) (((x) << (b)) | ((x) >> (64 - (b))))

#define FGS_SIPROUND                                                        \
    do {                                                                    \
        v0 += v1; v1 = FGS_ROTL(v1, 13); v1 ^= v0; v0 = FGS_ROTL(v0, 32);   \
        v2 += v3; v3 = FGS_ROTL(v3, 16); v3 ^= v2;                          \
        v0 += v3; v3 = FGS_ROTL(v3, 21); v3 ^= v0;                          \
        v2 += v1; v1 = FGS_ROTL(v1, 17); v1 ^= v2; v2 = FGS_ROTL(v2, 32);   \
    } while (0)


static uint32_t
fgs_json_keys_hash(const fgs_json_keyset_t *set, const u_char *p, size_t len)
{
    size_t         i;
    uint64_t       v0, v1, v2, v3, m;
    const u_char  *end;

    /* SipHash-1-3: one compression round per word, three to finish */

    v0 = set->seed[0] ^ 0x736f6d6570736575ULL;
    v1 = set->seed[1] ^ 0x646f72616e646f6dULL;
    v2 = set->seed[0] ^ 0x6c7967656e657261ULL;
    v3 = set->seed[1] ^ 0x7465646279746573ULL;

    end = p + (len & ~(size_t) 7);

    for ( /* void */ ; p < end; p += 8) {
        m = fgs_json_keys_word(p);

        v3 ^= m;
        FGS_SIPROUND;
        v0 ^= m;
    }

    m = (uint64_t) len << 56;

    for (i = 0; i < (len & 7); i++) {
        m |= (uint64_t) p[i] << (8 * i);
    }

    v3 ^= m;
    FGS_SIPROUND;
    v0 ^= m;

    v2 ^= 0xff;
    FGS_SIPROUND;
    FGS_SIPROUND;
    FGS_SIPROUND;

    m = v0 ^ v1 ^ v2 ^ v3;

    return (uint32_t) (m ^ (m >> 32));
}


static void
fgs_json_keys_seed(uint64_t *seed)
{
    struct timespec  ts;

#if defined(__linux__)
    /* never blocks: GRND_NONBLOCK fails rather than wait at early boot */
    if (getrandom(seed, 2 * sizeof(uint64_t), GRND_NONBLOCK)
        == (ssize_t) (2 * sizeof(uint64_t)))
    {
        return;
    }
#endif

    /* no kernel randomness: what an attacker cannot read from outside */

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    seed[0] = (uint64_t) ts.tv_nsec * 0x9e3779b97f4a7c15ULL
              ^ (uint64_t) ts.tv_sec ^ (uint64_t) (uintptr_t) &ts;
    seed[1] = (uint64_t) getpid() * 0xbf58476d1ce4e5b9ULL
              ^ (uint64_t) (uintptr_t) seed ^ (uint64_t) time(NULL);
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Policy paths ("func_vpc.vpc_id", "mount_config.func_mounts[*].mount_type")
 * on a request's body: the keys of a path looked up on the scanner's
 * tape, the field a violation names, and the policy's root keys found in
 * one pass over the body's members.  Keys are compared unescaped
 * (fgs_json_child); nothing is copied.  The load parses the paths and
 * numbers the root keys (load/fgs_load_paths.c).
 */


#include <stdio.h>
#include <string.h>

#include "fgs_policy_int.h"


/*
 * The field as a user writes it, for the first nsegs parts of path, with
 * each "[*]" replaced by the index of the element: "func_mounts[1].x".
 */

char *
fgs_path_field(const fgs_path_t *path, uint32_t nsegs, const uint32_t *index,
    fgs_alloc_t *a)
{
    char      *p, *s;
    size_t     len;
    uint32_t   i, k;

    if (!path->wildcard && nsegs == path->nsegs) {
        return (char *) path->text;
    }

    len = 1;

    for (i = 0; i < nsegs; i++) {
        len += path->segs[i].key ? path->segs[i].key_len + 1 : 2 + 10;
    }

    s = a->alloc(a->data, len);
    if (s == NULL) {
        return NULL;
    }

    p = s;
    k = 0;

    for (i = 0; i < nsegs; i++) {
        if (path->segs[i].key == NULL) {
            p += snprintf(p, len - (p - s), "[%u]", index[k++]);
            continue;
        }

        if (i > 0) {
            *p++ = '.';
        }

        memcpy(p, path->segs[i].key, path->segs[i].key_len);
        p += path->segs[i].key_len;
    }

    *p = '\0';

    return s;
}


/*
 * The keys of path from *seg on, looked up on the tape below node (the
 * body's, FGS_NONE when absent) up to the end of the path or its first
 * "[*]", where *seg is left.  Returns the node reached, or FGS_NONE.
 */

uint32_t
fgs_path_tape(const fgs_json_doc_t *doc, uint32_t node,
    const fgs_path_t *path, uint32_t *seg)
{
    uint32_t               i;
    const fgs_path_seg_t  *s;

    for (i = *seg; i < path->nsegs; i++) {
        s = &path->segs[i];

        if (s->key == NULL) {
            break;
        }

        if (node != FGS_NONE && doc->nodes[node].type == FGS_JSON_OBJECT) {
            node = fgs_json_child(doc, node, s->key, s->key_len);

        } else {
            node = FGS_NONE;
        }
    }

    *seg = i;

    return node;
}


/* 1 + the index of key among the root keys, 0 when it is not one */

uint32_t
fgs_path_find(const fgs_policy_t *policy, const char *key, uint32_t key_len)
{
    uint32_t               k;
    const fgs_root_key_t  *rk;

    for (k = policy->root_hash[fgs_path_hash(key, key_len)];
         k != 0;
         k = rk->next)
    {
        rk = &policy->root_keys[k - 1];

        if (rk->key_len == key_len && memcmp(rk->key, key, key_len) == 0) {
            return k;
        }
    }

    return 0;
}


/*
 * Once per request, before any check: one pass over the root's members
 * finds every root key of the policy (ctx->root_nodes); the scanner has
 * refused duplicate keys, so each is found at most once.
 */

void
fgs_path_index_body(fgs_eval_ctx_t *ctx)
{
    uint32_t                 i, k, n, *found;
    const uint32_t          *hash;
    const fgs_policy_t      *policy;
    const fgs_json_doc_t    *doc;
    const fgs_root_key_t    *rk, *keys;
    const fgs_json_node_t   *nd, *nodes;

    policy = ctx->policy;
    doc = ctx->in->doc;
    found = ctx->root_nodes;
    n = policy->nroot_keys;

    for (k = 0; k < n; k++) {
        found[k] = FGS_NONE;
    }

    if (n == 0 || doc->nodes[0].count == 0) {
        return;
    }

    /* in locals: the stores to found[] cannot change them */

    hash = policy->root_hash;
    keys = policy->root_keys;
    nodes = doc->nodes;

    for (i = 1; i != FGS_NONE; i = nd->next) {
        nd = &nodes[i];

        for (k = hash[fgs_path_hash(nd->key, nd->key_len)];
             k != 0;
             k = rk->next)
        {
            rk = &keys[k - 1];

            if (rk->key_len == nd->key_len
                && memcmp(rk->key, nd->key, nd->key_len) == 0)
            {
                found[k - 1] = i;
                break;
            }
        }
    }
}

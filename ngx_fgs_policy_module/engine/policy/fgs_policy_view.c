
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The view of the mutated body that checks read and the rewrite writes
 * out: the scanner's tape overlaid by the patches of the rules'
 * mutations (fgs_policy_mutate.c).  A step in the view looks a key up on
 * the tape and in the patches; nothing of the body is copied.
 */


#include <string.h>

#include "fgs_policy_int.h"


fgs_view_t
fgs_view_root(const fgs_json_doc_t *doc, const fgs_patch_t *patch)
{
    fgs_view_t  v;

    v.doc = doc;
    v.node = 0;
    v.patch = patch;

    return v;
}


fgs_view_t
fgs_view_step(fgs_view_t v, const char *key, size_t key_len)
{
    uint32_t               base, k;
    const fgs_eval_ctx_t  *ctx;

    if (v.patch != NULL && v.patch->key == NULL && v.patch->eval != NULL
        && v.node == 0)
    {
        /* the root of an evaluation's view: a root key was found already */

        ctx = v.patch->eval;
        k = fgs_path_find(ctx->policy, key, (uint32_t) key_len);

        if (k != 0) {
            return fgs_view_over(v, ctx->root_nodes[k - 1], key, key_len);
        }
    }

    base = FGS_NONE;

    if (v.node != FGS_NONE && v.doc->nodes[v.node].type == FGS_JSON_OBJECT) {
        base = fgs_json_child(v.doc, v.node, key, key_len);
    }

    return fgs_view_over(v, base, key, key_len);
}


/*
 * The first key of path from the root of an evaluation's view: the
 * member fgs_path_index_body() found, as fgs_view_step() would find it.
 */

fgs_view_t
fgs_view_first(const fgs_eval_ctx_t *ctx, const fgs_path_t *path)
{
    fgs_view_t             root;
    const fgs_path_seg_t  *s;

    root = fgs_view_root(ctx->in->doc, &ctx->root);
    s = &path->segs[0];

    if (path->root_key == 0) {
        return fgs_view_step(root, s->key, s->key_len);
    }

    return fgs_view_over(root, ctx->root_nodes[path->root_key - 1], s->key,
                         s->key_len);
}


/* the member key of v, base being the body's member of that key */

fgs_view_t
fgs_view_over(fgs_view_t v, uint32_t base, const char *key, size_t key_len)
{
    fgs_view_t          r;
    const fgs_patch_t  *c;

    r.doc = NULL;
    r.node = FGS_NONE;
    r.patch = NULL;

    c = NULL;

    if (v.patch != NULL && v.patch->state != FGS_PATCH_REMOVED) {
        for (c = v.patch->children; c; c = c->next) {
            if (c->key_len == key_len && memcmp(c->key, key, key_len) == 0) {
                break;
            }
        }
    }

    if (c == NULL) {
        if (base != FGS_NONE) {
            r.doc = v.doc;
            r.node = base;
        }

        return r;
    }

    switch (c->state) {

    case FGS_PATCH_REMOVED:
        return r;

    case FGS_PATCH_SET:
        r.doc = &c->value->doc;
        r.node = c->value->node;
        r.patch = c;
        return r;

    default: /* FGS_PATCH_INNER */
        if (base != FGS_NONE
            && v.doc->nodes[base].type != FGS_JSON_OBJECT)
        {
            /* a null parent that a mutation turns into an object */
            base = FGS_NONE;
        }

        r.doc = v.doc;
        r.node = base;
        r.patch = c;
        return r;
    }
}


/* the type of the value at v, 0 when absent */

int
fgs_view_type(fgs_view_t v)
{
    if (v.node != FGS_NONE) {
        return v.doc->nodes[v.node].type;
    }

    if (v.patch != NULL && v.patch->state == FGS_PATCH_INNER) {
        return FGS_JSON_OBJECT;
    }

    return 0;
}

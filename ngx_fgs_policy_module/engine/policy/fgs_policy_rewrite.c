
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The patch tree turned into edits of the original body: a replaced
 * value rewrites its raw span only; a new member goes after the last
 * member that stays (or into the empty object); a removed member goes
 * with one adjacent comma.  Everything else is kept byte for byte, the
 * body is never copied, and the cost is that of the objects that hold a
 * patch: O(fields), not O(body).
 *
 * Edits come out sorted and disjoint because members are visited in
 * document order, each edit inside the span of the member it belongs to
 * or between members.
 */


#include <string.h>

#include "fgs_policy_int.h"


typedef struct {
    fgs_edit_t      *edits;
    uint32_t         n;
    uint32_t         cap;
} fgs_edit_list_t;


/* output of the serialiser: counts when start is NULL */
typedef struct {
    u_char          *start;
    size_t           len;
} fgs_out_t;


static int fgs_rewrite_object(fgs_eval_ctx_t *ctx, fgs_edit_list_t *list,
    fgs_view_t v);
static int fgs_rewrite_inserts(fgs_eval_ctx_t *ctx, fgs_view_t v, int comma,
    u_char **data, size_t *len);
static int fgs_rewrite_value(fgs_eval_ctx_t *ctx, fgs_view_t v,
    u_char **data, size_t *len);
static void fgs_rewrite_emit_view(fgs_out_t *o, fgs_view_t v);
static void fgs_rewrite_emit_member(fgs_out_t *o, const char *key,
    size_t key_len, fgs_view_t v, int comma);
static void fgs_rewrite_emit_inserts(fgs_out_t *o, fgs_view_t v, int comma);
static void fgs_rewrite_emit(fgs_out_t *o, const void *data, size_t len);
static const fgs_patch_t *fgs_rewrite_patch(const fgs_patch_t *p,
    const char *key, size_t key_len);
static int fgs_rewrite_edit(fgs_eval_ctx_t *ctx, fgs_edit_list_t *list,
    size_t off, size_t len, const u_char *data, size_t data_len);


int
fgs_rewrite_edits(fgs_eval_ctx_t *ctx)
{
    int               rc;
    size_t            new_len, end;
    uint32_t          i;
    fgs_edit_list_t   list;
    fgs_eval_t       *out;

    out = ctx->out;
    out->edits = NULL;
    out->nedits = 0;
    out->new_len = ctx->in->doc->len;

    if (ctx->root.children == NULL) {
        return FGS_OK;
    }

    list.edits = NULL;
    list.n = 0;
    list.cap = 0;

    rc = fgs_rewrite_object(ctx, &list, fgs_view_root(ctx->in->doc,
                                                      &ctx->root));
    if (rc != FGS_OK) {
        return rc;
    }

    /* fail closed should the edits ever overlap or be out of order */

    new_len = ctx->in->doc->len;
    end = 0;

    for (i = 0; i < list.n; i++) {
        if (list.edits[i].off < end
            || (i > 0 && list.edits[i].off == list.edits[i - 1].off
                && list.edits[i - 1].len == 0)
            || list.edits[i].off + list.edits[i].len > ctx->in->doc->len)
        {
            return FGS_ERROR;
        }

        end = list.edits[i].off + list.edits[i].len;
        new_len = new_len - list.edits[i].len + list.edits[i].data_len;
    }

    out->edits = list.edits;
    out->nedits = list.n;
    out->new_len = new_len;

    return FGS_OK;
}


/*
 * The edits inside the body's object at v.node (of ctx's body) that
 * v.patch calls for.
 */

static int
fgs_rewrite_object(fgs_eval_ctx_t *ctx, fgs_edit_list_t *list, fgs_view_t v)
{
    int                     rc, survivor;
    size_t                  run, last_end, tail_end, len;
    u_char                 *data;
    uint32_t                i, m;
    fgs_view_t              mv;
    const fgs_patch_t      *c;
    const fgs_json_node_t  *obj, *mn;
    const fgs_json_doc_t   *doc;

    doc = v.doc;
    obj = &doc->nodes[v.node];

    run = (size_t) -1;          /* first removed member of a run */
    last_end = (size_t) -1;     /* end of the last member that stays */
    tail_end = 0;               /* end of the last member */
    survivor = 0;

    m = v.node + 1;

    for (i = 0; i < obj->count; i++, m = mn->next) {
        mn = &doc->nodes[m];
        tail_end = mn->off + mn->len;

        c = fgs_rewrite_patch(v.patch, mn->key, mn->key_len);

        if (c != NULL && c->state == FGS_PATCH_REMOVED) {
            if (run == (size_t) -1) {
                run = mn->member;
            }

            continue;
        }

        if (run != (size_t) -1) {
            /* the run and what follows it, up to this member's key */
            rc = fgs_rewrite_edit(ctx, list, run, mn->member - run, NULL, 0);
            if (rc != FGS_OK) {
                return rc;
            }

            run = (size_t) -1;
        }

        survivor = 1;
        last_end = tail_end;

        if (c == NULL) {
            continue;
        }

        mv = fgs_view_step(v, mn->key, mn->key_len);

        if (c->state == FGS_PATCH_INNER && mn->type == FGS_JSON_OBJECT) {
            rc = fgs_rewrite_object(ctx, list, mv);
            if (rc != FGS_OK) {
                return rc;
            }

            continue;
        }

        /* a new value, or null that becomes an object */

        rc = fgs_rewrite_value(ctx, mv, &data, &len);
        if (rc != FGS_OK) {
            return rc;
        }

        rc = fgs_rewrite_edit(ctx, list, mn->off, mn->len, data, len);
        if (rc != FGS_OK) {
            return rc;
        }
    }

    rc = fgs_rewrite_inserts(ctx, v, survivor, &data, &len);
    if (rc != FGS_OK) {
        return rc;
    }

    if (survivor) {
        /* removed members at the end go with the comma before them */
        if (run != (size_t) -1 || len > 0) {
            return fgs_rewrite_edit(ctx, list, last_end,
                                    run != (size_t) -1 ? tail_end - last_end
                                                       : 0,
                                    data, len);
        }

        return FGS_OK;
    }

    if (run != (size_t) -1) {
        /* every member goes: the new ones, if any, take their place */
        return fgs_rewrite_edit(ctx, list, run, tail_end - run, data, len);
    }

    if (len > 0) {
        /* an empty object: before its closing brace */
        return fgs_rewrite_edit(ctx, list, obj->off + obj->len - 1, 0, data,
                                len);
    }

    return FGS_OK;
}


/* the members that patches add to the object at v: ,"k":v,"k2":v2 */

static int
fgs_rewrite_inserts(fgs_eval_ctx_t *ctx, fgs_view_t v, int comma,
    u_char **data, size_t *len)
{
    fgs_out_t  o;

    o.start = NULL;
    o.len = 0;

    fgs_rewrite_emit_inserts(&o, v, comma);

    *len = o.len;
    *data = NULL;

    if (o.len == 0) {
        return FGS_OK;
    }

    o.start = ctx->a->alloc(ctx->a->data, o.len);
    if (o.start == NULL) {
        return FGS_ERROR;
    }

    o.len = 0;
    fgs_rewrite_emit_inserts(&o, v, comma);
    *data = o.start;

    return FGS_OK;
}


/* a whole value as it reads in the view */

static int
fgs_rewrite_value(fgs_eval_ctx_t *ctx, fgs_view_t v, u_char **data,
    size_t *len)
{
    fgs_out_t  o;

    if (v.patch != NULL && v.patch->state == FGS_PATCH_SET
        && v.patch->children == NULL)
    {
        /* the value's compact JSON, made at load time */
        *data = (u_char *) v.patch->value->json;
        *len = v.patch->value->len;
        return FGS_OK;
    }

    o.start = NULL;
    o.len = 0;
    fgs_rewrite_emit_view(&o, v);

    o.start = ctx->a->alloc(ctx->a->data, o.len);
    if (o.start == NULL) {
        return FGS_ERROR;
    }

    *len = o.len;
    o.len = 0;
    fgs_rewrite_emit_view(&o, v);
    *data = o.start;

    return FGS_OK;
}


/*
 * The serialiser: a value of the view as JSON.  Unpatched values are
 * copied raw from their tape (a mutation's compact value, or the body's
 * bytes); objects with patches are written member by member.
 */

static void
fgs_rewrite_emit_view(fgs_out_t *o, fgs_view_t v)
{
    int                     comma;
    uint32_t                i, m;
    fgs_view_t              mv;
    const fgs_json_node_t  *n, *mn;

    if (v.patch == NULL || (v.patch->state == FGS_PATCH_SET
                            && v.patch->children == NULL))
    {
        n = &v.doc->nodes[v.node];
        fgs_rewrite_emit(o, v.doc->body + n->off, n->len);
        return;
    }

    fgs_rewrite_emit(o, "{", 1);
    comma = 0;

    if (v.node != FGS_NONE) {
        n = &v.doc->nodes[v.node];
        m = v.node + 1;

        for (i = 0; i < n->count; i++, m = mn->next) {
            mn = &v.doc->nodes[m];
            mv = fgs_view_step(v, mn->key, mn->key_len);

            if (fgs_view_type(mv) == 0) {
                continue;
            }

            fgs_rewrite_emit_member(o, mn->key, mn->key_len, mv, comma);
            comma = 1;
        }
    }

    fgs_rewrite_emit_inserts(o, v, comma);
    fgs_rewrite_emit(o, "}", 1);
}


/* the patches of v that add a member its base object does not have */

static void
fgs_rewrite_emit_inserts(fgs_out_t *o, fgs_view_t v, int comma)
{
    fgs_view_t          mv;
    const fgs_patch_t  *c;

    for (c = v.patch->children; c; c = c->next) {
        if (c->state == FGS_PATCH_REMOVED) {
            continue;
        }

        if (v.node != FGS_NONE
            && v.doc->nodes[v.node].type == FGS_JSON_OBJECT
            && fgs_json_child(v.doc, v.node, c->key, c->key_len) != FGS_NONE)
        {
            continue;
        }

        mv = fgs_view_step(v, c->key, c->key_len);

        fgs_rewrite_emit_member(o, c->key, c->key_len, mv, comma);
        comma = 1;
    }
}


static void
fgs_rewrite_emit_member(fgs_out_t *o, const char *key, size_t key_len,
    fgs_view_t v, int comma)
{
    size_t  n;

    if (comma) {
        fgs_rewrite_emit(o, ",", 1);
    }

    fgs_rewrite_emit(o, "\"", 1);

    n = fgs_json_escape_len((const u_char *) key, key_len);

    if (o->start != NULL) {
        fgs_json_escape(o->start + o->len, (const u_char *) key, key_len);
    }

    o->len += n;

    fgs_rewrite_emit(o, "\":", 2);
    fgs_rewrite_emit_view(o, v);
}


static void
fgs_rewrite_emit(fgs_out_t *o, const void *data, size_t len)
{
    if (o->start != NULL) {
        memcpy(o->start + o->len, data, len);
    }

    o->len += len;
}


static const fgs_patch_t *
fgs_rewrite_patch(const fgs_patch_t *p, const char *key, size_t key_len)
{
    const fgs_patch_t  *c;

    for (c = p->children; c; c = c->next) {
        if (c->key_len == key_len && memcmp(c->key, key, key_len) == 0) {
            return c;
        }
    }

    return NULL;
}


static int
fgs_rewrite_edit(fgs_eval_ctx_t *ctx, fgs_edit_list_t *list, size_t off,
    size_t len, const u_char *data, size_t data_len)
{
    fgs_edit_t  *e;

    if (list->n > 0) {
        e = &list->edits[list->n - 1];

        /* adjacent deletions read better as one */
        if (data_len == 0 && e->data_len == 0 && e->off + e->len == off) {
            e->len += len;
            return FGS_OK;
        }
    }

    if (list->n == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 8;

        e = ctx->a->alloc(ctx->a->data, list->cap * sizeof(fgs_edit_t));
        if (e == NULL) {
            return FGS_ERROR;
        }

        if (list->n) {
            memcpy(e, list->edits, list->n * sizeof(fgs_edit_t));
        }

        list->edits = e;
    }

    e = &list->edits[list->n++];
    e->off = off;
    e->len = len;
    e->data = data;
    e->data_len = data_len;

    return FGS_OK;
}

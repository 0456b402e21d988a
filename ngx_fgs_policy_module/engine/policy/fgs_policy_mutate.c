
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * A rule's set_default, set and remove applied to the view of the body:
 * each adds or changes a patch in the tree that overlays the scanned
 * body, so that the checks that follow read the mutated body while the
 * body itself is neither copied nor rescanned.
 *
 * - set_default writes a field that is missing or null, creating missing
 *   (or null) parents as objects: {"func_vpc":{"vpc_id":"..."}};
 * - set writes a field unless it already holds an equal value;
 * - remove deletes a field that is present;
 * - a parent that is present but not an object (a string, an array) is a
 *   violation of the rule: the mutation cannot be made.
 *
 * A rule in audit mode changes nothing: what it would have done is an
 * audited violation, and checks read the body that is forwarded.
 */


#include <string.h>

#include "fgs_policy_int.h"


static int fgs_mutate_one(fgs_eval_ctx_t *ctx, const fgs_rule_t *rule,
    const fgs_mutation_t *m, fgs_mode_e mode);
static int fgs_mutate_apply(fgs_eval_ctx_t *ctx, const fgs_mutation_t *m);
static fgs_patch_t *fgs_mutate_patch(fgs_eval_ctx_t *ctx, fgs_patch_t *p,
    const fgs_path_seg_t *seg);
static int fgs_mutate_note(fgs_eval_ctx_t *ctx, const fgs_rule_t *rule,
    const fgs_mutation_t *m);


const char  *fgs_mutate_names[] = { "set_default", "set", "remove" };


int
fgs_mutate(fgs_eval_ctx_t *ctx, const fgs_rule_t *rule, fgs_mode_e mode)
{
    int       rc;
    uint32_t  i;

    for (i = 0; i < rule->nmuts; i++) {
        rc = fgs_mutate_one(ctx, rule, &rule->muts[i], mode);
        if (rc != FGS_OK) {
            return rc;
        }
    }

    return FGS_OK;
}


static int
fgs_mutate_one(fgs_eval_ctx_t *ctx, const fgs_rule_t *rule,
    const fgs_mutation_t *m, fgs_mode_e mode)
{
    int                    rc, type, missing;
    char                  *parent;
    uint32_t               i, n;
    fgs_view_t             v;
    fgs_violations_t      *out;
    const fgs_path_seg_t  *seg;

    out = (mode == FGS_MODE_AUDIT) ? &ctx->out->audited
                                   : &ctx->out->violations;

    /* first only read: is there anything to do, and can it be done? */

    n = m->path.nsegs;
    missing = 0;

    for (i = 0; i + 1 < n; i++) {
        seg = &m->path.segs[i];
        v = (i == 0) ? fgs_view_first(ctx, &m->path)
                     : fgs_view_step(v, seg->key, seg->key_len);
        type = fgs_view_type(v);

        if (type == 0 || type == FGS_JSON_NULL) {
            if (m->action == FGS_MUT_REMOVE) {
                return FGS_OK;
            }

            /* the parents from here on are created */
            missing = 1;
            break;
        }

        if (type != FGS_JSON_OBJECT) {
            if (m->action == FGS_MUT_REMOVE) {
                /* nothing of that name can be there */
                return FGS_OK;
            }

            parent = fgs_path_field(&m->path, i + 1, NULL, ctx->a);
            if (parent == NULL) {
                return FGS_ERROR;
            }

            return fgs_violation_add(out, ctx->a, rule->id, m->path.text,
                                     "cannot %s %s: %s is %s, not an object",
                                     fgs_mutate_names[m->action], m->path.text,
                                     parent, fgs_json_kind(type));
        }
    }

    if (!missing) {
        seg = &m->path.segs[n - 1];
        v = (n == 1) ? fgs_view_first(ctx, &m->path)
                     : fgs_view_step(v, seg->key, seg->key_len);
        type = fgs_view_type(v);

        switch (m->action) {

        case FGS_MUT_SET_DEFAULT:
            if (type != 0 && type != FGS_JSON_NULL) {
                return FGS_OK;
            }

            break;

        case FGS_MUT_SET:
            /* an equal value is left alone: the body stays byte for byte */
            if (v.node != FGS_NONE
                && (v.patch == NULL || v.patch->children == NULL))
            {
                rc = fgs_value_equal(v.doc, v.node, &m->value->doc,
                                     m->value->node, ctx->a);
                if (rc == FGS_ERROR) {
                    return FGS_ERROR;
                }

                if (rc == FGS_OK) {
                    return FGS_OK;
                }
            }

            break;

        default: /* FGS_MUT_REMOVE */
            if (type == 0) {
                return FGS_OK;
            }

            break;
        }
    }

    if (mode == FGS_MODE_AUDIT) {
        if (m->action == FGS_MUT_REMOVE) {
            return fgs_violation_add(out, ctx->a, rule->id, m->path.text,
                                     "would remove %s (audit mode: the body "
                                     "is forwarded unchanged)", m->path.text);
        }

        return fgs_violation_add(out, ctx->a, rule->id, m->path.text,
                                 "would set %s%s%s (audit mode: the body is "
                                 "forwarded unchanged)", m->path.text,
                                 m->value_text ? " to " : "",
                                 m->value_text ? m->value_text : "");
    }

    rc = fgs_mutate_apply(ctx, m);
    if (rc != FGS_OK) {
        return rc;
    }

    return fgs_mutate_note(ctx, rule, m);
}


/* builds the patches down the path, which the caller found can be made */

static int
fgs_mutate_apply(fgs_eval_ctx_t *ctx, const fgs_mutation_t *m)
{
    int                    type;
    uint32_t               i, n;
    fgs_view_t             v, next;
    fgs_patch_t           *p, *c;
    const fgs_path_seg_t  *seg;

    v = fgs_view_root(ctx->in->doc, &ctx->root);
    p = &ctx->root;
    n = m->path.nsegs;

    for (i = 0; i + 1 < n; i++) {
        seg = &m->path.segs[i];
        next = fgs_view_step(v, seg->key, seg->key_len);
        type = fgs_view_type(next);

        c = fgs_mutate_patch(ctx, p, seg);
        if (c == NULL) {
            return FGS_ERROR;
        }

        if (type != FGS_JSON_OBJECT && c->state != FGS_PATCH_INNER) {
            /*
             * Removed, or set to null, earlier: it becomes {} holding the
             * new member (an INNER patch would read the body's old one).
             */
            c->state = FGS_PATCH_SET;
            c->value = ctx->policy->empty_object;
            c->children = NULL;
        }

        p = c;
        v = fgs_view_step(v, seg->key, seg->key_len);
    }

    c = fgs_mutate_patch(ctx, p, &m->path.segs[n - 1]);
    if (c == NULL) {
        return FGS_ERROR;
    }

    c->children = NULL;

    if (m->action == FGS_MUT_REMOVE) {
        c->state = FGS_PATCH_REMOVED;
        c->value = NULL;

    } else {
        c->state = FGS_PATCH_SET;
        c->value = m->value;
    }

    return FGS_OK;
}


/* the child patch of p for seg's key, created INNER when there is none */

static fgs_patch_t *
fgs_mutate_patch(fgs_eval_ctx_t *ctx, fgs_patch_t *p, const fgs_path_seg_t *seg)
{
    fgs_patch_t  *c, **last;

    for (last = &p->children; *last; last = &(*last)->next) {
        c = *last;

        if (c->key_len == seg->key_len
            && memcmp(c->key, seg->key, seg->key_len) == 0)
        {
            return c;
        }
    }

    c = ctx->a->alloc(ctx->a->data, sizeof(fgs_patch_t));
    if (c == NULL) {
        return NULL;
    }

    c->key = seg->key;
    c->key_len = seg->key_len;
    c->state = FGS_PATCH_INNER;
    c->value = NULL;
    c->children = NULL;
    c->next = NULL;
    c->eval = NULL;

    *last = c;

    return c;
}


/*
 * The rewrite for the audit record, and the sentence that asks an AK/SK
 * caller to make the change itself, should the body be signed.
 */

static int
fgs_mutate_note(fgs_eval_ctx_t *ctx, const fgs_rule_t *rule,
    const fgs_mutation_t *m)
{
    fgs_rule_note_t  *note;

    note = ctx->a->alloc(ctx->a->data, sizeof(fgs_rule_note_t));
    if (note == NULL) {
        return FGS_ERROR;
    }

    note->rule = rule->id;
    note->field = m->path.text;
    note->action = fgs_mutate_names[m->action];
    note->value_doc = m->value ? &m->value->doc : NULL;
    note->value_node = m->value ? m->value->node : 0;
    note->next = NULL;

    *ctx->rewrites_tail = note;
    ctx->rewrites_tail = &note->next;

    if (m->action == FGS_MUT_REMOVE) {
        return fgs_violation_add(&ctx->signed_fixes, ctx->a, rule->id,
                                 m->path.text,
                                 "remove %s yourself: the request is signed "
                                 "with AK/SK, so the gateway cannot remove "
                                 "it; or send X-Sdk-Content-Sha256: "
                                 "UNSIGNED-PAYLOAD and the gateway removes "
                                 "it", m->path.text);
    }

    return fgs_violation_add(&ctx->signed_fixes, ctx->a, rule->id,
                             m->path.text,
                             "set %s%s%s yourself: the request is signed with "
                             "AK/SK, so the gateway cannot %s it; or send "
                             "X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD and the "
                             "gateway %s it",
                             m->path.text,
                             m->value_text ? " to " : "",
                             m->value_text ? m->value_text
                                           : " to the value the policy sets",
                             m->action == FGS_MUT_SET_DEFAULT ? "add"
                                                              : "change",
                             m->action == FGS_MUT_SET_DEFAULT ? "adds"
                                                              : "sets");
}

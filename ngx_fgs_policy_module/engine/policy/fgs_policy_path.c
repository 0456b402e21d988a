
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Policy paths ("func_vpc.vpc_id", "mount_config.func_mounts[*].mount_type")
 * and their resolution in the view of the mutated body: the scanner's
 * tape overlaid by the patches of the rules' mutations.  Keys are
 * compared unescaped (fgs_json_child); nothing is copied.
 */


#include <string.h>

#include "fgs_policy_int.h"


static int fgs_path_is_secret(const fgs_path_t *path);
static uint32_t fgs_path_hash(const char *key, uint32_t key_len);
static uint32_t fgs_path_intern(fgs_policy_t *policy, const char *key,
    uint32_t key_len);
static void fgs_path_index_checks(fgs_policy_t *policy, fgs_check_t *checks,
    uint32_t n);
static void fgs_path_index_path(fgs_policy_t *policy, fgs_path_t *path);
static uint32_t fgs_path_find(const fgs_policy_t *policy, const char *key,
    uint32_t key_len);
static fgs_view_t fgs_view_over(fgs_view_t v, uint32_t base, const char *key,
    size_t key_len);
static int fgs_path_walk_seg(const fgs_check_t *check, uint32_t seg,
    fgs_view_t v, uint32_t *index, uint32_t nindex, fgs_check_sink_t *sink);


/*
 * fields whose values are never echoed (docs/security.md, "Redaction of
 * secrets in logs")
 */
static const char  *fgs_secret_paths[][3] = {
    { "user_data", NULL, NULL },
    { "encrypted_user_data", NULL, NULL },
    { "func_code", "file", NULL }
};


int
fgs_path_parse(fgs_path_t *path, const char *text, size_t len,
    fgs_alloc_t *a, const char **error)
{
    char            *copy;
    size_t           i, start;
    uint32_t         n;
    fgs_path_seg_t   segs[FGS_POLICY_MAX_SEGS];

    n = 0;
    i = 0;
    path->wildcard = 0;

    if (len == 0) {
        *error = "empty path";
        return FGS_DECLINED;
    }

    copy = fgs_strdup(a, text, len);
    if (copy == NULL) {
        return FGS_ERROR;
    }

    for ( ;; ) {

        /* a key */

        start = i;

        while (i < len
               && ((copy[i] >= 'a' && copy[i] <= 'z')
                   || (copy[i] >= 'A' && copy[i] <= 'Z')
                   || (copy[i] >= '0' && copy[i] <= '9')
                   || copy[i] == '_' || copy[i] == '-'))
        {
            i++;
        }

        if (i == start) {
            *error = "a path is keys of letters, digits, \"_\" and \"-\" "
                     "joined by \".\", each optionally followed by \"[*]\"";
            return FGS_DECLINED;
        }

        if (i - start > FGS_POLICY_MAX_KEY) {
            *error = "a key of a path is longer than 64 bytes";
            return FGS_DECLINED;
        }

        if (n == FGS_POLICY_MAX_SEGS) {
            *error = "a path has more than 16 parts";
            return FGS_DECLINED;
        }

        segs[n].key = copy + start;
        segs[n].key_len = (uint32_t) (i - start);
        n++;

        /* "[*]" for every element, possibly nested */

        while (i < len && copy[i] == '[') {
            if (len - i < 3 || copy[i + 1] != '*' || copy[i + 2] != ']') {
                *error = "only \"[*]\" (every element) may follow a key";
                return FGS_DECLINED;
            }

            if (n == FGS_POLICY_MAX_SEGS) {
                *error = "a path has more than 16 parts";
                return FGS_DECLINED;
            }

            segs[n].key = NULL;
            segs[n].key_len = 0;
            n++;
            path->wildcard = 1;
            i += 3;
        }

        if (i == len) {
            break;
        }

        if (copy[i] != '.') {
            *error = "a path is keys of letters, digits, \"_\" and \"-\" "
                     "joined by \".\", each optionally followed by \"[*]\"";
            return FGS_DECLINED;
        }

        i++;
    }

    /* the keys are NUL-terminated in place: '.' and '[' become NUL */
    path->text = fgs_strdup(a, text, len);
    path->segs = a->alloc(a->data, n * sizeof(fgs_path_seg_t));

    if (path->text == NULL || path->segs == NULL) {
        return FGS_ERROR;
    }

    for (i = 0; i < len; i++) {
        if (copy[i] == '.' || copy[i] == '[') {
            copy[i] = '\0';
        }
    }

    memcpy(path->segs, segs, n * sizeof(fgs_path_seg_t));
    path->nsegs = n;
    path->root_key = 0;
    path->secret = fgs_path_is_secret(path);

    return FGS_OK;
}


static int
fgs_path_is_secret(const fgs_path_t *path)
{
    size_t       i, k;
    uint32_t     s;
    const char  *key;

    for (i = 0; i < sizeof(fgs_secret_paths) / sizeof(fgs_secret_paths[0]);
         i++)
    {
        k = 0;

        for (s = 0; s < path->nsegs; s++) {
            if (path->segs[s].key == NULL) {
                continue;
            }

            key = fgs_secret_paths[i][k];

            if (k == 3 || key == NULL
                || strlen(key) != path->segs[s].key_len
                || memcmp(key, path->segs[s].key, path->segs[s].key_len)
                   != 0)
            {
                break;
            }

            k++;
        }

        if (s == path->nsegs && (k == 3 || fgs_secret_paths[i][k] == NULL))
        {
            return 1;
        }
    }

    return 0;
}


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

static fgs_view_t
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
 * Applies check to every value its path reaches in the view from root:
 * one for a plain path (possibly absent), one per element for "[*]".
 * Returns FGS_OK, FGS_DECLINED when a "when" sink already failed, or
 * FGS_ERROR.
 */

int
fgs_path_walk(const fgs_check_t *check, fgs_view_t root,
    fgs_check_sink_t *sink)
{
    uint32_t                 seg, node, index[FGS_POLICY_MAX_SEGS];
    fgs_view_t               v;
    const fgs_path_seg_t    *s;
    const fgs_json_doc_t    *doc;

    doc = sink->ctx->in->doc;

    if (check->path.root_key == 0 || root.doc != doc || root.node != 0) {
        return fgs_path_walk_seg(check, 0, root, index, 0, sink);
    }

    /* the first key: found in the pass over the body's root */

    s = &check->path.segs[0];
    node = sink->ctx->root_nodes[check->path.root_key - 1];

    if (root.patch == NULL || root.patch->children == NULL) {
        v.doc = (node != FGS_NONE) ? doc : NULL;
        v.node = node;
        v.patch = NULL;

    } else {
        v = fgs_view_over(root, node, s->key, s->key_len);
    }

    /* below a member that no mutation touches, the view is the tape */

    seg = 1;

    if (v.patch == NULL) {
        node = fgs_path_tape(doc, v.node, &check->path, &seg);
        v.doc = (node != FGS_NONE) ? doc : NULL;
        v.node = node;
    }

    if (seg == check->path.nsegs) {
        /* the common case: a plain path, no "[*]" */
        return fgs_check_value(check, v, index, sink);
    }

    return fgs_path_walk_seg(check, seg, v, index, 0, sink);
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


static int
fgs_path_walk_seg(const fgs_check_t *check, uint32_t seg, fgs_view_t v,
    uint32_t *index, uint32_t nindex, fgs_check_sink_t *sink)
{
    int                     rc, type;
    char                   *field;
    uint32_t                i, child;
    fgs_view_t              e;
    const fgs_path_seg_t   *s;

    /* the keys up to the next "[*]" */

    for ( ;; ) {
        if (seg == check->path.nsegs) {
            return fgs_check_value(check, v, index, sink);
        }

        s = &check->path.segs[seg];

        if (s->key == NULL) {
            break;
        }

        v = fgs_view_step(v, s->key, s->key_len);
        seg++;
    }

    /* "[*]": every element; an absent or null array has none */

    type = fgs_view_type(v);

    if (type == 0 || type == FGS_JSON_NULL) {
        return FGS_OK;
    }

    if (type != FGS_JSON_ARRAY) {
        if (sink->out == NULL) {
            /* a "when": it does not hold, no need to say why */
            sink->failed = 1;
            return FGS_DECLINED;
        }

        field = fgs_path_field(&check->path, seg, index, sink->ctx->a);
        if (field == NULL) {
            return FGS_ERROR;
        }

        return fgs_check_fail(sink, field, "%s is %s %s, not an array",
                              field,
                              type == FGS_JSON_OBJECT
                              || type == FGS_JSON_INTEGER ? "an" : "a",
                              fgs_json_type_name(type));
    }

    /* arrays are never patched inside: elements are tape nodes */

    e.doc = v.doc;
    e.patch = NULL;
    child = v.node + 1;

    for (i = 0; i < v.doc->nodes[v.node].count; i++) {
        e.node = child;
        index[nindex] = i;

        rc = fgs_path_walk_seg(check, seg + 1, e, index, nindex + 1, sink);
        if (rc != FGS_OK) {
            return rc;
        }

        child = v.doc->nodes[child].next;
    }

    return FGS_OK;
}


/*
 * Load time: the top-level keys of every path of checks and mutations
 * (and those of a create's match) are numbered, so that a request's body
 * is searched for all of them in one pass over its root's members.  A
 * policy with more distinct keys than FGS_POLICY_ROOT_KEYS searches for
 * the rest member by member.
 */

void
fgs_path_index(fgs_policy_t *policy)
{
    uint32_t     i, j;
    fgs_rule_t  *rule;

    policy->nroot_keys = 0;
    memset(policy->root_hash, 0, sizeof(policy->root_hash));

    /* FGS_ROOT_KEY_FUNC_NAME, FGS_ROOT_KEY_PACKAGE */
    (void) fgs_path_intern(policy, "func_name", sizeof("func_name") - 1);
    (void) fgs_path_intern(policy, "package", sizeof("package") - 1);

    for (i = 0; i < policy->nrules; i++) {
        rule = &policy->rules[i];

        fgs_path_index_checks(policy, rule->when, rule->nwhen);
        fgs_path_index_checks(policy, rule->checks, rule->nchecks);

        for (j = 0; j < rule->nmuts; j++) {
            fgs_path_index_path(policy, &rule->muts[j].path);
        }
    }
}


static void
fgs_path_index_checks(fgs_policy_t *policy, fgs_check_t *checks, uint32_t n)
{
    uint32_t  i;

    for (i = 0; i < n; i++) {
        fgs_path_index_path(policy, &checks[i].path);
    }
}


static void
fgs_path_index_path(fgs_policy_t *policy, fgs_path_t *path)
{
    path->root_key = (path->nsegs > 0 && path->segs[0].key != NULL)
                     ? fgs_path_intern(policy, path->segs[0].key,
                                       path->segs[0].key_len)
                     : 0;
}


/* 1 + the index of key among the root keys, 0 when it is not one */

static uint32_t
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


/* 1 + the index of key among the root keys, 0 when they are full */

static uint32_t
fgs_path_intern(fgs_policy_t *policy, const char *key, uint32_t key_len)
{
    uint32_t         h, k;
    fgs_root_key_t  *rk;

    k = fgs_path_find(policy, key, key_len);

    if (k != 0) {
        return k;
    }

    h = fgs_path_hash(key, key_len);

    if (policy->nroot_keys == FGS_POLICY_ROOT_KEYS) {
        return 0;
    }

    rk = &policy->root_keys[policy->nroot_keys++];
    rk->key = key;
    rk->key_len = key_len;
    rk->next = policy->root_hash[h];
    policy->root_hash[h] = policy->nroot_keys;

    return policy->nroot_keys;
}


/*
 * The bucket of a key: its length and first byte tell apart most keys of
 * the API, at the cost of two loads.  A body cannot make this slow: a
 * member is compared only with the policy's keys of its bucket.  Keys
 * are NUL-terminated, so an empty key's first byte is its NUL.
 */

static uint32_t
fgs_path_hash(const char *key, uint32_t key_len)
{
    return ((uint32_t) (u_char) key[0] * 33 + key_len)
           & (FGS_POLICY_ROOT_HASH - 1);
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

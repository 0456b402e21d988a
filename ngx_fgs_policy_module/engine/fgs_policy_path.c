
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
static int fgs_path_walk_seg(const fgs_check_t *check, uint32_t seg,
    fgs_view_t v, uint32_t *index, uint32_t nindex, fgs_check_sink_t *sink);


/* fields whose values are never echoed: DESIGN section 9 */
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
    uint32_t            base;
    fgs_view_t          r;
    const fgs_patch_t  *c;

    r.doc = NULL;
    r.node = FGS_NONE;
    r.patch = NULL;

    base = FGS_NONE;

    if (v.node != FGS_NONE && v.doc->nodes[v.node].type == FGS_JSON_OBJECT) {
        base = fgs_json_child(v.doc, v.node, key, key_len);
    }

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
    uint32_t  index[FGS_POLICY_MAX_SEGS];

    return fgs_path_walk_seg(check, 0, root, index, 0, sink);
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

    if (seg == check->path.nsegs) {
        return fgs_check_value(check, v, index, sink);
    }

    s = &check->path.segs[seg];

    if (s->key != NULL) {
        return fgs_path_walk_seg(check, seg + 1,
                                 fgs_view_step(v, s->key, s->key_len),
                                 index, nindex, sink);
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

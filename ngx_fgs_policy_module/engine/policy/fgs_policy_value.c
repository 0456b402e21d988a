
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Values on a tape as the policy reads them: by value (numbers compared
 * numerically, strings after unescaping), and quoted in messages short
 * and escaped.
 */


#include <string.h>

#include "fgs_policy_int.h"


static int fgs_value_equal_objects(const fgs_json_doc_t *da, uint32_t a,
    const fgs_json_doc_t *db, uint32_t b, fgs_alloc_t *alloc);


/*
 * Whether two values are the same JSON value: same type (an integer is
 * not a real), strings equal unescaped, numbers equal numerically,
 * arrays element by element, objects member by member in any order.
 * Returns FGS_OK when equal, FGS_DECLINED when not, FGS_ERROR.
 */

int
fgs_value_equal(const fgs_json_doc_t *da, uint32_t a,
    const fgs_json_doc_t *db, uint32_t b, fgs_alloc_t *alloc)
{
    int                     rc;
    uint32_t                i, ca, cb;
    fgs_str_t               sa, sb;
    long double             na, nb;
    const fgs_json_node_t  *x, *y;

    x = &da->nodes[a];
    y = &db->nodes[b];

    if (x->type != y->type) {
        return FGS_DECLINED;
    }

    switch (x->type) {

    case FGS_JSON_STRING:
        if (fgs_json_string(da, a, alloc, &sa) != FGS_OK
            || fgs_json_string(db, b, alloc, &sb) != FGS_OK)
        {
            return FGS_ERROR;
        }

        return (sa.len == sb.len && memcmp(sa.data, sb.data, sa.len) == 0)
               ? FGS_OK : FGS_DECLINED;

    case FGS_JSON_INTEGER:
    case FGS_JSON_REAL:
        if (fgs_value_number(da, a, &na) != FGS_OK
            || fgs_value_number(db, b, &nb) != FGS_OK)
        {
            return FGS_DECLINED;
        }

        return na == nb ? FGS_OK : FGS_DECLINED;

    case FGS_JSON_ARRAY:
        if (x->count != y->count) {
            return FGS_DECLINED;
        }

        ca = a + 1;
        cb = b + 1;

        for (i = 0; i < x->count; i++) {
            rc = fgs_value_equal(da, ca, db, cb, alloc);
            if (rc != FGS_OK) {
                return rc;
            }

            ca = da->nodes[ca].next;
            cb = db->nodes[cb].next;
        }

        return FGS_OK;

    case FGS_JSON_OBJECT:
        return fgs_value_equal_objects(da, a, db, b, alloc);

    default:
        /* true, false, null */
        return FGS_OK;
    }
}


static int
fgs_value_equal_objects(const fgs_json_doc_t *da, uint32_t a,
    const fgs_json_doc_t *db, uint32_t b, fgs_alloc_t *alloc)
{
    int                     rc;
    uint32_t                i, ca, cb;
    const fgs_json_node_t  *m;

    if (da->nodes[a].count != db->nodes[b].count) {
        return FGS_DECLINED;
    }

    /* keys are unique on both sides: same count and a ⊆ b is equality */

    ca = a + 1;

    for (i = 0; i < da->nodes[a].count; i++) {
        m = &da->nodes[ca];

        cb = fgs_json_child(db, b, m->key, m->key_len);
        if (cb == FGS_NONE) {
            return FGS_DECLINED;
        }

        rc = fgs_value_equal(da, ca, db, cb, alloc);
        if (rc != FGS_OK) {
            return rc;
        }

        ca = m->next;
    }

    return FGS_OK;
}


/* an INTEGER or REAL node as a long double: exact for every int64_t */

int
fgs_value_number(const fgs_json_doc_t *doc, uint32_t node, long double *out)
{
    double   d;
    int64_t  i;

    if (doc->nodes[node].type == FGS_JSON_INTEGER
        && fgs_json_int(doc, node, &i) == FGS_OK)
    {
        *out = (long double) i;
        return FGS_OK;
    }

    if ((doc->nodes[node].type == FGS_JSON_INTEGER
         || doc->nodes[node].type == FGS_JSON_REAL)
        && fgs_json_number(doc, node, &d) == FGS_OK)
    {
        *out = (long double) d;
        return FGS_OK;
    }

    return FGS_DECLINED;
}


/*
 * A string for a message: quoted, escaped (no control character can end
 * a line), cut after FGS_POLICY_ECHO_MAX bytes on a character boundary.
 */

char *
fgs_value_quote(const u_char *s, size_t len, fgs_alloc_t *a)
{
    char    *q;
    size_t   n, cut;
    u_char  *p;

    cut = 0;

    if (len > FGS_POLICY_ECHO_MAX) {
        n = FGS_POLICY_ECHO_MAX;

        /* back to the first byte of a UTF-8 character */
        while (n > 0 && (s[n] & 0xc0) == 0x80) {
            n--;
        }

        len = n;
        cut = 1;
    }

    n = fgs_json_escape_len(s, len);

    q = a->alloc(a->data, n + sizeof("\"...\""));
    if (q == NULL) {
        return NULL;
    }

    p = (u_char *) q;
    *p++ = '"';
    p = fgs_json_escape(p, s, len);

    if (cut) {
        memcpy(p, "...", 3);
        p += 3;
    }

    *p++ = '"';
    *p = '\0';

    return q;
}


/* a value for a message: a quoted string, a number, or its kind */

char *
fgs_value_echo(const fgs_json_doc_t *doc, uint32_t node, fgs_alloc_t *a)
{
    fgs_str_t               s;
    const fgs_json_node_t  *n;

    n = &doc->nodes[node];

    switch (n->type) {

    case FGS_JSON_STRING:
        if (fgs_json_string(doc, node, a, &s) != FGS_OK) {
            return NULL;
        }

        return fgs_value_quote(s.data, s.len, a);

    case FGS_JSON_INTEGER:
    case FGS_JSON_REAL:
    case FGS_JSON_TRUE:
    case FGS_JSON_FALSE:
    case FGS_JSON_NULL:
        /* the raw text of a literal is ASCII without controls */
        return fgs_strdup(a, (const char *) doc->body + n->off,
                          n->len > FGS_POLICY_ECHO_MAX
                          ? FGS_POLICY_ECHO_MAX : n->len);

    default:
        return fgs_sprintf(a, "(%s)", fgs_json_kind(n->type));
    }
}

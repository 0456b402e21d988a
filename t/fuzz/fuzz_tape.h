
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The invariants of a tape that fgs_json_scan() accepted, checked node by
 * node against the body's own bytes: what fgs_json.h promises to every
 * reader of the tape (the schema check, the policy engine, the rewriter).
 */


#ifndef _FGS_FUZZ_TAPE_H_INCLUDED_
#define _FGS_FUZZ_TAPE_H_INCLUDED_


#include "fuzz.h"


static int fuzz_tape_check(const fgs_json_doc_t *doc, fgs_alloc_t *a)
    FUZZ_UNUSED;
static int fuzz_tape_node(const fgs_json_doc_t *doc, uint32_t i,
    fgs_alloc_t *a) FUZZ_UNUSED;
static int fuzz_tape_ws(u_char c) FUZZ_UNUSED;


static int
fuzz_tape_ws(u_char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}


static int
fuzz_tape_check(const fgs_json_doc_t *doc, fgs_alloc_t *a)
{
    size_t                  k;
    uint32_t                i;
    const fgs_json_node_t  *root;

    FUZZ_CHECK(doc->n >= 1 && doc->n <= FGS_JSON_MAX_NODES,
               "node count out of range");

    root = &doc->nodes[0];

    FUZZ_CHECK(root->type == FGS_JSON_OBJECT && root->parent == FGS_NONE
               && root->depth == 0 && root->key == NULL
               && root->next == FGS_NONE, "root is not a lone object");

    /* only whitespace around the root object */

    for (k = 0; k < root->off; k++) {
        FUZZ_CHECK(fuzz_tape_ws(doc->body[k]), "non-space before the root");
    }

    for (k = (size_t) root->off + root->len; k < doc->len; k++) {
        FUZZ_CHECK(fuzz_tape_ws(doc->body[k]), "non-space after the root");
    }

    for (i = 0; i < doc->n; i++) {
        if (fuzz_tape_node(doc, i, a) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
fuzz_tape_node(const fgs_json_doc_t *doc, uint32_t i, fgs_alloc_t *a)
{
    int                     rc;
    u_char                  c, last;
    size_t                  k;
    double                  d;
    int64_t                 v;
    uint32_t                j, n, prev;
    fgs_str_t               s;
    const fgs_json_node_t  *nd, *pa, *ch;

    nd = &doc->nodes[i];

    FUZZ_CHECK(nd->len > 0 && (size_t) nd->off + nd->len <= doc->len,
               "value span outside the body");

    c = doc->body[nd->off];
    last = doc->body[nd->off + nd->len - 1];

    switch (nd->type) {

    case FGS_JSON_OBJECT:
        FUZZ_CHECK(c == '{' && last == '}' && nd->len >= 2, "bad object span");
        break;

    case FGS_JSON_ARRAY:
        FUZZ_CHECK(c == '[' && last == ']' && nd->len >= 2, "bad array span");
        break;

    case FGS_JSON_STRING:
        FUZZ_CHECK(c == '"' && last == '"' && nd->len >= 2, "bad string span");

        FUZZ_CHECK(fgs_json_string(doc, i, a, &s) == FGS_OK,
                   "fgs_json_string failed");
        FUZZ_CHECK(s.len <= nd->len - 2, "unescaped string is longer");
        FUZZ_CHECK(s.len == 0 || memchr(s.data, '\0', s.len) == NULL,
                   "a string value holds NUL");

        if (!(nd->flags & FGS_JSON_ESCAPED)) {
            FUZZ_CHECK(s.len == nd->len - 2
                       && memchr(doc->body + nd->off + 1, '\\', s.len)
                          == NULL, "unescaped string differs from raw");
        }

        break;

    case FGS_JSON_INTEGER:
    case FGS_JSON_REAL:
        FUZZ_CHECK(c == '-' || (c >= '0' && c <= '9'), "bad number start");
        FUZZ_CHECK(last >= '0' && last <= '9', "bad number end");

        for (k = 0; k < nd->len; k++) {
            c = doc->body[nd->off + k];

            if (nd->type == FGS_JSON_INTEGER) {
                FUZZ_CHECK(c == '-' || (c >= '0' && c <= '9'),
                           "an integer with a fraction or exponent");
            }
        }

        /* DECLINED: beyond the range of a double (1e400) */

        rc = fgs_json_number(doc, i, &d);

        FUZZ_CHECK(rc == FGS_OK || rc == FGS_DECLINED,
                   "fgs_json_number failed");

        if (nd->type == FGS_JSON_INTEGER
            && fgs_json_int(doc, i, &v) == FGS_OK)
        {
            FUZZ_CHECK(rc == FGS_OK, "an int64 is out of a double's range");
            FUZZ_CHECK((double) v == d, "integer and number readings differ");
        }

        break;

    case FGS_JSON_TRUE:
        FUZZ_CHECK(nd->len == 4 && memcmp(doc->body + nd->off, "true", 4)
                   == 0, "bad true");
        break;

    case FGS_JSON_FALSE:
        FUZZ_CHECK(nd->len == 5 && memcmp(doc->body + nd->off, "false", 5)
                   == 0, "bad false");
        break;

    case FGS_JSON_NULL:
        FUZZ_CHECK(nd->len == 4 && memcmp(doc->body + nd->off, "null", 4)
                   == 0, "bad null");
        break;

    default:
        FUZZ_CHECK(0, "unknown node type");
    }

    if (i > 0) {
        FUZZ_CHECK(nd->parent < i, "parent after child");

        pa = &doc->nodes[nd->parent];

        FUZZ_CHECK(pa->type == FGS_JSON_OBJECT || pa->type == FGS_JSON_ARRAY,
                   "parent is not a container");
        FUZZ_CHECK(nd->depth == pa->depth + 1
                   && nd->depth <= FGS_JSON_MAX_DEPTH, "bad depth");
        FUZZ_CHECK(nd->member >= pa->off + 1
                   && (size_t) nd->off + nd->len < (size_t) pa->off + pa->len,
                   "child outside its parent");

        if (pa->type == FGS_JSON_OBJECT) {
            FUZZ_CHECK(nd->key != NULL
                       && memchr(nd->key, '\0', nd->key_len) == NULL,
                       "bad key of an object member");
            FUZZ_CHECK(nd->member < nd->off
                       && doc->body[nd->member] == '"', "bad member offset");
            FUZZ_CHECK(fgs_json_child(doc, nd->parent, nd->key, nd->key_len)
                       == i, "key lookup finds another member");

            if (!(nd->flags & FGS_JSON_KEY_ESCAPED)) {
                FUZZ_CHECK(memcmp(doc->body + nd->member + 1, nd->key,
                                  nd->key_len) == 0
                           && doc->body[nd->member + 1 + nd->key_len] == '"'
                           && (nd->key_len == 0
                               || nd->key == (const char *) doc->body
                                             + nd->member + 1),
                           "an unescaped key is not its bytes in the body");
            }

        } else {
            FUZZ_CHECK(nd->key == NULL && nd->member == nd->off,
                       "array element with a key");
        }
    }

    if (nd->type != FGS_JSON_OBJECT && nd->type != FGS_JSON_ARRAY) {
        return 0;
    }

    /* children: count, order, indexes, sibling links */

    n = 0;
    prev = FGS_NONE;

    for (j = nd->count ? i + 1 : FGS_NONE; j != FGS_NONE; j = ch->next) {
        FUZZ_CHECK(j < doc->n && (prev == FGS_NONE || j > prev),
                   "bad sibling link");

        ch = &doc->nodes[j];

        FUZZ_CHECK(ch->parent == i && ch->index == n, "bad child");

        if (prev != FGS_NONE) {
            FUZZ_CHECK(doc->nodes[prev].off + doc->nodes[prev].len
                       <= ch->member, "siblings overlap");
        }

        prev = j;
        n++;
    }

    FUZZ_CHECK(n == nd->count, "count differs from the children");

    return 0;
}


#endif /* _FGS_FUZZ_TAPE_H_INCLUDED_ */

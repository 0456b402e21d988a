
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The API reference check on every body the scanner accepts.  The last
 * byte of the input chooses the endpoint (below 0x80, its value modulo
 * 3: create, code, config; from 0x80, every endpoint with a body in
 * turn) and is dropped, except a final '}', which selects config and
 * stays part of the body, so that seeds are bodies as they are.
 * fgs_schema_validate() must return OK with no violation or DECLINED with
 * at least one, each with a field, a one-line message and no rule, and
 * no message may quote the value of a field its model flags secret
 * (user_data, encrypted_user_data, func_code.file, passwords, ...).
 */


#include "fuzz.h"
#include "schema/fgs_schema.h"


static int fuzz_schema_violations(const fgs_json_doc_t *doc,
    const fgs_violations_t *v, fgs_alloc_t *a);
static int fuzz_schema_secrets(const fgs_json_doc_t *doc, uint32_t node,
    const fgs_schema_object_t *obj, const fgs_violations_t *v,
    fgs_alloc_t *a, int depth);
static int fuzz_schema_secret(const fgs_json_doc_t *doc, uint32_t node,
    const fgs_violations_t *v, fgs_alloc_t *a);
static fgs_api_e fuzz_schema_api(u_char c);


/* the endpoint for the selector byte */

static fgs_api_e
fuzz_schema_api(u_char c)
{
    uint32_t   a, n, k;

    static const fgs_api_e  first[] = {
        FGS_API_FUNCTION_CREATE, FGS_API_FUNCTION_CODE,
        FGS_API_FUNCTION_CONFIG
    };

    if (c < 0x80) {
        return first[c % 3];
    }

    for (a = 1, n = 0; a < FGS_API_COUNT; a++) {
        n += (fgs_schema_model((fgs_api_e) a)->root != NULL);
    }

    k = (c - 0x80) % n;

    for (a = 1; a < FGS_API_COUNT; a++) {
        if (fgs_schema_model((fgs_api_e) a)->root != NULL && k-- == 0) {
            break;
        }
    }

    return (fgs_api_e) a;
}


int
fgs_fuzz_schema(const uint8_t *data, size_t size)
{
    int               rc;
    fgs_api_e         api;
    fgs_arena_t       arena;
    fgs_json_doc_t    doc;
    fgs_violations_t  v;

    if (size < 1) {
        return 0;
    }

    api = fuzz_schema_api(data[size - 1]);

    /* a '}' selector belongs to the body: seeds stay whole */

    if (data[size - 1] != '}') {
        size--;
    }

    fgs_arena_init(&arena);

    if (fgs_json_scan(&doc, data, size, &arena.alloc) != FGS_OK) {
        fgs_arena_reset(&arena);
        return 0;
    }

    fgs_violations_init(&v);

    rc = fgs_schema_validate(&doc, api, &v, &arena.alloc);

    if (rc == FGS_OK) {
        if (v.n != 0 || v.head != NULL) {
            fuzz_fail(__FILE__, __LINE__, "OK with violations");
        }

    } else if (rc == FGS_DECLINED) {
        if (fuzz_schema_violations(&doc, &v, &arena.alloc) == 0) {
            (void) fuzz_schema_secrets(&doc, 0, fgs_schema_model(api)->root,
                                       &v, &arena.alloc, 0);
        }

    } else {
        fuzz_fail(__FILE__, __LINE__, "fgs_schema_validate failed (no memory)");
    }

    fgs_arena_reset(&arena);

    return 0;
}


static int
fuzz_schema_violations(const fgs_json_doc_t *doc, const fgs_violations_t *v,
    fgs_alloc_t *a)
{
    uint32_t                n, more;
    const fgs_violation_t  *vi;

    FUZZ_CHECK(v->n > 0 && v->head != NULL, "DECLINED without violations");

    n = 0;
    more = 0;

    for (vi = v->head; vi != NULL; vi = vi->next) {
        FUZZ_CHECK(vi->rule == NULL, "a schema violation with a rule");
        FUZZ_CHECK(vi->field != NULL && vi->message != NULL
                   && vi->message[0] != '\0', "a violation without text");
        FUZZ_CHECK(!fuzz_has_control(vi->message)
                   && !fuzz_has_control(vi->field),
                   "a violation with a control character");

        if (vi->more) {
            FUZZ_CHECK(vi->next == NULL, "the summary is not the last");
            more += vi->more;

        } else {
            n++;
        }
    }

    /* at most FGS_VIOLATIONS_MAX listed, the rest in one summary */

    FUZZ_CHECK(n == v->n && n <= FGS_VIOLATIONS_MAX && more == v->dropped
               && (more == 0 || n == FGS_VIOLATIONS_MAX),
               "violation count differs from the list");

    return 0;
}


/* every member of an object whose field is flagged secret, at any depth */

static int
fuzz_schema_secrets(const fgs_json_doc_t *doc, uint32_t node,
    const fgs_schema_object_t *obj, const fgs_violations_t *v,
    fgs_alloc_t *a, int depth)
{
    int                        k;
    uint32_t                   c, i;
    const fgs_json_node_t     *nd;
    const fgs_schema_field_t  *f;

    if (obj == NULL || depth > 8 || doc->nodes[node].type != FGS_JSON_OBJECT)
    {
        return 0;
    }

    for (c = doc->nodes[node].count ? node + 1 : FGS_NONE; c != FGS_NONE;
         c = nd->next)
    {
        nd = &doc->nodes[c];

        k = fgs_schema_find(obj, nd->key, nd->key_len);
        if (k < 0) {
            continue;
        }

        f = &obj->fields[k];

        if (f->flags & FGS_SCHEMA_SECRET) {
            if (fuzz_schema_secret(doc, c, v, a) != 0) {
                return -1;
            }

            continue;
        }

        if (f->object == NULL) {
            continue;
        }

        if (nd->type == FGS_JSON_OBJECT) {
            if (fuzz_schema_secrets(doc, c, f->object, v, a, depth + 1) != 0) {
                return -1;
            }

        } else if (nd->type == FGS_JSON_ARRAY) {
            for (i = nd->count ? c + 1 : FGS_NONE; i != FGS_NONE;
                 i = doc->nodes[i].next)
            {
                if (fuzz_schema_secrets(doc, i, f->object, v, a, depth + 1)
                    != 0)
                {
                    return -1;
                }
            }
        }
    }

    return 0;
}


/*
 * A secret string of 12 bytes or more that occurs nowhere else in the
 * body must not occur in any message or field.
 */

static int
fuzz_schema_secret(const fgs_json_doc_t *doc, uint32_t node,
    const fgs_violations_t *v, fgs_alloc_t *a)
{
    char                   *secret;
    fgs_str_t               s;
    const u_char           *p;
    const fgs_json_node_t  *nd;
    const fgs_violation_t  *vi;

    if (node == FGS_NONE || doc->nodes[node].type != FGS_JSON_STRING) {
        return 0;
    }

    nd = &doc->nodes[node];

    if (fgs_json_string(doc, node, a, &s) != FGS_OK || s.len < 12) {
        return 0;
    }

    /* the same text elsewhere (another field) may be quoted from there */

    p = fuzz_find(doc->body, doc->len, s.data, s.len);

    if (p == NULL || (size_t) (p - doc->body) != nd->off + 1U
        || fuzz_find(p + 1, doc->len - (p + 1 - doc->body), s.data, s.len)
           != NULL)
    {
        return 0;
    }

    secret = fgs_strdup(a, (const char *) s.data, s.len);
    if (secret == NULL) {
        return 0;
    }

    for (vi = v->head; vi != NULL; vi = vi->next) {
        FUZZ_CHECK(strstr(vi->message, secret) == NULL
                   && strstr(vi->field, secret) == NULL,
                   "a violation quotes a secret value");
    }

    return 0;
}


#ifndef FGS_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fgs_fuzz_schema(data, size);
}

#endif

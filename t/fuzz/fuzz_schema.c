
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The API reference check on every body the scanner accepts.  The last
 * byte of the input chooses the operation (its value modulo 3: create,
 * code, config) and is dropped, except a final '}', which selects config
 * and stays part of the body, so that seeds are bodies as they are.
 * fgs_schema_validate() must return OK with no violation or DECLINED with
 * at least one, each with a field, a one-line message and no rule, and
 * no message may quote a secret value (user_data, encrypted_user_data,
 * func_code.file).
 */


#include "fuzz.h"
#include "schema/fgs_schema.h"


static int fuzz_schema_violations(const fgs_json_doc_t *doc,
    const fgs_violations_t *v, fgs_alloc_t *a);
static int fuzz_schema_secret(const fgs_json_doc_t *doc, uint32_t node,
    const fgs_violations_t *v, fgs_alloc_t *a);
static fgs_op_e fuzz_schema_op(u_char c);


/* the op for the selector byte: CREATE, CODE, CONFIG by value mod 3 */

static fgs_op_e
fuzz_schema_op(u_char c)
{
    static const fgs_op_e  ops[] = {
        FGS_OP_CREATE, FGS_OP_CODE, FGS_OP_CONFIG
    };

    return ops[c % 3];
}


int
fgs_fuzz_schema(const uint8_t *data, size_t size)
{
    int               rc;
    fgs_op_e          op;
    fgs_arena_t       arena;
    fgs_json_doc_t    doc;
    fgs_violations_t  v;

    if (size < 1) {
        return 0;
    }

    op = fuzz_schema_op(data[size - 1]);

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

    rc = fgs_schema_validate(&doc, fgs_api_of(op, 0), &v, &arena.alloc);

    if (rc == FGS_OK) {
        if (v.n != 0 || v.head != NULL) {
            fuzz_fail(__FILE__, __LINE__, "OK with violations");
        }

    } else if (rc == FGS_DECLINED) {
        (void) fuzz_schema_violations(&doc, &v, &arena.alloc);

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
    uint32_t                n, more, node;
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

    node = fgs_json_child(doc, 0, "user_data", 9);
    if (fuzz_schema_secret(doc, node, v, a) != 0) {
        return -1;
    }

    node = fgs_json_child(doc, 0, "encrypted_user_data", 19);
    if (fuzz_schema_secret(doc, node, v, a) != 0) {
        return -1;
    }

    node = fgs_json_child(doc, 0, "func_code", 9);
    if (node != FGS_NONE) {
        node = fgs_json_child(doc, node, "file", 4);
        if (fuzz_schema_secret(doc, node, v, a) != 0) {
            return -1;
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

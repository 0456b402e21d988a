
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The body scanner on any bytes.  An accepted body must give a tape that
 * keeps every promise of fgs_json.h (fuzz_tape.h), and the tape must
 * describe the body fully: the body written out again from the tape
 * alone (keys re-escaped with fgs_json_escape(), values copied raw) must
 * scan again to the same shape.  A refused body must say why and where.
 * fgs_json_escape() is checked on the same bytes: its size is exact and
 * its output holds no control character.
 */


#include "fuzz.h"
#include "fuzz_tape.h"


static int fuzz_json_refused(const fgs_json_doc_t *doc, size_t size);
static int fuzz_json_escape(const uint8_t *data, size_t size,
    fgs_alloc_t *a);
static int fuzz_json_rebuild(const fgs_json_doc_t *doc, fgs_alloc_t *a);
static u_char *fuzz_json_write(const fgs_json_doc_t *doc, uint32_t i,
    u_char *p);


int
fgs_fuzz_json(const uint8_t *data, size_t size)
{
    int             rc;
    fgs_arena_t     arena;
    fgs_json_doc_t  doc;

    fgs_arena_init(&arena);

    rc = fgs_json_scan(&doc, data, size, &arena.alloc);

    if (rc == FGS_OK) {
        if (fuzz_tape_check(&doc, &arena.alloc) == 0) {
            (void) fuzz_json_rebuild(&doc, &arena.alloc);
        }

    } else if (rc == FGS_DECLINED) {
        (void) fuzz_json_refused(&doc, size);

    } else {
        fuzz_fail(__FILE__, __LINE__, "fgs_json_scan failed (no memory)");
    }

    (void) fuzz_json_escape(data, size, &arena.alloc);

    fgs_arena_reset(&arena);

    return 0;
}


static int
fuzz_json_refused(const fgs_json_doc_t *doc, size_t size)
{
    FUZZ_CHECK(doc->error != NULL && doc->error[0] != '\0',
               "a refusal without a reason");
    FUZZ_CHECK(doc->error_off <= size, "a refusal past the end");
    FUZZ_CHECK(strlen(doc->error) < sizeof(doc->error_buf)
               || doc->error != doc->error_buf, "error_buf overflow");

    return 0;
}


static int
fuzz_json_escape(const uint8_t *data, size_t size, fgs_alloc_t *a)
{
    int             ascii;
    size_t          n, k;
    u_char         *buf, *out, *end;
    fgs_str_t       s;
    fgs_json_doc_t  doc;

    n = fgs_json_escape_len(data, size);

    buf = a->alloc(a->data, n + sizeof("{\"k\":\"\"}"));
    if (buf == NULL) {
        return 0;
    }

    out = buf + sizeof("{\"k\":\"") - 1;
    end = fgs_json_escape(out, data, size);

    FUZZ_CHECK((size_t) (end - out) == n,
               "fgs_json_escape wrote other than its length");

    for (k = 0; k < n; k++) {
        FUZZ_CHECK(out[k] >= 0x20 && out[k] != 0x7f && out[k] != '"',
                   "escaped output holds a control byte or a bare quote");

        if (out[k] == '\\') {
            k++;
        }
    }

    /* as a JSON string it reads back as the input */

    if (memchr(data, '\0', size) != NULL) {
        return 0;
    }

    memcpy(buf, "{\"k\":\"", sizeof("{\"k\":\"") - 1);
    memcpy(end, "\"}", 2);

    FUZZ_CHECK(fgs_json_scan(&doc, buf, end + 2 - buf, a) == FGS_OK
               && doc.n == 2 && fgs_json_string(&doc, 1, a, &s) == FGS_OK,
               "escaped output is not a valid JSON string");

    ascii = 1;

    for (k = 0; k < size; k++) {
        if (data[k] >= 0x80) {
            ascii = 0;
            break;
        }
    }

    FUZZ_CHECK(!ascii || (s.len == size && memcmp(s.data, data, size) == 0),
               "escaped ASCII does not read back as itself");

    return 0;
}


/*
 * Writes the tape back out as compact JSON: each key escaped anew from
 * its unescaped form, each scalar copied raw.  The result must scan to
 * the same node types and keys.
 */

static int
fuzz_json_rebuild(const fgs_json_doc_t *doc, fgs_alloc_t *a)
{
    int             rc;
    size_t          cap, len;
    u_char         *buf;
    uint32_t        i;
    fgs_json_doc_t  again;

    /* a key grows at most 6 times when escaped (\u00XX) */

    cap = 0;

    for (i = 0; i < doc->n; i++) {
        cap += doc->nodes[i].key_len * 6 + 4;

        if (doc->nodes[i].type != FGS_JSON_OBJECT
            && doc->nodes[i].type != FGS_JSON_ARRAY)
        {
            cap += doc->nodes[i].len;
        }

        cap += 3;
    }

    buf = a->alloc(a->data, cap);
    if (buf == NULL) {
        return 0;
    }

    len = fuzz_json_write(doc, 0, buf) - buf;

    FUZZ_CHECK(len <= cap, "rebuilt body overflowed");

    rc = fgs_json_scan(&again, buf, len, a);

    FUZZ_CHECK(rc == FGS_OK, "the body rebuilt from the tape is refused");
    FUZZ_CHECK(again.n == doc->n, "the rebuilt body has another node count");

    for (i = 0; i < doc->n; i++) {
        FUZZ_CHECK(again.nodes[i].type == doc->nodes[i].type
                   && again.nodes[i].parent == doc->nodes[i].parent
                   && again.nodes[i].count == doc->nodes[i].count
                   && again.nodes[i].key_len == doc->nodes[i].key_len,
                   "the rebuilt body has another shape");

        if (doc->nodes[i].key != NULL) {
            FUZZ_CHECK(memcmp(again.nodes[i].key, doc->nodes[i].key,
                              doc->nodes[i].key_len) == 0,
                       "the rebuilt body has another key");
        }
    }

    return 0;
}


static u_char *
fuzz_json_write(const fgs_json_doc_t *doc, uint32_t i, u_char *p)
{
    uint32_t                j;
    const fgs_json_node_t  *nd;

    nd = &doc->nodes[i];

    if (nd->key != NULL) {
        *p++ = '"';
        p = fgs_json_escape(p, (const u_char *) nd->key, nd->key_len);
        *p++ = '"';
        *p++ = ':';
    }

    if (nd->type != FGS_JSON_OBJECT && nd->type != FGS_JSON_ARRAY) {
        memcpy(p, doc->body + nd->off, nd->len);
        return p + nd->len;
    }

    *p++ = (nd->type == FGS_JSON_OBJECT) ? '{' : '[';

    for (j = nd->count ? i + 1 : FGS_NONE; j != FGS_NONE;
         j = doc->nodes[j].next)
    {
        if (j != i + 1) {
            *p++ = ',';
        }

        p = fuzz_json_write(doc, j, p);
    }

    *p++ = (nd->type == FGS_JSON_OBJECT) ? '}' : ']';

    return p;
}


#ifndef FGS_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fgs_fuzz_json(data, size);
}

#endif

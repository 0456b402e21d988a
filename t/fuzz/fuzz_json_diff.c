
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The body scanner against jansson in its strictest mode: json_loadb()
 * with JSON_REJECT_DUPLICATES, without JSON_DECODE_ANY (only an object
 * or an array at the top) and without JSON_ALLOW_NUL ("\u0000" refused).
 * Both must agree on acceptance, and on what an accepted body holds:
 * the same keys, string values byte for byte, integers and reals to the
 * bit, the same array order.
 *
 * The differences that are legitimate, each handled here:
 *
 * - numbers jansson cannot represent: an integer beyond json_int_t
 *   (int64) or a real that overflows a double is refused by jansson
 *   (json_error_numeric_overflow) and accepted by the scanner, which
 *   keeps numbers as text.  Such inputs are excluded;
 * - a top-level array: jansson takes it, the gateway wants one object.
 *   The scanner must refuse it;
 * - the scanner's limits: nesting deeper than FGS_JSON_MAX_DEPTH (64;
 *   jansson allows 2048) and more values than fgs_json_max_values()
 *   allows for the body's length (4,096 to 65,536).  The
 *   depth and the number of values of a body jansson accepted are
 *   counted here on its bytes, independently of both parsers; past a
 *   limit the scanner must refuse, within them it must accept;
 * - a raw NUL byte right after a number or a literal ({"a":12<NUL>}):
 *   jansson 2.14 drops it and accepts the body; RFC 8259 allows a NUL
 *   byte nowhere outside a string (and inside one only escaped), so a
 *   body jansson accepts with a NUL byte in it must be refused by the
 *   scanner.
 *
 * Not differences, and so checked like everything else: "\u0000" (both
 * refuse it, in keys and values), duplicate keys compared after
 * unescaping (both refuse), lone or reversed surrogate escapes, invalid
 * or overlong UTF-8 and UTF-8 encoded surrogates (both refuse), a byte
 * order mark (both refuse), control characters in strings, leading
 * zeros, anything but whitespace after the value (both refuse).
 */


#include <jansson.h>

#include "fuzz.h"


typedef struct {
    uint32_t        depth;      /* deepest value; the root is 0 */
    uint32_t        values;     /* values, keys not counted */
} fuzz_diff_shape_t;


static void fuzz_diff_shape(const u_char *p, size_t len,
    fuzz_diff_shape_t *sh);
static int fuzz_diff_same(const fgs_json_doc_t *doc, uint32_t i, json_t *j,
    fgs_alloc_t *a);


int
fgs_fuzz_json_diff(const uint8_t *data, size_t size)
{
    int                rc;
    json_t            *j;
    fgs_arena_t        arena;
    json_error_t       jerr;
    fgs_json_doc_t     doc;
    fuzz_diff_shape_t  sh;

    fgs_arena_init(&arena);

    rc = fgs_json_scan(&doc, data, size, &arena.alloc);

    if (rc == FGS_ERROR) {
        fuzz_fail(__FILE__, __LINE__, "fgs_json_scan failed (no memory)");
        goto done;
    }

    j = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, &jerr);

    if (j == NULL) {
        /* a number jansson cannot hold: excluded */

        if (json_error_code(&jerr) == json_error_numeric_overflow) {
            goto done;
        }

        if (rc == FGS_OK) {
            printf("# jansson: %s (at %d)\n", jerr.text, jerr.position);
            fuzz_fail(__FILE__, __LINE__,
                      "the scanner accepts what jansson refuses");
        }

        goto done;
    }

    if (memchr(data, '\0', size) != NULL) {
        if (rc == FGS_OK) {
            fuzz_fail(__FILE__, __LINE__,
                      "the scanner accepts a raw NUL byte");
        }

        json_decref(j);
        goto done;
    }

    if (!json_is_object(j)) {
        if (rc == FGS_OK) {
            fuzz_fail(__FILE__, __LINE__,
                      "the scanner accepts a top level that is no object");
        }

        json_decref(j);
        goto done;
    }

    fuzz_diff_shape(data, size, &sh);

    if (sh.depth > FGS_JSON_MAX_DEPTH
        || sh.values > fgs_json_max_values(size))
    {
        if (rc == FGS_OK) {
            fuzz_fail(__FILE__, __LINE__,
                      "the scanner accepts a body past its limits");
        }

        json_decref(j);
        goto done;
    }

    if (rc != FGS_OK) {
        printf("# scanner: %s (at %zu)\n", doc.error, doc.error_off);
        fuzz_fail(__FILE__, __LINE__,
                  "the scanner refuses what jansson accepts");

    } else if (doc.n != sh.values) {
        fuzz_fail(__FILE__, __LINE__,
                  "the tape has another number of values");

    } else {
        (void) fuzz_diff_same(&doc, 0, j, &arena.alloc);
    }

    json_decref(j);

done:

    fgs_arena_reset(&arena);

    return 0;
}


/*
 * The depth and the number of values of valid JSON, read off its bytes:
 * a string followed by ':' is a key, any other string, number, literal
 * or container is a value, at the depth of the containers open there.
 */

static void
fuzz_diff_shape(const u_char *p, size_t len, fuzz_diff_shape_t *sh)
{
    size_t    i, k;
    uint32_t  open;

    sh->depth = 0;
    sh->values = 0;
    open = 0;

    for (i = 0; i < len; i++) {

        switch (p[i]) {

        case ' ': case '\t': case '\n': case '\r': case ',': case ':':
            continue;

        case '{': case '[':
            sh->values++;
            sh->depth = open > sh->depth ? open : sh->depth;
            open++;
            continue;

        case '}': case ']':
            open--;
            continue;

        case '"':
            for (i++; i < len && p[i] != '"'; i++) {
                if (p[i] == '\\') {
                    i++;
                }
            }

            for (k = i + 1; k < len && (p[k] == ' ' || p[k] == '\t'
                                        || p[k] == '\n' || p[k] == '\r');
                 k++)
            {
                /* void */
            }

            if (k < len && p[k] == ':') {
                continue;               /* a key */
            }

            break;

        default:
            /* a number or a literal: skip to its end */

            while (i + 1 < len && p[i + 1] != ',' && p[i + 1] != '}'
                   && p[i + 1] != ']' && p[i + 1] != ' '
                   && p[i + 1] != '\t' && p[i + 1] != '\n'
                   && p[i + 1] != '\r')
            {
                i++;
            }

            break;
        }

        sh->values++;
        sh->depth = open > sh->depth ? open : sh->depth;
    }
}


static int
fuzz_diff_same(const fgs_json_doc_t *doc, uint32_t i, json_t *j,
    fgs_alloc_t *a)
{
    double                  d;
    int64_t                 v;
    uint32_t                c;
    json_t                 *jc;
    fgs_str_t               s;
    const fgs_json_node_t  *nd;

    nd = &doc->nodes[i];

    switch (nd->type) {

    case FGS_JSON_OBJECT:
        FUZZ_CHECK(json_is_object(j) && json_object_size(j) == nd->count,
                   "an object differs");

        for (c = nd->count ? i + 1 : FGS_NONE; c != FGS_NONE;
             c = doc->nodes[c].next)
        {
            jc = json_object_getn(j, doc->nodes[c].key,
                                  doc->nodes[c].key_len);

            FUZZ_CHECK(jc != NULL, "a key differs");

            if (fuzz_diff_same(doc, c, jc, a) != 0) {
                return -1;
            }
        }

        return 0;

    case FGS_JSON_ARRAY:
        FUZZ_CHECK(json_is_array(j) && json_array_size(j) == nd->count,
                   "an array differs");

        for (c = nd->count ? i + 1 : FGS_NONE; c != FGS_NONE;
             c = doc->nodes[c].next)
        {
            if (fuzz_diff_same(doc, c, json_array_get(j, doc->nodes[c].index),
                               a)
                != 0)
            {
                return -1;
            }
        }

        return 0;

    case FGS_JSON_STRING:
        FUZZ_CHECK(json_is_string(j)
                   && fgs_json_string(doc, i, a, &s) == FGS_OK
                   && s.len == json_string_length(j)
                   && memcmp(s.data, json_string_value(j), s.len) == 0,
                   "a string differs");
        return 0;

    case FGS_JSON_INTEGER:
        FUZZ_CHECK(json_is_integer(j) && fgs_json_int(doc, i, &v) == FGS_OK
                   && v == json_integer_value(j), "an integer differs");
        return 0;

    case FGS_JSON_REAL:
        FUZZ_CHECK(json_is_real(j) && fgs_json_number(doc, i, &d) == FGS_OK
                   && memcmp(&d, &(double) { json_real_value(j) },
                             sizeof(double)) == 0, "a real differs");
        return 0;

    case FGS_JSON_TRUE:
        FUZZ_CHECK(json_is_true(j), "true differs");
        return 0;

    case FGS_JSON_FALSE:
        FUZZ_CHECK(json_is_false(j), "false differs");
        return 0;

    case FGS_JSON_NULL:
        FUZZ_CHECK(json_is_null(j), "null differs");
        return 0;
    }

    FUZZ_CHECK(0, "unknown node type");

    return -1;
}


#ifndef FGS_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fgs_fuzz_json_diff(data, size);
}

#endif

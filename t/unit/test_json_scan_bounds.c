
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The JSON scanner near the end of a body.  Its one vectorised loop
 * (the skip over plain string bytes) reads 16 bytes at once while 16
 * remain, and byte by byte after that.  So the same document followed by
 * 0 to 80 spaces must give the same tape, and the same message at the
 * same offset when it is refused before its end, whichever way each of
 * its strings was read.  The documents cover line breaks and
 * indentation, keys of every length up to 40, ": ", integers of every
 * length and with what may follow them, string values with and without
 * escapes, and nesting around the limit.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "json/fgs_json.h"


#define PAD_MAX   80


typedef struct {
    int                 rc;
    uint32_t            n;
    size_t              error_off;
    char                error[sizeof(((fgs_json_doc_t *) 0)->error_buf)];
    fgs_json_node_t    *nodes;
} result_t;


static int scan(fgs_arena_t *arena, const u_char *body, size_t len,
    result_t *r);
static int same_result(const result_t *a, const result_t *b,
    size_t content_len);
static int padded_alike(const char *body, size_t len);
static void test_documents(void);
static void test_keys(void);
static void test_integers(void);
static void test_strings(void);
static void test_nesting(void);


static int
scan(fgs_arena_t *arena, const u_char *body, size_t len, result_t *r)
{
    fgs_json_doc_t  doc;

    r->rc = fgs_json_scan(&doc, body, len, &arena->alloc);
    r->n = doc.n;
    r->nodes = doc.nodes;
    r->error_off = doc.error_off;
    r->error[0] = '\0';

    if (r->rc == FGS_DECLINED) {
        snprintf(r->error, sizeof(r->error), "%s", doc.error);
    }

    return r->rc;
}


/* the tapes and keys alike, or the same refusal inside the content */

static int
same_result(const result_t *a, const result_t *b, size_t content_len)
{
    uint32_t                i;
    const fgs_json_node_t  *x, *y;

    if (a->rc != b->rc) {
        return 0;
    }

    if (a->rc == FGS_DECLINED) {

        /* a refusal at the end of the content moves with the spaces */

        if (a->error_off >= content_len) {
            return b->error_off >= content_len;
        }

        return a->error_off == b->error_off
               && strcmp(a->error, b->error) == 0;
    }

    /* out of memory is no result to compare */

    if (a->rc != FGS_OK || a->n != b->n) {
        return 0;
    }

    for (i = 0; i < a->n; i++) {
        x = &a->nodes[i];
        y = &b->nodes[i];

        if (x->key_len != y->key_len || x->member != y->member
            || x->off != y->off || x->len != y->len
            || x->parent != y->parent || x->next != y->next
            || x->count != y->count || x->index != y->index
            || x->type != y->type || x->flags != y->flags
            || x->depth != y->depth
            || (x->key == NULL) != (y->key == NULL)
            || (x->key != NULL
                && memcmp(x->key, y->key, x->key_len) != 0))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * The body alone, then followed by 1 to PAD_MAX spaces, each copy in
 * memory of exactly its size, so that a read past the end shows under
 * ASan and valgrind.
 */

static int
padded_alike(const char *body, size_t len)
{
    int           same;
    size_t        pad;
    u_char       *copy, *base;
    result_t      first, r;
    fgs_arena_t   a0, a1;

    /* kept to the end: the tape's keys are bytes of the body */

    base = malloc(len + PAD_MAX);
    if (base == NULL) {
        return 0;
    }

    memcpy(base, body, len);
    fgs_arena_init(&a0);
    (void) scan(&a0, base, len, &first);

    same = 1;

    for (pad = 1; same && pad <= PAD_MAX; pad++) {
        copy = malloc(len + pad);
        if (copy == NULL) {
            same = 0;
            break;
        }

        memcpy(copy, body, len);
        memset(copy + len, ' ', pad);

        fgs_arena_init(&a1);
        (void) scan(&a1, copy, len + pad, &r);

        same = same_result(&first, &r, len);

        if (!same) {
            printf("# differs with %zu spaces after: %.*s\n", pad,
                   (int) (len < 200 ? len : 200), body);
        }

        fgs_arena_reset(&a1);
        free(copy);
    }

    fgs_arena_reset(&a0);
    free(base);

    return same;
}


static void
test_documents(void)
{
    size_t  i;

    static const char  *docs[] = {
        "{\n  \"func_name\": \"prod-orders\",\n  \"runtime\": \"Python3.12\","
        "\n  \"memory_size\": 512,\n  \"timeout\": 30,\n  \"func_vpc\": "
        "{\"vpc_name\": \"vpc-prod\", \"subnet_id\": \"subnet-7d8e9f\"},\n"
        "  \"user_data\": \"{\\\"A\\\":\\\"b\\\",\\\"C\\\":\\\"d\\\"}\",\n"
        "  \"tags\": [\"a\", \"b\", 1, true, null, false, -0.5e3],\n"
        "  \"enterprise_project_id\": \"0\"\n}\n",
        "{\"a\":\"b\",\"c\":1,\"d\":[1,2,{\"e\":\"f\"}],\"g\":{}}",
        "{\r\n\t\"a\" :\t\"b\" ,\r\n\t\"c\":\n\n  1}",
        "{\n        \"eight\": 1,\n                  \"eighteen\": 2}",
        "{\n  \"a\": 1,\n  \"a\": 2}",
        "{\n  \"a\": 1,\n  \"b\": 2,\n}",
        "{\n  \"a\" 1}",
        "{\n  \"a\":: 1}",
        "{\n  \"a\": \t\n 1}",
        "{\n  \"a\": \"\\u00e9\\ud83d\\ude00\", \"\\u0062\": \"\xc3\xa9\"}",
        "{\n  \"a\": \"x\\ud800y\"}",
        "{\n  \"a\": \"tab\there\"}",
        "{\n  \"a\": \"\\q\"}",
        "{\n  \"a\": \"\xff\"}",
        "{\n  \"a\": 01}",
        "{\n  \"a\": 1.}",
        "{\n  \"a\": -}",
        "{\n  \"a\": 1e}",
        "{\n  \"a\": tru}",
        "{\n  \"a\": /* c */ 1}",
        "{\n  \"a\": \"b\"} x",
        "{\n  \"a\": [1, 2,]}",
        "{\n  \"\": \"empty key\", \"x\": \"\"}",
        "{\n  \"a\": \"b\",\n  \"c\"}",
        "{\n  \"a\"\n  : \"b\"}",
    };

    for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        ok(padded_alike(docs[i], strlen(docs[i])),
           "document %zu: alike with 0 to %d spaces after", i, PAD_MAX);
    }
}


/* keys of every length up to 40, plain and with an escape or a quote */

static void
test_keys(void)
{
    int     klen, kind, all;
    char    key[64], body[256];
    size_t  len;

    all = 1;

    for (kind = 0; kind < 4; kind++) {
        for (klen = 0; klen <= 40; klen++) {
            memset(key, 'k', klen);
            key[klen] = '\0';

            if (klen > 0 && kind == 1) {
                key[klen - 1] = '\\';       /* an escape starts there */
            }

            if (klen > 0 && kind == 2) {
                key[klen / 2] = '\t';       /* a control character */
            }

            if (klen > 1 && kind == 3) {
                key[0] = '\\';
                key[1] = 'n';
            }

            len = snprintf(body, sizeof(body), "{\n  \"%s\": \"v\",\n  "
                           "\"%s\": 7,\n  \"z\": \"%s\"\n}", key, "y", key);

            if (!padded_alike(body, len)) {
                all = 0;
            }
        }
    }

    ok(all, "keys of 0 to 40 bytes, plain, escaped, with a control "
       "character: alike with spaces after");
}


/* integers of 1 to 12 digits, and what may follow one */

static void
test_integers(void)
{
    int      digits, all;
    char     num[32], body[128];
    size_t   i, j, len;

    static const char  *after[] = {
        "", ".5", "e3", "E+2", "x", ",", "]", " ", "\n", "0", "-", "."
    };
    static const char  *first[] = { "1", "9", "0", "-1", "-0" };

    all = 1;

    for (i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
        for (digits = 1; digits <= 12; digits++) {
            for (j = 0; j < sizeof(after) / sizeof(after[0]); j++) {
                len = strlen(first[i]);
                memcpy(num, first[i], len);
                memset(num + len, '7', digits - 1);
                num[len + digits - 1] = '\0';

                len = snprintf(body, sizeof(body), "{\"n\": %s%s, \"a\": "
                               "[%s%s]}", num, after[j], num, after[j]);

                if (!padded_alike(body, len)) {
                    all = 0;
                }
            }
        }
    }

    ok(all, "integers of 1 to 12 digits and what follows them: alike "
       "with spaces after");
}


/* string values of 0 to 100 bytes, with a stop at every place */

static void
test_strings(void)
{
    int      all;
    char     val[128], body[256];
    size_t   vlen, at, s, len;

    static const char  *stops[] = { "", "\\\"", "\\\\", "\\u0041", "\x01",
                                    "\xc3\xa9", "\xc3", "\\x", "\"" };

    all = 1;

    for (s = 0; s < sizeof(stops) / sizeof(stops[0]); s++) {
        for (vlen = 0; vlen <= 100; vlen += 3) {
            for (at = 0; at <= vlen; at += 7) {
                memset(val, 'v', vlen);
                val[vlen] = '\0';

                len = snprintf(body, sizeof(body), "{\n  \"s\": \"%.*s%s%s\""
                               ", \"t\": 1}", (int) at, val, stops[s],
                               val + at);

                if (!padded_alike(body, len)) {
                    all = 0;
                }
            }
        }
    }

    ok(all, "strings of 0 to 100 bytes with an escape, a control "
       "character, non-ASCII or a quote at every place: alike with "
       "spaces after");
}


/* nesting up to the limit and beyond, with members inside */

static void
test_nesting(void)
{
    int     depth, all, i;
    char   *p, body[2048];

    all = 1;

    for (depth = FGS_JSON_MAX_DEPTH - 2; depth <= FGS_JSON_MAX_DEPTH + 2;
         depth++)
    {
        p = body;

        for (i = 1; i < depth; i++) {
            p += sprintf(p, "{\"k\": ");
        }

        p += sprintf(p, "{\"a\": \"b\", \"c\": 12}");

        for (i = 1; i < depth; i++) {
            *p++ = '}';
        }

        if (!padded_alike(body, p - body)) {
            all = 0;
        }

        p = body;

        for (i = 1; i < depth; i++) {
            p += sprintf(p, "{\"k\": ");
        }

        p += sprintf(p, "{}");

        for (i = 1; i < depth; i++) {
            p += sprintf(p, ", \"z\": 1}");
        }

        if (!padded_alike(body, p - body)) {
            all = 0;
        }
    }

    ok(all, "nesting around %d levels: alike with spaces after",
       FGS_JSON_MAX_DEPTH);
}


int
main(void)
{
    test_documents();
    test_keys();
    test_integers();
    test_strings();
    test_nesting();

    return done_testing();
}

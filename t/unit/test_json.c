
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The strict JSON scanner: the node tape, every refusal with its offset,
 * duplicate keys, unescaping, numbers and the escaper.
 */


#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "json/fgs_json.h"


#define S(s)  (const u_char *) (s), sizeof(s) - 1


typedef struct {
    uint8_t         type;
    const char     *key;
    uint32_t        member;
    uint32_t        off;
    uint32_t        len;
    uint32_t        parent;
    uint32_t        next;
    uint32_t        count;
    uint32_t        index;
    uint16_t        depth;
    uint8_t         flags;
} want_node_t;


typedef struct {
    const char     *body;
    size_t          len;
    size_t          off;
    const char     *error;      /* a part of the message */
} want_refusal_t;


static fgs_arena_t     arena;
static fgs_json_doc_t  doc;


static int
scan(const u_char *body, size_t len)
{
    fgs_arena_reset(&arena);
    fgs_arena_init(&arena);

    return fgs_json_scan(&doc, body, len, &arena.alloc);
}


static void
check_tape(const char *name, const want_node_t *want, uint32_t n)
{
    uint32_t                i;
    const want_node_t      *w;
    const fgs_json_node_t  *nd;

    is_int(doc.n, n, "%s: %u nodes", name, n);

    for (i = 0; i < n && i < doc.n; i++) {
        w = &want[i];
        nd = &doc.nodes[i];

        is_int(nd->type, w->type, "%s: node %u type %s", name, i,
               fgs_json_type_name(w->type));

        if (w->key) {
            ok(nd->key && nd->key_len == strlen(w->key)
               && memcmp(nd->key, w->key, nd->key_len) == 0
               && ((nd->flags & FGS_JSON_KEY_ESCAPED)
                   || nd->key_len == 0
                   || nd->key == (const char *) doc.body + nd->member + 1),
               "%s: node %u key", name, i);

        } else {
            ok(nd->key == NULL && nd->key_len == 0, "%s: node %u has no key",
               name, i);
        }

        ok(nd->member == w->member && nd->off == w->off && nd->len == w->len,
           "%s: node %u member %u off %u len %u (got %u %u %u)", name, i,
           w->member, w->off, w->len, nd->member, nd->off, nd->len);
        ok(nd->parent == w->parent && nd->next == w->next
           && nd->count == w->count && nd->index == w->index,
           "%s: node %u parent %d next %d count %u index %u "
           "(got %d %d %u %u)", name, i, (int) w->parent, (int) w->next,
           w->count, w->index, (int) nd->parent, (int) nd->next, nd->count,
           nd->index);
        ok(nd->depth == w->depth && nd->flags == w->flags,
           "%s: node %u depth %u flags %u (got %u %u)", name, i, w->depth,
           w->flags, nd->depth, nd->flags);
    }
}


static void
test_tape(void)
{
    fgs_str_t  s;

    static const char  body1[] =
        "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{\"d\":-2.5e3}}";

    static const want_node_t  want1[] = {
        { FGS_JSON_OBJECT, NULL, 0, 0, 44, FGS_NONE, FGS_NONE, 3, 0, 0, 0 },
        { FGS_JSON_INTEGER, "a", 1, 5, 1, 0, 2, 0, 0, 1, 0 },
        { FGS_JSON_ARRAY, "b", 7, 11, 15, 0, 6, 3, 1, 1, 0 },
        { FGS_JSON_TRUE, NULL, 12, 12, 4, 2, 4, 0, 0, 2, 0 },
        { FGS_JSON_NULL, NULL, 17, 17, 4, 2, 5, 0, 1, 2, 0 },
        { FGS_JSON_STRING, NULL, 22, 22, 3, 2, FGS_NONE, 0, 2, 2, 0 },
        { FGS_JSON_OBJECT, "c", 27, 31, 12, 0, FGS_NONE, 1, 2, 1, 0 },
        { FGS_JSON_REAL, "d", 32, 36, 6, 6, FGS_NONE, 0, 0, 2, 0 },
    };

    /* whitespace everywhere, an escaped key, escapes and raw UTF-8 */
    static const char  body2[] =
        "\r\n {\n  \"k\\u0065y\" : \"v\\n\\u00e9\" ,\t\"\xc3\xa9\" : "
        "\"\xe2\x82\xac\" } \n";

    static const want_node_t  want2[] = {
        { FGS_JSON_OBJECT, NULL, 3, 3, 45, FGS_NONE, FGS_NONE, 2, 0, 0, 0 },
        { FGS_JSON_STRING, "key", 7, 20, 11, 0, 2, 0, 0, 1,
          FGS_JSON_KEY_ESCAPED | FGS_JSON_ESCAPED | FGS_JSON_NONASCII },
        { FGS_JSON_STRING, "\xc3\xa9", 34, 41, 5, 0, FGS_NONE, 0, 1, 1,
          FGS_JSON_NONASCII },
    };

    static const char  body3[] =
        "{\"e\":{},\"f\":[],\"g\":[[],{}],\"h\":\"\"}";

    static const want_node_t  want3[] = {
        { FGS_JSON_OBJECT, NULL, 0, 0, 34, FGS_NONE, FGS_NONE, 4, 0, 0, 0 },
        { FGS_JSON_OBJECT, "e", 1, 5, 2, 0, 2, 0, 0, 1, 0 },
        { FGS_JSON_ARRAY, "f", 8, 12, 2, 0, 3, 0, 1, 1, 0 },
        { FGS_JSON_ARRAY, "g", 15, 19, 7, 0, 6, 2, 2, 1, 0 },
        { FGS_JSON_ARRAY, NULL, 20, 20, 2, 3, 5, 0, 0, 2, 0 },
        { FGS_JSON_OBJECT, NULL, 23, 23, 2, 3, FGS_NONE, 0, 1, 2, 0 },
        { FGS_JSON_STRING, "h", 27, 31, 2, 0, FGS_NONE, 0, 3, 1, 0 },
    };

    is_int(scan(S(body1)), FGS_OK, "nested body scans");
    check_tape("nested", want1, sizeof(want1) / sizeof(want1[0]));
    ok(doc.body == (const u_char *) body1 && doc.len == sizeof(body1) - 1,
       "doc keeps the body");

    is_int(fgs_json_child(&doc, 0, "b", 1), 2, "child b");
    is_int(fgs_json_child(&doc, 6, "d", 1), 7, "child c.d");
    is_int(fgs_json_child(&doc, 0, "d", 1), FGS_NONE, "d is not a child of "
           "the root");
    is_int(fgs_json_child(&doc, 0, "", 0), FGS_NONE, "no empty key");
    is_int(fgs_json_child(&doc, 2, "a", 1), FGS_NONE, "an array has no "
           "members");
    is_int(fgs_json_child(&doc, 99, "a", 1), FGS_NONE, "no such node");

    ok(fgs_json_string(&doc, 5, &arena.alloc, &s) == FGS_OK && s.len == 1
       && s.data == (const u_char *) body1 + 23, "unescaped string points "
       "into the body");
    is_int(fgs_json_string(&doc, 1, &arena.alloc, &s), FGS_ERROR,
           "an integer is not a string");

    is_int(scan(S(body2)), FGS_OK, "body with whitespace and escapes scans");
    check_tape("escapes", want2, sizeof(want2) / sizeof(want2[0]));

    is_int(fgs_json_child(&doc, 0, "key", 3), 1, "child by unescaped key");
    is_int(fgs_json_child(&doc, 0, "k\\u0065y", 8), FGS_NONE,
           "no child by the raw escaped key");
    is_int(fgs_json_child(&doc, 0, "\xc3\xa9", 2), 2, "child by UTF-8 key");

    ok(fgs_json_string(&doc, 1, &arena.alloc, &s) == FGS_OK && s.len == 4
       && memcmp(s.data, "v\n\xc3\xa9", 4) == 0 && s.data[4] == '\0',
       "escaped string is unescaped");
    ok(fgs_json_string(&doc, 2, &arena.alloc, &s) == FGS_OK && s.len == 3
       && memcmp(s.data, "\xe2\x82\xac", 3) == 0, "raw UTF-8 string");

    is_int(scan(S(body3)), FGS_OK, "empty containers scan");
    check_tape("empty", want3, sizeof(want3) / sizeof(want3[0]));

    is_int(scan(S("{}")), FGS_OK, "empty object");
    ok(doc.n == 1 && doc.nodes[0].len == 2 && doc.nodes[0].count == 0,
       "empty object tape");
    is_int(fgs_json_child(&doc, 0, "a", 1), FGS_NONE, "empty object has no "
           "child");

    is_int(scan(S(" \t\r\n{ \t\r\n} \t\r\n")), FGS_OK,
           "JSON whitespace around and inside");

    is_int(scan(S("{\"a\":\"\\u0041\"}")), FGS_OK, "ASCII escape");
    is_int(doc.nodes[1].flags, FGS_JSON_ESCAPED, "ASCII escape is not "
           "NONASCII");
}


static void
test_refusals(void)
{
    size_t                 i;
    const want_refusal_t  *r;

#define R(body, off, error)  { body, sizeof(body) - 1, off, error }

    static const want_refusal_t  refusals[] = {
        R("", 0, "the body is empty"),
        R(" \n ", 3, "only whitespace"),
        R("\xef\xbb\xbf{}", 0, "byte order mark"),
        R("[1]", 0, "the top level of the body must be a JSON object, not an "
          "array"),
        R(" \"x\"", 1, "must be a JSON object, not a string"),
        R("12", 0, "not a number"),
        R("true", 0, "not true"),
        R("null", 0, "not null"),
        R("x{}", 0, "must be a JSON object, found character 'x'"),
        R("{} x", 3, "unexpected character 'x' after the JSON object"),
        R("{}{}", 2, "unexpected character '{' after the JSON object"),
        R("{}\x00", 2, "unexpected byte 0x00 after the JSON object"),
        R("{}\f", 2, "unexpected byte 0x0c after the JSON object"),
        R("{\"a\":1,}", 6, "a trailing comma before '}' is not allowed"),
        R("{\"a\":[1, ]}", 7, "a trailing comma before ']'"),
        R("{\"a\":1,,\"b\":2}", 7, "where a key"),
        R("{,}", 1, "where a key"),
        R("{\"a\":[,1]}", 6, "where a value is expected"),
        R("{\"a\":01}", 6, "leading zeros"),
        R("{\"a\":-01}", 7, "leading zeros"),
        R("{\"a\":00}", 6, "leading zeros"),
        R("{\"a\":-}", 6, "a digit must follow '-'"),
        R("{\"a\":- 1}", 6, "a digit must follow '-'"),
        R("{\"a\":1.}", 7, "a digit must follow the decimal point"),
        R("{\"a\":1.e5}", 7, "decimal point"),
        R("{\"a\":.5}", 5, "unexpected character '.' where a value is "
          "expected"),
        R("{\"a\":+1}", 5, "unexpected character '+'"),
        R("{\"a\":1e}", 7, "the exponent has no digits"),
        R("{\"a\":1E+}", 8, "the exponent has no digits"),
        R("{\"a\":0x1}", 6, "unexpected character 'x' after a value"),
        R("{\"a\":1.5.2}", 8, "unexpected character '.' after a value"),
        R("{\"a\":NaN}", 5, "unexpected character 'N'"),
        R("{\"a\":Infinity}", 5, "unexpected character 'I'"),
        R("{\"a\":-Infinity}", 6, "a digit must follow '-'"),
        R("{\"a\":tru}", 5, "invalid literal"),
        R("{\"a\":True}", 5, "unexpected character 'T'"),
        R("{\"a\":truex}", 9, "unexpected character 'x' after a value; "
          "expected ',' or '}'"),
        R("{\"a\":[1 2]}", 8, "expected ',' or ']'"),
        R("{\"a\":[1}", 7, "expected ',' or ']'"),
        R("{\"a\":1]", 6, "expected ',' or '}'"),
        R("{/* c */}", 1, "comments are not allowed"),
        R("{\"a\":1 /* c */}", 7, "comments are not allowed"),
        R("{\"a\":1// c\n}", 6, "comments are not allowed"),
        R("{\"a\":/**/1}", 5, "comments are not allowed"),
        R("{'a':1}", 1, "unexpected character ''' where a key"),
        R("{a:1}", 1, "where a key (a string in double quotes)"),
        R("{\"a\" 1}", 5, "unexpected character '1' after a key; "
          "expected ':'"),
        R("{\"a\"::1}", 5, "unexpected character ':' where a value"),
        R("{\"a\":1", 6, "the body ends before the JSON object is complete"),
        R("{\"a\":", 5, "ends before"),
        R("{\"a\"", 4, "ends before"),
        R("{", 1, "ends before"),
        R("{\"a\":[", 6, "ends before"),
        R("{\"a\":\"abc", 9, "the body ends inside a string"),
        R("{\"a\":\"abc\\", 10, "ends inside a string"),
        R("{\"ab", 4, "ends inside a string"),
        R("{\"a\":\"\\u0000\"}", 6, "\\u0000 (NUL) is not allowed"),
        R("{\"a\\u0000b\":1}", 3, "\\u0000 (NUL) is not allowed"),
        R("{\"a\":\"x\\u0000\"}", 7, "\\u0000"),
        R("{\"a\":\"x\ny\"}", 7, "a control character (byte 0x0a) in a "
          "string must be escaped"),
        R("{\"a\":\"\t\"}", 6, "control character (byte 0x09)"),
        R("{\"a\":\"\x00\"}", 6, "control character (byte 0x00)"),
        R("{\"a\":\"\x1f\"}", 6, "control character (byte 0x1f)"),
        R("{\"a\x01\":1}", 3, "control character (byte 0x01)"),
        R("{\"a\":\"\\ud800\"}", 6, "high UTF-16 surrogate"),
        R("{\"a\":\"x\\ud800y\"}", 7, "high UTF-16 surrogate"),
        R("{\"a\":\"\\ud800\\u0041\"}", 6, "high UTF-16 surrogate"),
        R("{\"a\":\"\\ud800\\ud800\"}", 6, "high UTF-16 surrogate"),
        R("{\"a\":\"\\ud800\\n\"}", 6, "high UTF-16 surrogate"),
        R("{\"a\":\"\\udc00\\ud800\"}", 6, "low UTF-16 surrogate with no "
          "high"),
        R("{\"a\":\"\\uDFFF\"}", 6, "low UTF-16 surrogate"),
        R("{\"\\udc00\":1}", 2, "low UTF-16 surrogate"),
        R("{\"a\":\"\\u12\"}", 6, "four hex digits"),
        R("{\"a\":\"\\u12g4\"}", 6, "four hex digits"),
        R("{\"a\":\"\\U0041\"}", 6, "invalid escape in a string: '\\' is "
          "followed by character 'U'"),
        R("{\"a\":\"\\x41\"}", 6, "invalid escape"),
        R("{\"a\":\"\\'\"}", 6, "invalid escape"),
        R("{\"a\":\"\\\xc3\xa9\"}", 6, "followed by byte 0xc3"),
        R("{\"a\":\"\xc0\xaf\"}", 6, "invalid UTF-8 in a string"),
        R("{\"a\":\"\xc1\xbf\"}", 6, "invalid UTF-8"),
        R("{\"a\":\"\xe0\x80\xaf\"}", 6, "invalid UTF-8"),
        R("{\"a\":\"\xf0\x80\x80\xaf\"}", 6, "invalid UTF-8"),
        R("{\"a\":\"ok\xed\xa0\x80\"}", 8, "invalid UTF-8"),
        R("{\"a\":\"\xed\xbf\xbf\"}", 6, "invalid UTF-8"),
        R("{\"a\":\"\xf4\x90\x80\x80\"}", 6, "invalid UTF-8"),
        R("{\"a\":\"\xf5\x80\x80\x80\"}", 6, "invalid UTF-8"),
        R("{\"a\":\"\xff\"}", 6, "invalid UTF-8"),
        R("{\"a\":\"\x80\"}", 6, "invalid UTF-8"),
        R("{\"a\":\"\xc3\xa9\xa9\"}", 8, "invalid UTF-8"),
        R("{\"a\":\"\xe2\x82\"}", 6, "invalid UTF-8"),
        R("{\"a\":\"\xf0\x9f\x98\"}", 6, "invalid UTF-8"),
        R("{\"a\":\"\xe2\x82", 6, "invalid UTF-8"),
        R("{\"\xff\":1}", 2, "invalid UTF-8"),
        R("{\"a\":\xc3\xa9}", 5, "unexpected byte 0xc3 where a value"),
        R("{\"a\":1,\"a\":2}", 7, "duplicate key \"a\""),
        R("{\"a\" : 1 , \"b\":2, \"a\" : 3}", 18, "duplicate key \"a\""),
        R("{\"\":1,\"\":2}", 6, "duplicate key \"\""),
        R("{\"runtime\":1,\"runtim\\u0065\":2}", 13,
          "duplicate key \"runtime\""),
        R("{\"\\u0072untime\":1,\"runtime\":2}", 18,
          "duplicate key \"runtime\""),
        R("{\"x\":{\"a\":1,\"a\":1}}", 12, "duplicate key \"a\""),
        R("{\"\\u00e9\":1,\"\xc3\xa9\":2}", 12,
          "duplicate key \"\xc3\xa9\""),
        R("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", 18,
          "duplicate key \"\xf0\x9f\x98\x80\""),
        R("{\"a\\nb\\\"\\u0001\":1,\"a\\u000ab\\\"\\u0001\":2}", 18,
          "duplicate key \"a\\nb\\\"\\u0001\""),
    };

#undef R

    for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        r = &refusals[i];

        is_int(scan((const u_char *) r->body, r->len), FGS_DECLINED,
               "refused: %s", r->error);

        if (doc.error == NULL) {
            ok(0, "refusal %zu has an error", i);
            continue;
        }

        ok(strstr(doc.error, r->error) != NULL, "message has \"%s\"",
           r->error);

        if (strstr(doc.error, r->error) == NULL) {
            printf("#   got: '%s'\n", doc.error);
        }

        is_int(doc.error_off, r->off, "offset of \"%s\"", r->error);
        ok(doc.n == 0, "no tape after a refusal");
    }
}


static void
test_messages(void)
{
    size_t   i;
    u_char   body[512], *p;

    /* a refusal never quotes a value, however it is broken */

    is_int(scan(S("{\"file\":\"SECRET\x01\"}")), FGS_DECLINED, "control "
           "character in a secret");
    ok(doc.error && strstr(doc.error, "SECRET") == NULL, "message does "
       "not quote the value");

    is_int(scan(S("{\"file\":\"SECRET\\q\"}")), FGS_DECLINED, "bad escape in "
           "a secret");
    ok(doc.error && strstr(doc.error, "SECRET") == NULL, "message does "
       "not quote the value");

    /* a long duplicate key is cut at a character boundary */

    p = body;
    p += sprintf((char *) p, "{\"");

    for (i = 0; i < 40; i++) {
        p = (u_char *) memcpy(p, "\xe2\x82\xac", 3) + 3;
    }

    p += sprintf((char *) p, "\":1,\"");

    for (i = 0; i < 40; i++) {
        p += sprintf((char *) p, "\\u20ac");
    }

    p += sprintf((char *) p, "\":2}");

    is_int(scan(body, p - body), FGS_DECLINED, "long duplicate key");
    ok(doc.error
       && strncmp(doc.error, "duplicate key starting with \"", 29) == 0
       && strlen(doc.error) == 29 + 21 * 3 + 1
       && doc.error[strlen(doc.error) - 1] == '"',
       "long key is cut to whole characters: %s",
       doc.error ? doc.error : "(none)");
    is_int(doc.error_off, 2 + 120 + 4, "offset of the long duplicate");

    /* a key with quotes and controls is escaped in the message */

    is_int(scan(S("{\"\\\"\\r\\n\":1,\"\\\"\\r\\n\":2}")), FGS_DECLINED,
           "duplicate key with CR LF");
    is_str(doc.error, "duplicate key \"\\\"\\r\\n\"", "CR LF escaped in the "
           "message");
}


static void
test_limits(void)
{
    int      i, rc;
    size_t   n;
    u_char  *b, *p;

    b = malloc(16 * (size_t) FGS_JSON_MAX_NODES + 64);
    if (b == NULL) {
        ok(0, "malloc");
        return;
    }

    /* depth: the root is 0, values at depth FGS_JSON_MAX_DEPTH pass */

    p = b;
    *p++ = '{';
    *p++ = '"';
    *p++ = 'a';
    *p++ = '"';
    *p++ = ':';

    for (i = 1; i < FGS_JSON_MAX_DEPTH; i++) {
        *p++ = '[';
    }

    *p++ = '{';
    *p++ = '}';

    for (i = 1; i < FGS_JSON_MAX_DEPTH; i++) {
        *p++ = ']';
    }

    *p++ = '}';

    is_int(scan(b, p - b), FGS_OK, "nesting at the limit passes");
    is_int(doc.nodes[doc.n - 1].depth, FGS_JSON_MAX_DEPTH, "innermost "
           "depth");

    p = b + 5 + FGS_JSON_MAX_DEPTH - 1;
    *p++ = '[';
    *p++ = '1';
    *p++ = ']';

    for (i = 1; i < FGS_JSON_MAX_DEPTH; i++) {
        *p++ = ']';
    }

    *p++ = '}';

    is_int(scan(b, p - b), FGS_DECLINED, "nesting beyond the limit is "
           "refused");
    is_int(doc.error_off, 5 + FGS_JSON_MAX_DEPTH, "offset of the value too "
           "deep");
    ok(doc.error && strstr(doc.error, "deeper than 64 levels"), "depth "
       "message");

    /* a deep body is refused early, without recursion */

    memset(b, '[', 4 * 65536);
    b[0] = '{';
    memcpy(b + 1, "\"a\":", 4);

    is_int(scan(b, 4 * 65536), FGS_DECLINED, "260,000 open brackets "
           "refused");
    is_int(doc.error_off, 5 + FGS_JSON_MAX_DEPTH, "at the first one too "
           "deep");

    /*
     * nodes: the root, an array and 65534 elements, in a body of 1 MB
     * (one value per 16 bytes: the whole FGS_JSON_MAX_NODES)
     */

    is_int(fgs_json_max_values(16 * (size_t) FGS_JSON_MAX_NODES),
           FGS_JSON_MAX_NODES, "a body of 1 MB may hold 65536 values");
    is_int(fgs_json_max_values(64 * (size_t) FGS_JSON_MAX_NODES),
           FGS_JSON_MAX_NODES, "a larger one no more");

    p = b;
    p += sprintf((char *) p, "{\"a\":[");

    for (i = 0; i < FGS_JSON_MAX_NODES - 2; i++) {
        *p++ = '0';
        *p++ = ',';
    }

    p[-1] = ']';
    *p++ = '}';

    /* without the padding, the body may hold a value per 16 bytes only */

    n = p - b;
    rc = scan(b, n);
    is_int(rc, FGS_DECLINED, "65536 values in %zu bytes refused", n);
    is_int(fgs_json_max_values(n), n / 16, "the cap is a value per 16 bytes");
    is_int(doc.error_off, 6 + 2 * (n / 16 - 2), "at the value too many");
    ok(doc.error && strstr(doc.error, "more JSON values than a "
       "FunctionGraph request can"), "value cap message: %s", doc.error);

    memset(p, ' ', 16 * (size_t) FGS_JSON_MAX_NODES - n);
    p = b + 16 * (size_t) FGS_JSON_MAX_NODES;

    rc = scan(b, p - b);
    is_int(rc, FGS_OK, "65536 values pass in 1 MB");
    is_int(doc.n, FGS_JSON_MAX_NODES, "65536 nodes");
    is_int(doc.nodes[1].count, FGS_JSON_MAX_NODES - 2, "array count");
    is_int(doc.nodes[FGS_JSON_MAX_NODES - 1].index, FGS_JSON_MAX_NODES - 3,
           "last index");

    /* the ']' after the last element: one more element instead */

    n = 6 + 2 * (FGS_JSON_MAX_NODES - 2) - 1;
    memcpy(b + n, ",0]}", 4);

    is_int(scan(b, p - b), FGS_DECLINED, "65537 values refused");
    is_int(doc.error_off, n + 1, "at the value too many");
    ok(doc.error && strstr(doc.error, "65536 for a body of 1048576 bytes"),
       "node limit message: %s", doc.error);

    /* the size is checked before a byte is read */

    is_int(scan(b, (size_t) FGS_JSON_MAX_BODY + 1), FGS_DECLINED,
           "body over 4 GB refused");
    ok(doc.error && strstr(doc.error, "larger than"), "size message");

    free(b);
}


static void
test_large_objects(void)
{
    int       i, j, k, rc;
    char     *b, *p;
    double    t;
    size_t    dup_off;
    clock_t   start;

    enum { NKEYS = 60000 };

    b = malloc(NKEYS * 24 + 64);
    if (b == NULL) {
        ok(0, "malloc");
        return;
    }

    /* around the switch from linear compares to the hash set */

    for (k = 2; k <= 40; k++) {
        for (i = 0; i <= k; i++) {
            p = b;
            *p++ = '{';

            for (j = 0; j < k; j++) {
                p += sprintf(p, "\"key%d\":%d,", j, j);
            }

            dup_off = p - b;
            p += sprintf(p, "\"key%d\":0}", i);

            rc = scan((u_char *) b, p - b);

            if (i == k) {
                if (rc != FGS_OK) {
                    ok(0, "%d distinct keys pass", k + 1);
                }

            } else if (rc != FGS_DECLINED || doc.error_off != dup_off) {
                ok(0, "key %d repeated after %d keys is refused", i, k);
            }
        }
    }

    ok(1, "duplicates found in objects of 2 to 41 keys, at every place");

    /*
     * Keys that differ only where a cheap fingerprint does not look
     * (same length, first, middle and last bytes): all distinct, then
     * one repeated, in small and in large objects.
     */

    for (k = 4; k <= 40; k += 9) {
        for (i = 0; i <= k; i++) {
            p = b;
            *p++ = '{';

            for (j = 0; j < k; j++) {
                p += sprintf(p, "\"a%c%cbbbbc\":0,", 'A' + j % 26,
                             'A' + j / 26);
            }

            dup_off = p - b;
            p += sprintf(p, "\"a%c%cbbbbc\":0}", 'A' + i % 26,
                         'A' + i / 26);

            rc = scan((u_char *) b, p - b);

            if (i == k) {
                if (rc != FGS_OK) {
                    ok(0, "%d keys of one fingerprint pass", k + 1);
                }

            } else if (rc != FGS_DECLINED || doc.error_off != dup_off) {
                ok(0, "key %d of one fingerprint repeated after %d keys",
                   i, k);
            }
        }
    }

    ok(1, "duplicates found among keys of one fingerprint");

    /*
     * 60,000 keys: linear, not quadratic.  Each member takes 16 bytes or
     * more, as a body may hold a value per 16 bytes.
     */

    p = b;
    *p++ = '{';

    for (i = 0; i < NKEYS; i++) {
        p += sprintf(p, "\"k%d\":%-10d,", i, i);
    }

    p[-1] = '}';

    start = clock();
    rc = scan((u_char *) b, p - b);
    t = (double) (clock() - start) / CLOCKS_PER_SEC;

    is_int(rc, FGS_OK, "60,000 distinct keys pass");
    is_int(doc.nodes[0].count, NKEYS, "60,000 members");
    ok(t < 1.5, "60,000 keys scan in %.3f s", t);
    is_int(fgs_json_child(&doc, 0, "k59999", 6), NKEYS, "last member "
           "found");

    /* the same with the first key again at the end, escaped */

    p[-1] = ',';
    dup_off = p - b;
    p += sprintf(p, "\"\\u006b0\":1}");

    start = clock();
    rc = scan((u_char *) b, p - b);
    t = (double) (clock() - start) / CLOCKS_PER_SEC;

    is_int(rc, FGS_DECLINED, "duplicate in a 60,001-key object refused");
    is_int(doc.error_off, dup_off, "offset of the duplicate");
    is_str(doc.error, "duplicate key \"k0\"", "duplicate key message");
    ok(t < 1.5, "in %.3f s", t);

    /* and a duplicate in the middle */

    p = b;
    *p++ = '{';

    for (i = 0; i < NKEYS; i++) {
        if (i == NKEYS / 2) {
            dup_off = p - b;
            p += sprintf(p, "\"k%d\":%-10d,", NKEYS / 3, i);
            continue;
        }

        p += sprintf(p, "\"k%d\":%-10d,", i, i);
    }

    p[-1] = '}';

    is_int(scan((u_char *) b, p - b), FGS_DECLINED, "duplicate in the middle "
           "of a large object");
    is_int(doc.error_off, dup_off, "its offset");

    free(b);
}


static void
test_strings(void)
{
    fgs_str_t  s;

    static const char  body[] =
        "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00E9\\u20ac"
        "\\ud83d\\uDE00\\u0001x\"}";
    static const char  want[] =
        "\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x01x";

    is_int(scan(S(body)), FGS_OK, "every escape");
    is_int(doc.nodes[1].flags, FGS_JSON_ESCAPED | FGS_JSON_NONASCII,
           "escaped and non-ASCII");
    ok(fgs_json_string(&doc, 1, &arena.alloc, &s) == FGS_OK
       && s.len == sizeof(want) - 1
       && memcmp(s.data, want, s.len) == 0, "every escape is decoded");

    is_int(scan(S("{\"s\":\"\\ud800\\udc00\\udbff\\udfff\"}")), FGS_OK,
           "first and last surrogate pairs");
    ok(fgs_json_string(&doc, 1, &arena.alloc, &s) == FGS_OK && s.len == 8
       && memcmp(s.data, "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 8) == 0,
       "U+10000 and U+10FFFF");

    is_int(scan(S("{\"s\":\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\x7f\"}")), FGS_OK,
           "noncharacters and DEL pass");

    is_int(scan(S("{\"s\":\"\\u2028\"}")), FGS_OK, "U+2028 escape");
    ok(fgs_json_string(&doc, 1, &arena.alloc, &s) == FGS_OK && s.len == 3
       && memcmp(s.data, "\xe2\x80\xa8", 3) == 0, "U+2028 decoded");
}


/*
 * The string scanner skips 16 and 64 bytes at a time: every stop byte at
 * every place within and around those blocks, with the body in a buffer
 * of its exact size so that a read past its end is caught.
 */

static void
test_string_blocks(void)
{
    int      bad;
    size_t   len, pos, n;
    u_char  *b;

    bad = 0;

    for (len = 1; len <= 160; len++) {
        for (pos = 0; pos < len; pos++) {
            n = 6 + len + 2;

            b = malloc(n);
            if (b == NULL) {
                ok(0, "malloc");
                return;
            }

            memcpy(b, "{\"s\":\"", 6);
            memset(b + 6, 'a', len);
            memcpy(b + 6 + len, "\"}", 2);

            b[6 + pos] = 0x01;

            if (scan(b, n) != FGS_DECLINED || doc.error_off != 6 + pos) {
                bad++;
            }

            b[6 + pos] = 0xff;

            if (scan(b, n) != FGS_DECLINED || doc.error_off != 6 + pos) {
                bad++;
            }

            b[6 + pos] = 0x7f;

            if (scan(b, n) != FGS_OK || doc.nodes[1].len != len + 2
                || doc.nodes[1].flags != 0)
            {
                bad++;
            }

            b[6 + pos] = '"';

            if (pos + 1 < len
                && (scan(b, n) != FGS_DECLINED
                    || doc.error_off != 6 + pos + 1))
            {
                bad++;
            }

            if (pos + 1 < len) {
                b[6 + pos] = '\\';
                b[6 + pos + 1] = 't';

                if (scan(b, n) != FGS_OK || doc.nodes[1].len != len + 2
                    || doc.nodes[1].flags != FGS_JSON_ESCAPED)
                {
                    bad++;
                }
            }

            if (pos + 1 < len) {
                b[6 + pos] = 0xc3;
                b[6 + pos + 1] = 0xa9;

                if (scan(b, n) != FGS_OK || doc.nodes[1].len != len + 2
                    || doc.nodes[1].flags != FGS_JSON_NONASCII)
                {
                    bad++;
                }
            }

            /* the body cut inside the string */

            if (scan(b, 6 + pos) != FGS_DECLINED
                || doc.error_off != 6 + pos)
            {
                bad++;
            }

            free(b);
        }
    }

    is_int(bad, 0, "stops at every place of strings of 1 to 160 bytes");
}


static void
test_numbers(void)
{
    size_t    i;
    double    d;
    int64_t   v;

    static const struct {
        const char  *num;
        int          rc;
        int64_t      value;
    } ints[] = {
        { "0", FGS_OK, 0 },
        { "-0", FGS_OK, 0 },
        { "7", FGS_OK, 7 },
        { "-12", FGS_OK, -12 },
        { "9223372036854775807", FGS_OK, INT64_MAX },
        { "9223372036854775808", FGS_DECLINED, 0 },
        { "-9223372036854775808", FGS_OK, INT64_MIN },
        { "-9223372036854775809", FGS_DECLINED, 0 },
        { "18446744073709551616", FGS_DECLINED, 0 },
        { "99999999999999999999999999", FGS_DECLINED, 0 },
    };

    char  body[64];

    for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        snprintf(body, sizeof(body), "{\"n\":%s}", ints[i].num);

        is_int(scan((u_char *) body, strlen(body)), FGS_OK, "%s scans",
               ints[i].num);
        is_int(doc.nodes[1].type, FGS_JSON_INTEGER, "%s is an integer",
               ints[i].num);

        v = 42;
        is_int(fgs_json_int(&doc, 1, &v), ints[i].rc, "fgs_json_int(%s)",
               ints[i].num);

        if (ints[i].rc == FGS_OK) {
            ok(v == ints[i].value, "value of %s", ints[i].num);
        }
    }

    is_int(scan(S("{\"a\":1024.0,\"b\":1e3,\"c\":-2.5E-1,\"d\":1e400,"
                  "\"e\":\"1\",\"f\":0e+1,\"g\":1E-400}")),
           FGS_OK, "reals scan");

    is_int(doc.nodes[1].type, FGS_JSON_REAL, "1024.0 is real");
    is_int(doc.nodes[2].type, FGS_JSON_REAL, "1e3 is real");
    is_int(fgs_json_int(&doc, 1, &v), FGS_ERROR, "no int of a real");
    is_int(fgs_json_int(&doc, 5, &v), FGS_ERROR, "no int of a string");

    ok(fgs_json_number(&doc, 1, &d) == FGS_OK && d == 1024.0, "1024.0");
    ok(fgs_json_number(&doc, 2, &d) == FGS_OK && d == 1000.0, "1e3");
    ok(fgs_json_number(&doc, 3, &d) == FGS_OK && d == -0.25, "-2.5E-1");
    is_int(fgs_json_number(&doc, 4, &d), FGS_DECLINED, "1e400 is out of "
           "range");
    is_int(fgs_json_number(&doc, 5, &d), FGS_ERROR, "a string is no number");
    ok(fgs_json_number(&doc, 6, &d) == FGS_OK && d == 0.0, "0e+1");
    ok(fgs_json_number(&doc, 7, &d) == FGS_OK && d == 0.0, "1E-400 is 0");

    is_int(scan(S("{\"n\":-42}")), FGS_OK, "integer scans");
    ok(fgs_json_number(&doc, 1, &d) == FGS_OK && d == -42.0, "integer as "
       "double");
}


static void
test_type_names(void)
{
    is_str(fgs_json_type_name(FGS_JSON_OBJECT), "object", "object");
    is_str(fgs_json_type_name(FGS_JSON_ARRAY), "array", "array");
    is_str(fgs_json_type_name(FGS_JSON_STRING), "string", "string");
    is_str(fgs_json_type_name(FGS_JSON_INTEGER), "integer", "integer");
    is_str(fgs_json_type_name(FGS_JSON_REAL), "real", "real");
    is_str(fgs_json_type_name(FGS_JSON_TRUE), "boolean", "true");
    is_str(fgs_json_type_name(FGS_JSON_FALSE), "boolean", "false");
    is_str(fgs_json_type_name(FGS_JSON_NULL), "null", "null");
    is_str(fgs_json_type_name((fgs_json_type_e) 99), "unknown", "unknown");
}


static void
escape_is(const char *src, size_t len, const char *want, const char *name)
{
    u_char  buf[256], *last;
    size_t  n;

    n = fgs_json_escape_len((const u_char *) src, len);
    memset(buf, 'Z', sizeof(buf));
    last = fgs_json_escape(buf, (const u_char *) src, len);

    is_int(n, strlen(want), "%s: length", name);
    is_int(last - buf, n, "%s: written as counted", name);
    ok(buf[n] == 'Z' && memcmp(buf, want, n) == 0, "%s: output", name);
}


static void
test_escape(void)
{
    int      i, j, bad;
    size_t   len, n;
    u_char   src[64], out[64 * 6 + 16], *p;
    uint32_t seed;

    escape_is("plain text", 10, "plain text", "plain");
    escape_is("", 0, "", "empty");
    escape_is("a\"b\\c/", 6, "a\\\"b\\\\c/", "quote and backslash");
    escape_is("\b\f\n\r\t", 5, "\\b\\f\\n\\r\\t", "short forms");
    escape_is("\x00\x01\x1f\x7f", 4, "\\u0000\\u0001\\u001f\\u007f",
              "controls and DEL");
    escape_is("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
              "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "valid UTF-8 kept");
    escape_is("a\xff" "b", 3, "a\xef\xbf\xbd" "b", "invalid byte");
    escape_is("\xe2\x82x", 3, "\xef\xbf\xbdx", "truncated sequence is one "
              "U+FFFD");
    escape_is("\xe2\x82", 2, "\xef\xbf\xbd", "truncated at the end");
    escape_is("\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd", "overlong");
    escape_is("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
              "UTF-8 surrogate");
    escape_is("\xf4\x90\x80\x80", 4,
              "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
              "above U+10FFFF");
    escape_is("x\r\nGET / HTTP/1.1", 17, "x\\r\\nGET / HTTP/1.1",
              "CR LF cannot start a line");

    /* whatever the input, the output is a valid JSON string body */

    seed = 12345;
    bad = 0;

    for (i = 0; i < 3000; i++) {
        len = i % 64;

        for (j = 0; j < (int) len; j++) {
            seed = seed * 1103515245 + 12345;
            src[j] = (u_char) (seed >> 16);

            if ((seed >> 8) % 3 == 0) {
                src[j] &= 0x7f;
            }

            /* NUL escapes to \u0000, valid JSON that the scanner refuses */

            if (src[j] == 0) {
                src[j] = 1;
            }
        }

        p = out;
        *p++ = '{';
        *p++ = '"';
        *p++ = 'k';
        *p++ = '"';
        *p++ = ':';
        *p++ = '"';
        n = fgs_json_escape_len(src, len);
        p = fgs_json_escape(p, src, len);
        *p++ = '"';
        *p++ = '}';

        if ((size_t) (p - out) != n + 8 || scan(out, p - out) != FGS_OK
            || memchr(out, '\n', p - out) || memchr(out, '\r', p - out))
        {
            bad++;
        }
    }

    is_int(bad, 0, "3000 random byte strings escape to valid JSON");
}


int
main(void)
{
    fgs_arena_init(&arena);

    test_tape();
    test_refusals();
    test_messages();
    test_limits();
    test_large_objects();
    test_strings();
    test_string_blocks();
    test_numbers();
    test_type_names();
    test_escape();

    fgs_arena_reset(&arena);

    return done_testing();
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The JSON scanner on the layouts that stress its states: keys that
 * are read while the node array grows, the same document in every
 * layout of whitespace, crowds of escapes in one string, and duplicate
 * keys around the size at which an object's check changes from
 * fingerprints to a hash set.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "json/fgs_json.h"


#define BUF_SIZE  65536


static int scan(const u_char *body, size_t len);
static size_t member_body(u_char *b, int members, int escaped);
static int check_members(const u_char *b, int members);
static void test_grow_keys(void);
static size_t layout(u_char *dst, const char *src, const char *indent,
    const char *eol);
static int same_tape(const fgs_json_node_t *a, uint32_t na,
    const fgs_json_node_t *b, uint32_t nb);
static void test_layouts(void);
static void test_escape_crowds(void);
static void test_duplicates_at_threshold(void);
static void test_key_blocks(void);


static fgs_arena_t     arena;
static fgs_json_doc_t  doc;
static u_char          buf[BUF_SIZE];


static int
scan(const u_char *body, size_t len)
{
    fgs_arena_reset(&arena);
    fgs_arena_init(&arena);

    return fgs_json_scan(&doc, body, len, &arena.alloc);
}


/*
 * {"k0":..,"k1":..} with values of four kinds in turn: a string, an
 * object of one member, an array of two numbers, and an empty object.
 * With escaped, every third key is written with a \u escape for its 'k'.
 */

static size_t
member_body(u_char *b, int members, int escaped)
{
    int     i;
    size_t  n;

    n = 0;
    b[n++] = '{';

    for (i = 0; i < members; i++) {
        if (i) {
            b[n++] = ',';
        }

        n += sprintf((char *) b + n, (escaped && i % 3 == 0)
                                     ? "\"\\u006b%d\":" : "\"k%d\":", i);

        switch (i % 4) {
        case 0:
            n += sprintf((char *) b + n, "\"v%d\"", i);
            break;
        case 1:
            n += sprintf((char *) b + n, "{\"in\":%d}", i);
            break;
        case 2:
            n += sprintf((char *) b + n, "[%d,%d]", i, i);
            break;
        default:
            n += sprintf((char *) b + n, "{}");
        }
    }

    b[n++] = '}';

    return n;
}


/* every member of the root has its key, its place and its siblings */

static int
check_members(const u_char *b, int members)
{
    int                     i;
    char                    key[32];
    uint32_t                m, want_count;
    const fgs_json_node_t  *nd;

    if (doc.nodes[0].count != (uint32_t) members) {
        return 0;
    }

    m = members ? 1 : FGS_NONE;

    for (i = 0; i < members; i++) {
        if (m == FGS_NONE || m >= doc.n) {
            return 0;
        }

        nd = &doc.nodes[m];
        sprintf(key, "k%d", i);

        if (nd->key == NULL || nd->key_len != strlen(key)
            || memcmp(nd->key, key, nd->key_len) != 0 || nd->parent != 0
            || nd->index != (uint32_t) i || nd->depth != 1
            || b[nd->member] != '"')
        {
            return 0;
        }

        want_count = (i % 4 == 1) ? 1 : (i % 4 == 2) ? 2 : 0;

        if (nd->count != want_count) {
            return 0;
        }

        if (i % 4 == 1
            && (doc.nodes[m + 1].key == NULL
                || doc.nodes[m + 1].key_len != 2
                || memcmp(doc.nodes[m + 1].key, "in", 2) != 0
                || doc.nodes[m + 1].parent != m))
        {
            return 0;
        }

        if (i % 4 == 2
            && (doc.nodes[m + 1].key != NULL
                || doc.nodes[m + 1].member != doc.nodes[m + 1].off
                || doc.nodes[m + 1].next != m + 2
                || doc.nodes[m + 2].next != FGS_NONE))
        {
            return 0;
        }

        m = nd->next;
    }

    return m == FGS_NONE;
}


/*
 * The node array starts small for a small body and grows while the key
 * of the next member has been read into it: no key may be lost.
 */

static void
test_grow_keys(void)
{
    int     members, bad, escaped;
    size_t  n;

    bad = 0;

    for (escaped = 0; escaped <= 1; escaped++) {
        for (members = 0; members <= 700; members++) {
            n = member_body(buf, members, escaped);

            if (scan(buf, n) != FGS_OK || !check_members(buf, members)) {
                bad++;
            }
        }
    }

    is_int(bad, 0, "keys, places and siblings of objects of 0 to 700 "
           "members, through every growth of the tape");
}


/*
 * src with each '\n' replaced by eol and the indentation repeated for
 * the depth: '{' and '[' open a level, '}' and ']' close one.
 */

static size_t
layout(u_char *dst, const char *src, const char *indent, const char *eol)
{
    int          depth, i;
    size_t       n;
    const char  *s;

    n = 0;
    depth = 0;

    for (s = src; *s; s++) {
        if (*s == '}' || *s == ']') {
            depth--;
            n += sprintf((char *) dst + n, "%s", eol);

            for (i = 0; i < depth; i++) {
                n += sprintf((char *) dst + n, "%s", indent);
            }
        }

        dst[n++] = (u_char) *s;

        if (*s == ':') {
            dst[n++] = ' ';
        }

        if (*s == '{' || *s == '[' || *s == ',') {
            if (*s != ',') {
                depth++;
            }

            n += sprintf((char *) dst + n, "%s", eol);

            for (i = 0; i < depth; i++) {
                n += sprintf((char *) dst + n, "%s", indent);
            }
        }
    }

    return n;
}


static int
same_tape(const fgs_json_node_t *a, uint32_t na, const fgs_json_node_t *b,
    uint32_t nb)
{
    uint32_t  i;

    if (na != nb) {
        return 0;
    }

    for (i = 0; i < na; i++) {
        if (a[i].type != b[i].type || a[i].parent != b[i].parent
            || a[i].next != b[i].next || a[i].count != b[i].count
            || a[i].index != b[i].index || a[i].depth != b[i].depth
            || a[i].flags != b[i].flags || a[i].key_len != b[i].key_len
            || (a[i].key == NULL) != (b[i].key == NULL)
            || (a[i].key && memcmp(a[i].key, b[i].key, a[i].key_len) != 0))
        {
            return 0;
        }
    }

    return 1;
}


/* the same document compact and in every layout gives the same tape */

static void
test_layouts(void)
{
    int               bad;
    size_t            i, j, n, cut;
    uint32_t          n0;
    fgs_json_node_t  *want;
    fgs_arena_t       keep;
    fgs_json_doc_t    first;

    static const char  *src = "{\"func_name\":\"a\",\"memory_size\":128,"
        "\"func_vpc\":{\"vpc_id\":\"v\",\"subnet_id\":\"s\"},"
        "\"tags\":[{\"k\":\"x\"},{\"k\":\"y\"}],\"empty\":{},\"none\":[],"
        "\"flag\":true,\"nothing\":null,\"real\":-1.5e3,"
        "\"long_name_of_a_key_in_the_body\":\"a value that is long "
        "enough to need more than one block of sixteen bytes\"}";

    static const char  *indents[] = {
        "", " ", "  ", "    ", "\t", "\t\t", "        ", "           ",
        " \t", "\t ", "                                  "
    };

    static const char  *eols[] = { "", "\n", "\r\n", "\r", " \n", "\n " };

    fgs_arena_init(&keep);

    if (fgs_json_scan(&first, (const u_char *) src, strlen(src),
                      &keep.alloc) != FGS_OK)
    {
        ok(0, "the compact document is accepted");
        fgs_arena_reset(&keep);
        return;
    }

    want = first.nodes;
    n0 = first.n;
    bad = 0;

    for (i = 0; i < sizeof(indents) / sizeof(indents[0]); i++) {
        for (j = 0; j < sizeof(eols) / sizeof(eols[0]); j++) {
            n = layout(buf, src, indents[i], eols[j]);

            if (scan(buf, n) != FGS_OK
                || !same_tape(want, n0, doc.nodes, doc.n))
            {
                bad++;
            }

            /* trailing whitespace of every length, to the body's end */

            for (cut = 0; cut < 12; cut++) {
                memset(buf + n, cut % 2 ? ' ' : '\n', cut);

                if (scan(buf, n + cut) != FGS_OK
                    || !same_tape(want, n0, doc.nodes, doc.n))
                {
                    bad++;
                }
            }
        }
    }

    is_int(bad, 0, "66 layouts of whitespace give the compact tape");

    /* a byte that is not whitespace within indentation is refused there */

    bad = 0;

    for (i = 1; i <= 12; i++) {
        n = 0;
        n += sprintf((char *) buf, "{\"a\":1,\n");
        memset(buf + n, ' ', 12);
        buf[n + i - 1] = 0x0b;
        n += 12;
        n += sprintf((char *) buf + n, "\"b\":2}");

        if (scan(buf, n) != FGS_DECLINED || doc.error_off != 8 + i - 1) {
            bad++;
        }
    }

    is_int(bad, 0, "a vertical tab at each place of an indentation is "
           "refused at its offset");

    fgs_arena_reset(&keep);
}


/* strings of many short escapes, as JSON inside a string has */

static void
test_escape_crowds(void)
{
    int     bad, gap, count, at;
    size_t  n, start, off[64];
    int     i, k;

    bad = 0;

    for (gap = 0; gap <= 20; gap++) {
        for (count = 1; count <= 12; count++) {

            /* {"s":"\"aaa\"aaa...\""} */

            n = sprintf((char *) buf, "{\"s\":\"");
            start = n;

            for (i = 0; i < count; i++) {
                off[i] = n;
                buf[n++] = '\\';
                buf[n++] = '"';

                for (k = 0; k < gap; k++) {
                    buf[n++] = 'a';
                }
            }

            buf[n++] = '"';
            buf[n++] = '}';

            if (scan(buf, n) != FGS_OK || doc.n != 2
                || doc.nodes[1].len != n - start
                || doc.nodes[1].flags != FGS_JSON_ESCAPED)
            {
                bad++;
            }

            for (at = 0; at < count; at++) {

                /* an escape that is not one */

                buf[off[at] + 1] = 'x';

                if (scan(buf, n) != FGS_DECLINED
                    || doc.error_off != off[at])
                {
                    bad++;
                }

                /* a control character right after an escape */

                buf[off[at] + 1] = '"';

                if (gap) {
                    buf[off[at] + 2] = 0x1f;

                    if (scan(buf, n) != FGS_DECLINED
                        || doc.error_off != off[at] + 2)
                    {
                        bad++;
                    }

                    buf[off[at] + 2] = 0xe9;

                    if (scan(buf, n) != FGS_DECLINED
                        || doc.error_off != off[at] + 2)
                    {
                        bad++;
                    }

                    buf[off[at] + 2] = 'a';
                }

                /* the string ends right after an escape */

                buf[off[at] + 1] = 'n';

                if (scan(buf, off[at] + 2) != FGS_DECLINED
                    || doc.error_off != off[at] + 2)
                {
                    bad++;
                }

                buf[off[at] + 1] = '"';
            }
        }
    }

    /* a \u escape of a non-ASCII character among simple ones */

    n = sprintf((char *) buf, "{\"s\":\"\\\"a\\n\\u00e9\\\"b\\t\"}");

    if (scan(buf, n) != FGS_OK
        || doc.nodes[1].flags != (FGS_JSON_ESCAPED | FGS_JSON_NONASCII))
    {
        bad++;
    }

    is_int(bad, 0, "crowds of escapes: accepted, and each bad byte "
           "refused at its offset");
}


/*
 * A key repeated, spelt once with a \u escape, at every place of objects
 * around the size where the check changes to a hash set.
 */

static void
test_duplicates_at_threshold(void)
{
    int     bad, keys, dup, i;
    size_t  n, dup_off;

    bad = 0;

    for (keys = 1; keys <= 70; keys++) {
        for (dup = 0; dup < keys; dup++) {
            n = 0;
            buf[n++] = '{';
            dup_off = 0;

            for (i = 0; i < keys; i++) {
                n += sprintf((char *) buf + n, "\"key_%02d\":%d,", i, i);
            }

            dup_off = n;

            /* "key_NN" with its 'k' escaped */

            n += sprintf((char *) buf + n, "\"\\u006bey_%02d\":0}", dup);

            if (scan(buf, n) != FGS_DECLINED || doc.error_off != dup_off
                || strstr(doc.error, "duplicate key") == NULL)
            {
                bad++;
            }

            /* and a new key there is accepted */

            n = dup_off;
            n += sprintf((char *) buf + n, "\"\\u006bey_%02d\":0}", keys);

            if (scan(buf, n) != FGS_OK
                || doc.nodes[0].count != (uint32_t) keys + 1)
            {
                bad++;
            }
        }
    }

    is_int(bad, 0, "duplicates found in objects of 1 to 70 keys, at "
           "every place");
}


/*
 * Keys of every length up to 70 bytes, with a control character, a
 * byte >= 0x80 or an escape at each place, and with more or less body
 * after them: the short keys' fast copy and the general one agree.
 */

static void
test_key_blocks(void)
{
    int       bad;
    size_t    len, pos, n, tail, i;
    char      want[80];

    static const char  *tails[] = {
        ":1}", ":1,\"zz\":2}", ":\"a value after the key, longer than "
        "the key blocks\"}"
    };

    bad = 0;

    for (tail = 0; tail < sizeof(tails) / sizeof(tails[0]); tail++) {
        for (len = 0; len <= 70; len++) {

            /* {"aaa...":... */

            buf[0] = '{';
            buf[1] = '"';
            memset(buf + 2, 'a', len);
            buf[2 + len] = '"';
            n = 3 + len;
            n += sprintf((char *) buf + n, "%s", tails[tail]);

            memset(want, 'a', len);
            want[len] = '\0';

            if (scan(buf, n) != FGS_OK || doc.nodes[1].key_len != len
                || memcmp(doc.nodes[1].key, want, len) != 0
                || (len > 0 && doc.nodes[1].key != (const char *) buf + 2)
                || doc.nodes[1].flags != 0 || doc.nodes[1].member != 1)
            {
                bad++;
            }

            for (pos = 0; pos < len; pos++) {
                buf[2 + pos] = 0x0a;

                if (scan(buf, n) != FGS_DECLINED
                    || doc.error_off != 2 + pos)
                {
                    bad++;
                }

                buf[2 + pos] = 0x80;

                if (scan(buf, n) != FGS_DECLINED
                    || doc.error_off != 2 + pos)
                {
                    bad++;
                }

                buf[2 + pos] = '"';

                if (scan(buf, n) != FGS_DECLINED) {
                    bad++;
                }

                buf[2 + pos] = 'a';

                if (pos + 1 < len) {
                    buf[2 + pos] = '\\';
                    buf[3 + pos] = 't';

                    for (i = 0; i < len - 1; i++) {
                        want[i] = (i < pos) ? 'a' : (i == pos) ? '\t' : 'a';
                    }

                    want[len - 1] = '\0';

                    if (scan(buf, n) != FGS_OK
                        || doc.nodes[1].key_len != len - 1
                        || memcmp(doc.nodes[1].key, want, len - 1) != 0
                        || doc.nodes[1].flags != FGS_JSON_KEY_ESCAPED)
                    {
                        bad++;
                    }

                    buf[2 + pos] = 'a';
                    buf[3 + pos] = 'a';
                }
            }
        }
    }

    is_int(bad, 0, "keys of 0 to 70 bytes: copied whole, and a bad byte "
           "refused at each place");
}


int
main(void)
{
    fgs_arena_init(&arena);

    test_grow_keys();
    test_layouts();
    test_escape_crowds();
    test_duplicates_at_threshold();
    test_key_blocks();

    fgs_arena_reset(&arena);

    return done_testing();
}

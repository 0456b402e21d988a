
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs_json_string() on strings with escapes between runs of every
 * length around the eight bytes that fgs_json_unescape() copies at a
 * time: the value is exactly what the escapes say, NUL-terminated.  (The
 * sanitizer builds, make test-asan, tell a write past its room.)
 */


#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "json/fgs_json.h"


#define TJA_MAX  40


typedef struct {
    const char  *raw;       /* as written in JSON */
    const char  *value;     /* what it decodes to */
} tja_escape_t;


static int tja_one(const tja_escape_t *e, size_t before, size_t after,
    int twice);


static const tja_escape_t  tja_escapes[] = {
    { "\\\"", "\"" },
    { "\\\\", "\\" },
    { "\\/", "/" },
    { "\\n", "\n" },
    { "\\t", "\t" },
    { "\\u00e9", "\xc3\xa9" },
    { "\\u20ac", "\xe2\x82\xac" },
    { "\\ud83d\\ude00", "\xf0\x9f\x98\x80" }
};


int
main(void)
{
    int     good;
    size_t  i, before, after;

    for (i = 0; i < sizeof(tja_escapes) / sizeof(tja_escapes[0]); i++) {
        good = 1;

        for (before = 0; before <= TJA_MAX; before++) {
            for (after = 0; after <= TJA_MAX; after++) {
                if (tja_one(&tja_escapes[i], before, after, 0) != 0
                    || tja_one(&tja_escapes[i], before, after, 1) != 0)
                {
                    good = 0;
                }
            }
        }

        ok(good, "escape %s between runs of 0 to %d bytes, once and twice",
           tja_escapes[i].raw, TJA_MAX);
    }

    return done_testing();
}


/* {"k":"<before x 'a'>ESC<after x 'b'>[ESC]"}: its value */

static int
tja_one(const tja_escape_t *e, size_t before, size_t after, int twice)
{
    int             rc;
    char            body[256], want[128], *p, *w;
    size_t          n;
    fgs_str_t       s;
    fgs_arena_t     arena;
    fgs_json_doc_t  doc;

    p = body;
    w = want;

    p += sprintf(p, "{\"k\":\"");
    memset(p, 'a', before);
    memset(w, 'a', before);
    p += before;
    w += before;

    p += sprintf(p, "%s", e->raw);
    w += sprintf(w, "%s", e->value);

    memset(p, 'b', after);
    memset(w, 'b', after);
    p += after;
    w += after;

    if (twice) {
        p += sprintf(p, "%s", e->raw);
        w += sprintf(w, "%s", e->value);
    }

    p += sprintf(p, "\"}");
    *w = '\0';

    fgs_arena_init(&arena);

    n = p - body;
    rc = fgs_json_scan(&doc, (u_char *) body, n, &arena.alloc);

    if (rc != FGS_OK || doc.n != 2) {
        printf("# scan: %.*s\n", (int) n, body);
        fgs_arena_reset(&arena);
        return -1;
    }

    rc = fgs_json_string(&doc, 1, &arena.alloc, &s);

    if (rc != FGS_OK || s.len != strlen(want)
        || memcmp(s.data, want, s.len) != 0 || s.data[s.len] != '\0')
    {
        printf("# value of %.*s\n", (int) n, body);
        fgs_arena_reset(&arena);
        return -1;
    }

    fgs_arena_reset(&arena);

    return 0;
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The escaper on strings long enough for its 16-byte steps: every byte
 * value at every position of a block gives what a byte-by-byte escaper
 * gives, and the length agrees with the output.
 */


#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "json/fgs_json.h"


/* the escape of one byte alone, as the escaper documents it */

static size_t
reference(u_char c, u_char *out)
{
    static const char  hex[] = "0123456789abcdef";

    switch (c) {
    case '"':
        memcpy(out, "\\\"", 2);
        return 2;
    case '\\':
        memcpy(out, "\\\\", 2);
        return 2;
    case '\b':
        memcpy(out, "\\b", 2);
        return 2;
    case '\f':
        memcpy(out, "\\f", 2);
        return 2;
    case '\n':
        memcpy(out, "\\n", 2);
        return 2;
    case '\r':
        memcpy(out, "\\r", 2);
        return 2;
    case '\t':
        memcpy(out, "\\t", 2);
        return 2;
    }

    if (c < 0x20 || c == 0x7f) {
        memcpy(out, "\\u00", 4);
        out[4] = hex[c >> 4];
        out[5] = hex[c & 0xf];
        return 6;
    }

    if (c >= 0x80) {
        /* a lone byte >= 0x80 is not UTF-8: one U+FFFD */
        memcpy(out, "\xef\xbf\xbd", 3);
        return 3;
    }

    out[0] = c;
    return 1;
}


int
main(void)
{
    int      good;
    u_char   src[48], out[48 * 6], want[48 * 6], *last;
    size_t   pos, n, len;
    unsigned c;

    good = 1;

    for (c = 0; c < 256; c++) {
        for (pos = 0; pos < 40; pos++) {
            memset(src, 'a', sizeof(src));
            src[pos] = (u_char) c;

            memset(want, 'a', pos);
            n = pos + reference((u_char) c, want + pos);
            memset(want + n, 'a', sizeof(src) - pos - 1);
            n += sizeof(src) - pos - 1;

            len = fgs_json_escape_len(src, sizeof(src));
            last = fgs_json_escape(out, src, sizeof(src));

            if (len != n || (size_t) (last - out) != n
                || memcmp(out, want, n) != 0)
            {
                good = 0;
                printf("# byte 0x%02x at %u\n", c, (unsigned) pos);
            }
        }
    }

    ok(good, "every byte at every position of a long string is escaped as "
       "on its own");

    return done_testing();
}

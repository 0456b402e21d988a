
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * JSON string escaping for error bodies and audit lines: whatever bytes
 * a request carries, the output is valid UTF-8, holds no control
 * character and cannot end the string or the line it is written into.
 */


#include <string.h>

#include "fgs_json_private.h"


static size_t fgs_json_escape_run(u_char *dst, const u_char *src,
    size_t len);


size_t
fgs_json_escape_len(const u_char *src, size_t len)
{
    return fgs_json_escape_run(NULL, src, len);
}


u_char *
fgs_json_escape(u_char *dst, const u_char *src, size_t len)
{
    return dst + fgs_json_escape_run(dst, src, len);
}


/*
 * One walk for both: it counts when dst is NULL, so that the length and
 * the output can never disagree.
 */

static size_t
fgs_json_escape_run(u_char *dst, const u_char *src, size_t len)
{
    int            n;
    u_char         c, esc;
    size_t         out;
    const u_char  *end, *run;

    static const u_char  hex[] = "0123456789abcdef";

    out = 0;
    end = src + len;

    while (src < end) {

        /*
         * The bytes a JSON string holds as they are, but DEL: a terminal
         * or a log viewer may act on it, so it is escaped too.
         */

        run = src;

        while (src < end && fgs_json_plain[*src] && *src != 0x7f) {
            src++;
        }

        if (src != run) {
            if (dst) {
                memcpy(dst + out, run, src - run);
            }

            out += src - run;
            continue;
        }

        c = *src;

        if (c >= 0x80) {
            n = fgs_json_utf8_seq(src, end);

            if (n > 0) {
                if (dst) {
                    memcpy(dst + out, src, n);
                }

                src += n;
                out += n;
                continue;
            }

            /* the longest invalid prefix becomes one U+FFFD */

            if (dst) {
                memcpy(dst + out, "\xef\xbf\xbd", 3);
            }

            src += -n;
            out += 3;
            continue;
        }

        src++;

        switch (c) {
        case '"':
            esc = '"';
            break;
        case '\\':
            esc = '\\';
            break;
        case '\b':
            esc = 'b';
            break;
        case '\f':
            esc = 'f';
            break;
        case '\n':
            esc = 'n';
            break;
        case '\r':
            esc = 'r';
            break;
        case '\t':
            esc = 't';
            break;
        default:                /* other controls and DEL */
            esc = 0;
            break;
        }

        if (esc) {
            if (dst) {
                dst[out] = '\\';
                dst[out + 1] = esc;
            }

            out += 2;
            continue;
        }

        if (dst) {
            memcpy(dst + out, "\\u00", 4);
            dst[out + 4] = hex[c >> 4];
            dst[out + 5] = hex[c & 0xf];
        }

        out += 6;
    }

    return out;
}

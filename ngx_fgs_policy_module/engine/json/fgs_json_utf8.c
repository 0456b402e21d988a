
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * UTF-8 as the scanner and the escaper read and write it, and the
 * decoding of JSON string escapes into UTF-8.
 */


#include <string.h>

#include "fgs_json_private.h"


int
fgs_json_utf8_seq(const u_char *p, const u_char *end)
{
    u_char  c, lo, hi;
    int     n, i;

    /*
     * The well-formed sequences of the Unicode standard (table 3-7):
     * the second byte's range depends on the first byte, so that
     * overlong forms, surrogates and values above U+10FFFF are refused.
     */

    c = p[0];
    lo = 0x80;
    hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;

        if (c == 0xe0) {
            lo = 0xa0;

        } else if (c == 0xed) {
            hi = 0x9f;
        }

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;

        if (c == 0xf0) {
            lo = 0x90;

        } else if (c == 0xf4) {
            hi = 0x8f;
        }

    } else {
        return -1;
    }

    for (i = 1; i < n; i++) {
        if (p + i == end || p[i] < lo || p[i] > hi) {
            return -i;
        }

        lo = 0x80;
        hi = 0xbf;
    }

    return n;
}


u_char *
fgs_json_utf8_put(u_char *dst, uint32_t cp)
{
    if (cp < 0x80) {
        *dst++ = (u_char) cp;

    } else if (cp < 0x800) {
        *dst++ = (u_char) (0xc0 | (cp >> 6));
        *dst++ = (u_char) (0x80 | (cp & 0x3f));

    } else if (cp < 0x10000) {
        *dst++ = (u_char) (0xe0 | (cp >> 12));
        *dst++ = (u_char) (0x80 | ((cp >> 6) & 0x3f));
        *dst++ = (u_char) (0x80 | (cp & 0x3f));

    } else {
        *dst++ = (u_char) (0xf0 | (cp >> 18));
        *dst++ = (u_char) (0x80 | ((cp >> 12) & 0x3f));
        *dst++ = (u_char) (0x80 | ((cp >> 6) & 0x3f));
        *dst++ = (u_char) (0x80 | (cp & 0x3f));
    }

    return dst;
}


u_char *
fgs_json_utf8_unescape(u_char *dst, const u_char *src, size_t len)
{
    u_char         c;
    uint32_t       cp;
    const u_char  *end;

    /*
     * The scanner has checked every escape, so this only decodes: a
     * high surrogate escape is always followed by a low one here.
     */

    end = src + len;

    while (src < end) {
        c = *src++;

        if (c != '\\') {
            *dst++ = c;
            continue;
        }

        c = *src++;

        switch (c) {
        case 'b':
            *dst++ = '\b';
            break;
        case 'f':
            *dst++ = '\f';
            break;
        case 'n':
            *dst++ = '\n';
            break;
        case 'r':
            *dst++ = '\r';
            break;
        case 't':
            *dst++ = '\t';
            break;

        case 'u':
            cp = (uint32_t) fgs_hex4(src);
            src += 4;

            if (cp >= 0xd800 && cp <= 0xdbff) {
                cp = 0x10000 + ((cp - 0xd800) << 10)
                     + ((uint32_t) fgs_hex4(src + 2) - 0xdc00);
                src += 6;
            }

            dst = fgs_json_utf8_put(dst, cp);
            break;

        default:                /* '"', '\\', '/' */
            *dst++ = c;
            break;
        }
    }

    return dst;
}

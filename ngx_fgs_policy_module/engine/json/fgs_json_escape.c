
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * JSON string escaping for error bodies and audit lines: whatever bytes
 * a request carries, the output is valid UTF-8, holds no control
 * character and cannot end the string or the line it is written into.
 */


#include <string.h>

#include "fgs_json_private.h"


#if defined(__SSE2__) && !defined(FGS_JSON_NO_SIMD)
#include <emmintrin.h>
#define FGS_JSON_ESCAPE_SSE2  1
#endif


static inline const u_char *fgs_json_escape_plain_end(const u_char *p,
    const u_char *end);
static size_t fgs_json_escape_run(u_char *dst, const u_char *src,
    size_t len);


/* bytes that are copied as they are: printable ASCII but '"' and '\\' */
static const u_char  fgs_json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,     /* 0x50 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,     /* 0x70 */
    /* 0x80 - 0xff: 0 */
};


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
 * The first byte at or after p that is not copied as it is, or end: 16
 * bytes at a time where SSE2 is there.  A signed compare with 0x20 finds
 * both the control characters and the bytes >= 0x80.
 */

static inline const u_char *
fgs_json_escape_plain_end(const u_char *p, const u_char *end)
{
#if (FGS_JSON_ESCAPE_SSE2)
    int      m;
    __m128i  v, quote, bslash, space, del;

    quote = _mm_set1_epi8('"');
    bslash = _mm_set1_epi8('\\');
    space = _mm_set1_epi8(0x20);
    del = _mm_set1_epi8(0x7f);

    while (end - p >= 16) {
        v = _mm_loadu_si128((const __m128i *) p);

        m = _mm_movemask_epi8(
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                          _mm_cmpeq_epi8(v, bslash)),
                             _mm_or_si128(_mm_cmplt_epi8(v, space),
                                          _mm_cmpeq_epi8(v, del))));

        if (m) {
            return p + __builtin_ctz(m);
        }

        p += 16;
    }
#endif

    while (p < end && fgs_json_plain[*p]) {
        p++;
    }

    return p;
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

        run = src;
        src = fgs_json_escape_plain_end(src, end);

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

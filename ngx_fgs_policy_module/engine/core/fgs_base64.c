
/*
 * Copyright (C) ngx_fgs_policy_module authors
 */


/*
 * The alphabet test of the hot loops, 64 bytes at a time with SSE2, which
 * every x86-64 has: the engine is built for the baseline x86-64, like
 * the nginx it is loaded into.  It is what keeps PUT /code within its
 * target: read a byte at a time, as the portable build (FGS_NO_SIMD, as
 * on aarch64) reads fgs_base64_value[], the runs of a 10 MB body take
 * about five times as long to find, and the worker spends a third more
 * CPU on such a request (make bench, head to head).
 */
#if defined(__SSE2__) && !defined(FGS_NO_SIMD)
#include <emmintrin.h>
#define FGS_BASE64_SSE2  1
#endif

#include "fgs_base64.h"


#define FGS_B64_BAD   0x80      /* not in the alphabet (also '=') */
#define FGS_B64_PAD   '='


static int fgs_base64_run(const u_char *p, size_t len, size_t known,
    int json, fgs_base64_info_t *info);
static size_t fgs_base64_escape(const u_char *p, size_t left, uint32_t *ch);
static int fgs_base64_fail(fgs_base64_info_t *info, size_t off,
    const char *error);
static void fgs_base64_runs_close(fgs_base64_runs_t *runs, size_t end);
#if (FGS_BASE64_SSE2)
static inline __m128i fgs_base64_good16(__m128i x);
static uint64_t fgs_base64_bad64(const u_char *p);
#endif


/*
 * The value of each alphabet character, FGS_B64_BAD for every other byte:
 * the only table the hot loop reads, 256 bytes, always in L1.
 */

#define B  FGS_B64_BAD

static const u_char  fgs_base64_value[256] = {
    B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
    B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
    B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B, 62,  B,  B,  B, 63,
   52, 53, 54, 55, 56, 57, 58, 59, 60, 61,  B,  B,  B,  B,  B,  B,
    B,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
   15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,  B,  B,  B,  B,  B,
    B, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
   41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51,  B,  B,  B,  B,  B,
    B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
    B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
    B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
    B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
    B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
    B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
    B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
    B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B
};

#undef B


int
fgs_base64_check(const u_char *src, size_t len, fgs_base64_info_t *info)
{
    return fgs_base64_run(src, len, 0, 0, info);
}


int
fgs_base64_check_json(const u_char *raw, size_t len, fgs_base64_info_t *info)
{
    return fgs_base64_run(raw, len, 0, 1, info);
}


int
fgs_base64_check_known(const u_char *src, size_t len, size_t known,
    int json, fgs_base64_info_t *info)
{
    return fgs_base64_run(src, len, known < len ? known : len, json, info);
}


/*
 * Where SSE2 is there, whole blocks of 64 bytes are tested at once and
 * only the one that holds a bad byte is looked into; the table finishes
 * the last bytes.
 */

size_t
fgs_base64_span(const u_char *src, size_t len)
{
    const u_char  *p, *end;
#if (FGS_BASE64_SSE2)
    uint64_t       bad;
#endif

    p = src;
    end = src + len;

#if (FGS_BASE64_SSE2)
    while (end - p >= 64) {
        bad = fgs_base64_bad64(p);

        if (bad) {
            return p + __builtin_ctzll(bad) - src;
        }

        p += 64;
    }
#endif

    while (p < end && !(fgs_base64_value[*p] & FGS_B64_BAD)) {
        p++;
    }

    return p - src;
}


#if (FGS_BASE64_SSE2)

/*
 * 0xff in each byte of x that is an alphabet character, 0 in the others.
 * SSE2 compares bytes as signed only, so a range lo..lo+n-1 is moved to
 * -128..-128+n-1 by a wrapping add and tested with one signed compare.
 * The letters are one range once bit 5 is set, as it is in lowercase:
 * only A-Z and a-z become a-z that way.  '+' (0x2b) and '/' (0x2f) are
 * the only bytes that become '/' once bit 2 is set.
 */

static inline __m128i
fgs_base64_good16(__m128i x)
{
    __m128i  letter, digit, sign;

    letter = _mm_cmplt_epi8(
                 _mm_add_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)),
                              _mm_set1_epi8((char) (-128 - 'a'))),
                 _mm_set1_epi8(-128 + 26));

    digit = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char) (-128 - '0'))),
                           _mm_set1_epi8(-128 + 10));

    sign = _mm_cmpeq_epi8(_mm_or_si128(x, _mm_set1_epi8(0x04)),
                          _mm_set1_epi8('/'));

    return _mm_or_si128(letter, _mm_or_si128(digit, sign));
}


/*
 * A bit for each of the 64 bytes at p that is not in the alphabet.  The
 * four blocks are and-ed and tested at once: most blocks of a base64
 * value are all good.
 */

static uint64_t
fgs_base64_bad64(const u_char *p)
{
    __m128i  a, b, c, d;

    a = fgs_base64_good16(_mm_loadu_si128((const __m128i *) p));
    b = fgs_base64_good16(_mm_loadu_si128((const __m128i *) (p + 16)));
    c = fgs_base64_good16(_mm_loadu_si128((const __m128i *) (p + 32)));
    d = fgs_base64_good16(_mm_loadu_si128((const __m128i *) (p + 48)));

    if (_mm_movemask_epi8(_mm_and_si128(_mm_and_si128(a, b),
                                        _mm_and_si128(c, d)))
        == 0xffff)
    {
        return 0;
    }

    return ~((uint64_t) (uint32_t) _mm_movemask_epi8(a)
             | (uint64_t) (uint32_t) _mm_movemask_epi8(b) << 16
             | (uint64_t) (uint32_t) _mm_movemask_epi8(c) << 32
             | (uint64_t) (uint32_t) _mm_movemask_epi8(d) << 48);
}

#endif


void
fgs_base64_runs_init(fgs_base64_runs_t *runs)
{
    runs->seen = 0;
    runs->start = 0;
    runs->n = 0;
}


/*
 * Where SSE2 is there, 64 bytes at a time: a block without a bad byte
 * goes on with the open run; in a block with one, the open run ends at
 * its first bad byte and the next one starts after its last (the runs in
 * between are shorter than a block, far too short to keep).  The table
 * reads the last bytes, and all of them in the portable build.
 */

void
fgs_base64_runs_feed(fgs_base64_runs_t *runs, const u_char *p, size_t len)
{
    size_t    i;
#if (FGS_BASE64_SSE2)
    uint64_t  bad;
#endif

    i = 0;

#if (FGS_BASE64_SSE2)
    for ( /* void */ ; len - i >= 64; i += 64) {
        bad = fgs_base64_bad64(p + i);

        if (bad) {
            fgs_base64_runs_close(runs,
                                  runs->seen + i + __builtin_ctzll(bad));
            runs->start = runs->seen + i + 64 - __builtin_clzll(bad);
        }
    }
#endif

    for ( /* void */ ; i < len; i++) {
        if (fgs_base64_value[p[i]] & FGS_B64_BAD) {
            fgs_base64_runs_close(runs, runs->seen + i);
            runs->start = runs->seen + i + 1;
        }
    }

    runs->seen += len;
}


void
fgs_base64_runs_end(fgs_base64_runs_t *runs)
{
    fgs_base64_runs_close(runs, runs->seen);
    runs->start = runs->seen;
}


size_t
fgs_base64_runs_known(const fgs_base64_runs_t *runs, size_t off)
{
    uint32_t  i;

    if (runs == NULL) {
        return 0;
    }

    for (i = 0; i < runs->n; i++) {

        if (off < runs->run[i].start) {
            break;
        }

        if (off < runs->run[i].end) {
            return runs->run[i].end - off;
        }
    }

    return 0;
}


/* keeps the open run, ending at end, if it is long enough */

static void
fgs_base64_runs_close(fgs_base64_runs_t *runs, size_t end)
{
    if (end < runs->start + FGS_BASE64_RUN_MIN
        || runs->n == FGS_BASE64_MAX_RUNS
        || end > UINT32_MAX)
    {
        return;
    }

    runs->run[runs->n].start = (uint32_t) runs->start;
    runs->run[runs->n].end = (uint32_t) end;
    runs->n++;
}


/*
 * Runs of alphabet characters go through fgs_base64_span(); everything
 * else (the padding, an escape, a bad byte) is looked at one character
 * at a time here, which happens at most a few times in a valid value.
 */

static int
fgs_base64_run(const u_char *p, size_t len, size_t known, int json,
    fgs_base64_info_t *info)
{
    size_t    i, n, chars, pads, step;
    u_char    last, v;
    uint32_t  ch;

    /* the known alphabet characters: only the last one is read */

    i = known;
    chars = known;
    pads = 0;
    last = known ? fgs_base64_value[p[known - 1]] : 0;

    info->decoded = 0;
    info->chars = 0;
    info->error_off = 0;
    info->error = NULL;

    for ( ;; ) {

        if (pads == 0) {
            n = fgs_base64_span(p + i, len - i);

            if (n) {
                last = fgs_base64_value[p[i + n - 1]];
                i += n;
                chars += n;
            }
        }

        if (i == len) {
            break;
        }

        if (json && p[i] == '\\') {
            step = fgs_base64_escape(p + i, len - i, &ch);
            if (step == 0) {
                return fgs_base64_fail(info, chars,
                                       "it holds a malformed JSON escape");
            }

        } else {
            ch = p[i];
            step = 1;
        }

        i += step;

        v = ch < 0x80 ? fgs_base64_value[ch] : FGS_B64_BAD;

        if (!(v & FGS_B64_BAD)) {
            if (pads) {
                return fgs_base64_fail(info, chars,
                                       "data follows the '=' padding");
            }

            last = v;
            chars++;
            continue;
        }

        if (ch == FGS_B64_PAD) {
            if (pads == 2) {
                return fgs_base64_fail(info, chars,
                                       "it has more than two '=' at the end");
            }

            pads++;
            chars++;
            continue;
        }

        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            return fgs_base64_fail(info, chars,
                                   "it holds whitespace or a line break");
        }

        if (ch == '-' || ch == '_') {
            return fgs_base64_fail(info, chars,
                                   "it uses the URL-safe alphabet "
                                   "('-' or '_') instead of '+' and '/'");
        }

        return fgs_base64_fail(info, chars,
                               "it holds a character outside the alphabet "
                               "A-Z, a-z, 0-9, '+', '/'");
    }

    info->chars = chars;

    if (chars % 4 != 0) {
        return fgs_base64_fail(info, chars,
                               "its length is not a multiple of 4 "
                               "(the '=' padding is missing or extra "
                               "characters were cut off)");
    }

    /*
     * The bits of the last character that no byte uses must be zero:
     * otherwise several encodings decode to the same bytes and strict
     * decoders refuse what lenient ones accept.
     */

    if ((pads == 1 && (last & 0x03)) || (pads == 2 && (last & 0x0f))) {
        return fgs_base64_fail(info, chars - pads - 1,
                               "the unused bits before the '=' padding are "
                               "not zero (not the canonical encoding)");
    }

    info->decoded = chars / 4 * 3 - pads;

    return FGS_OK;
}


/*
 * The character an escape of a scanned JSON string stands for, and the
 * bytes the escape takes (0 when malformed).  Only ASCII matters here:
 * any other code point is outside the alphabet anyway, so surrogate
 * pairs need not be joined.
 */

static size_t
fgs_base64_escape(const u_char *p, size_t left, uint32_t *ch)
{
    int32_t  v;

    if (left < 2) {
        return 0;
    }

    switch (p[1]) {

    case '"':
    case '\\':
    case '/':
        *ch = p[1];
        return 2;

    case 'b':
        *ch = '\b';
        return 2;

    case 'f':
        *ch = '\f';
        return 2;

    case 'n':
        *ch = '\n';
        return 2;

    case 'r':
        *ch = '\r';
        return 2;

    case 't':
        *ch = '\t';
        return 2;

    case 'u':
        break;

    default:
        return 0;
    }

    if (left < 6) {
        return 0;
    }

    v = fgs_hex4(p + 2);
    if (v < 0) {
        return 0;
    }

    *ch = (uint32_t) v;

    return 6;
}


static int
fgs_base64_fail(fgs_base64_info_t *info, size_t off, const char *error)
{
    info->decoded = 0;
    info->error_off = off;
    info->error = error;

    return FGS_DECLINED;
}

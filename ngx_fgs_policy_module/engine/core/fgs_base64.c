
/*
 * Copyright (C) ngx_fgs_policy_module authors
 */


#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*
 * AVX2 where the CPU has it, chosen at run time: the engine is built for
 * the baseline x86-64 (SSE2), like the nginx it is loaded into.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(FGS_BASE64_NO_AVX2)
#include <immintrin.h>
#define FGS_BASE64_AVX2  1
#define FGS_B64_TARGET_AVX2  __attribute__ ((target ("avx2")))
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
#if defined(__SSE2__) || (FGS_BASE64_AVX2)
static inline void fgs_base64_runs_block(fgs_base64_runs_t *runs,
    size_t off, uint64_t bad);
#endif
#if defined(__SSE2__)
static inline uint64_t fgs_base64_bad64_sse2(const u_char *p);
static const u_char *fgs_base64_span_sse2(const u_char *p,
    const u_char *end);
static size_t fgs_base64_runs_sse2(fgs_base64_runs_t *runs, const u_char *p,
    size_t len);
#endif
#if (FGS_BASE64_AVX2)
static int fgs_base64_has_avx2(void);
static inline __m256i fgs_base64_class_avx2(__m256i x) FGS_B64_TARGET_AVX2;
static inline uint64_t fgs_base64_bad64_avx2(const u_char *p)
    FGS_B64_TARGET_AVX2;
static inline int fgs_base64_good128_avx2(const u_char *p)
    FGS_B64_TARGET_AVX2;
static const u_char *fgs_base64_span_avx2(const u_char *p,
    const u_char *end) FGS_B64_TARGET_AVX2;
static size_t fgs_base64_runs_avx2(fgs_base64_runs_t *runs, const u_char *p,
    size_t len) FGS_B64_TARGET_AVX2;
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
 * The values of 32 characters are OR-ed together and tested once: a
 * single bad byte sets FGS_B64_BAD.  Only the block that holds it is
 * then walked byte by byte.  There is no data-dependent branch per byte,
 * and the loads are independent, so the loop runs at the width of the
 * load units (several bytes per cycle).  Where SSE2 is there (every
 * x86-64), 64 bytes at a time are range-checked in vector registers
 * first, which is about twice as fast again; the table finishes.
 */

#define V(i)  fgs_base64_value[p[i]]

size_t
fgs_base64_span(const u_char *src, size_t len)
{
    u_char        acc;
    const u_char  *p, *end;

    p = src;
    end = src + len;

#if (FGS_BASE64_AVX2)
    if (fgs_base64_has_avx2()) {
        p = fgs_base64_span_avx2(p, end);

    } else
#endif
    {
#if defined(__SSE2__)
        p = fgs_base64_span_sse2(p, end);
#endif
    }

    while ((size_t) (end - p) >= 32) {
        acc = (V(0) | V(1) | V(2) | V(3) | V(4) | V(5) | V(6) | V(7))
              | (V(8) | V(9) | V(10) | V(11) | V(12) | V(13) | V(14)
                 | V(15))
              | (V(16) | V(17) | V(18) | V(19) | V(20) | V(21) | V(22)
                 | V(23))
              | (V(24) | V(25) | V(26) | V(27) | V(28) | V(29) | V(30)
                 | V(31));

        if (acc & FGS_B64_BAD) {
            break;
        }

        p += 32;
    }

    while (p < end && !(fgs_base64_value[*p] & FGS_B64_BAD)) {
        p++;
    }

    return p - src;
}

#undef V


#if defined(__SSE2__)

/*
 * SSE2 compares bytes as signed only, so each range lo..lo+n-1 is moved
 * to -128..-128+n-1 by a wrapping add and tested with one signed
 * compare.
 */

#define FGS_B64_OK16(x)                                                       \
    _mm_or_si128(                                                             \
        _mm_or_si128(                                                         \
            _mm_cmplt_epi8(_mm_add_epi8(x, up_bias), up_n),                   \
            _mm_cmplt_epi8(_mm_add_epi8(x, lo_bias), lo_n)),                  \
        _mm_or_si128(                                                         \
            _mm_cmplt_epi8(_mm_add_epi8(x, dg_bias), dg_n),                   \
            _mm_or_si128(_mm_cmpeq_epi8(x, plus), _mm_cmpeq_epi8(x, slash))))

#define FGS_B64_SSE2_CONSTANTS                                                \
    up_bias = _mm_set1_epi8((char) (-128 - 'A'));                             \
    up_n = _mm_set1_epi8(-128 + 26);                                          \
    lo_bias = _mm_set1_epi8((char) (-128 - 'a'));                             \
    lo_n = _mm_set1_epi8(-128 + 26);                                          \
    dg_bias = _mm_set1_epi8((char) (-128 - '0'));                             \
    dg_n = _mm_set1_epi8(-128 + 10);                                          \
    plus = _mm_set1_epi8('+');                                                \
    slash = _mm_set1_epi8('/')


/* a bit for each of the 64 bytes at p that is not in the alphabet */

static inline uint64_t
fgs_base64_bad64_sse2(const u_char *p)
{
    int       i;
    uint64_t  good;
    __m128i   x, up_bias, up_n, lo_bias, lo_n, dg_bias, dg_n, plus, slash;

    FGS_B64_SSE2_CONSTANTS;

    good = 0;

    for (i = 0; i < 64; i += 16) {
        x = _mm_loadu_si128((const __m128i *) (p + i));
        good |= (uint64_t) (uint32_t) _mm_movemask_epi8(FGS_B64_OK16(x))
                << i;
    }

    return ~good;
}


/*
 * Returns where a block of 64 with a bad byte starts (or the tail shorter
 * than 64), for the table to finish.
 */

static const u_char *
fgs_base64_span_sse2(const u_char *p, const u_char *end)
{
    int      i;
    __m128i  x, ok, all;
    __m128i  up_bias, up_n, lo_bias, lo_n, dg_bias, dg_n, plus, slash;

    FGS_B64_SSE2_CONSTANTS;

    while (end - p >= 64) {
        all = _mm_set1_epi8(-1);

        for (i = 0; i < 64; i += 16) {
            x = _mm_loadu_si128((const __m128i *) (p + i));
            ok = FGS_B64_OK16(x);
            all = _mm_and_si128(all, ok);
        }

        if (_mm_movemask_epi8(all) != 0xffff) {
            break;
        }

        p += 64;
    }

    return p;
}


/* the 64-byte blocks of p[0..len); returns the bytes it took */

static size_t
fgs_base64_runs_sse2(fgs_base64_runs_t *runs, const u_char *p, size_t len)
{
    size_t    i;
    uint64_t  bad;

    for (i = 0; len - i >= 64; i += 64) {
        bad = fgs_base64_bad64_sse2(p + i);

        if (bad) {
            fgs_base64_runs_block(runs, runs->seen + i, bad);
        }
    }

    return i;
}

#undef FGS_B64_OK16
#undef FGS_B64_SSE2_CONSTANTS

#endif


#if (FGS_BASE64_AVX2)

static int
fgs_base64_has_avx2(void)
{
    static int  avx2 = -1;      /* the CPU's, found once */

    if (avx2 < 0) {
        __builtin_cpu_init();
        avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    }

    return avx2;
}


/*
 * Two table lookups by nibble classify 32 bytes at once: lo[] holds, for
 * each low nibble, a bit for every high nibble that makes an alphabet
 * character with it, hi[] the bit of each high nibble (none for 0-1 and
 * 8-f).  The AND of both is zero exactly for the bytes outside the
 * alphabet.  The low nibble needs no mask: the lookup reads the low four
 * bits of each byte, and gives zero for a byte >= 0x80, which is outside
 * the alphabet anyway.
 */

static inline __m256i
fgs_base64_class_avx2(__m256i x)
{
    __m256i  lo, hi, nibble;

    lo = _mm256_setr_epi8(0x2a, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
                          0x3e, 0x3e, 0x3c, 0x15, 0x14, 0x14, 0x14, 0x15,
                          0x2a, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
                          0x3e, 0x3e, 0x3c, 0x15, 0x14, 0x14, 0x14, 0x15);
    hi = _mm256_setr_epi8(0, 0, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20,
                          0, 0, 0, 0, 0, 0, 0, 0,
                          0, 0, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20,
                          0, 0, 0, 0, 0, 0, 0, 0);
    nibble = _mm256_set1_epi8(0x0f);

    return _mm256_and_si256(
               _mm256_shuffle_epi8(lo, x),
               _mm256_shuffle_epi8(hi, _mm256_and_si256(
                                           _mm256_srli_epi16(x, 4), nibble)));
}


static inline uint64_t
fgs_base64_bad64_avx2(const u_char *p)
{
    __m256i  a, b, zero;

    zero = _mm256_setzero_si256();

    a = fgs_base64_class_avx2(_mm256_loadu_si256((const __m256i *) p));
    b = fgs_base64_class_avx2(_mm256_loadu_si256((const __m256i *) (p + 32)));

    return (uint64_t) (uint32_t) _mm256_movemask_epi8(
                                             _mm256_cmpeq_epi8(a, zero))
           | (uint64_t) (uint32_t) _mm256_movemask_epi8(
                                             _mm256_cmpeq_epi8(b, zero))
             << 32;
}


/* the 128 bytes at p are all in the alphabet */

static inline int
fgs_base64_good128_avx2(const u_char *p)
{
    __m256i  a, b, c, d;

    a = fgs_base64_class_avx2(_mm256_loadu_si256((const __m256i *) p));
    b = fgs_base64_class_avx2(_mm256_loadu_si256((const __m256i *) (p + 32)));
    c = fgs_base64_class_avx2(_mm256_loadu_si256((const __m256i *) (p + 64)));
    d = fgs_base64_class_avx2(_mm256_loadu_si256((const __m256i *) (p + 96)));

    a = _mm256_min_epu8(_mm256_min_epu8(a, b), _mm256_min_epu8(c, d));

    return _mm256_movemask_epi8(_mm256_cmpeq_epi8(a,
                                                  _mm256_setzero_si256()))
           == 0;
}


/* the first bad byte, or the tail shorter than 64 */

static const u_char *
fgs_base64_span_avx2(const u_char *p, const u_char *end)
{
    uint64_t  bad;

    while (end - p >= 128 && fgs_base64_good128_avx2(p)) {
        p += 128;
    }

    while (end - p >= 64) {
        bad = fgs_base64_bad64_avx2(p);

        if (bad) {
            return p + __builtin_ctzll(bad);
        }

        p += 64;
    }

    return p;
}


static size_t
fgs_base64_runs_avx2(fgs_base64_runs_t *runs, const u_char *p, size_t len)
{
    size_t    i;
    uint64_t  bad;

    i = 0;

    for ( ;; ) {

        while (len - i >= 128 && fgs_base64_good128_avx2(p + i)) {
            i += 128;
        }

        if (len - i < 64) {
            return i;
        }

        bad = fgs_base64_bad64_avx2(p + i);

        if (bad) {
            fgs_base64_runs_block(runs, runs->seen + i, bad);
        }

        i += 64;
    }
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
 * 64 bytes at a time: a block without a bad byte goes on with the open
 * run; in a block with one, the open run ends at its first bad byte and
 * the next one starts after its last (the runs in between are shorter
 * than a block, far too short to keep).
 */

void
fgs_base64_runs_feed(fgs_base64_runs_t *runs, const u_char *p, size_t len)
{
    size_t  i;

    i = 0;

#if (FGS_BASE64_AVX2)
    if (fgs_base64_has_avx2()) {
        i = fgs_base64_runs_avx2(runs, p, len);

    } else
#endif
    {
#if defined(__SSE2__)
        i = fgs_base64_runs_sse2(runs, p, len);
#endif
    }

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


#if defined(__SSE2__) || (FGS_BASE64_AVX2)

static inline void
fgs_base64_runs_block(fgs_base64_runs_t *runs, size_t off, uint64_t bad)
{
    fgs_base64_runs_close(runs, off + __builtin_ctzll(bad));
    runs->start = off + 64 - __builtin_clzll(bad);
}

#endif


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


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The one pass over a request body that checks it is one strict JSON
 * object and writes the node tape (fgs_json.h).
 *
 * The bodies that count are large: a PUT /code body is one base64 string
 * of up to tens of megabytes.  So the inside of a string is skipped 64
 * bytes at a time (SSE2, or 8 bytes at a time in portable C elsewhere),
 * stopping only at '"', '\\', control characters and bytes >= 0x80; the
 * rest of the grammar runs byte by byte.
 *
 * Small bodies count too, as every PUT /config has one: there the cost
 * is per member, and the shapes most members take (a line break and its
 * indentation, a short key, ": ", a short string or integer) are read a
 * word or a 16-byte block at a time, with the end of the body checked
 * once against a bound 32 bytes before it.  Anything else, and the last
 * 32 bytes, take the general path, which decides the same.
 */


#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fgs_json_private.h"
#include "fgs_json_keys.h"
#include "core/fgs_base64.h"


#if defined(__SSE2__) && !defined(FGS_JSON_NO_SIMD)
#include <emmintrin.h>
#define FGS_JSON_SSE2  1

#elif defined(__GNUC__) && defined(__BYTE_ORDER__)                          \
      && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FGS_JSON_SWAR  1
#endif


/* 64-bit words can be read as little-endian with one load */
#if defined(__GNUC__) && defined(__BYTE_ORDER__)                            \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FGS_JSON_LE  1
#endif


/*
 * The short string check is inlined at both of its uses in the grammar,
 * and the loop over plain string bytes in the string loop, whatever the
 * compiler's estimate of their size: most values of a body are short
 * strings, and an escape or a non-ASCII character stops the loop.
 */
#if defined(__GNUC__)
#define FGS_JSON_ALWAYS_INLINE  __attribute__ ((always_inline))
#else
#define FGS_JSON_ALWAYS_INLINE
#endif


/*
 * The first allocation holds the node array and room for key copies.
 * A small body gets room for one node per 32 bytes (a 1 KB /config body
 * has about one per 36) and for keys of a third of its length (about a
 * third of such a body is key bytes); larger bodies start at 64 nodes
 * and 4 KB of keys, and either part grows when it is full.
 */
#define FGS_JSON_FIRST_NODES  64
#define FGS_JSON_KEY_CHUNK    4096
#define FGS_JSON_KEY_SLACK    16    /* a short key is moved as 16 bytes */

_Static_assert(FGS_JSON_FIRST_NODES <= FGS_JSON_MIN_VALUES / 2,
               "the first array is below half of any body's value cap");


/*
 * What the node of a container's next child starts as: its parent, no
 * next sibling, no children, and its position.  These lie as in
 * fgs_json_node_t from "parent" on, so that a node takes them in one
 * 16-byte move.
 */

typedef struct {
    uint32_t            parent;     /* the open container */
    uint32_t            next;       /* FGS_NONE */
    uint32_t            count;      /* 0 */
    uint32_t            index;      /* its children so far */
} fgs_json_kin_t;


typedef struct {
    fgs_json_kin_t      kin;
    uint32_t            last;       /* its last child so far; the
                                       container itself at first */
    u_char              close;      /* '}' or ']' */
    fgs_json_keyset_t   keys;
} fgs_json_frame_t;


#define FGS_JSON_KIN_OFF  offsetof(fgs_json_node_t, parent)

_Static_assert(offsetof(fgs_json_node_t, next) == FGS_JSON_KIN_OFF + 4
               && offsetof(fgs_json_node_t, count) == FGS_JSON_KIN_OFF + 8
               && offsetof(fgs_json_node_t, index) == FGS_JSON_KIN_OFF + 12,
               "the node's parent, next, count and index lie in a row");


typedef struct {
    fgs_json_doc_t     *doc;
    fgs_alloc_t        *a;
    const u_char       *body;
    const u_char       *end;
    fgs_json_node_t    *nodes;
    uint32_t            n;
    uint32_t            cap;
    uint32_t            max;        /* fgs_json_max_values() of the body */
    unsigned            nodes_own:1;    /* nodes is an allocation of its
                                           own (not the first block) */
    u_char             *kpos;       /* free room for key copies */
    u_char             *kend;
    uintptr_t           kfast;      /* kend - 32: a kpos up to this has
                                       room for two 16-byte blocks */
    const u_char       *bfast;      /* end - 32: from a p before this,
                                       32 bytes can be read */
    uintptr_t           b64;        /* end - 64, or 0: from a p up to
                                       this, 64 bytes can be read */
    const fgs_base64_run_t  *runs;  /* known plain bytes, in order */
    uint32_t            nruns;
    uint32_t            run;        /* the first that may lie ahead */
    int                 rc;         /* why a helper returned NULL */
} fgs_json_scan_t;


static inline const u_char *fgs_json_skip_ws(const u_char *p,
    const u_char *end);
#if (FGS_JSON_LE)
static inline unsigned int fgs_json_ws8(const u_char *p);
static inline unsigned int fgs_json_digits8(const u_char *p);
#endif
static inline const u_char *fgs_json_plain_end(const u_char *p,
    const u_char *end) FGS_JSON_ALWAYS_INLINE;
static const u_char *fgs_json_plain_end_runs(fgs_json_scan_t *st,
    const u_char *p);
static inline const u_char *fgs_json_skip_ws_slow(const u_char *p,
    const u_char *end);
static inline const u_char *fgs_json_scan_string(fgs_json_scan_t *st,
    const u_char *p, const u_char *end, uint8_t *flags)
    FGS_JSON_ALWAYS_INLINE;
static const u_char *fgs_json_scan_string_slow(fgs_json_scan_t *st,
    const u_char *p, uint8_t *flags);
static const u_char *fgs_json_scan_escape(fgs_json_scan_t *st,
    const u_char *p, uint8_t *flags);
static const u_char *fgs_json_scan_number(fgs_json_scan_t *st,
    const u_char *p, uint8_t *type);
static const u_char *fgs_json_scan_literal(fgs_json_scan_t *st,
    const u_char *p, uint8_t *type);
static inline const char *fgs_json_scan_key(fgs_json_scan_t *st,
    const u_char *s, size_t len, uint8_t flags, uint32_t *key_len);
static int fgs_json_scan_key_room(fgs_json_scan_t *st, size_t len);
static int fgs_json_scan_first(fgs_json_scan_t *st);
static int fgs_json_scan_grow(fgs_json_scan_t *st);
static int fgs_json_scan_top(fgs_json_scan_t *st, const u_char *p);
static int fgs_json_scan_dup(fgs_json_scan_t *st, const u_char *at,
    const char *key, size_t key_len);
static int fgs_json_scan_fail(fgs_json_scan_t *st, const u_char *at,
    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__ ((format (printf, 3, 4)))
#endif
    ;
static const char *fgs_json_scan_char(const u_char *p, const u_char *end,
    char *buf);


/* JSON whitespace: space, tab, LF, CR */
static const u_char  fgs_json_ws[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};


/* what follows '\\' in the escapes of one character: " \\ / b f n r t */
static const u_char  fgs_json_escapes[256] = {
    ['"'] = 1, ['\\'] = 1, ['/'] = 1, ['b'] = 1,
    ['f'] = 1, ['n'] = 1, ['r'] = 1, ['t'] = 1
};


/* bytes a string holds as they are: 0x20 - 0x7f but '"' and '\\' */
static const u_char  fgs_json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,     /* 0x50 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x70 */
    /* 0x80 - 0xff: 0 */
};


/*
 * Most places where whitespace may be have none, one space, or a line
 * break and spaces: these cost a few compares; anything else takes the
 * loop.
 */

static inline const u_char *
fgs_json_skip_ws(const u_char *p, const u_char *end)
{
#if (FGS_JSON_LE)
    if (end - p >= 8) {
        p += fgs_json_ws8(p);

        if (*p > ' ') {
            return p;
        }
    }
#endif

    return fgs_json_skip_ws_slow(p, end);
}


#if (FGS_JSON_LE)

/*
 * How many of the eight bytes at p are spaces, after a line break if it
 * comes first: a line break and its indentation in one step.  At most
 * 7: when the first seven are, the eighth is the byte to look at next.
 */

static inline unsigned int
fgs_json_ws8(const u_char *p)
{
    uint64_t  w;

    memcpy(&w, p, 8);
    w ^= 0x2020202020202020ULL;

    if ((w & 0xff) == ('\n' ^ ' ')) {
        w &= ~(uint64_t) 0xff;
    }

    return (unsigned int) __builtin_ctzll(w | 1ULL << 63) >> 3;
}


/*
 * How many of the eight bytes at p are digits before the first that is
 * not: a byte is a digit when its high half is 3 and its low half plus 6
 * stays below 16 (no carry can cross into the next byte).  At most 7:
 * when the first seven are, the eighth may be a digit too.
 */

static inline unsigned int
fgs_json_digits8(const u_char *p)
{
    uint64_t  x, w;

    memcpy(&x, p, 8);

    w = ((x & 0xf0f0f0f0f0f0f0f0ULL) ^ 0x3030303030303030ULL)
        | (((x & 0x0f0f0f0f0f0f0f0fULL) + 0x0606060606060606ULL)
           & 0xf0f0f0f0f0f0f0f0ULL);

    return (unsigned int) __builtin_ctzll(w | 1ULL << 63) >> 3;
}

#endif


static inline const u_char *
fgs_json_skip_ws_slow(const u_char *p, const u_char *end)
{
    while (p < end && fgs_json_ws[*p]) {
        p++;
    }

    return p;
}


#if (FGS_JSON_SSE2)

/*
 * The top bit set in each byte that ends a run of plain string bytes
 * (only the top bits are read, by _mm_movemask_epi8()).  With bit 1
 * flipped, '"' (0x22) reads as 0x20 and a space as 0x22, while the
 * control characters stay below 0x20: a signed subtraction of 0x21 that
 * stops at -128 then leaves the top bit set for '"', the control
 * characters and every byte >= 0x80, which reads as negative.  One
 * compare is left, for '\\'.
 */
#define fgs_json_stops(v)                                                   \
    _mm_or_si128(_mm_subs_epi8(_mm_xor_si128(v, _mm_set1_epi8(0x02)),       \
                               _mm_set1_epi8(0x21)),                        \
                 _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))

#endif


/* the first byte at or after p that is not a plain string byte, or end */

static inline const u_char *
fgs_json_plain_end(const u_char *p, const u_char *end)
{
#if (FGS_JSON_SSE2)
    int        m;
    uint64_t   mm;
    __m128i    s0, s1, s2, s3;

    /* keys and short values end within the first 16 bytes */

    if (end - p >= 16) {
        s0 = _mm_loadu_si128((const __m128i *) p);
        m = _mm_movemask_epi8(fgs_json_stops(s0));

        if (m) {
            return p + __builtin_ctz(m);
        }

        p += 16;
    }

    while (end - p >= 64) {
        s0 = _mm_loadu_si128((const __m128i *) p);
        s1 = _mm_loadu_si128((const __m128i *) (p + 16));
        s2 = _mm_loadu_si128((const __m128i *) (p + 32));
        s3 = _mm_loadu_si128((const __m128i *) (p + 48));

        s0 = fgs_json_stops(s0);
        s1 = fgs_json_stops(s1);
        s2 = fgs_json_stops(s2);
        s3 = fgs_json_stops(s3);

        if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(s0, s1),
                                           _mm_or_si128(s2, s3))))
        {
            mm = (uint64_t) (uint32_t) _mm_movemask_epi8(s0)
                 | (uint64_t) (uint32_t) _mm_movemask_epi8(s1) << 16
                 | (uint64_t) (uint32_t) _mm_movemask_epi8(s2) << 32
                 | (uint64_t) (uint32_t) _mm_movemask_epi8(s3) << 48;

            return p + __builtin_ctzll(mm);
        }

        p += 64;
    }

    while (end - p >= 16) {
        s0 = _mm_loadu_si128((const __m128i *) p);
        m = _mm_movemask_epi8(fgs_json_stops(s0));

        if (m) {
            return p + __builtin_ctz(m);
        }

        p += 16;
    }

#elif (FGS_JSON_SWAR)
    uint64_t  x, q, b, t;

#define FGS_ONES   0x0101010101010101ULL
#define FGS_HIGHS  0x8080808080808080ULL

    /*
     * Eight bytes at a time: a byte is flagged when it is '"' or '\\'
     * (it xors to zero), below 0x20 (subtracting borrows) or >= 0x80.
     * Borrows can flag bytes above a real stop, never below the first
     * one, so the lowest flag is exact.
     */

    while (end - p >= 8) {
        memcpy(&x, p, 8);

        q = x ^ (FGS_ONES * '"');
        b = x ^ (FGS_ONES * '\\');

        t = ((q - FGS_ONES) & ~q)
            | ((b - FGS_ONES) & ~b)
            | ((x - FGS_ONES * 0x20) & ~x)
            | x;

        t &= FGS_HIGHS;

        if (t) {
            return p + (__builtin_ctzll(t) >> 3);
        }

        p += 8;
    }

#undef FGS_ONES
#undef FGS_HIGHS

#endif

    while (p < end && fgs_json_plain[*p]) {
        p++;
    }

    return p;
}


/*
 * fgs_json_plain_end() in a body with known runs of base64 alphabet: a
 * run that holds p is stepped over unread, the bytes before the next run
 * are read as usual.  The runs were found without regard to the JSON
 * around them, but a run cannot cross a '"', so one that holds a byte of
 * a string lies within that string.
 */

static const u_char *
fgs_json_plain_end_runs(fgs_json_scan_t *st, const u_char *p)
{
    size_t                   off;
    const u_char            *q, *lim;
    const fgs_base64_run_t  *run;

    for ( ;; ) {
        off = p - st->body;

        while (st->run < st->nruns && st->runs[st->run].end <= off) {
            st->run++;
        }

        if (st->run == st->nruns) {
            return fgs_json_plain_end(p, st->end);
        }

        run = &st->runs[st->run];

        if (run->start <= off) {
            p = st->body + run->end;
            continue;
        }

        lim = st->body + run->start;
        q = fgs_json_plain_end(p, lim);

        if (q < lim) {
            return q;
        }

        p = lim;
    }
}


uint32_t
fgs_json_max_values(size_t len)
{
    size_t  n;

    n = len / FGS_JSON_BYTES_PER_VALUE;

    if (n < FGS_JSON_MIN_VALUES) {
        return FGS_JSON_MIN_VALUES;
    }

    if (n > FGS_JSON_MAX_NODES) {
        return FGS_JSON_MAX_NODES;
    }

    return (uint32_t) n;
}


int
fgs_json_scan(fgs_json_doc_t *doc, const u_char *body, size_t len,
    fgs_alloc_t *a)
{
    return fgs_json_scan_runs(doc, body, len, NULL, a);
}


int
fgs_json_scan_runs(fgs_json_doc_t *doc, const u_char *body, size_t len,
    const fgs_base64_runs_t *runs, fgs_alloc_t *a)
{
    u_char             c;
    uint8_t            flags;
    uint32_t           idx, n, cap, top, dup, klen;
    const u_char      *p, *q, *end;
    fgs_json_node_t   *nodes, *nd, *cont;
    fgs_json_scan_t    st;
    fgs_json_frame_t  *f, frames[FGS_JSON_MAX_DEPTH + 1];
#if (FGS_JSON_LE)
    unsigned int       k;
#endif
#if (FGS_JSON_SSE2)
    u_char            *d;
    unsigned int       m;
    __m128i            s0, s1;
#endif

    doc->body = body;
    doc->len = len;
    doc->nodes = NULL;
    doc->n = 0;
    doc->error = NULL;
    doc->error_off = 0;
    doc->error_buf[0] = '\0';
    doc->runs = (runs != NULL && runs->seen == len) ? runs : NULL;

    st.doc = doc;
    st.a = a;
    st.body = body;
    st.end = body + len;
    st.n = 0;
    st.cap = 0;
    st.max = fgs_json_max_values(len);
    st.nodes = NULL;
    st.nodes_own = 0;
    st.kpos = NULL;
    st.kend = NULL;
    st.kfast = 0;
    st.bfast = (len > 32) ? body + len - 32 : body;
    st.b64 = (len >= 64) ? (uintptr_t) (body + len - 64) : 0;
    st.runs = doc->runs ? doc->runs->run : NULL;
    st.nruns = doc->runs ? doc->runs->n : 0;
    st.run = 0;
    st.rc = FGS_DECLINED;

    if (len > FGS_JSON_MAX_BODY) {
        return fgs_json_scan_fail(&st, body,
                                  "the body is larger than %zu bytes",
                                  (size_t) FGS_JSON_MAX_BODY);
    }

    end = body + len;
    p = fgs_json_skip_ws_slow(body, end);

    if (p == end || *p != '{') {
        return fgs_json_scan_top(&st, p);
    }

    if (fgs_json_scan_first(&st) != FGS_OK) {
        return FGS_ERROR;
    }

    /* the tape's state lives in registers; st has it only for a grow */

    nodes = st.nodes;
    cap = st.cap;

    /* the root object: node 0, the only node with no parent */

    nd = &nodes[0];

    nd->key = NULL;
    nd->key_len = 0;
    nd->off = (uint32_t) (p - body);
    nd->member = nd->off;
    nd->parent = FGS_NONE;
    nd->index = 0;
    nd->type = FGS_JSON_OBJECT;
    nd->flags = 0;
    nd->depth = 0;
    n = 1;

    f = &frames[0];
    f->kin.parent = 0;
    f->kin.next = FGS_NONE;
    f->kin.count = 0;
    f->kin.index = 0;
    f->last = 0;
    f->close = '}';
    fgs_json_keys_init(&f->keys);
    top = 1;

    c = '{';

    /*
     * Three places in the grammar, joined by gotos rather than a state
     * variable: each transition is then a direct jump, which matters
     * when a body is made of many short values.
     */

    goto open;

element:

    /* p is where an array element must start: it has no key */

    nd = &nodes[n];
    nd->key = NULL;
    nd->key_len = 0;
    nd->flags = 0;
    nd->member = (uint32_t) (p - body);

value:

    /*
     * p is where a value must start, in the container of f, which is
     * always frames[top - 1].  Its node, nodes[n], has its key, key_len,
     * member and flags set already: the array has room for one node more
     * than cap, and a grow copies it too.
     */

    if (p == end) {
        goto eof;
    }

    if (top > FGS_JSON_MAX_DEPTH) {
        return fgs_json_scan_fail(&st, p, "the body nests values deeper "
                                  "than %d levels", FGS_JSON_MAX_DEPTH);
    }

value_near:

    /*
     * The short paths come here, with p before st.bfast: p is not at the
     * end, and the nesting is not too deep, as st.bfast is the body's
     * start once it is (see below).
     */

    if (n == cap) {

        if (n == st.max) {
            return fgs_json_scan_fail(&st, p, "the body holds more JSON "
                                      "values than a FunctionGraph "
                                      "request can: %u for a body of %zu "
                                      "bytes", st.max, len);
        }

        st.n = n;

        if (fgs_json_scan_grow(&st) != FGS_OK) {
            return FGS_ERROR;
        }

        nodes = st.nodes;
        cap = st.cap;
        nd = &nodes[n];
    }

    /* nd is &nodes[n] already */

    idx = n++;

    /*
     * The first child is linked from the container itself, whose own
     * "next" is set right when it closes: no branch for the first one.
     */

    nodes[f->last].next = idx;
    f->last = idx;

    nd->off = (uint32_t) (p - body);
    memcpy((u_char *) nd + FGS_JSON_KIN_OFF, &f->kin, sizeof(fgs_json_kin_t));
    f->kin.index++;
    nd->depth = (uint16_t) top;

    c = *p;

    /* strings first: most values are, and the switch costs a table jump */

    if (c == '"') {
        q = fgs_json_scan_string(&st, p + 1, end, &flags);
        if (q == NULL) {
            return st.rc;
        }

        nd->type = FGS_JSON_STRING;
        nd->flags |= flags;
        nd->len = (uint32_t) (q + 1 - p);
        p = q + 1;
        goto after;
    }

    switch (c) {

    case '{':
    case '[':
        nd->type = (c == '{') ? FGS_JSON_OBJECT : FGS_JSON_ARRAY;

        f++;
        top++;

        if (top > FGS_JSON_MAX_DEPTH) {
            /* no short paths from here on: they skip the depth check */
            st.bfast = body;
        }

        f->kin.parent = idx;
        f->kin.next = FGS_NONE;
        f->kin.count = 0;
        f->kin.index = 0;
        f->last = idx;
        f->close = (u_char) (c + 2);    /* '}' or ']' */

        if (c == '{') {
            fgs_json_keys_init(&f->keys);
        }

    open:

        /* f is the frame of the container just opened at p */

        p = fgs_json_skip_ws(p + 1, end);

        if (p == end) {
            goto eof;
        }

        if (*p == f->close) {
            goto close;
        }

        if (c == '{') {
            goto key;
        }

        goto element;

    case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':

#if (FGS_JSON_LE)
        /* an integer of up to six digits, as most are, from one load */

        if (p < st.bfast) {
            k = fgs_json_digits8(p);

            if (k < 7 && p[k] != '.' && (p[k] | 0x20) != 'e') {
                nd->type = FGS_JSON_INTEGER;
                nd->len = k;
                p += k;
                goto after;
            }
        }
#endif

        /* fall through */

    case '-':
    case '0':
        q = fgs_json_scan_number(&st, p, &nd->type);
        if (q == NULL) {
            return st.rc;
        }

        nd->len = (uint32_t) (q - p);
        p = q;
        goto after;

    case 't':
    case 'f':
    case 'n':
        q = fgs_json_scan_literal(&st, p, &nd->type);
        if (q == NULL) {
            return st.rc;
        }

        nd->len = (uint32_t) (q - p);
        p = q;
        goto after;

    case '/':
        return fgs_json_scan_fail(&st, p, "comments are not allowed in "
                                  "JSON");

    default:
        return fgs_json_scan_fail(&st, p, "unexpected %s where a value is "
                                  "expected",
                                  fgs_json_scan_char(p, end,
                                                     st.doc->error_buf));
    }

key:

    /* p is where a member's key must start, in the object of f */

    if (p == end) {
        goto eof;
    }

    if (*p != '"') {
        if (*p == '/') {
            return fgs_json_scan_fail(&st, p, "comments are not allowed in "
                                      "JSON");
        }

        return fgs_json_scan_fail(&st, p, "unexpected %s where a key (a "
                                  "string in double quotes) is expected",
                                  fgs_json_scan_char(p, end,
                                                     st.doc->error_buf));
    }

quoted_key:

    /* the member's node is written from its key on */

    nd = &nodes[n];
    nd->member = (uint32_t) (p - body);

#if (FGS_JSON_SSE2)

    /*
     * Most keys are plain and shorter than 32 bytes: the blocks that
     * find their end are stored as their copy, NUL and all.  The stops
     * are found with fgs_json_stops().
     */

    if (p < st.bfast && (uintptr_t) st.kpos <= st.kfast) {
        s0 = _mm_loadu_si128((const __m128i *) (p + 1));
        m = _mm_movemask_epi8(fgs_json_stops(s0));

        if (m == 0) {
            s1 = _mm_loadu_si128((const __m128i *) (p + 17));
            m = (unsigned int) _mm_movemask_epi8(fgs_json_stops(s1)) << 16;
            _mm_storeu_si128((__m128i *) (st.kpos + 16), s1);
        }

        klen = __builtin_ctz(m | 0x80000000u);
        q = p + 1 + klen;

        if (*q == '"') {
            d = st.kpos;

            _mm_storeu_si128((__m128i *) d, s0);
            d[klen] = '\0';
            st.kpos = d + klen + 1;

            nd->key = (const char *) d;
            nd->key_len = klen;
            nd->flags = 0;

            flags = 0;

            goto key_read;
        }
    }


#endif

    q = fgs_json_scan_string(&st, p + 1, end, &flags);
    if (q == NULL) {
        return st.rc;
    }

    nd->key = fgs_json_scan_key(&st, p + 1, q - p - 1, flags, &klen);
    if (nd->key == NULL) {
        return FGS_ERROR;
    }

    nd->key_len = klen;

    nd->flags = (flags & FGS_JSON_ESCAPED) ? FGS_JSON_KEY_ESCAPED : 0;

#if (FGS_JSON_SSE2)
key_read:
#endif

    /*
     * An unescaped key is read where it is in the body: the copy was
     * just written, and reading it back byte by byte would wait for the
     * stores.
     */

    switch (fgs_json_keys_add(&f->keys, nodes, f->kin.parent,
                              f->kin.index, n,
                              (flags & FGS_JSON_ESCAPED)
                              ? nd->key : (const char *) p + 1,
                              klen, &dup, a))
    {
    case FGS_OK:
        break;

    case FGS_DECLINED:
        return fgs_json_scan_dup(&st, p, nd->key, klen);

    default:
        return FGS_ERROR;
    }

    p = q + 1;

    /* most keys are followed by ": " and their value */

    if (p < st.bfast && p[0] == ':' && p[1] == ' ' && p[2] > ' ') {
        p += 2;
        goto value_near;
    }

    if (p == end || *p != ':') {
        p = fgs_json_skip_ws(p, end);

        if (p == end) {
            goto eof;
        }

        if (*p != ':') {
            return fgs_json_scan_fail(&st, p, "unexpected %s after a key; "
                                      "expected ':'",
                                      fgs_json_scan_char(p, end,
                                                         st.doc->error_buf));
        }
    }

    p = fgs_json_skip_ws(p + 1, end);

    goto value;

after:

    /*
     * A value has ended just before p, in the container of f: the next
     * byte is looked at before any whitespace is skipped, as it
     * is most often ',' or the closing bracket.
     */

    if (p == end) {
        goto eof;
    }

    c = *p;

    if (c == ',') {
        q = p;

#if (FGS_JSON_LE)
        /* most often a line break and indentation, or a space, and a key */

        if (p < st.bfast) {
            p += 1 + fgs_json_ws8(p + 1);

            if (*p == '"' && f->close == '}') {
                goto quoted_key;
            }
        }
#endif

        p = fgs_json_skip_ws(q + 1, end);

        if (p < end && *p == '"' && f->close == '}') {
            goto quoted_key;
        }

        if (p < end && *p == f->close) {
            return fgs_json_scan_fail(&st, q, "a trailing comma before '%c' "
                                      "is not allowed", f->close);
        }

        if (f->close == '}') {
            goto key;
        }

        goto element;
    }

    if (c == f->close) {
        goto close;
    }

    if (fgs_json_ws[c]) {
        p = fgs_json_skip_ws_slow(p + 1, end);
        goto after;
    }

    if (c == '/') {
        return fgs_json_scan_fail(&st, p, "comments are not allowed in "
                                  "JSON");
    }

    return fgs_json_scan_fail(&st, p, "unexpected %s after a value; "
                              "expected ',' or '%c'",
                              fgs_json_scan_char(p, end, st.doc->error_buf),
                              f->close);

close:

    /* p is at the closing bracket of the container of f */

    cont = &nodes[f->kin.parent];
    cont->next = FGS_NONE;
    cont->count = f->kin.index;
    cont->len = (uint32_t) (p + 1 - body) - cont->off;
    p++;

    if (--top) {
        f--;
        goto after;
    }

    p = fgs_json_skip_ws_slow(p, end);

    if (p != end) {
        return fgs_json_scan_fail(&st, p, "unexpected %s after the JSON "
                                  "object",
                                  fgs_json_scan_char(p, end,
                                                     st.doc->error_buf));
    }

    doc->nodes = nodes;
    doc->n = n;

    return FGS_OK;

eof:

    return fgs_json_scan_fail(&st, end, "the body ends before the JSON "
                              "object is complete");
}


/*
 * The inside of a string, p just after its opening quote: returns its
 * closing quote and sets FGS_JSON_ESCAPED and FGS_JSON_NONASCII (the
 * latter also for escapes of non-ASCII characters, as the value has
 * them), or NULL with the error set.  Most keys and values are short
 * plain strings that end within 64 bytes: a load and compare per 16
 * bytes finds their end; anything else takes the general loop.
 */

static inline const u_char *
fgs_json_scan_string(fgs_json_scan_t *st, const u_char *p,
    const u_char *end, uint8_t *flags)
{
#if (FGS_JSON_SSE2)
    int            m;
    const u_char  *q;
    __m128i        s0;

    /* up to 64 bytes here: keys, names, ids and most short values */

#define fgs_json_string_block(p)                                            \
    s0 = _mm_loadu_si128((const __m128i *) (p));                            \
    m = _mm_movemask_epi8(fgs_json_stops(s0));                              \
                                                                            \
    if (m) {                                                                \
        q = (p) + __builtin_ctz(m);                                         \
                                                                            \
        if (*q == '"') {                                                    \
            *flags = 0;                                                     \
            return q;                                                       \
        }                                                                   \
                                                                            \
        return fgs_json_scan_string_slow(st, q, flags);                     \
    }

    if ((uintptr_t) p <= st->b64) {
        fgs_json_string_block(p);
        fgs_json_string_block(p + 16);
        fgs_json_string_block(p + 32);
        fgs_json_string_block(p + 48);

        return fgs_json_scan_string_slow(st, p + 64, flags);
    }

    while (end - p >= 16) {
        fgs_json_string_block(p);
        p += 16;
    }

#undef fgs_json_string_block
#endif

    return fgs_json_scan_string_slow(st, p, flags);
}


/*
 * The general loop: p is inside a string and the bytes before it are
 * plain.  With runs, the known runs of base64 alphabet are stepped over.
 */

static const u_char *
fgs_json_scan_string_slow(fgs_json_scan_t *st, const u_char *p,
    uint8_t *flags)
{
    int            n;
    u_char         c;
    uint8_t        fl;
    const u_char  *end;
#if (FGS_JSON_SSE2)
    int            i, m;
#endif

    end = st->end;
    fl = 0;

    for ( ;; ) {
        p = st->nruns ? fgs_json_plain_end_runs(st, p)
                      : fgs_json_plain_end(p, end);

#if (FGS_JSON_SSE2)
    stop:
#endif

        if (p == end) {
            fgs_json_scan_fail(st, end, "the body ends inside a string");
            return NULL;
        }

        c = *p;

        if (c == '"') {
            *flags = fl;
            return p;
        }

        if (c == '\\') {

            /* the escapes of one character, inline */

            if (end - p >= 2 && fgs_json_escapes[p[1]]) {
                fl |= FGS_JSON_ESCAPED;
                p += 2;

#if (FGS_JSON_SSE2)
                /*
                 * Escapes come in crowds (JSON inside a string): the
                 * stops of the next 16 bytes are found here, without the
                 * setup of the long loop, and the escapes of one
                 * character among them are stepped over in the mask.
                 * The bit of an escaped '"' or '\\' goes with its
                 * escape.
                 */

                if (end - p >= 16) {
                    m = _mm_movemask_epi8(fgs_json_stops(
                            _mm_loadu_si128((const __m128i *) p)));

                    while (m) {
                        i = __builtin_ctz(m);

                        if (p[i] != '\\' || i == 15
                            || !fgs_json_escapes[p[i + 1]])
                        {
                            p += i;
                            goto stop;
                        }

                        m &= ~(3 << i);
                    }

                    p += 16;
                }
#endif

                continue;
            }

            p = fgs_json_scan_escape(st, p, &fl);
            if (p == NULL) {
                return NULL;
            }

            continue;
        }

        if (c >= 0x80) {

            /* runs of non-ASCII text are checked here, byte by byte */

            do {
                n = fgs_json_utf8_seq(p, end);

                if (n < 0) {
                    fgs_json_scan_fail(st, p, "invalid UTF-8 in a string");
                    return NULL;
                }

                p += n;

            } while (p < end && *p >= 0x80);

            fl |= FGS_JSON_NONASCII;
            continue;
        }

        fgs_json_scan_fail(st, p, "a control character (byte 0x%02x) in a "
                           "string must be escaped", c);
        return NULL;
    }
}


/* one escape, p at its '\\': returns the byte after it, or NULL */

static const u_char *
fgs_json_scan_escape(fgs_json_scan_t *st, const u_char *p, uint8_t *flags)
{
    int32_t        u, lo;
    const u_char  *end;

    end = st->end;
    *flags |= FGS_JSON_ESCAPED;

    if (end - p < 2) {
        fgs_json_scan_fail(st, end, "the body ends inside a string");
        return NULL;
    }

    switch (p[1]) {

    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
        return p + 2;

    case 'u':
        break;

    default:
        fgs_json_scan_fail(st, p, "invalid escape in a string: '\\' is "
                           "followed by %s; valid escapes are \\\" \\\\ \\/ "
                           "\\b \\f \\n \\r \\t and \\u with four hex digits",
                           fgs_json_scan_char(p + 1, end,
                                              st->doc->error_buf));
        return NULL;
    }

    if (end - p < 6 || (u = fgs_hex4(p + 2)) < 0) {
        fgs_json_scan_fail(st, p, "invalid \\u escape in a string: \\u must "
                           "be followed by four hex digits");
        return NULL;
    }

    if (u == 0) {
        fgs_json_scan_fail(st, p, "\\u0000 (NUL) is not allowed in a "
                           "string");
        return NULL;
    }

    if (u >= 0xdc00 && u <= 0xdfff) {
        fgs_json_scan_fail(st, p, "a \\u escape in a string holds a low "
                           "UTF-16 surrogate with no high surrogate before "
                           "it");
        return NULL;
    }

    if (u >= 0xd800 && u <= 0xdbff) {

        if (end - p < 12 || p[6] != '\\' || p[7] != 'u'
            || (lo = fgs_hex4(p + 8)) < 0xdc00 || lo > 0xdfff)
        {
            fgs_json_scan_fail(st, p, "a \\u escape in a string holds a "
                               "high UTF-16 surrogate that no \\u escape of "
                               "a low surrogate follows");
            return NULL;
        }

        *flags |= FGS_JSON_NONASCII;
        return p + 12;
    }

    if (u >= 0x80) {
        *flags |= FGS_JSON_NONASCII;
    }

    return p + 6;
}


/*
 * A number, p at its '-' or first digit: -?(0|[1-9][0-9]*)(.[0-9]+)?
 * ([eE][+-]?[0-9]+)?.  What follows is checked by the caller.
 */

static const u_char *
fgs_json_scan_number(fgs_json_scan_t *st, const u_char *p, uint8_t *type)
{
    const u_char  *end;

#define fgs_json_digit(p)  ((p) < end && *(p) >= '0' && *(p) <= '9')

    end = st->end;
    *type = FGS_JSON_INTEGER;

    if (*p == '-') {
        p++;

        if (!fgs_json_digit(p)) {
            fgs_json_scan_fail(st, p, "invalid number: a digit must follow "
                               "'-'");
            return NULL;
        }
    }

    if (*p == '0') {
        p++;

        if (fgs_json_digit(p)) {
            fgs_json_scan_fail(st, p, "invalid number: leading zeros are "
                               "not allowed");
            return NULL;
        }

    } else {
        while (fgs_json_digit(p)) {
            p++;
        }
    }

    if (p < end && *p == '.') {
        p++;

        if (!fgs_json_digit(p)) {
            fgs_json_scan_fail(st, p, "invalid number: a digit must follow "
                               "the decimal point");
            return NULL;
        }

        while (fgs_json_digit(p)) {
            p++;
        }

        *type = FGS_JSON_REAL;
    }

    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;

        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }

        if (!fgs_json_digit(p)) {
            fgs_json_scan_fail(st, p, "invalid number: the exponent has no "
                               "digits");
            return NULL;
        }

        while (fgs_json_digit(p)) {
            p++;
        }

        *type = FGS_JSON_REAL;
    }

#undef fgs_json_digit

    return p;
}


static const u_char *
fgs_json_scan_literal(fgs_json_scan_t *st, const u_char *p, uint8_t *type)
{
    size_t   left;

    left = st->end - p;

    if (left >= 4 && memcmp(p, "true", 4) == 0) {
        *type = FGS_JSON_TRUE;
        return p + 4;
    }

    if (left >= 5 && memcmp(p, "false", 5) == 0) {
        *type = FGS_JSON_FALSE;
        return p + 5;
    }

    if (left >= 4 && memcmp(p, "null", 4) == 0) {
        *type = FGS_JSON_NULL;
        return p + 4;
    }

    fgs_json_scan_fail(st, p, "invalid literal: expected true, false or "
                       "null");
    return NULL;
}


/*
 * Copies a key, unescaped and NUL-terminated, into the room for keys.
 * That room is part of the first allocation and later comes a few
 * kilobytes at a time: keys are short, and all the keys of a body take
 * less room than the body.  It always has FGS_JSON_KEY_SLACK bytes more
 * than a key needs, so that a short key is moved as one 16-byte block.
 */

static inline const char *
fgs_json_scan_key(fgs_json_scan_t *st, const u_char *s, size_t len,
    uint8_t flags, uint32_t *key_len)
{
    u_char  *d, *last;

    if ((size_t) (st->kend - st->kpos) < len + 1 + FGS_JSON_KEY_SLACK) {
        if (fgs_json_scan_key_room(st, len) != FGS_OK) {
            return NULL;
        }
    }

    d = st->kpos;

    if (flags & FGS_JSON_ESCAPED) {
        last = fgs_json_unescape(d, s, len);

    } else if (len < 16 && st->end - s >= 16) {

        /* most keys: one fixed-size move instead of a call */

        memcpy(d, s, 16);
        last = d + len;

    } else {
        memcpy(d, s, len);
        last = d + len;
    }

    *last = '\0';
    st->kpos = last + 1;
    *key_len = (uint32_t) (last - d);

    return (const char *) d;
}


static int
fgs_json_scan_key_room(fgs_json_scan_t *st, size_t len)
{
    size_t  size;

    size = st->doc->len < FGS_JSON_KEY_CHUNK
           ? st->doc->len : FGS_JSON_KEY_CHUNK;

    if (size < len + 1 + FGS_JSON_KEY_SLACK) {
        size = len + 1 + FGS_JSON_KEY_SLACK;
    }

    st->kpos = st->a->alloc(st->a->data, size);
    if (st->kpos == NULL) {
        return FGS_ERROR;
    }

    st->kend = st->kpos + size;
    st->kfast = (uintptr_t) st->kend - 32;

    return FGS_OK;
}


/*
 * The node array and the first room for keys, in one allocation sized
 * from the body: a 1 KB body takes about 2.2 KB, a large one 7 KB.
 */

static int
fgs_json_scan_first(fgs_json_scan_t *st)
{
    size_t   len, nodes, keys;
    u_char  *p;

    len = st->doc->len;

    nodes = len / 32 + 8;
    if (nodes > FGS_JSON_FIRST_NODES) {
        nodes = FGS_JSON_FIRST_NODES;
    }

    keys = len / 3 + 32;
    if (keys > FGS_JSON_KEY_CHUNK) {
        keys = FGS_JSON_KEY_CHUNK;
    }

    /* one node more than cap: the one whose key is being read */

    p = st->a->alloc(st->a->data,
                     (nodes + 1) * sizeof(fgs_json_node_t) + keys);
    if (p == NULL) {
        return FGS_ERROR;
    }

    st->nodes = (fgs_json_node_t *) p;
    st->cap = (uint32_t) nodes;
    st->kpos = p + (nodes + 1) * sizeof(fgs_json_node_t);
    st->kend = st->kpos + keys;
    st->kfast = (uintptr_t) st->kend - 32;

    return FGS_OK;
}


/*
 * The node array doubles, with room for one node more than cap as at
 * first.  The array it replaces is given back where the region can (all
 * but the first, which shares its block with the first keys): a scan
 * holds one array, not every size it went through.
 *
 * It never grows past st->max, and the step before the last stops at
 * half of it, so that the old and the new array together hold at most
 * one and a half times st->max nodes: 64, 128, ..., max / 2, max.  The
 * first array holds at most FGS_JSON_FIRST_NODES, a 64th of the least
 * max.
 */

static int
fgs_json_scan_grow(fgs_json_scan_t *st)
{
    uint32_t          cap, half;
    fgs_json_node_t  *nodes;

    cap = st->cap * 2;
    half = st->max - st->max / 2;

    if (cap >= st->max) {
        cap = st->max;

    } else if (cap > half) {
        cap = half;
    }

    nodes = st->a->alloc(st->a->data, (cap + 1) * sizeof(fgs_json_node_t));
    if (nodes == NULL) {
        return FGS_ERROR;
    }

    /* with the node whose key has been read */

    memcpy(nodes, st->nodes, (st->n + 1) * sizeof(fgs_json_node_t));

    if (st->nodes_own && st->a->free) {
        st->a->free(st->a->data, st->nodes);
    }

    st->nodes = nodes;
    st->nodes_own = 1;
    st->cap = cap;

    return FGS_OK;
}


/* a body that does not start with '{': say what it is instead */

static int
fgs_json_scan_top(fgs_json_scan_t *st, const u_char *p)
{
    size_t         left;
    const char    *what;
    const u_char  *end;

    end = st->end;

    if (st->doc->len == 0) {
        return fgs_json_scan_fail(st, p, "the body is empty; it must be "
                                  "one JSON object");
    }

    if (p == st->body && end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
        return fgs_json_scan_fail(st, p, "the body starts with a UTF-8 "
                                  "byte order mark; send the JSON object "
                                  "without it");
    }

    if (p == end) {
        return fgs_json_scan_fail(st, p, "the body holds only whitespace; "
                                  "it must be one JSON object");
    }

    left = end - p;

    switch (*p) {

    case '[':
        what = "an array";
        break;

    case '"':
        what = "a string";
        break;

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        what = "a number";
        break;

    default:
        if (left >= 4 && memcmp(p, "true", 4) == 0) {
            what = "true";

        } else if (left >= 5 && memcmp(p, "false", 5) == 0) {
            what = "false";

        } else if (left >= 4 && memcmp(p, "null", 4) == 0) {
            what = "null";

        } else {
            return fgs_json_scan_fail(st, p, "the top level of the body "
                                      "must be a JSON object, found %s",
                                      fgs_json_scan_char(p, end,
                                                    st->doc->error_buf));
        }
    }

    return fgs_json_scan_fail(st, p, "the top level of the body must be a "
                              "JSON object, not %s", what);
}


/*
 * The key is the only part of the body an error message quotes: it is
 * escaped, so that the message stays one line of valid UTF-8, and cut at
 * a character boundary when long.
 */

static int
fgs_json_scan_dup(fgs_json_scan_t *st, const u_char *at, const char *key,
    size_t key_len)
{
    int            n;
    size_t         used, step;
    u_char         buf[96], *last;
    const u_char  *p, *end;

    p = (const u_char *) key;
    end = p + key_len;
    used = 0;

    while (p < end) {
        n = (*p < 0x80) ? 1 : fgs_json_utf8_seq(p, end);
        n = (n > 0) ? n : 1;

        step = fgs_json_escape_len(p, n);

        if (used + step > 64) {
            break;
        }

        used += step;
        p += n;
    }

    last = fgs_json_escape(buf, (const u_char *) key,
                           p - (const u_char *) key);
    *last = '\0';

    if (p < end) {
        return fgs_json_scan_fail(st, at, "duplicate key starting with "
                                  "\"%s\"", buf);
    }

    return fgs_json_scan_fail(st, at, "duplicate key \"%s\"", buf);
}


static int
fgs_json_scan_fail(fgs_json_scan_t *st, const u_char *at, const char *fmt,
    ...)
{
    char     msg[sizeof(st->doc->error_buf)];
    va_list  args;

    /* the arguments may live in error_buf itself */

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    memcpy(st->doc->error_buf, msg, sizeof(msg));

    st->doc->error = st->doc->error_buf;
    st->doc->error_off = at - st->body;
    st->rc = FGS_DECLINED;

    return FGS_DECLINED;
}


/* names the byte at p for a message, into buf (at least 16 bytes) */

static const char *
fgs_json_scan_char(const u_char *p, const u_char *end, char *buf)
{
    if (p == end) {
        return "end of the body";
    }

    if (*p > 0x20 && *p < 0x7f) {
        snprintf(buf, 16, "character '%c'", *p);

    } else {
        snprintf(buf, 16, "byte 0x%02x", *p);
    }

    return buf;
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The request target parser.  The input is a request line without its
 * version: the method, one space, the target (no space: the method is
 * GET).  fgs_target_parse() must never crash, and:
 *
 * - no target that some server on the way could read as a path under
 *   /v2/{project_id}/fgs/ may PASS, unless it is in canonical form and
 *   read as it stands is a read (GET, HEAD, OPTIONS) or an invocation;
 *   a non-canonical one must be REJECTed (docs/policy-language.md, "What it
 *   governs").  "Some server" is modelled here, independently of
 *   fgs_target.c, as every combination of the readings lenient servers
 *   apply: dropping the scheme and authority of an absolute form, one to
 *   four rounds of percent-decoding (with or without IIS's %uXXXX, with or
 *   without overlong UTF-8 decoded as ASCII), stopping at a NUL, dropping a
 *   #fragment, '\' as '/', dropping ;parameters, collapsing "//", resolving
 *   dot segments, dropping trailing dots of segments and lowercasing
 *   (options that cannot change this target are skipped; past 64
 *   combinations, those of at most two options and all of them together);
 * - GOVERN only for a canonical path of exactly the governed form, with
 *   an op that fits the method and the path, a 32-character project id
 *   and, where there is one, a valid URN of that project; every span of
 *   the result points into the target;
 * - REJECT always with a one-line reason, PASS and GOVERN without one.
 */


#include "fuzz.h"
#include "target/fgs_target.h"


#define FUZZ_T_MAX        8192
#define FUZZ_T_ROUNDS     4

/* reading options */
#define FUZZ_T_ABSOLUTE   0x0001
#define FUZZ_T_PERCENT_U  0x0002
#define FUZZ_T_OVERLONG   0x0004
#define FUZZ_T_NUL        0x0008
#define FUZZ_T_FRAGMENT   0x0010
#define FUZZ_T_BACKSLASH  0x0020
#define FUZZ_T_PARAMS     0x0040
#define FUZZ_T_COLLAPSE   0x0080
#define FUZZ_T_DOTS       0x0100
#define FUZZ_T_TRAILING   0x0200
#define FUZZ_T_LOWER      0x0400
#define FUZZ_T_NOPTS      11


typedef struct {
    const u_char   *target;
    size_t          len;        /* of the target */
    size_t          path_len;   /* up to the first '?' */
    u_char          a[FUZZ_T_MAX + 1];
    u_char          b[FUZZ_T_MAX + 1];
} fuzz_t_ctx_t;


static int fuzz_t_check(const u_char *m, size_t mlen, const u_char *target,
    size_t len);
static int fuzz_t_any_reading(fuzz_t_ctx_t *c, unsigned relevant);
static int fuzz_t_popcount(unsigned v);
static int fuzz_t_reading(fuzz_t_ctx_t *c, unsigned opts, unsigned rounds);
static size_t fuzz_t_decode(u_char *dst, const u_char *src, size_t len,
    unsigned opts, int *more);
static size_t fuzz_t_strip_absolute(const u_char *p, size_t len);
static size_t fuzz_t_segments(u_char *p, size_t len, unsigned opts);
static int fuzz_t_governed(const u_char *p, size_t len, int nocase);
static int fuzz_t_post_read(const u_char *p, size_t len);
static int fuzz_t_tags(const u_char *p, size_t len);
static size_t fuzz_t_split(const u_char *p, size_t len, size_t seg[][2],
    size_t max);
static int fuzz_t_canonical(const u_char *p, size_t len);
static int fuzz_t_seg(const u_char *p, size_t len, const char *w,
    int nocase);
static int fuzz_t_hex(u_char c);
static int fuzz_t_within(const fgs_str_t *s, const u_char *t, size_t len);
static int fuzz_t_govern(const fgs_target_t *t, const u_char *m,
    size_t mlen, const u_char *target, size_t len);
static int fuzz_t_urn(const fgs_target_t *t);


static fuzz_t_ctx_t  fuzz_t_ctx;


int
fgs_fuzz_target(const uint8_t *data, size_t size)
{
    const u_char  *sp;

    sp = memchr(data, ' ', size);

    if (sp == NULL) {
        (void) fuzz_t_check((const u_char *) "GET", 3, data, size);
        return 0;
    }

    (void) fuzz_t_check(data, sp - data, sp + 1, size - (sp + 1 - data));

    return 0;
}


static int
fuzz_t_check(const u_char *m, size_t mlen, const u_char *target, size_t len)
{
    int                   read, invocation, governed;
    size_t                i;
    unsigned              relevant;
    const u_char         *q;
    fgs_target_t          t;
    fgs_target_result_e   rc;
    fuzz_t_ctx_t         *c;

    rc = fgs_target_parse(&t, m, mlen, target, len);

    FUZZ_CHECK(rc == FGS_TARGET_PASS || rc == FGS_TARGET_GOVERN
               || rc == FGS_TARGET_REJECT, "unknown result");

    q = memchr(target, '?', len);

    FUZZ_CHECK(t.path.data == target
               && t.path.len == (q ? (size_t) (q - target) : len),
               "the path is not the target up to its query");

    if (rc == FGS_TARGET_REJECT) {
        FUZZ_CHECK(t.error != NULL && t.error[0] != '\0'
                   && !fuzz_has_control(t.error), "a rejection's reason");

    } else {
        FUZZ_CHECK(t.error == NULL, "a reason without a rejection");
    }

    if (rc == FGS_TARGET_GOVERN
        && fuzz_t_govern(&t, m, mlen, target, len) != 0)
    {
        return -1;
    }

    if (rc != FGS_TARGET_PASS || len > FUZZ_T_MAX) {
        return 0;
    }

    /* a PASS: no reading may put the target under /v2/{project}/fgs/ */

    c = &fuzz_t_ctx;
    c->target = target;
    c->len = len;
    c->path_len = t.path.len;

    if (fuzz_t_canonical(target, c->path_len)) {
        /* read as it stands: reads and invocations may pass */

        read = (mlen == 3 && memcmp(m, "GET", 3) == 0)
               || (mlen == 4 && memcmp(m, "HEAD", 4) == 0)
               || (mlen == 7 && memcmp(m, "OPTIONS", 7) == 0);

        governed = fuzz_t_governed(target, c->path_len, 0);

        invocation = 0;

        if (governed && mlen == 4 && memcmp(m, "POST", 4) == 0) {
            invocation = fuzz_t_post_read(target, c->path_len);
        }

        if (governed && (read || invocation)) {
            return 0;
        }

        /* then no reading, this one included, may be governed */
    }

    /*
     * Which options can change this target at all: a '%' (or an overlong
     * form) may decode to anything, else each needs its own byte.
     */

    relevant = 0;

    for (i = 0; i < c->path_len; i++) {
        switch (target[i]) {
        case '%':
            relevant |= FUZZ_T_TRAILING | FUZZ_T_DOTS | FUZZ_T_COLLAPSE
                        | FUZZ_T_LOWER | FUZZ_T_NUL | FUZZ_T_FRAGMENT
                        | FUZZ_T_BACKSLASH | FUZZ_T_PARAMS;

            if (i + 1 < c->path_len && (target[i + 1] | 0x20) == 'u') {
                relevant |= FUZZ_T_PERCENT_U;
            }

            break;
        case '.':
            relevant |= FUZZ_T_TRAILING | FUZZ_T_DOTS;
            break;
        case '/':
            if (i > 0 && target[i - 1] == '/') {
                relevant |= FUZZ_T_COLLAPSE;
            }
            break;
        case '\\':
            relevant |= FUZZ_T_BACKSLASH | FUZZ_T_COLLAPSE;
            break;
        case '#':
            relevant |= FUZZ_T_FRAGMENT;
            break;
        case ';':
            relevant |= FUZZ_T_PARAMS;
            break;
        case '\0':
            relevant |= FUZZ_T_NUL;
            break;
        default:
            if (target[i] >= 'A' && target[i] <= 'Z') {
                relevant |= FUZZ_T_LOWER;

            } else if (target[i] == 0xc0 || target[i] == 0xc1
                       || target[i] == 0xe0)
            {
                relevant |= FUZZ_T_OVERLONG | FUZZ_T_TRAILING | FUZZ_T_DOTS
                            | FUZZ_T_COLLAPSE | FUZZ_T_LOWER | FUZZ_T_NUL
                            | FUZZ_T_FRAGMENT | FUZZ_T_BACKSLASH
                            | FUZZ_T_PARAMS;
            }
        }
    }

    if (c->path_len == 0 || target[0] != '/'
        || (c->path_len > 1 && target[1] == '/'))
    {
        relevant |= FUZZ_T_ABSOLUTE | FUZZ_T_COLLAPSE;
    }

    return fuzz_t_any_reading(c, relevant);
}


static int
fuzz_t_any_reading(fuzz_t_ctx_t *c, unsigned relevant)
{
    int       n;
    unsigned  opts, all;

    n = fuzz_t_popcount(relevant);

    /* every subset of the relevant options, or the small ones */

    for (opts = 0; opts < (1U << FUZZ_T_NOPTS); opts++) {
        if ((opts & ~relevant) != 0) {
            continue;
        }

        all = (opts == relevant);

        if (n > 6 && fuzz_t_popcount(opts) > 2 && !all) {
            continue;
        }

        if (fuzz_t_reading(c, opts, FUZZ_T_ROUNDS) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
fuzz_t_popcount(unsigned v)
{
    int  n;

    for (n = 0; v; v &= v - 1) {
        n++;
    }

    return n;
}


/*
 * One reading with every round count from 0 to rounds: the target must
 * not PASS if the path it yields is governed.
 */

static int
fuzz_t_reading(fuzz_t_ctx_t *c, unsigned opts, unsigned rounds)
{
    int       more;
    size_t    len, n, start;
    unsigned  r;
    u_char   *p;

    start = (opts & FUZZ_T_ABSOLUTE)
            ? fuzz_t_strip_absolute(c->target, c->path_len) : 0;

    len = c->path_len - start;
    memcpy(c->a, c->target + start, len);

    for (r = 0; r <= rounds; r++) {
        if (r > 0) {
            len = fuzz_t_decode(c->a, c->a, len, opts, &more);

            if (!more) {
                break;          /* nothing left to decode */
            }
        }

        memcpy(c->b, c->a, len);
        p = c->b;
        n = len;

        if (opts & FUZZ_T_NUL) {
            p[n] = '\0';
            n = strlen((char *) p);
        }

        n = fuzz_t_segments(p, n, opts);

        if (fuzz_t_governed(p, n, (opts & FUZZ_T_LOWER) != 0)) {
            printf("# reading 0x%x, %u rounds: \"%.*s\"\n", opts, r,
                   (int) n, p);
            FUZZ_CHECK(0, "a target some server reads as governed passes");
        }
    }

    return 0;
}


/* one round; *more tells whether an escape was decoded */

static size_t
fuzz_t_decode(u_char *dst, const u_char *src, size_t len, unsigned opts,
    int *more)
{
    int     h[4], k;
    size_t  i, o;

    o = 0;
    *more = 0;

    for (i = 0; i < len; /* void */) {
        if (src[i] == '%' && i + 2 < len) {
            h[0] = fuzz_t_hex(src[i + 1]);
            h[1] = fuzz_t_hex(src[i + 2]);

            if (h[0] >= 0 && h[1] >= 0) {
                dst[o++] = (u_char) (h[0] * 16 + h[1]);
                i += 3;
                *more = 1;
                continue;
            }
        }

        if ((opts & FUZZ_T_PERCENT_U) && src[i] == '%' && i + 5 < len
            && (src[i + 1] == 'u' || src[i + 1] == 'U'))
        {
            for (k = 0; k < 4; k++) {
                h[k] = fuzz_t_hex(src[i + 2 + k]);
                if (h[k] < 0) {
                    break;
                }
            }

            if (k == 4 && h[0] == 0 && h[1] == 0 && h[2] < 8) {
                dst[o++] = (u_char) (h[2] * 16 + h[3]);
                i += 6;
                *more = 1;
                continue;
            }
        }

        if ((opts & FUZZ_T_OVERLONG) && i + 1 < len
            && (src[i] == 0xc0 || src[i] == 0xc1)
            && (src[i + 1] & 0xc0) == 0x80)
        {
            dst[o++] = (u_char) (((src[i] & 0x1f) << 6) | (src[i + 1] & 0x3f));
            i += 2;
            *more = 1;
            continue;
        }

        if ((opts & FUZZ_T_OVERLONG) && i + 2 < len && src[i] == 0xe0
            && src[i + 1] >= 0x80 && src[i + 1] <= 0x81
            && (src[i + 2] & 0xc0) == 0x80)
        {
            dst[o++] = (u_char) (((src[i + 1] & 0x3f) << 6)
                                 | (src[i + 2] & 0x3f));
            i += 3;
            *more = 1;
            continue;
        }

        dst[o++] = src[i++];
    }

    return o;
}


/* "scheme://authority/path", "//authority/path", "scheme:/path" */

static size_t
fuzz_t_strip_absolute(const u_char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (!((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z')
            && !(i > 0 && ((p[i] >= '0' && p[i] <= '9') || p[i] == '+'
                           || p[i] == '-' || p[i] == '.')))
        {
            break;
        }
    }

    if (i > 0 && i < len && p[i] == ':') {
        i++;

    } else {
        i = 0;
    }

    if (i + 1 < len && p[i] == '/' && p[i + 1] == '/') {
        for (i += 2; i < len && p[i] != '/'; i++) {
            /* the authority */
        }
    }

    return i;
}


/*
 * The segment-level readings, in place: fragment, backslash, params,
 * "//", dot segments, trailing dots.  Returns the new length.
 */

static size_t
fuzz_t_segments(u_char *p, size_t len, unsigned opts)
{
    size_t   i, o, s, e, k, z;
    u_char  *q;

    if (opts & FUZZ_T_FRAGMENT) {
        q = memchr(p, '#', len);
        if (q != NULL) {
            len = q - p;
        }
    }

    if (opts & FUZZ_T_BACKSLASH) {
        for (i = 0; i < len; i++) {
            if (p[i] == '\\') {
                p[i] = '/';
            }
        }
    }

    /* rebuild segment by segment: o is the output end */

    o = 0;

    for (i = 0; i < len; i = e + 1) {
        for (e = i; e < len && p[e] != '/'; e++) {
            /* void */
        }

        /* the segment p[i, e), written after a '/' unless it is first */

        s = i;
        k = e;

        /*
         * What precedes the first '/' (empty in origin form) is no path
         * segment: no server strips ";a=b" off ";a=b/v2/..." to make
         * it a path (nginx refuses such a target outright).
         */

        if (i == 0) {
            memmove(p + o, p + s, k - s);
            o += k - s;

            if (e >= len) {
                break;
            }

            continue;
        }

        if (opts & FUZZ_T_PARAMS) {
            q = memchr(p + s, ';', k - s);
            if (q != NULL) {
                k = q - p;
            }
        }

        if (opts & FUZZ_T_TRAILING) {
            /* "fgs." is "fgs"; a segment of dots only stays as it is */

            for (z = k; z > s && p[z - 1] == '.'; z--) { /* void */ }

            if (z > s) {
                k = z;
            }
        }

        if (i > 0 && (opts & FUZZ_T_COLLAPSE) && k == s) {
            continue;
        }

        if ((opts & FUZZ_T_DOTS) && i > 0) {
            if (k - s == 1 && p[s] == '.') {
                continue;
            }

            if (k - s == 2 && p[s] == '.' && p[s + 1] == '.') {
                /* remove the last output segment */
                while (o > 0 && p[o - 1] != '/') {
                    o--;
                }

                if (o > 0) {
                    o--;
                }

                continue;
            }
        }

        if (i > 0) {
            p[o++] = '/';
        }

        memmove(p + o, p + s, k - s);
        o += k - s;

        if (e >= len) {
            break;
        }
    }

    return o;
}


/* "/v2/{something}/fgs" and anything below it */

static int
fuzz_t_governed(const u_char *p, size_t len, int nocase)
{
    size_t  s1, s2, s3, e3;

    if (len < 1 || p[0] != '/') {
        return 0;
    }

    for (s2 = 1; s2 < len && p[s2] != '/'; s2++) { /* void */ }

    if (s2 >= len || !fuzz_t_seg(p + 1, s2 - 1, "v2", nocase)) {
        return 0;
    }

    for (s3 = s2 + 1; s3 < len && p[s3] != '/'; s3++) { /* void */ }

    s1 = s3 - (s2 + 1);

    if (s3 >= len || s1 == 0) {
        return 0;
    }

    for (e3 = s3 + 1; e3 < len && p[e3] != '/'; e3++) { /* void */ }

    return fuzz_t_seg(p + s3 + 1, e3 - s3 - 1, "fgs", nocase);
}


/*
 * A POST that may pass as a read (docs/policy-language.md, "What it
 * governs"): its last segment is an invocation's or a workflow
 * execution's, or its fourth is a tag query's.  Looser than the
 * endpoints' table, which is what the classifier is held to below.
 */

static int
fuzz_t_post_read(const u_char *p, size_t len)
{
    size_t        k, n, seg[8][2];
    const char   *last;

    static const char  *reads[] = {
        "invocations", "invocations-async", "executions", "sync-executions"
    };

    n = fuzz_t_split(p, len, seg, 8);

    if (n == 0 || n > 8) {
        return 0;
    }

    for (k = 0; k < sizeof(reads) / sizeof(reads[0]); k++) {
        last = reads[k];

        if (fuzz_t_seg(p + seg[n - 1][0], seg[n - 1][1], last, 0)) {
            return 1;
        }
    }

    return n == 5 && fuzz_t_seg(p + seg[3][0], seg[3][1],
                                "resource-instances", 0);
}


/* /v2/{project_id}/{resource_type}/{resource_id}/tags/{action} */

static int
fuzz_t_tags(const u_char *p, size_t len)
{
    size_t  seg[6][2];

    return fuzz_t_split(p, len, seg, 6) == 6
           && fuzz_t_seg(p + seg[4][0], seg[4][1], "tags", 0);
}


/*
 * The segments of a path that starts with '/': the first max of them in
 * seg (offset, length); returns how many there are in all.
 */

static size_t
fuzz_t_split(const u_char *p, size_t len, size_t seg[][2], size_t max)
{
    size_t  i, s, n;

    n = 0;
    s = 1;

    for (i = 1; i <= len; i++) {
        if (i == len || p[i] == '/') {
            if (n < max) {
                seg[n][0] = s;
                seg[n][1] = i - s;
            }

            n++;
            s = i + 1;
        }
    }

    return n;
}


static int
fuzz_t_seg(const u_char *p, size_t len, const char *w, int nocase)
{
    size_t  i;

    if (len != strlen(w)) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (p[i] != (u_char) w[i]
            && !(nocase && p[i] >= 'A' && p[i] <= 'Z'
                 && (p[i] | 0x20) == (u_char) w[i]))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * The canonical form (docs/policy-language.md, "What it governs"), from
 * RFC 3986: origin form, every byte a pchar but '%' and ';', no empty,
 * "." or ".." segment, no trailing slash.
 */

static int
fuzz_t_canonical(const u_char *p, size_t len)
{
    size_t  i, seg;
    u_char  c;

    if (len == 0 || p[0] != '/') {
        return 0;
    }

    if (len == 1) {
        return 1;
    }

    seg = 1;

    for (i = 1; i <= len; i++) {
        c = (i < len) ? p[i] : '/';

        if (c == '/') {
            if (i == seg || (i - seg == 1 && p[seg] == '.')
                || (i - seg == 2 && p[seg] == '.' && p[seg + 1] == '.'))
            {
                return 0;
            }

            seg = i + 1;
            continue;
        }

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || strchr("-._~!$&'()*+,=:@", c))
        {
            continue;
        }

        return 0;
    }

    return 1;
}


static int
fuzz_t_hex(u_char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        return (c | 0x20) - 'a' + 10;
    }

    return -1;
}


static int
fuzz_t_within(const fgs_str_t *s, const u_char *t, size_t len)
{
    return s->len == 0
           || (s->data >= t && s->data + s->len <= t + len);
}


/* the invariants of a GOVERN result */

static int
fuzz_t_govern(const fgs_target_t *t, const u_char *m, size_t mlen,
    const u_char *target, size_t len)
{
    size_t            n, i, seg[8][2];
    const char       *name;
    const u_char     *p;
    const fgs_api_t  *e;

    FUZZ_CHECK(fuzz_t_canonical(t->path.data, t->path.len),
               "a non-canonical path is governed");
    FUZZ_CHECK(fuzz_t_governed(t->path.data, t->path.len, 0)
               || fuzz_t_tags(t->path.data, t->path.len),
               "a path outside /v2/{project}/fgs and a resource's tags is "
               "governed");
    FUZZ_CHECK(!((mlen == 3 && memcmp(m, "GET", 3) == 0)
                 || (mlen == 4 && memcmp(m, "HEAD", 4) == 0)),
               "a read is governed");
    FUZZ_CHECK(fuzz_t_within(&t->project_id, target, len)
               && fuzz_t_within(&t->urn, target, len)
               && fuzz_t_within(&t->region, target, len)
               && fuzz_t_within(&t->package, target, len)
               && fuzz_t_within(&t->name, target, len)
               && fuzz_t_within(&t->version, target, len),
               "a span outside the target");

    /* the segments */

    p = t->path.data;
    n = fuzz_t_split(p, t->path.len, seg, 8);

    FUZZ_CHECK(t->project_id.len == 32 && t->project_id.data == p + seg[1][0]
               && seg[1][1] == 32, "the project id is not the path's");

    for (i = 0; i < 32; i++) {
        FUZZ_CHECK(((t->project_id.data[i] | 0x20) >= 'a'
                    && (t->project_id.data[i] | 0x20) <= 'z')
                   || (t->project_id.data[i] >= '0'
                       && t->project_id.data[i] <= '9'),
                   "the project id is not letters and digits");
    }

    /* the endpoint of the table, word for word, or "other" */

    if (t->op == FGS_OP_OTHER) {
        FUZZ_CHECK(t->api == FGS_API_NONE, "an other write with an endpoint");

    } else {
        FUZZ_CHECK(t->api > FGS_API_NONE && t->api < FGS_API_COUNT
                   && fgs_apis[t->api].op == t->op,
                   "GOVERN without the endpoint of its operation");

        e = &fgs_apis[t->api];
        name = fgs_method_name(e->method);

        FUZZ_CHECK(mlen == strlen(name) && memcmp(m, name, mlen) == 0
                   && n == (size_t) e->n + 2,
                   "the endpoint's method or length is not the request's");

        for (i = 0; i < e->n; i++) {
            FUZZ_CHECK(e->word[i].text[0] == '{'
                       || fuzz_t_seg(p + seg[i + 2][0], seg[i + 2][1],
                                     e->word[i].text, 0),
                       "a fixed word is not the endpoint's");
        }

        FUZZ_CHECK(e->urn == 0
                   || (t->urn.len > 0
                       && t->urn.data == p + seg[e->urn + 1][0]
                       && t->urn.len == seg[e->urn + 1][1]),
                   "the URN is not the path's");
    }

    if (t->urn.len > 0 && fuzz_t_urn(t) != 0) {
        return -1;
    }

    return 0;
}


/* urn:fss:{region}:{project}:function:{package}:{name}[:{version}] */

static int
fuzz_t_urn(const fgs_target_t *t)
{
    size_t         i, n, start, part[8][2];
    u_char         c;
    const u_char  *u;

    u = t->urn.data;

    FUZZ_CHECK(t->urn.len > 8 && memcmp(u, "urn:fss:", 8) == 0,
               "the URN does not start with urn:fss:");

    n = 0;
    start = 0;

    for (i = 0; i <= t->urn.len; i++) {
        c = (i < t->urn.len) ? u[i] : ':';

        if (c == ':') {
            FUZZ_CHECK(n < 8 && i > start, "the URN has an empty part or "
                       "too many");
            part[n][0] = start;
            part[n][1] = i - start;
            n++;
            start = i + 1;
            continue;
        }

        FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                   || (c >= '0' && c <= '9') || c == '_' || c == '-',
                   "the URN has a character outside its alphabet");
    }

    FUZZ_CHECK(n == 7 || n == 8, "the URN does not have 7 or 8 parts");
    FUZZ_CHECK(part[4][1] == 8 && memcmp(u + part[4][0], "function", 8) == 0,
               "the URN does not say function");
    FUZZ_CHECK(part[3][1] == t->project_id.len
               && memcmp(u + part[3][0], t->project_id.data, part[3][1]) == 0,
               "the URN names another project");
    FUZZ_CHECK(t->region.data == u + part[2][0]
               && t->region.len == part[2][1]
               && t->package.data == u + part[5][0]
               && t->package.len == part[5][1]
               && t->name.data == u + part[6][0]
               && t->name.len == part[6][1]
               && (n == 7 ? t->version.len == 0
                          : (t->version.data == u + part[7][0]
                             && t->version.len == part[7][1])),
               "the URN's parts are not its spans");

    return 0;
}


#ifndef FGS_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fgs_fuzz_target(data, size);
}

#endif

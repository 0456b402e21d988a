
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Runs of base64 alphabet found while a body streams in, and their use:
 * the runs match a byte-by-byte reference whatever the chunks, the SIMD
 * span agrees with the table for every byte at every offset, the scanner
 * and the base64 checks step over the runs without reading them and give
 * the same answers as without them.
 */


#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "base64_ref.h"
#include "core/fgs_base64.h"
#include "json/fgs_json.h"
#include "schema/fgs_schema.h"


#define BODY_MAX  (256 * 1024)


static fgs_arena_t  arena;


/* the runs as a byte-by-byte reading finds them */

static void
reference_runs(const u_char *p, size_t len, fgs_base64_runs_t *want)
{
    size_t  i, start;

    want->n = 0;
    start = 0;

    for (i = 0; i <= len; i++) {
        if (i < len && in_alphabet(p[i])) {
            continue;
        }

        if (i - start >= FGS_BASE64_RUN_MIN
            && want->n < FGS_BASE64_MAX_RUNS)
        {
            want->run[want->n].start = (uint32_t) start;
            want->run[want->n].end = (uint32_t) i;
            want->n++;
        }

        start = i + 1;
    }
}


static void
feed_chunks(fgs_base64_runs_t *runs, const u_char *p, size_t len,
    uint32_t *state, size_t max_chunk)
{
    size_t  off, n;

    fgs_base64_runs_init(runs);

    for (off = 0; off < len; off += n) {
        n = 1 + rnd(state) % max_chunk;

        if (n > len - off) {
            n = len - off;
        }

        fgs_base64_runs_feed(runs, p + off, n);
    }

    fgs_base64_runs_end(runs);
}


static int
same_runs(const fgs_base64_runs_t *a, const fgs_base64_runs_t *b)
{
    uint32_t  i;

    if (a->n != b->n) {
        return 0;
    }

    for (i = 0; i < a->n; i++) {
        if (a->run[i].start != b->run[i].start
            || a->run[i].end != b->run[i].end)
        {
            return 0;
        }
    }

    return 1;
}


static void
test_runs(void)
{
    int                 good;
    u_char             *buf;
    size_t              len, i, k;
    uint32_t            state, round, pos;
    fgs_base64_runs_t   runs, want;

    buf = malloc(BODY_MAX);
    if (buf == NULL) {
        ok(0, "memory");
        return;
    }

    /* random alphabet with a few random other bytes, random chunks */

    state = 2463534242u;
    good = 1;

    for (round = 0; round < 60; round++) {
        len = 1 + rnd(&state) % BODY_MAX;

        for (i = 0; i < len; i++) {
            buf[i] = "ABCxyz019+/"[rnd(&state) % 11];
        }

        k = rnd(&state) % 40;

        for (i = 0; i < k; i++) {
            buf[rnd(&state) % len] = (u_char) (rnd(&state) & 0xff);
        }

        reference_runs(buf, len, &want);
        feed_chunks(&runs, buf, len, &state,
                    round % 3 == 0 ? 7 : (round % 3 == 1 ? 1000 : 70000));

        if (!same_runs(&runs, &want) || runs.seen != len) {
            good = 0;
            printf("# round %u: %u runs, want %u\n", round, runs.n, want.n);
        }
    }

    ok(good, "runs found in any chunks match a byte-by-byte reading");

    /* every byte value, at every position within a 64-byte block */

    memset(buf, 'Q', 3 * FGS_BASE64_RUN_MIN);
    good = 1;

    for (k = 0; k < 256; k++) {
        for (pos = FGS_BASE64_RUN_MIN + 100; pos < FGS_BASE64_RUN_MIN + 229;
             pos++)
        {
            buf[pos] = (u_char) k;

            fgs_base64_runs_init(&runs);
            fgs_base64_runs_feed(&runs, buf, 3 * FGS_BASE64_RUN_MIN);
            fgs_base64_runs_end(&runs);

            reference_runs(buf, 3 * FGS_BASE64_RUN_MIN, &want);

            if (!same_runs(&runs, &want)
                || runs.n != (in_alphabet((u_char) k) ? 1u : 2u))
            {
                good = 0;
            }

            buf[pos] = 'Q';
        }
    }

    ok(good, "every byte outside the alphabet ends a run, at any position");

    /* more runs than are kept: the first ones */

    memset(buf, 'A', BODY_MAX);

    for (i = 1; i <= 40; i++) {
        buf[i * (FGS_BASE64_RUN_MIN + 10)] = '"';
    }

    fgs_base64_runs_init(&runs);
    fgs_base64_runs_feed(&runs, buf, BODY_MAX);
    fgs_base64_runs_end(&runs);

    ok(runs.n == FGS_BASE64_MAX_RUNS && runs.run[0].start == 0
       && runs.run[0].end == FGS_BASE64_RUN_MIN + 10
       && runs.run[1].start == FGS_BASE64_RUN_MIN + 11,
       "at most %d runs are kept, the first ones", FGS_BASE64_MAX_RUNS);

    ok(fgs_base64_runs_known(&runs, 0) == FGS_BASE64_RUN_MIN + 10
       && fgs_base64_runs_known(&runs, 5) == FGS_BASE64_RUN_MIN + 5
       && fgs_base64_runs_known(&runs, FGS_BASE64_RUN_MIN + 10) == 0
       && fgs_base64_runs_known(&runs, FGS_BASE64_RUN_MIN + 11)
          == FGS_BASE64_RUN_MIN + 9
       && fgs_base64_runs_known(NULL, 0) == 0,
       "fgs_base64_runs_known counts the known bytes from an offset");

    /* a run shorter than FGS_BASE64_RUN_MIN is not kept */

    memset(buf, 'A', FGS_BASE64_RUN_MIN);
    buf[FGS_BASE64_RUN_MIN - 1] = '=';

    fgs_base64_runs_init(&runs);
    fgs_base64_runs_feed(&runs, buf, FGS_BASE64_RUN_MIN);
    fgs_base64_runs_end(&runs);

    ok(runs.n == 0, "a run shorter than %d bytes is not kept",
       FGS_BASE64_RUN_MIN);

    free(buf);
}


static void
test_span(void)
{
    int      good;
    u_char   buf[512];
    size_t   want;
    unsigned k, pos, start;

    good = 1;
    memset(buf, 'z', sizeof(buf));

    for (k = 0; k < 256; k++) {
        for (start = 0; start < 3; start++) {
            for (pos = start; pos < 400; pos += 7) {
                buf[pos] = (u_char) k;
                want = in_alphabet((u_char) k) ? 400 - start : pos - start;

                if (fgs_base64_span(buf + start, 400 - start) != want) {
                    good = 0;
                }

                buf[pos] = 'z';
            }
        }
    }

    ok(good, "fgs_base64_span stops at the first byte outside the "
       "alphabet, for every byte value at every offset");
}


static void
test_known(void)
{
    int                 good;
    u_char             *s;
    size_t              len, k;
    fgs_base64_info_t   a, b;

    len = 3 * FGS_BASE64_RUN_MIN;

    s = malloc(len);
    if (s == NULL) {
        ok(0, "memory");
        return;
    }

    memset(s, 'B', len);
    s[len - 1] = '=';
    s[len - 2] = 'A';          /* zero low bits before one '=' */

    good = 1;

    for (k = 0; k < len; k += 509) {
        fgs_base64_check(s, len, &a);
        fgs_base64_check_known(s, len, k, 0, &b);

        if (a.decoded != b.decoded || a.chars != b.chars
            || b.error != NULL)
        {
            good = 0;
        }
    }

    ok(good, "a known prefix gives the same decoded size");

    /* the known prefix is not read: a bad byte in it goes unseen */

    s[100] = '*';

    ok(fgs_base64_check(s, len, &a) == FGS_DECLINED
       && fgs_base64_check_known(s, len, 200, 0, &b) == FGS_OK,
       "the known bytes are counted, not read");

    s[100] = 'B';

    /* what follows the known prefix is checked as before */

    s[len - 2] = 'B';          /* non-zero unused bits */

    ok(fgs_base64_check_known(s, len, len - 2, 0, &b) == FGS_DECLINED
       && b.error != NULL && strstr(b.error, "unused bits") != NULL,
       "the unused bits of the last known character are checked");

    s[len - 2] = '\\';

    ok(fgs_base64_check_known(s, len, len - 2, 1, &b) == FGS_DECLINED
       && fgs_base64_check_known(s, 8, 100, 0, &b) == FGS_OK
       && b.decoded == 6 && b.chars == 8,
       "bytes after the known prefix are read; known is capped at len");

    free(s);
}


/* {"code_type":"inline","func_code":{"file":"<n base64>"}} */

static u_char *
code_body(size_t n, size_t *len)
{
    u_char  *b, *p;

    b = malloc(n + 128);
    if (b == NULL) {
        return NULL;
    }

    p = b;
    p += sprintf((char *) p, "{\"code_type\":\"inline\",\"func_code\":"
                 "{\"file\":\"");
    memset(p, 'U', n);
    p += n;
    p += sprintf((char *) p, "\"}}");

    *len = p - b;

    return b;
}


static void
test_scan(void)
{
    int                     rc, good;
    u_char                 *body, *other;
    size_t                  len, start, i;
    uint32_t                n;
    fgs_json_doc_t          plain, hinted;
    const fgs_json_node_t  *a, *h;
    fgs_violations_t        v;
    fgs_base64_runs_t       runs;

    body = code_body(100000, &len);
    if (body == NULL) {
        ok(0, "memory");
        return;
    }

    start = (u_char *) strstr((char *) body, "\"file\":\"") - body + 8;

    fgs_arena_init(&arena);

    fgs_base64_runs_init(&runs);
    fgs_base64_runs_feed(&runs, body, len);
    fgs_base64_runs_end(&runs);

    ok(runs.n == 1 && runs.run[0].start == start
       && runs.run[0].end == start + 100000,
       "the run is the inside of func_code.file");

    rc = fgs_json_scan(&plain, body, len, &arena.alloc);
    ok(rc == FGS_OK && plain.runs == NULL, "scanned without runs");

    rc = fgs_json_scan_runs(&hinted, body, len, &runs, &arena.alloc);
    ok(rc == FGS_OK && hinted.runs == &runs, "scanned with runs");

    good = (hinted.n == plain.n);

    for (n = 0; good && n < plain.n; n++) {
        a = &plain.nodes[n];
        h = &hinted.nodes[n];

        good = (a->type == h->type && a->flags == h->flags
                && a->off == h->off && a->len == h->len
                && a->member == h->member && a->parent == h->parent
                && a->next == h->next && a->count == h->count
                && a->key_len == h->key_len
                && (a->key == NULL
                    ? h->key == NULL
                    : h->key != NULL
                      && memcmp(a->key, h->key, a->key_len) == 0));
    }

    ok(good && plain.nodes[plain.n - 1].len == 100002,
       "the same tape either way");

    fgs_violations_init(&v);
    ok(fgs_schema_validate(&hinted, FGS_API_FUNCTION_CODE, &v, &arena.alloc)
       == FGS_OK,
       "the schema accepts func_code.file with the runs");

    /* runs of other bytes than the body's are not used */

    fgs_base64_runs_init(&runs);
    fgs_base64_runs_feed(&runs, body, len - 1);
    fgs_base64_runs_end(&runs);

    rc = fgs_json_scan_runs(&hinted, body, len, &runs, &arena.alloc);
    ok(rc == FGS_OK && hinted.runs == NULL,
       "runs that do not account for every byte are not used");

    /*
     * The scanner does not read the bytes of a run: runs found in other
     * bytes of the same length (which a real body never has) make it
     * miss a control character inside the run.
     */

    other = malloc(len);
    if (other == NULL) {
        ok(0, "memory");
        free(body);
        return;
    }

    memcpy(other, body, len);
    body[start + 5000] = '\n';

    fgs_base64_runs_init(&runs);
    fgs_base64_runs_feed(&runs, other, len);
    fgs_base64_runs_end(&runs);

    ok(fgs_json_scan(&plain, body, len, &arena.alloc) == FGS_DECLINED,
       "a control character in the string is refused");

    ok(fgs_json_scan_runs(&hinted, body, len, &runs, &arena.alloc)
       == FGS_OK, "the scanner steps over the run");

    /* bytes between runs are read: a stop between two runs is found */

    for (i = start; i < start + 100000; i++) {
        other[i] = body[i] = 'U';
    }

    other[start + 50000] = '*';
    body[start + 50000] = '"';

    fgs_base64_runs_init(&runs);
    fgs_base64_runs_feed(&runs, other, len);
    fgs_base64_runs_end(&runs);

    rc = fgs_json_scan_runs(&hinted, body, len, &runs, &arena.alloc);

    ok(runs.n == 2 && rc == FGS_DECLINED
       && hinted.error_off == start + 50001,
       "a quote between two runs ends the string");

    /* the base64 check after a scan with runs: the padding is read */

    memcpy(body, other, len);
    body[start + 50000] = 'U';
    body[start + 99999] = '=';
    body[start + 99998] = 'V';      /* non-zero bits before the '=' */

    fgs_base64_runs_init(&runs);
    fgs_base64_runs_feed(&runs, body, len);
    fgs_base64_runs_end(&runs);

    rc = fgs_json_scan_runs(&hinted, body, len, &runs, &arena.alloc);

    fgs_violations_init(&v);
    ok(rc == FGS_OK
       && fgs_schema_validate(&hinted, FGS_API_FUNCTION_CODE, &v, &arena.alloc)
          == FGS_DECLINED
       && v.n == 1 && strstr(v.head->message, "unused bits") != NULL,
       "the schema still reads the end of a value after its run");

    free(other);
    free(body);
    fgs_arena_reset(&arena);
}


int
main(void)
{
    test_runs();
    test_span();
    test_known();
    test_scan();

    return done_testing();
}

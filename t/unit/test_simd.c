
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The engine's vectorised loops against the byte-by-byte reading that
 * the portable build (FGS_NO_SIMD) runs instead, on the same inputs: the
 * JSON scanner's skip over plain string bytes against fgs_json_plain[],
 * and the base64 span against the alphabet, with stops at every offset
 * of a block, several stops in one block, and random bytes.  Built with
 * FGS_NO_SIMD (make test-portable), both sides are the portable reading.
 * test_base64_runs.c holds the runs of base64 alphabet to a reference
 * in the same way.
 */


#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "base64_ref.h"
#include "core/fgs_base64.h"
#include "json/fgs_json_private.h"


#define BUF_LEN  256


static const u_char *plain_end(const u_char *p, const u_char *end);
static size_t span(const u_char *p, size_t len);
static void test_plain_stops(void);
static void test_plain_random(void);
static void test_span_stops(void);
static void test_span_random(void);


int
main(void)
{
    test_plain_stops();
    test_plain_random();
    test_span_stops();
    test_span_random();

    return done_testing();
}


/* the portable reading of both */

static const u_char *
plain_end(const u_char *p, const u_char *end)
{
    while (p < end && fgs_json_plain[*p]) {
        p++;
    }

    return p;
}


static size_t
span(const u_char *p, size_t len)
{
    size_t  n;

    for (n = 0; n < len && in_alphabet(p[n]); n++) {
        /* void */
    }

    return n;
}


/*
 * Every byte value at every offset of the first blocks, after every
 * start offset within a block, and a second stop after the first: the
 * lowest stop is found, never one after it.
 */

static void
test_plain_stops(void)
{
    int       good;
    u_char    buf[BUF_LEN];
    unsigned  k, pos, start, len;

    good = 1;
    memset(buf, 'a', sizeof(buf));

    for (k = 0; k < 256; k++) {
        for (start = 0; start < 17; start++) {
            for (pos = start; pos < 100; pos++) {
                buf[pos] = (u_char) k;
                buf[pos + 5] = '"';

                for (len = pos - start; len <= 110 - start; len += 9) {
                    if (fgs_json_scan_plain_end(buf + start,
                                                buf + start + len)
                        != plain_end(buf + start, buf + start + len))
                    {
                        good = 0;
                    }
                }

                buf[pos] = 'a';
                buf[pos + 5] = 'a';
            }
        }
    }

    ok(good, "the plain byte skip stops where fgs_json_plain[] does, for "
       "every byte value at every offset and length");
}


static void
test_plain_random(void)
{
    int        good;
    u_char     buf[BUF_LEN];
    size_t     i, start, len;
    uint32_t   state, r;
    unsigned   round;

    static const u_char  stops[] = { '"', '\\', 0x00, 0x1f, 0x80, 0xff };

    good = 1;
    state = 2463534242u;

    for (round = 0; round < 20000; round++) {

        /* plain text with a stop one time in 8 to one in 128 */

        r = 8u << (round % 5);

        for (i = 0; i < sizeof(buf); i++) {
            buf[i] = (rnd(&state) % r == 0)
                     ? stops[rnd(&state) % sizeof(stops)]
                     : (u_char) (0x20 + rnd(&state) % 0x60);
        }

        start = rnd(&state) % 32;
        len = rnd(&state) % (sizeof(buf) - start + 1);

        if (fgs_json_scan_plain_end(buf + start, buf + start + len)
            != plain_end(buf + start, buf + start + len))
        {
            good = 0;
        }
    }

    ok(good, "the plain byte skip agrees with fgs_json_plain[] on random "
       "text");
}


static void
test_span_stops(void)
{
    int       good;
    u_char    buf[BUF_LEN];
    unsigned  k, pos, start, second;

    good = 1;
    memset(buf, 'Q', sizeof(buf));

    for (k = 0; k < 256; k++) {
        for (start = 0; start < 3; start++) {
            for (pos = start; pos < 140; pos++) {
                for (second = 1; second < 70; second += 17) {
                    buf[pos] = (u_char) k;
                    buf[pos + second] = '=';

                    if (fgs_base64_span(buf + start, 200 - start)
                        != span(buf + start, 200 - start))
                    {
                        good = 0;
                    }

                    buf[pos] = 'Q';
                    buf[pos + second] = 'Q';
                }
            }
        }
    }

    ok(good, "the base64 span stops at the first byte outside the "
       "alphabet, for every byte value at every offset, with another "
       "stop after it");
}


static void
test_span_random(void)
{
    int        good;
    u_char     buf[BUF_LEN];
    size_t     i, start, len;
    uint32_t   state;
    unsigned   round;

    static const char  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    good = 1;
    state = 88675123u;

    for (round = 0; round < 20000; round++) {

        /* base64 with a random byte one time in 64 to one in 1024 */

        for (i = 0; i < sizeof(buf); i++) {
            buf[i] = (rnd(&state) % (64u << (round % 5)) == 0)
                     ? (u_char) rnd(&state)
                     : (u_char) alphabet[rnd(&state) % 64];
        }

        start = rnd(&state) % 64;
        len = rnd(&state) % (sizeof(buf) - start + 1);

        if (fgs_base64_span(buf + start, len) != span(buf + start, len)) {
            good = 0;
        }
    }

    ok(good, "the base64 span agrees with the alphabet on random text");
}

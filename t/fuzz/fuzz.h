
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What the engine's fuzz targets share.  Each target is one file with
 * one entry point, fgs_fuzz_NAME(data, size), that returns 0.  Built
 * for libFuzzer (make fuzz), the file also defines LLVMFuzzerTestOneInput
 * and a broken invariant aborts, so that libFuzzer saves the input.
 * Built with FGS_FUZZ_REPLAY (t/unit/test_fuzz_regress.c includes every
 * target), a broken invariant is counted and reported instead, so that
 * one replay run names every input of t/fuzz/regress/ that fails.
 */


#ifndef _FGS_FUZZ_H_INCLUDED_
#define _FGS_FUZZ_H_INCLUDED_


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fgs_common.h"
#include "json/fgs_json.h"


#define FUZZ_UNUSED  __attribute__ ((unused))


/* the entry points, one per target file */
int fgs_fuzz_json(const uint8_t *data, size_t size);
int fgs_fuzz_json_diff(const uint8_t *data, size_t size);
int fgs_fuzz_schema(const uint8_t *data, size_t size);
int fgs_fuzz_target(const uint8_t *data, size_t size);
int fgs_fuzz_policy_load(const uint8_t *data, size_t size);
int fgs_fuzz_policy_eval(const uint8_t *data, size_t size);
int fgs_fuzz_identity(const uint8_t *data, size_t size);


/* broken invariants seen by the replay (always 0 under libFuzzer) */
static FUZZ_UNUSED int  fuzz_failures;


static FUZZ_UNUSED void
fuzz_fail(const char *file, int line, const char *what)
{
#ifdef FGS_FUZZ_REPLAY
    printf("# invariant broken at %s line %d: %s\n", file, line, what);
    fuzz_failures++;
#else
    fprintf(stderr, "invariant broken at %s line %d: %s\n", file, line,
            what);
    abort();
#endif
}


/*
 * Checks an invariant; a function that uses it returns int and stops at
 * the first broken one (the replay goes on with the next input).
 */
#define FUZZ_CHECK(cond, what)                                              \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fuzz_fail(__FILE__, __LINE__, what);                            \
            return -1;                                                      \
        }                                                                   \
    } while (0)


/* the directory the fixed inputs (policies) are read from */

static FUZZ_UNUSED const char *
fuzz_root(void)
{
    const char  *root;

    root = getenv("FGS_FUZZ_ROOT");

    return (root != NULL && root[0] != '\0') ? root : ".";
}


/* memmem() without _GNU_SOURCE: the first n bytes of s in p[0..len) */

static FUZZ_UNUSED const u_char *
fuzz_find(const u_char *p, size_t len, const u_char *s, size_t n)
{
    size_t  i;

    if (n == 0) {
        return p;
    }

    for (i = 0; i + n <= len; i++) {
        if (p[i] == s[0] && memcmp(p + i, s, n) == 0) {
            return p + i;
        }
    }

    return NULL;
}


/* whether a C string holds a byte that could end a line */

static FUZZ_UNUSED int
fuzz_has_control(const char *s)
{
    for ( /* void */ ; *s; s++) {
        if ((u_char) *s < 0x20 || *s == 0x7f) {
            return 1;
        }
    }

    return 0;
}


#endif /* _FGS_FUZZ_H_INCLUDED_ */

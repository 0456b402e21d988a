
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * PCRE2 patterns of a policy: compiled and JIT-compiled at load time,
 * each with match data of its own allocated once, so that matching on the
 * request path allocates nothing.  Match data is state: a policy is used
 * by one thread at a time (an nginx worker, the CLI).
 */


#include <stdio.h>
#include <string.h>

#include "fgs_policy_int.h"


/*
 * UTF: subjects are the scanner's unescaped strings (valid UTF-8) and URN
 * parts.  No UCP: "\d" and "\w" stay ASCII, which is what a pattern that
 * validates an identifier means; a pattern can still ask for (*UCP).
 * NEVER_BACKSLASH_C: "\C" could split a UTF-8 character.
 * DOLLAR_ENDONLY: "$" matches at the very end of the subject only, not
 * before a final newline as by PCRE2's default, so that "^approved$"
 * refuses "approved\n" (docs/policy-language.md, "Checks").
 */
#define FGS_REGEX_OPTIONS                                                     \
    (PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C | PCRE2_DOLLAR_ENDONLY)


static void fgs_regex_literal(fgs_regex_t *re, size_t len);
static fgs_regex_result_e fgs_regex_match_literal(const fgs_regex_t *re,
    const u_char *subject, size_t len);


fgs_regex_t *
fgs_regex_compile(fgs_policy_t *policy, const char *source, size_t len,
    char *errbuf, size_t errlen)
{
    int                    rc;
    PCRE2_SIZE             erroff;
    fgs_regex_t           *re;
    PCRE2_UCHAR            msg[128];
    fgs_alloc_t           *a;

    a = &policy->arena.alloc;

    re = a->alloc(a->data, sizeof(fgs_regex_t));
    if (re == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }

    re->source = fgs_strdup(a, source, len);
    if (re->source == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }

    re->code = pcre2_compile((PCRE2_SPTR) source, len, FGS_REGEX_OPTIONS,
                             &rc, &erroff, NULL);
    if (re->code == NULL) {
        pcre2_get_error_message(rc, msg, sizeof(msg));
        snprintf(errbuf, errlen, "bad pattern \"%s\": %s at offset %zu",
                 re->source, (char *) msg, (size_t) erroff);
        return NULL;
    }

    re->md = NULL;
    re->jit = 0;
    re->mctx = policy->mctx;

    fgs_regex_literal(re, len);
    re->next = policy->regexes;
    policy->regexes = re;

    /*
     * Where the JIT is not available, pcre2_match() interprets the
     * pattern: slower, not wrong, so a JIT failure is not a load error.
     */
    re->jit = (pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0);

    /* only whether it matches is used: one pair is enough */
    re->md = pcre2_match_data_create(1, NULL);
    if (re->md == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }

    return re;
}


fgs_regex_result_e
fgs_regex_match(const fgs_regex_t *re, const u_char *subject, size_t len)
{
    int     rc;
    size_t  i;

    /* ASCII is valid UTF-8: URN parts take the fast path */

    for (i = 0; i < len && subject[i] < 0x80; i++) {
        /* void */
    }

    if (i == len) {
        return fgs_regex_match_utf8(re, subject, len);
    }

    /* PCRE2 checks the UTF-8 of the rest: invalid UTF-8 fails closed */

    rc = pcre2_match(re->code, (PCRE2_SPTR) (subject ? subject
                                                     : (const u_char *) ""),
                     len, 0, 0, re->md, re->mctx);

    if (rc >= 0) {
        return FGS_REGEX_MATCH;
    }

    if (rc == PCRE2_ERROR_NOMATCH) {
        return FGS_REGEX_NOMATCH;
    }

    return FGS_REGEX_FAILED;
}


/*
 * The same for a subject the scanner has already validated as UTF-8 (a
 * string of a body or of a policy value): PCRE2 need not validate it
 * again, and the JIT code is called directly.  Most of the cost of
 * matching a short string is otherwise in that validation.
 */

fgs_regex_result_e
fgs_regex_match_utf8(const fgs_regex_t *re, const u_char *subject,
    size_t len)
{
    int           rc;
    PCRE2_SPTR    p;

    if (re->literal) {
        return fgs_regex_match_literal(re, subject, len);
    }

    p = (PCRE2_SPTR) (subject ? subject : (const u_char *) "");

    if (re->jit) {
        rc = pcre2_jit_match(re->code, p, len, 0, 0, re->md, re->mctx);

    } else {
        rc = pcre2_match(re->code, p, len, 0, PCRE2_NO_UTF_CHECK, re->md,
                         re->mctx);
    }

    if (rc >= 0) {
        return FGS_REGEX_MATCH;
    }

    if (rc == PCRE2_ERROR_NOMATCH) {
        return FGS_REGEX_NOMATCH;
    }

    return FGS_REGEX_FAILED;
}


/*
 * A plain string: no byte that PCRE2 reads as syntax (without the
 * extended option, spaces and '#' are literal), except a leading '^' and
 * a trailing '$'.  ']' and '}' are literal to PCRE2 when alone, but such
 * patterns are left to it.
 */

static void
fgs_regex_literal(fgs_regex_t *re, size_t len)
{
    const u_char  *p, *end;

    p = (const u_char *) re->source;
    end = p + len;

    re->literal = 0;
    re->lit_start = 0;
    re->lit_end = 0;

    if (p < end && *p == '^') {
        re->lit_start = 1;
        p++;
    }

    if (end > p && end[-1] == '$') {
        re->lit_end = 1;
        end--;
    }

    re->lit = p;
    re->lit_len = end - p;

    for ( /* void */ ; p < end; p++) {
        /* (a NUL is found too: strchr() finds the terminator) */
        if (strchr("\\^$.|?*+()[]{}", *p) != NULL) {
            return;
        }
    }

    re->literal = 1;
}


/*
 * As PCRE2 matches such a pattern with FGS_REGEX_OPTIONS: "^" at the
 * start of the subject only, "$" at its very end only.
 */

static fgs_regex_result_e
fgs_regex_match_literal(const fgs_regex_t *re, const u_char *subject,
    size_t len)
{
    size_t         n, i;
    const u_char  *lit;

    lit = re->lit;
    n = re->lit_len;

    if (subject == NULL) {
        subject = (const u_char *) "";
    }

    if (len < n) {
        return FGS_REGEX_NOMATCH;
    }

    if (re->lit_start) {
        return (!re->lit_end || len == n) && memcmp(subject, lit, n) == 0
               ? FGS_REGEX_MATCH : FGS_REGEX_NOMATCH;
    }

    if (re->lit_end) {
        return memcmp(subject + len - n, lit, n) == 0
               ? FGS_REGEX_MATCH : FGS_REGEX_NOMATCH;
    }

    for (i = 0; i + n <= len; i++) {
        if (memcmp(subject + i, lit, n) == 0) {
            return FGS_REGEX_MATCH;
        }
    }

    return FGS_REGEX_NOMATCH;
}


void
fgs_regex_free_all(fgs_policy_t *policy)
{
    fgs_regex_t  *re;

    for (re = policy->regexes; re; re = re->next) {
        pcre2_match_data_free(re->md);
        pcre2_code_free(re->code);
    }

    policy->regexes = NULL;
}

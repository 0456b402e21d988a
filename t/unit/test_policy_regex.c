
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Patterns that are plain strings are matched by comparing bytes: which
 * patterns take that way, and that it answers exactly as PCRE2 does for
 * every pattern and subject here ("$" before a final newline included).
 * "$" is the very end of the subject (PCRE2_DOLLAR_ENDONLY): a final
 * newline does not match, on either path.
 * Messages that quote a pattern are made one line: every control byte,
 * wherever it is in a long message, becomes '?', and nothing else.
 */


#include "test_policy.h"
#include "policy/fgs_policy_int.h"


static void test_dollar_endonly(fgs_policy_t *policy);
static void test_oneline(void);


static const char  *patterns[] = {
    "^prod-", "^legacy-billing$", "^ml$", "prod", "-billing$", "", "^", "$",
    "^$", "a b#c", "x/y:z@w", "^\xc3\xa9t\xc3\xa9$",

    /* not plain strings: PCRE2 matches them */
    "^prod-.*", "^ml-inference-[a-z0-9-]+$", "a|b", "\\Qa\\E", "(?i)prod",
    "a{2}", "^a\\$", "a+", "a?b", "(x)"
};

static const int  literal[] = {
    1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1,
    0, 0, 0, 0, 0,
    0, 0, 0, 0, 0
};

static const char  *subjects[] = {
    "", "\n", "prod-orders", "prod-", "prod", "xprod-orders", "legacy-billing",
    "legacy-billing\n", "legacy-billing\n\n", "legacy-billingx",
    "xlegacy-billing", "ml", "ml\n", "mll", "aml", "a b#c", "za b#cz",
    "x/y:z@w", "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9\n", "A",
    "my-prod\nprod-x", "aa", "b"
};


int
main(void)
{
    int                  good, rc;
    size_t               i, j, len;
    fgs_regex_t         *re;
    fgs_policy_t        *policy;
    fgs_regex_result_e   got, want;
    fgs_policy_error_t   err;
    char                 errbuf[256];

    memset(&err, 0, sizeof(err));

    policy = tp_load("{\"fgs_policy\":1,\"rules\":[]}", &err);
    if (policy == NULL) {
        ok(0, "the policy loads");
        return done_testing();
    }

    for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        re = fgs_regex_compile(policy, patterns[i], strlen(patterns[i]),
                               errbuf, sizeof(errbuf));
        if (re == NULL) {
            ok(0, "\"%s\" compiles: %s", patterns[i], errbuf);
            continue;
        }

        is_int(re->literal, literal[i], "\"%s\" is %sa plain string",
               patterns[i], literal[i] ? "" : "not ");

        good = 1;

        for (j = 0; j < sizeof(subjects) / sizeof(subjects[0]); j++) {
            len = strlen(subjects[j]);

            rc = pcre2_match(re->code, (PCRE2_SPTR) subjects[j], len, 0, 0,
                             re->md, NULL);
            want = rc >= 0 ? FGS_REGEX_MATCH : FGS_REGEX_NOMATCH;

            got = fgs_regex_match(re, (const u_char *) subjects[j], len);

            if (got != want) {
                good = 0;
                printf("# \"%s\" on \"%s\": %d, PCRE2 says %d\n",
                       patterns[i], subjects[j], (int) got, (int) want);
            }

            got = fgs_regex_match_utf8(re, (const u_char *) subjects[j],
                                       len);

            if (got != want) {
                good = 0;
            }
        }

        ok(good, "\"%s\" matches as PCRE2 does", patterns[i]);
    }

    test_dollar_endonly(policy);

    /* invalid UTF-8 still fails closed, whatever the pattern */

    re = fgs_regex_compile(policy, "^prod-", 6, errbuf, sizeof(errbuf));

    ok(re != NULL
       && fgs_regex_match(re, (const u_char *) "prod-\xff", 6)
          == FGS_REGEX_FAILED,
       "a subject that is not UTF-8 fails closed");

    fgs_policy_free(policy);

    test_oneline();

    return done_testing();
}


static void
test_dollar_endonly(fgs_policy_t *policy)
{
    size_t        i;
    fgs_regex_t  *re;
    char          errbuf[256];

    static const char  *dollar[] = {
        "^approved$", "approved$", "^approv[e]d$", "^(approved)$"
    };

    for (i = 0; i < sizeof(dollar) / sizeof(dollar[0]); i++) {
        re = fgs_regex_compile(policy, dollar[i], strlen(dollar[i]),
                               errbuf, sizeof(errbuf));
        if (re == NULL) {
            ok(0, "\"%s\" compiles: %s", dollar[i], errbuf);
            continue;
        }

        is_int(fgs_regex_match(re, (const u_char *) "approved", 8),
               FGS_REGEX_MATCH, "\"%s\" matches \"approved\"", dollar[i]);
        is_int(fgs_regex_match(re, (const u_char *) "approved\n", 9),
               FGS_REGEX_NOMATCH, "\"%s\" does not match \"approved\\n\"",
               dollar[i]);
        is_int(fgs_regex_match_utf8(re, (const u_char *) "approved\n", 9),
               FGS_REGEX_NOMATCH, "\"%s\" does not match \"approved\\n\" "
               "(validated UTF-8)", dollar[i]);
    }
}


static void
test_oneline(void)
{
    int          good;
    char         msg[80], want[80];
    size_t       pos, i;
    unsigned     c;
    const char  *text;

    text = "the pattern \xc3\xa9 of rule r";
    good = 1;

    for (c = 1; c < 256; c++) {
        for (pos = 0; pos < 70; pos++) {
            for (i = 0; i < 70; i++) {
                msg[i] = text[i % strlen(text)];
            }

            msg[70] = '\0';
            msg[pos] = (char) c;
            memcpy(want, msg, sizeof(msg));

            if (c < 0x20 || c == 0x7f) {
                want[pos] = '?';
            }

            fgs_oneline(msg);

            if (memcmp(msg, want, 71) != 0) {
                good = 0;
            }
        }
    }

    ok(good, "a message is made one line: control bytes become '?', "
       "anywhere in it, and UTF-8 stays");
}

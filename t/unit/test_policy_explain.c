
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs_policy_explain(), what "fgs-policy eval --explain" prints: a line
 * per rule and per when, exception, mutation and check; and
 * fgs_policy_field_of(), which ties a violation's field to a check's
 * path for it and for coverage.
 */


#include "test_policy.h"


static void test_field_of(void);
static void test_explain(void);
static void collect(void *data, const char *line);
static int has_line(const char *line);


static char    lines[8192];
static size_t  nlines;


int
main(void)
{
    test_field_of();
    test_explain();

    return done_testing();
}


static void
test_field_of(void)
{
    ok(fgs_policy_field_of("runtime", "runtime"), "a plain path");
    ok(!fgs_policy_field_of("runtime", "runtimes"), "not a longer field");
    ok(!fgs_policy_field_of("runtimes", "runtime"), "nor a shorter one");
    ok(fgs_policy_field_of("a.b[*].c", "a.b[12].c"), "[*] is any index");
    ok(fgs_policy_field_of("a[*][*]", "a[0][3]"), "nested [*]");
    ok(!fgs_policy_field_of("a.b[*].c", "a.b[x].c"), "not a non-index");
    ok(!fgs_policy_field_of("a.b[*].c", "a.b.c"), "not a missing index");
    ok(!fgs_policy_field_of("a.b.c", "a.b[1].c"), "an index needs [*]");
}


static void
test_explain(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    p = tp_policy(
        "{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"rt\",\"operations\":[\"config\"],"
        "\"check\":{\"runtime\":{\"in\":[\"Java17\"]},"
        "\"memory_size\":{\"max\":1024}}},"
        "{\"id\":\"code-only\",\"operations\":[\"code\"],"
        "\"check\":{\"code_type\":{\"in\":[\"zip\"]}}},"
        "{\"id\":\"prod\",\"operations\":[\"config\"],"
        "\"match\":{\"function\":\"^prod-\"},"
        "\"check\":{\"timeout\":{\"max\":10}}},"
        "{\"id\":\"when-go\",\"operations\":[\"config\"],"
        "\"when\":{\"runtime\":{\"in\":[\"Go1.x\"]}},"
        "\"check\":{\"timeout\":{\"max\":10}}},"
        "{\"id\":\"kms\",\"operations\":[\"config\"],"
        "\"set_default\":{\"code_encrypt_kms_key_id\":\"K\"}}],"
        "\"exceptions\":["
        "{\"id\":\"E-OLD\",\"rules\":[\"rt\"],\"match\":{\"function\":"
        "\"^fn$\"},\"expires\":\"2020-01-01T00:00:00Z\",\"reason\":\"r\"},"
        "{\"id\":\"E-OTHER\",\"rules\":[\"rt\"],\"match\":{\"function\":"
        "\"^other$\"},\"expires\":\"2099-01-01T00:00:00Z\",\"reason\":\"r\"}"
        "]}");

    tp_eval(&r, p, FGS_OP_CONFIG, "fn",
            "{\"func_name\":\"fn\",\"runtime\":\"Python3.12\","
            "\"handler\":\"i.h\",\"memory_size\":512,\"timeout\":30}");

    nlines = 0;
    lines[0] = '\0';

    ok(r.rc == FGS_OK
       && fgs_policy_explain(p, &r.in, &r.out, &r.arena.alloc, collect,
                             NULL)
          == FGS_OK,
       "explain runs");

    ok(has_line("config of function \"fn\", package \"default\", version "
                "\"latest\""), "the subject");
    ok(has_line("rule rt: for the config operation; no match: every "
                "function"), "a rule of every function");
    ok(has_line("  exception E-OLD: would waive the rule, but expired on "
                "2020-01-01T00:00:00Z"), "an expired exception of scope");
    ok(has_line("  exception E-OTHER: its match does not hold"),
       "an exception out of scope");
    ok(has_line("  applies, in enforce mode"), "the rule applies");
    ok(has_line("  check runtime: fails: runtime \"Python3.12\" is not "
                "allowed; use one of Java17 (exception E-OLD for this "
                "expired on 2020-01-01T00:00:00Z)"),
       "a failing check, with its message");
    ok(has_line("  check memory_size: holds"), "a check that holds");
    ok(has_line("rule code-only: not for the config operation"),
       "a rule of another operation");
    ok(has_line("rule prod: for the config operation; its match does not "
                "hold: the rule does not apply"), "a match that fails");
    ok(has_line("  when runtime: does not hold")
       && has_line("  the rule does not apply"), "a when that fails");
    ok(has_line("  set_default code_encrypt_kms_key_id: not made: the "
                "request is denied"), "a mutation of a denied request");
    ok(has_line("decision: deny (FGSPOL.4030)"), "the decision");

    tp_done(&r);
    fgs_policy_free(p);
}


static void
collect(void *data, const char *line)
{
    size_t  len;

    len = strlen(line);

    if (nlines + len + 2 < sizeof(lines)) {
        memcpy(lines + nlines, line, len);
        nlines += len;
        lines[nlines++] = '\n';
        lines[nlines] = '\0';
    }
}


static int
has_line(const char *line)
{
    char        *p;
    size_t       len;

    len = strlen(line);

    for (p = strstr(lines, line); p != NULL; p = strstr(p + 1, line)) {
        if ((p == lines || p[-1] == '\n') && p[len] == '\n') {
            return 1;
        }
    }

    printf("# no line \"%s\" in:\n# %s\n", line, lines);

    return 0;
}

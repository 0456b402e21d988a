
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Named lists ("lists" and {"list": "NAME"}) in in, not_in, patterns and
 * match.project_id; exceptions that narrow a rule with "allow" instead
 * of waiving it; and what a load says when either is misused.
 */


#include "test_policy.h"


static void test_lists(void);
static void test_list_errors(void);
static void test_narrow(void);
static void test_narrow_errors(void);
static void load_fails(const char *text, const char *field,
    const char *message, const char *name);


#define RT_BODY(fn, rt)                                                     \
    "{\"func_name\":\"" fn "\",\"runtime\":\"" rt "\",\"handler\":\"i.h\"," \
    "\"memory_size\":256,\"timeout\":30}"


int
main(void)
{
    test_lists();
    test_list_errors();
    test_narrow();
    test_narrow_errors();

    return done_testing();
}


static void
test_lists(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    p = tp_policy(
        "{\"fgs_policy\":1,\"lists\":{"
        "\"runtimes\":[\"Python3.12\",\"Java17\"],"
        "\"retired\":[\"Python2.7\"],"
        "\"teams\":[\"^team-a-\",\"^team-b-\"],"
        "\"projects\":[\"" TP_PROJECT "\"]},"
        "\"rules\":["
        "{\"id\":\"rt\",\"operations\":[\"config\"],"
        "\"check\":{\"runtime\":{\"in\":{\"list\":\"runtimes\"}}}},"
        "{\"id\":\"retired\",\"operations\":[\"config\"],"
        "\"match\":{\"project_id\":{\"list\":\"projects\"}},"
        "\"check\":{\"runtime\":{\"not_in\":{\"list\":\"retired\"}}}},"
        "{\"id\":\"team\",\"operations\":[\"config\"],"
        "\"match\":{\"function\":{\"list\":\"teams\"}},"
        "\"check\":{\"handler\":{\"not_pattern\":{\"list\":\"teams\"}}}},"
        "{\"id\":\"name\",\"operations\":[\"config\"],"
        "\"check\":{\"func_name\":{\"pattern\":{\"list\":\"teams\"}}}}]}");

    tp_eval(&r, p, FGS_OP_CONFIG, "team-a-x", RT_BODY("team-a-x", "Java17"));
    ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_ALLOW,
       "a runtime of the named list passes its in");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "team-b-x",
            RT_BODY("team-b-x", "Python2.7"));
    ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_DENY
       && tp_find(&r.out.violations, "rt", "runtime")
       && tp_find(&r.out.violations, "retired", "runtime")
       && r.out.violations.n == 2,
       "one list in \"in\", another in \"not_in\" of a rule matched by a "
       "project list");
    ok(tp_find(&r.out.violations, "rt", "runtime")
       && strstr(tp_find(&r.out.violations, "rt", "runtime")->message,
                 "use one of Python3.12, Java17") != NULL,
       "the message lists the named list's values");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "dev-x", RT_BODY("dev-x", "Java17"));
    ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_DENY
       && tp_find(&r.out.violations, "name", "func_name")
       && r.out.violations.n == 1,
       "a pattern list: a name matching none of its patterns fails");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "team-b-y", RT_BODY("team-b-y", "Java17"));
    ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_ALLOW
       && tp_find(&r.out.violations, "team", "handler") == NULL,
       "a pattern list in a match scopes the rule in; each pattern stays "
       "anchored on its own");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_list_errors(void)
{
    load_fails("{\"fgs_policy\":1,\"lists\":{\"a\":[]},\"rules\":[]}",
               "lists.a", "non-empty list", "an empty list");
    load_fails("{\"fgs_policy\":1,\"lists\":{\"a\":[{}]},\"rules\":[]}",
               "lists.a", "not objects or arrays", "a list of objects");
    load_fails("{\"fgs_policy\":1,\"lists\":{\"a b\":[1]},\"rules\":[]}",
               "lists.a b", "a list's name", "a bad list name");
    load_fails("{\"fgs_policy\":1,\"lists\":[],\"rules\":[]}", "lists",
               "name -> list", "lists not an object");
    load_fails("{\"fgs_policy\":1,\"lists\":{\"rts\":[\"Java17\"]},"
               "\"rules\":[{\"id\":\"r\",\"operations\":[\"config\"],"
               "\"check\":{\"runtime\":{\"in\":{\"list\":\"rt\"}}}}]}",
               "check[runtime].in", "no list is named \"rt\"",
               "a list that does not exist");
    load_fails("{\"fgs_policy\":1,\"lists\":{\"n\":[1,2]},"
               "\"rules\":[{\"id\":\"r\",\"operations\":[\"config\"],"
               "\"check\":{\"runtime\":{\"in\":{\"list\":\"n\"}}}}]}",
               "check[runtime]", "lists a number (item 1)",
               "a list of numbers for a string field");
    load_fails("{\"fgs_policy\":1,\"lists\":{\"n\":[\"a\"]},"
               "\"rules\":[{\"id\":\"r\",\"operations\":[\"config\"],"
               "\"check\":{\"runtime\":{\"in\":{\"list\":\"n\",\"x\":1}}}}]}",
               "check[runtime].in", "{\"list\": \"NAME\"}",
               "a list reference with more keys");
    load_fails("{\"fgs_policy\":1,\"lists\":{\"n\":[\"a\",3]},"
               "\"rules\":[{\"id\":\"r\",\"operations\":[\"config\"],"
               "\"check\":{\"runtime\":{\"pattern\":{\"list\":\"n\"}}}}]}",
               "check[runtime].pattern", "no pattern (item 2)",
               "a pattern list with a number");
    load_fails("{\"fgs_policy\":1,\"lists\":{\"n\":[\"(\"]},"
               "\"rules\":[{\"id\":\"r\",\"operations\":[\"config\"],"
               "\"check\":{\"runtime\":{\"pattern\":{\"list\":\"n\"}}}}]}",
               "check[runtime].pattern", "bad pattern",
               "a pattern list with a bad pattern");
}


#define NARROW_POLICY(allow, expires)                                       \
    "{\"fgs_policy\":1,\"lists\":{\"legacy\":[\"Python2.7\"]},"              \
    "\"rules\":[{\"id\":\"rt\",\"operations\":[\"config\"],"                \
    "\"check\":{\"runtime\":{\"in\":[\"Python3.12\"]},"                     \
    "\"memory_size\":{\"max\":1024}}}],"                                    \
    "\"exceptions\":[{\"id\":\"EXC-1\",\"rules\":[\"rt\"],"                 \
    "\"match\":{\"function\":\"^legacy-\"},\"expires\":\"" expires "\","    \
    "\"reason\":\"r\",\"allow\":" allow "}]}"


static void
test_narrow(void)
{
    tp_req_t                r;
    fgs_policy_t           *p;
    const fgs_violation_t  *v;

    p = tp_policy(NARROW_POLICY("{\"runtime\":{\"in\":{\"list\":\"legacy\"}}}",
                                "2099-01-01T00:00:00Z"));

    tp_eval(&r, p, FGS_OP_CONFIG, "legacy-a", RT_BODY("legacy-a",
                                                      "Python2.7"));
    ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_ALLOW
       && r.out.violations.n == 0,
       "an exception with allow: the value it allows passes");
    ok(r.out.waived && strcmp(r.out.waived->rule, "rt") == 0
       && strcmp(r.out.waived->action, "EXC-1") == 0
       && r.out.waived->next == NULL,
       "  and the exception is recorded as used");
    ok(r.out.applied && strcmp(r.out.applied->rule, "rt") == 0,
       "  while the rule still applies");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "legacy-a", RT_BODY("legacy-a", "Go1.x"));
    v = tp_find(&r.out.violations, "rt", "runtime");
    ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_DENY && v
       && r.out.violations.n == 1,
       "a value neither the rule nor the exception allows is denied");
    ok(v && strstr(v->message, "use one of Python3.12, Python2.7") != NULL,
       "  and the message lists both");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "legacy-a",
            "{\"func_name\":\"legacy-a\",\"runtime\":\"Python2.7\","
            "\"handler\":\"i.h\",\"memory_size\":4096,\"timeout\":30}");
    ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_DENY
       && tp_find(&r.out.violations, "rt", "memory_size")
       && r.out.violations.n == 1,
       "the rule's other checks still hold under a narrowing exception");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "other", RT_BODY("other", "Python2.7"));
    ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_DENY
       && r.out.waived == NULL,
       "out of the exception's match, its value is denied");
    tp_done(&r);

    fgs_policy_free(p);

    p = tp_policy(NARROW_POLICY("{\"runtime\":{\"in\":[\"Python2.7\"]}}",
                                "2020-01-01T00:00:00Z"));

    tp_eval(&r, p, FGS_OP_CONFIG, "legacy-a", RT_BODY("legacy-a",
                                                      "Python2.7"));
    v = tp_find(&r.out.violations, "rt", "runtime");
    ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_DENY && v
       && strstr(v->message, "use one of Python3.12 (exception EXC-1 for "
                             "this expired on 2020-01-01T00:00:00Z)")
          != NULL,
       "an expired narrowing exception allows nothing, and says so");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_narrow_errors(void)
{
    load_fails(NARROW_POLICY("{\"timeout\":{\"in\":[3]}}",
                             "2099-01-01T00:00:00Z"),
               "allow[timeout]", "no \"in\" check of timeout",
               "allow of a path the rule has no in for");
    load_fails(NARROW_POLICY("{\"memory_size\":{\"in\":[3]}}",
                             "2099-01-01T00:00:00Z"),
               "allow[memory_size]", "no \"in\" check of memory_size",
               "allow of a path the rule checks without in");
    load_fails(NARROW_POLICY("{\"runtime\":{\"in\":[27]}}",
                             "2099-01-01T00:00:00Z"),
               "check[runtime]", "lists a number (item 2)",
               "allow of a value of the wrong type");
    load_fails(NARROW_POLICY("{\"runtime\":{\"max\":3}}",
                             "2099-01-01T00:00:00Z"),
               "allow[runtime]", "must be {\"in\": [values]}",
               "allow of another check");
    load_fails(NARROW_POLICY("{}", "2099-01-01T00:00:00Z"), "allow",
               "path -> {\"in\": [values]}", "an empty allow");
}


static void
load_fails(const char *text, const char *field, const char *message,
    const char *name)
{
    fgs_policy_t        *p;
    fgs_policy_error_t   err;

    p = tp_load(text, &err);

    if (!ok(p == NULL, "refused: %s", name)) {
        fgs_policy_free(p);
        return;
    }

    if (!ok(err.message && strstr(err.message, message)
            && err.field && strcmp(err.field, field) == 0,
            "  field %s, \"%s\"", field, message))
    {
        printf("#   got: %s: %s: %s\n", err.rule ? err.rule : "(null)",
               err.field ? err.field : "(null)",
               err.message ? err.message : "(null)");
    }

    fgs_policy_error_free(&err);
}

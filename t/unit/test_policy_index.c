
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The body's top-level members found in one pass per request: every
 * check reads what it read member by member before.  Keys of one bucket
 * (same length and first byte), a policy with more top-level keys than
 * are indexed, members a mutation sets, removes or creates, "[*]" below
 * an indexed key, an empty key, the create's func_name and package, and
 * matches that try plain strings before patterns, with names that are
 * not ASCII.
 */


#include "test_policy.h"


static void test_buckets(void);
static void test_many_keys(void);
static void test_mutated(void);
static void test_wildcard(void);
static void test_create(void);
static void test_match_order(void);
static int has(const tp_req_t *r, const char *rule, const char *field);


int
main(void)
{
    test_buckets();
    test_many_keys();
    test_mutated();
    test_wildcard();
    test_create();
    test_match_order();

    return done_testing();
}


/* a violation of rule on field, in either list */

static int
has(const tp_req_t *r, const char *rule, const char *field)
{
    return tp_find(&r->out.violations, rule, field) != NULL
           || tp_find(&r->out.audited, rule, field) != NULL;
}


static void
test_buckets(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    /* func_name and func_code: same length, same first byte */

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"a\",\"check\":{\"func_code\":{\"forbidden\":true}}},"
        "{\"id\":\"b\",\"check\":{\"func_name\":{\"pattern\":\"^ok-\"}}},"
        "{\"id\":\"c\",\"check\":{\"func_nam\":{\"forbidden\":true}}},"
        "{\"id\":\"d\",\"check\":{\"func_namex\":{\"forbidden\":true}}}"
        "]}");

    tp_eval(&r, p, FGS_OP_CONFIG, "fn",
            "{\"func_name\":\"ok-1\",\"func_codf\":1,\"func_nam\":2,"
            "\"\":3,\"func_namey\":4}");
    ok(r.rc == FGS_OK && r.out.violations.n == 1 && has(&r, "c", "func_nam"),
       "one bucket: only the member with the very key is found");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn",
            "{\"func_code\":{},\"func_name\":\"bad\",\"func_namex\":null}");
    ok(r.rc == FGS_OK && r.out.violations.n == 3 && has(&r, "a", "func_code")
       && has(&r, "b", "func_name") && has(&r, "d", "func_namex"),
       "one bucket: each of its keys finds its own member");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{}");
    ok(r.rc == FGS_OK && r.out.violations.n == 0,
       "an empty body: no member found");
    tp_done(&r);

    /* escaped keys are compared unescaped */
    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"func_\\u0063ode\":1}");
    ok(r.rc == FGS_OK && has(&r, "a", "func_code"),
       "a key written with an escape is found unescaped");
    tp_done(&r);

    fgs_policy_free(p);
}


/* more top-level keys than are indexed: the others are searched */

static void
test_many_keys(void)
{
    int            i, good;
    char          *policy, *body, key[16], *q;
    size_t         n;
    tp_req_t       r;
    fgs_policy_t  *p;

    policy = malloc(16384);
    body = malloc(4096);

    if (policy == NULL || body == NULL) {
        printf("Bail out! out of memory\n");
        exit(2);
    }

    n = snprintf(policy, 16384, "{\"fgs_policy\":1,\"rules\":[");

    for (i = 0; i < 80; i++) {
        n += snprintf(policy + n, 16384 - n,
                      "%s{\"id\":\"r%d\",\"check\":{\"k%d\":"
                      "{\"forbidden\":true}}}", i ? "," : "", i, i);
    }

    snprintf(policy + n, 16384 - n, "]}");

    p = tp_policy_any_shape(policy);

    /* every key set: every rule finds its own, indexed or not */

    q = body;
    q += sprintf(q, "{");

    for (i = 79; i >= 0; i--) {
        q += sprintf(q, "%s\"k%d\":%d", i < 79 ? "," : "", i, i);
    }

    sprintf(q, "}");

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", body);

    good = (r.rc == FGS_OK && r.out.violations.n == 80);

    for (i = 0; i < 80; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        snprintf(body, 16, "r%d", i);
        good = good && has(&r, body, key);
    }

    ok(good, "80 top-level keys: each found, indexed or not");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"k0\":1,\"k79\":2}");
    ok(r.rc == FGS_OK && r.out.violations.n == 2 && has(&r, "r0", "k0")
       && has(&r, "r79", "k79"),
       "the first key and one beyond the index");
    tp_done(&r);

    fgs_policy_free(p);
    free(policy);
    free(body);
}


/* checks read the mutated body, "when" the body as sent */

static void
test_mutated(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"vpc\",\"set_default\":{\"func_vpc.vpc_id\":\"vpc-1\"},"
        " \"remove\":[\"gpu_memory\"],"
        " \"set\":{\"timeout\":30},"
        " \"check\":{\"func_vpc.vpc_id\":{\"required\":true,"
        "                                \"in\":[\"vpc-1\"]},"
        "            \"gpu_memory\":{\"forbidden\":true},"
        "            \"timeout\":{\"max\":30},"
        "            \"runtime\":{\"in\":[\"Java17\"]}}},"
        "{\"id\":\"when\",\"when\":{\"timeout\":{\"max\":10}},"
        " \"check\":{\"func_vpc.subnet_id\":{\"required\":true}}}"
        "]}");

    tp_eval(&r, p, FGS_OP_CONFIG, "fn",
            "{\"runtime\":\"Java17\",\"gpu_memory\":1024,\"timeout\":5}");
    ok(r.rc == FGS_OK && tp_applied(&r, "vpc,when")
       && r.out.violations.n == 1
       && has(&r, "when", "func_vpc.subnet_id"),
       "created, removed and set members are read as mutated, the "
       "untouched runtime from the body, \"when\" the body as sent");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn",
            "{\"runtime\":\"Java21\",\"func_vpc\":{\"vpc_id\":\"vpc-2\"},"
            "\"timeout\":50}");
    ok(r.rc == FGS_OK && tp_applied(&r, "vpc") && r.out.violations.n == 2
       && has(&r, "vpc", "func_vpc.vpc_id") && has(&r, "vpc", "runtime"),
       "a member the body has and a default does not replace is checked");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_wildcard(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"nfs\",\"check\":{"
        " \"mount_config.func_mounts[*].mount_type\":{\"in\":[\"sfs\"]},"
        " \"tags[*]\":{\"type\":\"string\"}}}"
        "]}");

    tp_eval(&r, p, FGS_OP_CONFIG, "fn",
            "{\"mount_config\":{\"func_mounts\":[{\"mount_type\":\"sfs\"},"
            "{\"mount_type\":\"ecs\"}]},\"tags\":[\"a\",1]}");
    ok(r.rc == FGS_OK && r.out.violations.n == 2
       && has(&r, "nfs", "mount_config.func_mounts[1].mount_type")
       && has(&r, "nfs", "tags[1]"),
       "\"[*]\" below an indexed key: every element, named by its index");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn",
            "{\"mount_config\":null,\"tags\":\"x\"}");
    ok(r.rc == FGS_OK && r.out.violations.n == 1 && has(&r, "nfs", "tags"),
       "a null parent has no elements; a string is not an array");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_create(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"prod\",\"match\":{\"function\":\"^prod-\","
        " \"package\":\"^ml$\"},"
        " \"check\":{\"func_name\":{\"max_length\":8}}}"
        "]}");

    tp_eval(&r, p, FGS_OP_CREATE, "",
            "{\"package\":\"ml\",\"runtime\":\"x\","
            "\"func_name\":\"prod-abcd\"}");
    ok(r.rc == FGS_OK && tp_applied(&r, "prod")
       && has(&r, "prod", "func_name"),
       "create: func_name and package found in the pass, then checked");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CREATE, "prod-x", "{\"package\":\"ml\"}");
    ok(r.rc == FGS_OK && tp_applied(&r, ""),
       "create without func_name: the body names no function");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CREATE, "", "{\"func_name\":7,\"package\":\"ml\"}");
    ok(r.rc == FGS_OK && tp_applied(&r, ""),
       "create: a func_name that is not a string names no function");
    tp_done(&r);

    fgs_policy_free(p);
}


/* plain strings before patterns: the same rules apply, whatever the order */

static void
test_match_order(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"both\",\"match\":{\"function\":\"^pr[o]d-\","
        " \"package\":\"^default$\",\"version\":\"^latest$\"},"
        " \"check\":{\"x\":{\"forbidden\":true}}},"
        "{\"id\":\"pat\",\"match\":{\"function\":\"^prod-.$\"},"
        " \"check\":{\"x\":{\"forbidden\":true}}}"
        "]}");

    tp_eval(&r, p, FGS_OP_CREATE, "",
            "{\"func_name\":\"prod-\\u00e9\"}");
    ok(r.rc == FGS_OK && tp_applied(&r, "both,pat"),
       "a name that is not ASCII: plain and pattern parts hold");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CREATE, "",
            "{\"func_name\":\"prod-\\u00e9\",\"package\":\"other\"}");
    ok(r.rc == FGS_OK && tp_applied(&r, "pat"),
       "a plain part that does not hold: the rule does not apply");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "dev-a", "{}");
    ok(r.rc == FGS_OK && tp_applied(&r, ""),
       "a pattern part that does not hold: the rule does not apply");
    tp_done(&r);

    fgs_policy_free(p);
}

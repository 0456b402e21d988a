
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Rewrites: set on an existing value, set_default on a missing key (with
 * and without its parent object), remove of the first, a middle, the last
 * and the only member, several edits in one object, nested edits,
 * mutations on top of each other, bodies with unusual whitespace.  Each
 * result is compared byte for byte, its edits checked sorted, disjoint
 * and of the exact new length, and it is scanned again (and checked
 * against the API reference where it is a full body).  A 20 MB /code
 * body gets its KMS key for a cost that does not grow with the body.
 */


#include <time.h>

#include "test_policy.h"


static void test_set(void);
static void test_set_default(void);
static void test_remove(void);
static void test_several(void);
static void test_layers(void);
static void test_whitespace(void);
static void test_full_bodies(void);
static void test_blocked(void);
static void test_large(void);
static void rw(const char *rules, const char *body, const char *want,
    fgs_op_e op, const char *name);
static void *count_alloc(void *data, size_t size);


typedef struct {
    fgs_alloc_t   *real;
    size_t         bytes;
} count_t;


int
main(void)
{
    test_set();
    test_set_default();
    test_remove();
    test_several();
    test_layers();
    test_whitespace();
    test_full_bodies();
    test_blocked();
    test_large();

    return done_testing();
}


static void
test_set(void)
{
    rw("{\"id\":\"s\",\"set\":{\"k\":\"new\"}}",
       "{\"a\":1,\"k\":\"old\",\"b\":2}",
       "{\"a\":1,\"k\":\"new\",\"b\":2}", 0, "set: an existing value");
    rw("{\"id\":\"s\",\"set\":{\"k\":{\"x\":[1,true,null],\"y\":\"\\u00e9\"}}}",
       "{\"k\":5}",
       "{\"k\":{\"x\":[1,true,null],\"y\":\"\xc3\xa9\"}}", 0,
       "set: an object value, compact");
    rw("{\"id\":\"s\",\"set\":{\"k\":\"v1\"}}",
       "{\"k\":\"v\\u0031\"}", NULL, 0,
       "set: an equal value (unescaped) is no change");
    rw("{\"id\":\"s\",\"set\":{\"k\":{\"a\":1,\"b\":[2]}}}",
       "{\"k\" : { \"b\" : [ 2 ] , \"a\" : 1 }}", NULL, 0,
       "set: an equal object, other order and spacing, is no change");
    rw("{\"id\":\"s\",\"set\":{\"k\":1}}",
       "{\"k\":1.0}", "{\"k\":1}", 0,
       "set: 1.0 is not the integer 1");
    rw("{\"id\":\"s\",\"set\":{\"k\":\"v\"}}",
       "{\"a\":1}", "{\"a\":1,\"k\":\"v\"}", 0, "set: a missing key is added");
    rw("{\"id\":\"s\",\"set\":{\"k\":null}}",
       "{\"k\":[1,2,3]}", "{\"k\":null}", 0, "set: to null");
}


static void
test_set_default(void)
{
    rw("{\"id\":\"d\",\"set_default\":{\"k\":\"v\"}}",
       "{\"a\":1}", "{\"a\":1,\"k\":\"v\"}", 0,
       "set_default: after the last member");
    rw("{\"id\":\"d\",\"set_default\":{\"k\":\"v\"}}",
       "{\"a\":1,\"k\":\"mine\"}", NULL, 0,
       "set_default: a value that is there stays");
    rw("{\"id\":\"d\",\"set_default\":{\"k\":\"v\"}}",
       "{\"k\":null,\"a\":1}", "{\"k\":\"v\",\"a\":1}", 0,
       "set_default: null is not set, it is replaced");
    rw("{\"id\":\"d\",\"set_default\":{\"k\":\"v\"}}",
       "{}", "{\"k\":\"v\"}", 0, "set_default: into {}");
    rw("{\"id\":\"d\",\"set_default\":{\"k\":\"v\"}}",
       "{ \n }", "{ \n \"k\":\"v\"}", 0,
       "set_default: into an empty object with whitespace");
    rw("{\"id\":\"d\",\"set_default\":{\"func_vpc.vpc_id\":\"vpc-1\"}}",
       "{\"a\":1}", "{\"a\":1,\"func_vpc\":{\"vpc_id\":\"vpc-1\"}}", 0,
       "set_default: the missing parent is created");
    rw("{\"id\":\"d\",\"set_default\":{\"func_vpc.vpc_id\":\"vpc-1\","
       "\"func_vpc.subnet_id\":\"s-1\"}}",
       "{\"a\":1}",
       "{\"a\":1,\"func_vpc\":{\"vpc_id\":\"vpc-1\",\"subnet_id\":\"s-1\"}}", 0,
       "set_default: two members of one created parent");
    rw("{\"id\":\"d\",\"set_default\":{\"a.b.c\":1}}",
       "{}", "{\"a\":{\"b\":{\"c\":1}}}", 0,
       "set_default: three levels created");
    rw("{\"id\":\"d\",\"set_default\":{\"func_vpc.vpc_id\":\"vpc-1\"}}",
       "{\"func_vpc\":{\"subnet_id\":\"s\"},\"z\":0}",
       "{\"func_vpc\":{\"subnet_id\":\"s\",\"vpc_id\":\"vpc-1\"},\"z\":0}", 0,
       "set_default: into the existing parent");
    rw("{\"id\":\"d\",\"set_default\":{\"func_vpc.vpc_id\":\"vpc-1\"}}",
       "{\"func_vpc\":null}", "{\"func_vpc\":{\"vpc_id\":\"vpc-1\"}}", 0,
       "set_default: a null parent becomes an object");
    rw("{\"id\":\"d\",\"set_default\":{\"func_vpc.vpc_id\":\"vpc-1\"}}",
       "{\"func_vpc\":{}}", "{\"func_vpc\":{\"vpc_id\":\"vpc-1\"}}", 0,
       "set_default: into an empty parent");
}


static void
test_remove(void)
{
    static const char  rule[] = "{\"id\":\"r\",\"remove\":[\"b\"]}";

    rw("{\"id\":\"r\",\"remove\":[\"a\"]}", "{\"a\":1,\"b\":2,\"c\":3}",
       "{\"b\":2,\"c\":3}", 0, "remove: the first member");
    rw(rule, "{\"a\":1,\"b\":2,\"c\":3}", "{\"a\":1,\"c\":3}", 0,
       "remove: a middle member");
    rw("{\"id\":\"r\",\"remove\":[\"c\"]}", "{\"a\":1,\"b\":2,\"c\":3}",
       "{\"a\":1,\"b\":2}", 0, "remove: the last member");
    rw(rule, "{\"b\":{\"x\":[1,2]}}", "{}", 0, "remove: the only member");
    rw(rule, "{ \"b\" : 2 }", "{  }", 0, "remove: the only member, spaced");
    rw(rule, "{\"a\":1}", NULL, 0, "remove: absent, no change");
    rw("{\"id\":\"r\",\"remove\":[\"a\",\"b\"]}", "{\"a\":1,\"b\":2,\"c\":3}",
       "{\"c\":3}", 0, "remove: the first two");
    rw("{\"id\":\"r\",\"remove\":[\"b\",\"c\"]}", "{\"a\":1,\"b\":2,\"c\":3}",
       "{\"a\":1}", 0, "remove: the last two");
    rw("{\"id\":\"r\",\"remove\":[\"a\",\"c\"]}", "{\"a\":1,\"b\":2,\"c\":3}",
       "{\"b\":2}", 0, "remove: first and last");
    rw("{\"id\":\"r\",\"remove\":[\"a\",\"b\",\"c\"]}",
       "{\"a\":1,\"b\":2,\"c\":3}", "{}", 0, "remove: every member");
    rw("{\"id\":\"r\",\"remove\":[\"func_vpc.vpc_id\"]}",
       "{\"func_vpc\":{\"vpc_id\":\"v\",\"subnet_id\":\"s\"},\"x\":1}",
       "{\"func_vpc\":{\"subnet_id\":\"s\"},\"x\":1}", 0,
       "remove: a nested member");
    rw("{\"id\":\"r\",\"remove\":[\"a.b\"]}", "{\"a\":\"str\"}", NULL, 0,
       "remove below a string: nothing there");
    rw("{\"id\":\"r\",\"remove\":[\"ab\"]}", "{\"x\":0,\"a\\u0062\":1}",
       "{\"x\":0}", 0, "remove: a key written with an escape");
}


static void
test_several(void)
{
    rw("{\"id\":\"m\",\"set_default\":{\"d\":4},\"set\":{\"a\":\"A\"},"
       "\"remove\":[\"b\"]}",
       "{\"a\":1,\"b\":2,\"c\":3}", "{\"a\":\"A\",\"c\":3,\"d\":4}", 0,
       "set, remove and set_default in one object");
    rw("{\"id\":\"m\",\"set_default\":{\"d\":4},\"remove\":[\"c\"]}",
       "{\"a\":1,\"b\":2,\"c\":3}", "{\"a\":1,\"b\":2,\"d\":4}", 0,
       "the last member removed, a new one added in its place");
    rw("{\"id\":\"m\",\"set_default\":{\"d\":4},\"remove\":[\"a\"]}",
       "{\"a\":1}", "{\"d\":4}", 0,
       "the only member removed, a new one added");
    rw("{\"id\":\"m\",\"set\":{\"a\":0,\"c\":0,\"e.f\":0},"
       "\"set_default\":{\"z\":9}}",
       "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":{\"f\":5,\"g\":6}}",
       "{\"a\":0,\"b\":2,\"c\":0,\"d\":4,\"e\":{\"f\":0,\"g\":6},\"z\":9}", 0,
       "edits at several depths, in document order");
    rw("{\"id\":\"m1\",\"set_default\":{\"k\":\"v\"}},"
       "{\"id\":\"m2\",\"set_default\":{\"k\":\"w\",\"l\":1}}",
       "{}", "{\"k\":\"v\",\"l\":1}", 0,
       "two rules: the first set_default wins, the second sees it");
}


static void
test_layers(void)
{
    rw("{\"id\":\"a\",\"set\":{\"func_vpc\":{\"vpc_id\":\"v\"}}},"
       "{\"id\":\"b\",\"set_default\":{\"func_vpc.subnet_id\":\"s\","
       "\"func_vpc.vpc_id\":\"other\"}}",
       "{\"func_vpc\":{\"vpc_id\":\"old\",\"cidr\":\"c\"}}",
       "{\"func_vpc\":{\"vpc_id\":\"v\",\"subnet_id\":\"s\"}}", 0,
       "a set_default inside a value another rule set");
    rw("{\"id\":\"a\",\"remove\":[\"func_vpc\"]},"
       "{\"id\":\"b\",\"set_default\":{\"func_vpc.vpc_id\":\"v\"}}",
       "{\"func_vpc\":{\"vpc_id\":\"old\",\"cidr\":\"c\"},\"x\":1}",
       "{\"func_vpc\":{\"vpc_id\":\"v\"},\"x\":1}", 0,
       "a removed parent comes back with only the new member");
    rw("{\"id\":\"a\",\"set\":{\"k\":null}},"
       "{\"id\":\"b\",\"set_default\":{\"k.x\":1}}",
       "{\"k\":{\"y\":2}}", "{\"k\":{\"x\":1}}", 0,
       "a parent set to null becomes an object for a set_default");
    rw("{\"id\":\"a\",\"set_default\":{\"k.x\":1}},"
       "{\"id\":\"b\",\"set\":{\"k\":\"flat\"}}",
       "{}", "{\"k\":\"flat\"}", 0, "a later set replaces a created parent");
    rw("{\"id\":\"a\",\"set\":{\"k\":\"v\"}},"
       "{\"id\":\"b\",\"remove\":[\"k\"]}",
       "{\"a\":1}", NULL, 0, "set then removed: nothing changes");
    rw("{\"id\":\"a\",\"set\":{\"k\":{\"x\":1}}},"
       "{\"id\":\"b\",\"remove\":[\"k.x\"]},"
       "{\"id\":\"c\",\"set_default\":{\"k.y\":2}}",
       "{\"a\":1}", "{\"a\":1,\"k\":{\"y\":2}}", 0,
       "a member removed from a set value, another added");
}


static void
test_whitespace(void)
{
    rw("{\"id\":\"w\",\"set\":{\"a\":\"A\"},\"remove\":[\"b\"],"
       "\"set_default\":{\"d\":4}}",
       "\n\t{ \"a\" : 1 ,\r\n\t\"b\"\t:\t[ 2 , 3 ] ,  \"c\":3   }  \n",
       "\n\t{ \"a\" : \"A\" ,\r\n\t\"c\":3,\"d\":4   }  \n", 0,
       "unusual whitespace elsewhere is kept byte for byte");
    rw("{\"id\":\"w\",\"remove\":[\"c\"]}",
       "{\n  \"a\": 1,\n  \"c\": 3\n}\n", "{\n  \"a\": 1\n}\n", 0,
       "pretty-printed: the last member and its comma");
    rw("{\"id\":\"w\",\"remove\":[\"a\"]}",
       "{\n  \"a\": 1,\n  \"c\": 3\n}\n", "{\n  \"c\": 3\n}\n", 0,
       "pretty-printed: the first member and its comma");
    rw("{\"id\":\"w\",\"set_default\":{\"o.k\":true}}",
       "{\n  \"o\": {\n    \"a\": 1\n  }\n}\n",
       "{\n  \"o\": {\n    \"a\": 1,\"k\":true\n  }\n}\n", 0,
       "pretty-printed: nested insertion");
}


static void
test_full_bodies(void)
{
    static const char  kms[] =
        "{\"id\":\"kms\",\"set_default\":{\"code_encrypt_kms_key_id\":"
        "\"5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f\"}},"
        "{\"id\":\"vpc\",\"set_default\":{\"func_vpc.vpc_id\":\"vpc-0a1b2c\","
        "\"func_vpc.subnet_id\":\"subnet-1\"}},"
        "{\"id\":\"nogpu\",\"remove\":[\"gpu_memory\"]}";

    rw(kms,
       "{\"func_name\":\"prod-a\",\"runtime\":\"Python3.12\","
       "\"handler\":\"index.handler\",\"memory_size\":512,\"gpu_memory\":1024,"
       "\"timeout\":30}",
       "{\"func_name\":\"prod-a\",\"runtime\":\"Python3.12\","
       "\"handler\":\"index.handler\",\"memory_size\":512,\"timeout\":30,"
       "\"code_encrypt_kms_key_id\":\"5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f\","
       "\"func_vpc\":{\"vpc_id\":\"vpc-0a1b2c\",\"subnet_id\":\"subnet-1\"}}",
       FGS_OP_CONFIG, "a config body: valid for the API reference after");

    rw(kms,
       "{\"code_type\":\"zip\",\"code_filename\":\"index.zip\","
       "\"func_code\":{\"file\":\"UEsDBAoAAAAAAA==\"}}",
       "{\"code_type\":\"zip\",\"code_filename\":\"index.zip\","
       "\"func_code\":{\"file\":\"UEsDBAoAAAAAAA==\"},"
       "\"code_encrypt_kms_key_id\":\"5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f\","
       "\"func_vpc\":{\"vpc_id\":\"vpc-0a1b2c\",\"subnet_id\":\"subnet-1\"}}",
       FGS_OP_NONE, "a code body");
}


/* a mutation below a value that is not an object cannot be made */

static void
test_blocked(void)
{
    tp_req_t                r;
    fgs_policy_t           *p;
    const fgs_violation_t  *v;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"vpc\",\"set_default\":{\"func_vpc.vpc_id\":\"v\"}},"
        "{\"id\":\"aud\",\"mode\":\"audit\",\"set\":{\"tags.x\":1}}]}");

    tp_eval(&r, p, FGS_OP_CONFIG, "fn",
            "{\"func_vpc\":\"vpc-1\",\"tags\":[1]}");

    v = tp_find(&r.out.violations, "vpc", "func_vpc.vpc_id");
    ok(r.out.decision == FGS_DECISION_DENY && v != NULL
       && strcmp(v->message, "cannot set_default func_vpc.vpc_id: func_vpc "
                 "is a string, not an object") == 0
       && r.out.nedits == 0,
       "set_default below a string: a violation of the rule, no edit");

    v = tp_find(&r.out.audited, "aud", "tags.x");
    ok(v != NULL && strcmp(v->message, "cannot set tags.x: tags is an array, "
                           "not an object") == 0,
       "the same in an audit-mode rule: audited");

    tp_done(&r);
    fgs_policy_free(p);
}


/*
 * A 20 MB /code body: the KMS key is one insertion at the end, found and
 * written with memory and time that do not depend on the body's size.
 */

static void
test_large(void)
{
    char               *body;
    size_t              n, i, len;
    double              ms;
    count_t             count;
    tp_req_t            r;
    fgs_alloc_t         alloc;
    fgs_policy_t       *p;
    fgs_json_doc_t      doc;
    struct timespec     t0, t1;

    static const char   head[] =
        "{\"code_type\":\"zip\",\"code_filename\":\"index.zip\","
        "\"func_code\":{\"file\":\"";
    static const char   tail[] = "\"}}";

    n = 20 * 1024 * 1024;
    len = sizeof(head) - 1 + n + sizeof(tail) - 1;

    body = malloc(len + 1);
    if (body == NULL) {
        ok(0, "20 MB");
        return;
    }

    memcpy(body, head, sizeof(head) - 1);

    for (i = 0; i < n; i++) {
        body[sizeof(head) - 1 + i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"[i % 32];
    }

    memcpy(body + sizeof(head) - 1 + n, tail, sizeof(tail));

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"kms\",\"set_default\":{\"code_encrypt_kms_key_id\":\"K\"},"
        " \"check\":{\"code_encrypt_kms_key_id\":{\"in\":[\"K\"]}}},"
        "{\"id\":\"size\",\"check\":{\"func_code.file\":"
        "{\"max_decoded_bytes\":16777216}}}]}");

    memset(&r, 0, sizeof(r));
    fgs_arena_init(&r.arena);
    tp_target(&r.target, FGS_OP_CODE, "default", "fn", "");

    ok(fgs_json_scan(&r.doc, (u_char *) body, len, &r.arena.alloc) == FGS_OK,
       "20 MB: scanned");

    count.real = &r.arena.alloc;
    count.bytes = 0;
    alloc.alloc = count_alloc;
    alloc.free = NULL;
    alloc.data = &count;

    r.in.op = FGS_OP_CODE;
    r.in.target = &r.target;
    r.in.doc = &r.doc;
    r.in.now = TP_NOW;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    fgs_policy_eval(p, &r.in, &r.out, &alloc);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;

    ok(r.out.decision == FGS_DECISION_REWRITE && r.out.nedits == 1
       && r.out.edits[0].off == len - 1 && r.out.edits[0].len == 0
       && r.out.new_len == len + sizeof(",\"code_encrypt_kms_key_id\":\"K\"")
                                 - 1,
       "20 MB: one insertion before the last brace");
    ok(count.bytes < 16 * 1024, "20 MB: the evaluation allocated %zu bytes "
       "(no copy of the body)", count.bytes);
    ok(ms < 50, "20 MB: evaluated in %.3f ms", ms);
    printf("# 20 MB /code body: evaluation %.3f ms, %zu bytes allocated\n",
           ms, count.bytes);

    r.body = malloc(r.out.new_len);
    r.len = fgs_edits_apply((u_char *) body, len, r.out.edits, r.out.nedits,
                            (u_char *) r.body);
    ok(r.len == r.out.new_len && tp_rescan(&r, &doc, FGS_OP_CODE) == FGS_OK,
       "20 MB: the rewritten body scans and conforms");
    ok(memcmp(r.body, body, len - 1) == 0
       && memcmp(r.body + len - 1, ",\"code_encrypt_kms_key_id\":\"K\"}", 31)
          == 0, "20 MB: the body is unchanged up to the insertion");

    free(r.body);
    tp_done(&r);
    fgs_policy_free(p);
    free(body);
}


/*
 * rules (one or more rule objects) applied to body as a config; want is
 * the exact rewritten body, or NULL for "no change" (allow).  With op,
 * the result is checked against the API reference as well.
 */

static void
rw(const char *rules, const char *body, const char *want, fgs_op_e op,
    const char *name)
{
    int                     good;
    char                    text[2048];
    size_t                  end;
    uint32_t                i;
    tp_req_t                r;
    fgs_policy_t           *p;
    fgs_json_doc_t          doc;
    const fgs_violation_t  *v;

    snprintf(text, sizeof(text), "{\"fgs_policy\":1,\"rules\":[%s]}", rules);
    p = tp_policy_any_shape(text);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", body);

    good = r.rc == FGS_OK && r.out.violations.n == 0;

    if (want == NULL) {
        good = good && r.out.decision == FGS_DECISION_ALLOW
               && r.out.nedits == 0 && r.out.new_len == strlen(body)
               && r.body && strcmp(r.body, body) == 0;

        if (!ok(good, "%s", name)) {
            printf("#   got %s: %s\n", fgs_policy_decision_name(r.out.decision),
                   r.body ? r.body : "(none)");
        }

        tp_done(&r);
        fgs_policy_free(p);
        return;
    }

    good = good && r.out.decision == FGS_DECISION_REWRITE
           && r.out.new_len == strlen(want) && r.len == r.out.new_len
           && r.body && strcmp(r.body, want) == 0;

    /* sorted, disjoint, inside the body */
    end = 0;

    for (i = 0; i < r.out.nedits; i++) {
        good = good && r.out.edits[i].off >= end
               && r.out.edits[i].off + r.out.edits[i].len <= strlen(body)
               && (r.out.edits[i].len > 0 || r.out.edits[i].data_len > 0);
        end = r.out.edits[i].off + r.out.edits[i].len;
    }

    good = good && tp_rescan(&r, &doc, op) == FGS_OK;

    if (!ok(good, "%s", name)) {
        printf("#   got:      %s\n#   expected: %s\n",
               r.body ? r.body : "(none)", want);

        for (v = r.out.violations.head; v; v = v->next) {
            printf("#   violation: %s\n", v->message);
        }
    }

    tp_done(&r);
    fgs_policy_free(p);
}


static void *
count_alloc(void *data, size_t size)
{
    count_t  *c = data;

    c->bytes += size;

    return c->real->alloc(c->real->data, size);
}

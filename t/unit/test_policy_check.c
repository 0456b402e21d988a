
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Every check kind on every kind of value, every path form ("[*]"
 * nested), absent and null values, and the messages: the field, the
 * offending value unless the field is secret or a not_pattern found it,
 * and how to comply.
 */


#include "test_policy.h"


static void test_required_forbidden(void);
static void test_type(void);
static void test_in(void);
static void test_pattern(void);
static void test_min_max(void);
static void test_lengths(void);
static void test_paths(void);
static void test_secrets(void);
static void test_echo(void);
static int run(const char *path, const char *spec, const char *body,
    const char *field, const char *message, const char *name);
static void secret(const char *path, const char *spec, const char *body,
    const char *name);


#define PASS(path, spec, body, name)                                        \
    run(path, spec, body, NULL, NULL, name)

#define FAIL(path, spec, body, field, message, name)                        \
    run(path, spec, body, field, message, name)


int
main(void)
{
    test_required_forbidden();
    test_type();
    test_in();
    test_pattern();
    test_min_max();
    test_lengths();
    test_paths();
    test_secrets();
    test_echo();

    return done_testing();
}


static void
test_required_forbidden(void)
{
    FAIL("handler", "{\"required\":true}", "{\"runtime\":\"x\"}", "handler",
         "handler is missing but required", "required: absent");
    FAIL("handler", "{\"required\":true}", "{\"handler\":null}", "handler",
         "handler is null but required", "required: null");
    PASS("handler", "{\"required\":true}", "{\"handler\":\"\"}",
         "required: an empty string is there");
    PASS("a", "{\"required\":true}", "{\"a\":false}", "required: false");
    PASS("a", "{\"required\":true}", "{\"a\":0}", "required: 0");
    PASS("a", "{\"required\":true}", "{\"a\":{}}", "required: {}");
    PASS("a", "{\"required\":false}", "{}", "required false is no check");
    FAIL("func_vpc.vpc_id", "{\"required\":true,\"in\":[\"vpc-1\",\"vpc-2\"]}",
         "{}", "func_vpc.vpc_id",
         "func_vpc.vpc_id is missing but required; set it to one of vpc-1, "
         "vpc-2", "required names the allowed values");
    FAIL("func_vpc.vpc_id", "{\"required\":true}", "{\"func_vpc\":null}",
         "func_vpc.vpc_id", "missing but required",
         "required below a null parent");

    PASS("gpu_memory", "{\"forbidden\":true}", "{\"memory_size\":128}",
         "forbidden: absent");
    FAIL("gpu_memory", "{\"forbidden\":true}", "{\"gpu_memory\":1024}",
         "gpu_memory", "gpu_memory is set to 1024 but must not be set; "
         "remove it", "forbidden: a number");
    FAIL("gpu_memory", "{\"forbidden\":true}", "{\"gpu_memory\":null}",
         "gpu_memory", "gpu_memory must not be set, not even to null; "
         "remove it", "forbidden: an explicit null counts as set");
    FAIL("func_vpc", "{\"forbidden\":true}", "{\"func_vpc\":{\"a\":1}}",
         "func_vpc", "func_vpc must not be set; remove it",
         "forbidden: an object");
}


static void
test_type(void)
{
    PASS("a", "{\"type\":\"string\"}", "{\"a\":\"x\"}", "type string");
    PASS("a", "{\"type\":\"integer\"}", "{\"a\":-12}", "type integer");
    FAIL("a", "{\"type\":\"integer\"}", "{\"a\":1024.0}", "a",
         "a is a number; it must be an integer", "1024.0 is not an integer");
    FAIL("a", "{\"type\":\"integer\"}", "{\"a\":\"1024\"}", "a",
         "a is a string; it must be an integer", "\"1024\" is not an integer");
    PASS("a", "{\"type\":\"number\"}", "{\"a\":1}", "type number: 1");
    PASS("a", "{\"type\":\"number\"}", "{\"a\":1e3}", "type number: 1e3");
    PASS("a", "{\"type\":\"boolean\"}", "{\"a\":true}", "type boolean: true");
    PASS("a", "{\"type\":\"boolean\"}", "{\"a\":false}",
         "type boolean: false");
    FAIL("a", "{\"type\":\"boolean\"}", "{\"a\":0}", "a",
         "a is an integer; it must be a boolean", "0 is not a boolean");
    PASS("a", "{\"type\":\"object\"}", "{\"a\":{}}", "type object");
    FAIL("a", "{\"type\":\"object\"}", "{\"a\":[]}", "a",
         "a is an array; it must be an object", "[] is not an object");
    PASS("a", "{\"type\":\"array\"}", "{\"a\":[1]}", "type array");
    PASS("a", "{\"type\":\"null\"}", "{\"a\":null}", "type null");
    FAIL("a", "{\"type\":\"string\"}", "{\"a\":null}", "a",
         "a is null; it must be a string", "type applies to null");
    PASS("a", "{\"type\":[\"integer\",\"null\"]}", "{\"a\":null}",
         "a list of types: null");
    FAIL("a", "{\"type\":[\"integer\",\"null\"]}", "{\"a\":\"x\"}", "a",
         "a is a string; it must be an integer or null",
         "a list of types: the message lists them");
    PASS("a", "{\"type\":\"string\"}", "{}", "type: absent passes");
}


static void
test_in(void)
{
    PASS("runtime", "{\"in\":[\"Python3.10\",\"Python3.12\"]}",
         "{\"runtime\":\"Python3.12\"}", "in: a listed string");
    FAIL("runtime", "{\"in\":[\"Python3.10\",\"Python3.12\",\"Java17\"]}",
         "{\"runtime\":\"Python2.7\"}", "runtime",
         "runtime \"Python2.7\" is not allowed; use one of Python3.10, "
         "Python3.12, Java17", "in: the value and the list");
    PASS("runtime", "{\"in\":[\"Python3.12\"]}",
         "{\"runtime\":\"Python3\\u002e12\"}", "in: compared unescaped");
    FAIL("runtime", "{\"in\":[\"Python3.12\"]}", "{\"runtime\":\"python3.12\"}",
         "runtime", "not allowed", "in: case matters");
    FAIL("runtime", "{\"in\":[\"Python3.12\"]}",
         "{\"runtime\":\"Python3.12 \"}", "runtime", "not allowed",
         "in: no trimming");
    PASS("memory_size", "{\"in\":[128,256]}", "{\"memory_size\":256}",
         "in: a number");
    PASS("memory_size", "{\"in\":[1024]}", "{\"memory_size\":1024.0}",
         "in: numbers by value (1024.0)");
    PASS("memory_size", "{\"in\":[1000]}", "{\"memory_size\":1e3}",
         "in: numbers by value (1e3)");
    PASS("x", "{\"in\":[2.5]}", "{\"x\":25e-1}", "in: a real by value");
    FAIL("memory_size", "{\"in\":[128,256]}", "{\"memory_size\":512}",
         "memory_size", "memory_size 512 is not allowed; use one of 128, 256",
         "in: an unlisted number");
    FAIL("memory_size", "{\"in\":[\"256\"]}", "{\"memory_size\":256}",
         "memory_size", "not allowed", "in: \"256\" is not 256");
    PASS("a", "{\"in\":[true]}", "{\"a\":true}", "in: true");
    FAIL("a", "{\"in\":[true]}", "{\"a\":false}", "a",
         "a false is not allowed; use one of true", "in: false");
    PASS("a", "{\"in\":[\"x\"]}", "{\"a\":null}", "in: null is not set");
    PASS("a", "{\"in\":[\"x\"]}", "{}", "in: absent passes");
    FAIL("a", "{\"in\":[\"x\"]}", "{\"a\":{\"b\":1}}", "a",
         "a (an object) is not allowed", "in: an object is never listed");
    FAIL("a", "{\"in\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]}", "{\"a\":0}",
         "a", "use one of 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ... "
         "(3 more)", "in: a long list is cut");

    FAIL("runtime", "{\"not_in\":[\"Python2.7\",\"Node.js6.10\"]}",
         "{\"runtime\":\"Python2.7\"}", "runtime",
         "runtime \"Python2.7\" is not allowed: it must not be one of "
         "Python2.7, Node.js6.10", "not_in: a listed value");
    PASS("runtime", "{\"not_in\":[\"Python2.7\"]}", "{\"runtime\":\"Java17\"}",
         "not_in: another value");
    FAIL("memory_size", "{\"not_in\":[128]}", "{\"memory_size\":128.0}",
         "memory_size", "not allowed", "not_in: by value");
}


static void
test_pattern(void)
{
    PASS("code_url", "{\"pattern\":\"^https://corp\\\\.obs/\"}",
         "{\"code_url\":\"https://corp.obs/x.zip\"}", "pattern: matches");
    FAIL("code_url", "{\"pattern\":\"^https://corp\\\\.obs/\"}",
         "{\"code_url\":\"https://evil.obs/x.zip\"}", "code_url",
         "code_url \"https://evil.obs/x.zip\" does not match "
         "^https://corp\\.obs/; use a value that does",
         "pattern: the value and the pattern");
    PASS("code_url", "{\"pattern\":\"^https://corp\\\\.obs/\"}",
         "{\"code_url\":\"https:\\/\\/corp.obs\\/x.zip\"}",
         "pattern: matched on the unescaped string");
    FAIL("a", "{\"pattern\":\"^[0-9]+$\"}", "{\"a\":12}", "a",
         "a is an integer, not a string that matches ^[0-9]+$",
         "pattern: a number is not a string");
    PASS("a", "{\"pattern\":\"^\\\\d+$\"}", "{\"a\":\"123\"}",
         "pattern: \\d on ASCII digits");
    FAIL("a", "{\"pattern\":\"^\\\\d+$\"}", "{\"a\":\"\\u0661\\u0662\"}", "a",
         "does not match", "pattern: \\d is ASCII only (no UCP)");
    PASS("a", "{\"pattern\":\"^.{2}$\"}", "{\"a\":\"\\u00e9\\u00e9\"}",
         "pattern: UTF mode, '.' is a character");
    PASS("a", "{\"pattern\":\"x\"}", "{\"a\":null}", "pattern: null skipped");
    PASS("a", "{\"pattern\":\"x\"}", "{}", "pattern: absent skipped");

    FAIL("user_note", "{\"not_pattern\":\"(?i)password\"}",
         "{\"user_note\":\"my PassWord is hunter2\"}", "user_note",
         "user_note matches the forbidden pattern (?i)password; remove what "
         "matches", "not_pattern: a match");
    PASS("user_note", "{\"not_pattern\":\"(?i)password\"}",
         "{\"user_note\":\"nothing to see\"}", "not_pattern: no match");
    PASS("a", "{\"not_pattern\":\"1\"}", "{\"a\":1}",
         "not_pattern: only strings are scanned");
}


static void
test_min_max(void)
{
    PASS("memory_size", "{\"min\":128,\"max\":2048}", "{\"memory_size\":128}",
         "min: the bound itself");
    PASS("memory_size", "{\"min\":128,\"max\":2048}",
         "{\"memory_size\":2048}", "max: the bound itself");
    FAIL("memory_size", "{\"max\":2048}", "{\"memory_size\":4096}",
         "memory_size", "memory_size 4096 is above the maximum 2048; use at "
         "most 2048", "max: above");
    FAIL("memory_size", "{\"min\":128}", "{\"memory_size\":64}",
         "memory_size", "memory_size 64 is below the minimum 128; use at "
         "least 128", "min: below");
    FAIL("t", "{\"max\":2.5}", "{\"t\":2.5000001}", "t",
         "above the maximum 2.5", "max: a real bound");
    PASS("t", "{\"max\":2.5}", "{\"t\":25e-1}", "max: a real value");
    FAIL("t", "{\"max\":9007199254740992}", "{\"t\":9007199254740993}", "t",
         "above the maximum", "max: integers compared exactly past 2^53");
    FAIL("t", "{\"max\":10}", "{\"t\":1e400}", "t", "",
         "max: a number out of range fails");
    FAIL("t", "{\"max\":10}", "{\"t\":\"5\"}", "t",
         "t is a string, not a number", "max: a string is not a number");
    PASS("t", "{\"max\":10}", "{\"t\":null}", "max: null skipped");
}


static void
test_lengths(void)
{
    PASS("description", "{\"max_length\":5}", "{\"description\":\"abcde\"}",
         "max_length: the limit itself");
    FAIL("description", "{\"max_length\":4}", "{\"description\":\"abcde\"}",
         "description", "description is 5 bytes long; use at most 4 bytes",
         "max_length: a string too long");
    FAIL("description", "{\"max_length\":3}",
         "{\"description\":\"\\u00e9\\u00e9\"}", "description",
         "4 bytes long", "max_length: bytes of the unescaped UTF-8");
    PASS("description", "{\"max_length\":2}", "{\"description\":\"\\n\\t\"}",
         "max_length: escapes count as what they stand for");
    PASS("func_vpc.security_groups", "{\"max_length\":2}",
         "{\"func_vpc\":{\"security_groups\":[\"a\",\"b\"]}}",
         "max_length: an array at the limit");
    FAIL("func_vpc.security_groups", "{\"max_length\":1}",
         "{\"func_vpc\":{\"security_groups\":[\"a\",\"b\"]}}",
         "func_vpc.security_groups",
         "func_vpc.security_groups has 2 items; use at most 1",
         "max_length: items of an array");
    FAIL("a", "{\"max_length\":1}", "{\"a\":{}}", "a",
         "a is an object, not a string or an array",
         "max_length: an object");

    /* "aGVsbG8=" is "hello" */
    PASS("func_code.file", "{\"max_decoded_bytes\":5}",
         "{\"func_code\":{\"file\":\"aGVsbG8=\"}}",
         "max_decoded_bytes: the limit itself");
    FAIL("func_code.file", "{\"max_decoded_bytes\":4}",
         "{\"func_code\":{\"file\":\"aGVsbG8=\"}}", "func_code.file",
         "func_code.file decodes to 5 bytes; use at most 4 bytes",
         "max_decoded_bytes: one byte too many");
    FAIL("func_code.file", "{\"max_decoded_bytes\":5}",
         "{\"func_code\":{\"file\":\"aGVsbG8h\"}}", "func_code.file",
         "decodes to 6 bytes", "max_decoded_bytes: no padding");
    FAIL("func_code.file", "{\"max_decoded_bytes\":2}",
         "{\"func_code\":{\"file\":\"ab\\/+\"}}", "func_code.file",
         "decodes to 3 bytes", "max_decoded_bytes: an escaped '/'");
    PASS("func_code.file", "{\"max_decoded_bytes\":3}",
         "{\"func_code\":{\"file\":\"ab\\/+\"}}",
         "max_decoded_bytes: escapes do not count");
    FAIL("func_code.file", "{\"max_decoded_bytes\":0}",
         "{\"func_code\":{\"file\":\"!!!!\"}}", "func_code.file",
         "func_code.file is not valid base64", "max_decoded_bytes: not base64");
    PASS("func_code.file", "{\"max_decoded_bytes\":0}",
         "{\"func_code\":{\"file\":\"\"}}", "max_decoded_bytes: empty");
    FAIL("func_code.file", "{\"max_decoded_bytes\":9}",
         "{\"func_code\":{\"file\":7}}", "func_code.file",
         "func_code.file is an integer, not a base64 string",
         "max_decoded_bytes: a number");
}


static void
test_paths(void)
{
    static const char  mounts[] =
        "{\"mount_config\":{\"func_mounts\":["
        "{\"mount_type\":\"sfs\",\"mount_resource\":\"r1\"},"
        "{\"mount_resource\":\"r2\"},"
        "{\"mount_type\":\"ecs\",\"mount_resource\":\"r3\"}]}}";

    FAIL("func_vpc.vpc_id", "{\"in\":[\"vpc-1\"]}",
         "{\"func_vpc\":{\"vpc_id\":\"vpc-2\"}}", "func_vpc.vpc_id",
         "func_vpc.vpc_id \"vpc-2\" is not allowed", "a nested key");
    PASS("func_vpc.vpc_id", "{\"in\":[\"vpc-1\"]}", "{\"func_vpc\":\"vpc-2\"}",
         "a key below a string: absent");
    PASS("a.b.c.d", "{\"max\":1}", "{\"a\":{\"b\":{\"c\":{\"d\":1}}}}",
         "four levels");
    FAIL("a.b.c.d", "{\"max\":1}", "{\"a\":{\"b\":{\"c\":{\"d\":2}}}}",
         "a.b.c.d", "a.b.c.d 2 is above", "four levels, failing");
    PASS("a\\u0062", "{\"required\":true}", "{\"ab\":1}",
         "a policy key with an escape");
    PASS("ab", "{\"required\":true}", "{\"a\\u0062\":1}",
         "a body key with an escape: compared unescaped");

    FAIL("func_vpc.security_groups[*]", "{\"pattern\":\"^sg-\"}",
         "{\"func_vpc\":{\"security_groups\":[\"sg-1\",\"x-2\",\"sg-3\"]}}",
         "func_vpc.security_groups[1]",
         "func_vpc.security_groups[1] \"x-2\" does not match ^sg-",
         "[*]: the failing element by index");
    PASS("func_vpc.security_groups[*]", "{\"pattern\":\"^sg-\"}",
         "{\"func_vpc\":{\"security_groups\":[]}}", "[*]: an empty array");
    PASS("func_vpc.security_groups[*]", "{\"required\":true}", "{}",
         "[*]: an absent array has no elements");
    PASS("func_vpc.security_groups[*]", "{\"required\":true}",
         "{\"func_vpc\":{\"security_groups\":null}}",
         "[*]: a null array has no elements");
    FAIL("func_vpc.security_groups[*]", "{\"required\":true}",
         "{\"func_vpc\":{\"security_groups\":[\"a\",null]}}",
         "func_vpc.security_groups[1]", "is null but required",
         "[*]: required applies to each element");
    FAIL("func_vpc.security_groups[*]", "{\"pattern\":\"^sg-\"}",
         "{\"func_vpc\":{\"security_groups\":{\"a\":1}}}",
         "func_vpc.security_groups",
         "func_vpc.security_groups is an object, not an array",
         "[*]: an object is not an array");

    FAIL("mount_config.func_mounts[*].mount_type", "{\"required\":true}",
         mounts, "mount_config.func_mounts[1].mount_type",
         "mount_config.func_mounts[1].mount_type is missing but required",
         "[*].key: the element without it");
    FAIL("mount_config.func_mounts[*].mount_type", "{\"in\":[\"sfs\"]}",
         mounts, "mount_config.func_mounts[2].mount_type",
         "mount_config.func_mounts[2].mount_type \"ecs\" is not allowed",
         "[*].key: the element with another value");
    FAIL("a[*][*].b", "{\"max\":1}",
         "{\"a\":[[{\"b\":1}],[{\"b\":0},{\"b\":5}],[]]}", "a[1][1].b",
         "a[1][1].b 5 is above the maximum 1", "[*][*]: nested arrays");
    FAIL("a[*]", "{\"type\":\"integer\"}", "{\"a\":[1,2,\"3\",4,5.5]}",
         "a[2]", "a[2] is a string", "[*]: every failing element is "
         "reported (first of two)");
}


static void
test_secrets(void)
{
    secret("user_data", "{\"in\":[\"x\"]}",
           "{\"user_data\":\"s3cr3tVALUE\"}", "user_data: in");
    secret("user_data", "{\"pattern\":\"^x\"}",
           "{\"user_data\":\"s3cr3tVALUE\"}", "user_data: pattern");
    secret("user_data", "{\"forbidden\":true}",
           "{\"user_data\":\"s3cr3tVALUE\"}", "user_data: forbidden");
    secret("user_data", "{\"not_in\":[\"s3cr3tVALUE\"]}",
           "{\"user_data\":\"s3cr3tVALUE\"}", "user_data: not_in");
    secret("encrypted_user_data", "{\"max_length\":2}",
           "{\"encrypted_user_data\":\"s3cr3tVALUE\"}",
           "encrypted_user_data: max_length");
    secret("encrypted_user_data", "{\"type\":\"integer\"}",
           "{\"encrypted_user_data\":\"s3cr3tVALUE\"}",
           "encrypted_user_data: type");
    secret("func_code.file", "{\"in\":[\"AAAA\"]}",
           "{\"func_code\":{\"file\":\"s3cr3tVALUE=\"}}", "func_code.file: in");
    secret("func_code.file", "{\"pattern\":\"^A\"}",
           "{\"func_code\":{\"file\":\"s3cr3tVALUE=\"}}",
           "func_code.file: pattern");
    secret("description", "{\"not_pattern\":\"s3cr3[t]\"}",
           "{\"description\":\"key s3cr3tVALUE\"}",
           "not_pattern: neither the value nor the match, on any field");
}


static void
test_echo(void)
{
    FAIL("description", "{\"in\":[\"x\"]}",
         "{\"description\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaBBBB\"}", "description",
         "description \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaa...\" is not allowed", "a long value is cut at 64 bytes");
    FAIL("description", "{\"in\":[\"x\"]}",
         "{\"description\":\"line1\\nline2\\\"q\\u0001\"}", "description",
         "description \"line1\\nline2\\\"q\\u0001\" is not allowed",
         "an echoed value is escaped: no newline, no quote, no control");
    FAIL("description", "{\"pattern\":\"^a\\u0001b\\tc$\"}",
         "{\"description\":\"x\"}", "description",
         "description \"x\" does not match ^a?b?c$; use a value that does",
         "a pattern quoted in a message is made one line");
    FAIL("description", "{\"not_pattern\":\"\\n|x\"}",
         "{\"description\":\"x\"}", "description",
         "description matches the forbidden pattern ?|x; remove what matches",
         "a forbidden pattern quoted in a message is made one line");
}


/*
 * One rule with one check; body evaluated as a config.  With field NULL
 * the body must pass; otherwise exactly one violation on field whose
 * message contains message.
 */

static int
run(const char *path, const char *spec, const char *body, const char *field,
    const char *message, const char *name)
{
    int                     pass;
    char                    text[1024];
    tp_req_t                r;
    fgs_policy_t           *p;
    const fgs_violation_t  *v;

    snprintf(text, sizeof(text),
             "{\"fgs_policy\":1,\"rules\":[{\"id\":\"c\",\"check\":"
             "{\"%s\":%s}}]}", path, spec);

    /* the mechanics of a check on any value: not held to the reference */
    p = tp_policy_any_shape(text);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", body);

    if (field == NULL) {
        pass = ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_ALLOW
                  && r.out.violations.n == 0, "%s", name);

    } else {
        v = r.out.violations.head;

        pass = ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_DENY
                  && r.out.violations.n == (strstr(name, "first of two")
                                            ? 2 : 1)
                  && v && strcmp(v->rule, "c") == 0
                  && strcmp(v->field, field) == 0
                  && strstr(v->message, message) != NULL, "%s", name);
    }

    if (!pass) {
        for (v = r.out.violations.head; v; v = v->next) {
            printf("#   got: %s: %s\n", v->field, v->message);
        }
    }

    tp_done(&r);
    fgs_policy_free(p);

    return pass;
}


/* a violation that never quotes the secret, nor does the error_msg */

static void
secret(const char *path, const char *spec, const char *body,
    const char *name)
{
    int                     leak;
    char                    text[1024];
    tp_req_t                r;
    fgs_policy_t           *p;
    const fgs_violation_t  *v;

    snprintf(text, sizeof(text),
             "{\"fgs_policy\":1,\"rules\":[{\"id\":\"c\",\"check\":"
             "{\"%s\":%s}}]}", path, spec);

    /* the mechanics of a check on any value: not held to the reference */
    p = tp_policy_any_shape(text);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", body);

    leak = r.out.error_msg == NULL
           || strstr(r.out.error_msg, "s3cr3tVALUE") != NULL;

    for (v = r.out.violations.head; v; v = v->next) {
        if (strstr(v->message, "s3cr3tVALUE")
            || strstr(v->field, "s3cr3tVALUE"))
        {
            leak = 1;
            printf("#   leaked: %s\n", v->message);
        }
    }

    ok(r.out.violations.n == 1 && !leak
       && strstr(r.out.violations.head->message, path) != NULL,
       "secret not quoted: %s", name);

    tp_done(&r);
    fgs_policy_free(p);
}

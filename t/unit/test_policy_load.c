
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Loading policies: what loads, and every class of error, each naming
 * the file, the rule (or exception) and the field, as nginx -t prints
 * them.  Run under ASan's leak checker, this also proves that
 * fgs_policy_free() and fgs_policy_error_free() release everything.
 */


#include <openssl/evp.h>

#include "test_policy.h"


static void test_good(void);
static void test_errors(void);
static void test_paths(void);
static void test_check_schema(void);
static void load_ok(const char *text, const char *name);
static void test_time(void);
static void test_missing_file(void);
static void load_fails(const char *text, const char *rule, const char *field,
    const char *message, const char *name);


#define RULE(body)                                                          \
    "{\"fgs_policy\":1,\"rules\":[{\"id\":\"r1\"," body "}]}"

#define CHECK(path, spec)                                                   \
    RULE("\"check\":{\"" path "\":" spec "}")


int
main(void)
{
    test_good();
    test_errors();
    test_paths();
    test_check_schema();
    test_time();
    test_missing_file();

    return done_testing();
}


static void
test_good(void)
{
    char                 hex[65];
    time_t               expires;
    u_char               md[32];
    uint32_t             i;
    const char          *id, *rule;
    unsigned int         mdlen;
    fgs_policy_t        *p;
    fgs_policy_error_t   err;

    static const char    text[] =
        "{\n"
        "  \"fgs_policy\": 1,\n"
        "  \"description\": \"every construct once\",\n"
        "  \"mode\": \"audit\",\n"
        "  \"other_writes\": \"deny\",\n"
        "  \"rules\": [\n"
        "    { \"id\": \"runtime-allowlist\", \"description\": \"d\",\n"
        "      \"operations\": [\"config\", \"create\"],\n"
        "      \"match\": { \"project_id\": [\"" TP_PROJECT "\"],\n"
        "                 \"function\": \"^prod-\",\n"
        "                 \"package\": \"^default$\",\n"
        "                 \"version\": \"^latest$\" },\n"
        "      \"when\": { \"runtime\": { \"type\": \"string\" } },\n"
        "      \"mode\": \"enforce\",\n"
        "      \"check\": { \"runtime\": { \"required\": true,\n"
        "          \"in\": [\"Python3.12\", \"Java17\"], \"not_in\": [\"x\"],\n"
        "          \"pattern\": \"^[A-Za-z]\", \"not_pattern\": \"\\\\s\",\n"
        "          \"max_length\": 32, \"type\": [\"string\", \"null\"] },\n"
        "        \"memory_size\": { \"min\": 128, \"max\": 2048.5 },\n"
        "        \"gpu_memory\": { \"forbidden\": true,\n"
        "                        \"required\": false },\n"
        "        \"func_code.file\": { \"max_decoded_bytes\": 1048576 },\n"
        "        \"mount_config.func_mounts[*].mount_type\": {\n"
        "          \"in\": [\"sfs\", 1, 2.5, true, false, null] } },\n"
        "      \"set_default\": { \"code_encrypt_kms_key_id\": \"k\",\n"
        "                       \"func_vpc.vpc_id\": \"vpc-1\" },\n"
        "      \"set\": { \"log_config\": { \"group_id\": \"g\",\n"
        "                                      \"n\": [1] } },\n"
        "      \"remove\": [ \"gpu_memory\", \"a.b.c\" ] },\n"
        "    { \"id\": \"b.2_x-Y\", \"remove\": [\"x\"] }\n"
        "  ],\n"
        "  \"exceptions\": [\n"
        "    { \"id\": \"EXC-1\", \"rules\": [\"runtime-allowlist\", "
        "\"b.2_x-Y\"],\n"
        "      \"match\": { \"function\": \"^legacy$\" },\n"
        "      \"expires\": \"2027-03-31T00:00:00Z\", \"reason\": \"t-1\" },\n"
        "    { \"id\": \"EXC-2\", \"rules\": [\"b.2_x-Y\"],\n"
        "      \"expires\": \"2020-01-01T08:00:00+08:00\",\n"
        "      \"reason\": \"r\" }\n"
        "  ]\n"
        "}\n";

    /* the grammar, not the API reference: its mutations move any field */

    p = tp_load_any_shape(text, &err);
    ok(p != NULL, "a policy with every construct loads");

    if (p == NULL) {
        printf("# %s: %s: %s\n", err.rule, err.field, err.message);
        fgs_policy_error_free(&err);
        return;
    }

    is_int(fgs_policy_nrules(p), 2, "two rules");
    is_int(fgs_policy_nexceptions(p), 2, "two exceptions");
    is_int(fgs_policy_mode(p), FGS_MODE_AUDIT, "the file's mode");
    is_int(fgs_policy_other_writes(p), FGS_OTHER_DENY, "other_writes");

    id = fgs_policy_exception(p, 0, &expires);
    is_str(id, "EXC-1", "exception 0");
    is_int(expires, 1806451200, "its expiry");
    id = fgs_policy_exception(p, 1, &expires);
    is_str(id, "EXC-2", "exception 1");
    is_int(expires, 1577836800, "an offset is applied");
    ok(fgs_policy_exception(p, 2, NULL) == NULL, "no exception 2");

    /* the waivers of each rule, for the expiry metric */
    id = fgs_policy_waiver(p, 0, 0, &rule, &expires);
    is_str(id, "EXC-1", "rule 0 is waived by EXC-1");
    is_str(rule, "runtime-allowlist", "rule 0's id");
    is_int(expires, 1806451200, "EXC-1's expiry");
    ok(fgs_policy_waiver(p, 0, 1, &rule, &expires) == NULL,
       "and by nothing else");
    id = fgs_policy_waiver(p, 1, 0, &rule, &expires);
    is_str(id, "EXC-1", "rule 1 by EXC-1");
    is_str(rule, "b.2_x-Y", "rule 1's id");
    id = fgs_policy_waiver(p, 1, 1, &rule, &expires);
    is_str(id, "EXC-2", "and by EXC-2");
    is_int(expires, 1577836800, "EXC-2's expiry");
    ok(fgs_policy_waiver(p, 1, 2, &rule, &expires) == NULL,
       "rule 1 by nothing else");
    ok(fgs_policy_waiver(p, 2, 0, &rule, &expires) == NULL, "no rule 2");

    /* the hash of the file's bytes */
    EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL);

    for (i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }

    is_str(fgs_policy_sha256(p), hex, "sha256 of the file");

    fgs_policy_free(p);

    /* the defaults */
    p = tp_policy("{\"fgs_policy\":1,\"rules\":[]}");
    is_int(fgs_policy_mode(p), FGS_MODE_ENFORCE, "mode defaults to enforce");
    is_int(fgs_policy_other_writes(p), FGS_OTHER_AUDIT,
           "other_writes defaults to audit");
    is_int(fgs_policy_nrules(p), 0, "an empty rule list is a policy");
    is_int(fgs_policy_nexceptions(p), 0, "no exceptions");
    fgs_policy_free(p);

    fgs_policy_free(NULL);
    ok(1, "fgs_policy_free(NULL) is harmless");
}


static void
test_errors(void)
{
    char  deep[141], text[512];

    /* not JSON, or not strict JSON: the rule is found all the same */
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"id\":\"cut-short\",\"check\":"
               "{\"runtime\":{\"in\":[\"a\"]", "cut-short",
               "check.runtime.in", "line 1", "bad JSON: the rule it is in");
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"check\":{},\"check\":{},"
               "\"id\":\"dup-key\"}]}", "dup-key", "check",
               "duplicate object key", "a duplicate key (id after it)");
    load_fails("{\"fgs_policy\":1,\"fgs_policy\":1,\"rules\":[]}", NULL,
               "fgs_policy", "duplicate", "a duplicate top-level key");
    load_fails("[1]", NULL, NULL, "a policy is a JSON object", "an array");
    load_fails("{\"rules\":[]}", NULL, "fgs_policy", "not a policy file",
               "no fgs_policy");
    load_fails("{\"fgs_policy\":2,\"rules\":[]}", NULL, "fgs_policy",
               "format 1", "fgs_policy 2");
    load_fails("{\"fgs_policy\":\"1\",\"rules\":[]}", NULL, "fgs_policy",
               "format 1", "fgs_policy \"1\"");
    load_fails("{\"fgs_policy\":1}", NULL, "rules", "needs \"rules\"",
               "no rules");
    load_fails("{\"fgs_policy\":1,\"rules\":{}}", NULL, "rules",
               "list of rules", "rules not a list");

    /* unknown keys, anywhere */
    load_fails("{\"fgs_policy\":1,\"rules\":[],\"rulez\":[]}", NULL, "rulez",
               "unknown key \"rulez\"", "an unknown top-level key");
    load_fails(RULE("\"operashuns\":[\"config\"],\"remove\":[\"x\"]"), "r1",
               "operashuns", "unknown key", "an unknown rule key");
    load_fails(CHECK("runtime", "{\"one_of\":[\"x\"]}"), "r1",
               "check[runtime].one_of", "unknown check \"one_of\"",
               "an unknown check");
    load_fails(RULE("\"match\":{\"func\":\"x\"},\"remove\":[\"x\"]"), "r1",
               "match.func", "unknown key \"func\"", "an unknown match key");
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"id\":\"r1\",\"remove\":[\"x\"]}"
               "],\"exceptions\":[{\"id\":\"E1\",\"rules\":[\"r1\"],"
               "\"expires\":\"2030-01-01T00:00:00Z\",\"reason\":\"x\","
               "\"ticket\":1}]}", "E1", "ticket", "unknown key \"ticket\"",
               "an unknown exception key");

    /* ids */
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"remove\":[\"x\"]}]}",
               "rules[0]", "id", "needs an id", "a rule without id");
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"id\":\"a b\","
               "\"remove\":[\"x\"]}]}", "rules[0]", "id", "1 to 64",
               "an id with a space");
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaa"
               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"remove\":"
               "[\"x\"]}]}", "rules[0]", "id", "1 to 64", "a 65-byte id");
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"id\":\"r1\","
               "\"remove\":[\"x\"]},{\"id\":\"r2\",\"remove\":[\"x\"]},"
               "{\"id\":\"r1\","
               "\"remove\":[\"y\"]}]}", "r1", "id", "duplicate rule id",
               "a duplicate rule id");
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"id\":\"r1\",\"remove\":[\"x\"]}"
               "],\"exceptions\":[{\"id\":\"E\",\"rules\":[\"r1\"],\"expires\":"
               "\"2030-01-01T00:00:00Z\",\"reason\":\"x\"},{\"id\":\"E\","
               "\"rules\":[\"r1\"],\"expires\":\"2030-01-01T00:00:00Z\","
               "\"reason\":\"x\"}]}", "E", "id", "duplicate exception id",
               "a duplicate exception id");

    /* bad patterns: PCRE2's message and offset */
    load_fails(CHECK("func_name", "{\"pattern\":\"^(unclosed\"}"), "r1",
               "check[func_name].pattern", "missing closing parenthesis at "
               "offset 10", "a bad pattern");
    load_fails(CHECK("user_data", "{\"not_pattern\":\"a{2,1}\"}"), "r1",
               "check[user_data].not_pattern", "at offset",
               "a bad not_pattern");
    load_fails(RULE("\"match\":{\"function\":\"[a-\"},\"remove\":[\"x\"]"),
               "r1", "match.function", "missing terminating ]",
               "a bad match pattern");
    load_fails(RULE("\"match\":{\"version\":\"\\\\C\"},\"remove\":[\"x\"]"),
               "r1", "match.version", "\\C is disabled",
               "\\C is refused (it could split a UTF-8 character)");

    /* values of checks */
    load_fails(CHECK("runtime", "{}"), "r1", "check[runtime]",
               "object of checks", "an empty check");
    load_fails(CHECK("runtime", "[]"), "r1", "check[runtime]",
               "object of checks", "a check that is not an object");
    load_fails(CHECK("runtime", "{\"required\":1}"), "r1",
               "check[runtime].required", "true or false",
               "required not boolean");
    load_fails(CHECK("runtime", "{\"type\":\"text\"}"), "r1",
               "check[runtime].type", "unknown type", "an unknown type");
    load_fails(CHECK("runtime", "{\"type\":[]}"), "r1",
               "check[runtime].type", "type name", "an empty type list");
    load_fails(CHECK("runtime", "{\"in\":[]}"), "r1", "check[runtime].in",
               "non-empty list", "an empty in");
    load_fails(CHECK("runtime", "{\"not_in\":[{}]}"), "r1",
               "check[runtime].not_in", "not objects or arrays",
               "an object in not_in");
    load_fails(CHECK("memory_size", "{\"min\":\"1\"}"), "r1",
               "check[memory_size].min", "must be a number", "min a string");
    load_fails(CHECK("memory_size", "{\"min\":10,\"max\":5}"), "r1",
               "check[memory_size]", "min is greater than max",
               "min above max");
    load_fails(CHECK("x", "{\"max_length\":-1}"), "r1",
               "check[x].max_length", "non-negative integer",
               "a negative max_length");
    load_fails(CHECK("x", "{\"max_decoded_bytes\":1.5}"), "r1",
               "check[x].max_decoded_bytes", "non-negative integer",
               "a real max_decoded_bytes");
    load_fails(CHECK("x", "{\"forbidden\":true,\"type\":\"string\"}"), "r1",
               "check[x]", "cannot be combined", "forbidden with more");
    load_fails(RULE("\"check\":{}"), "r1", "check", "path -> checks",
               "an empty check object");
    load_fails(RULE("\"when\":{\"a\":{\"in\":[1]}}"), "r1", NULL,
               "does nothing", "a rule with only a when");
    load_fails(RULE("\"when\":{\"a\":{\"bogus\":1}},\"remove\":[\"x\"]"),
               "r1", "when[a].bogus", "unknown check", "a bad when check");

    /* operations, modes, match scope */
    load_fails(RULE("\"operations\":[\"other\"],\"remove\":[\"x\"]"), "r1",
               "operations", "other_writes", "operation other");
    load_fails(RULE("\"operations\":[\"cofnig\"],\"remove\":[\"x\"]"), "r1",
               "operations", "\"cofnig\"", "an unknown operation");
    load_fails(RULE("\"operations\":[],\"remove\":[\"x\"]"), "r1",
               "operations", "non-empty", "no operations");
    load_fails(RULE("\"mode\":\"dry-run\",\"remove\":[\"x\"]"), "r1", "mode",
               "\"enforce\" or \"audit\"", "a bad rule mode");
    load_fails("{\"fgs_policy\":1,\"mode\":\"enforcing\",\"rules\":[]}", NULL,
               "mode", "\"enforce\" or \"audit\"", "a bad file mode");
    load_fails("{\"fgs_policy\":1,\"other_writes\":\"maybe\",\"rules\":[]}",
               NULL, "other_writes", "\"deny\"", "bad other_writes");
    load_fails(RULE("\"match\":{},\"remove\":[\"x\"]"), "r1", "match",
               "leave it out", "an empty match");
    load_fails(RULE("\"match\":{\"project_id\":[\"abc\"]},\"remove\":[\"x\"]"),
               "r1", "match.project_id", "32 letters or digits",
               "a short project id");

    /* mutations */
    load_fails(RULE("\"set\":{\"a[*].b\":1}"), "r1", "set[a[*].b]",
               "\"[*]\" is for checks", "a wildcard in set");
    load_fails(RULE("\"remove\":[\"a[*]\"]"), "r1", "remove[a[*]]",
               "\"[*]\" is for checks", "a wildcard in remove");
    load_fails(RULE("\"remove\":[]"), "r1", "remove", "non-empty list",
               "an empty remove");
    load_fails(RULE("\"remove\":[1]"), "r1", "remove[0]", "a path",
               "remove a number");
    load_fails(RULE("\"set_default\":[]"), "r1", "set_default",
               "path -> value", "set_default a list");
    /* 70 nested arrays: deeper than the scanner's limit for a body */
    memset(deep, '[', 70);
    memset(deep + 70, ']', 70);
    deep[140] = '\0';
    snprintf(text, sizeof(text), RULE("\"set\":{\"a\":%s}"), deep);
    load_fails(text, "r1", "set[a]", "cannot be sent",
               "a value the scanner refuses (too deep)");

    /* exceptions */
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"id\":\"r1\",\"remove\":[\"x\"]}"
               "],\"exceptions\":[{\"id\":\"E1\",\"rules\":[\"r2\"],"
               "\"expires\":\"2030-01-01T00:00:00Z\",\"reason\":\"x\"}]}",
               "E1", "rules", "no rule has the id \"r2\"",
               "an exception naming an unknown rule");
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"id\":\"r1\",\"remove\":[\"x\"]}"
               "],\"exceptions\":[{\"id\":\"E1\",\"rules\":[\"r1\"],"
               "\"reason\":\"x\"}]}", "E1", "expires", "needs an expiry",
               "an exception without expires");
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"id\":\"r1\",\"remove\":[\"x\"]}"
               "],\"exceptions\":[{\"id\":\"E1\",\"rules\":[\"r1\"],"
               "\"expires\":\"next tuesday\",\"reason\":\"x\"}]}", "E1",
               "expires", "RFC 3339", "expires not a date");
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"id\":\"r1\",\"remove\":[\"x\"]}"
               "],\"exceptions\":[{\"id\":\"E1\",\"rules\":[\"r1\"],"
               "\"expires\":\"2027-02-29T00:00:00Z\",\"reason\":\"x\"}]}", "E1",
               "expires", "RFC 3339", "expires on a day that does not exist");
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"id\":\"r1\",\"remove\":[\"x\"]}"
               "],\"exceptions\":[{\"id\":\"E1\",\"rules\":[\"r1\"],"
               "\"expires\":\"2030-01-01T00:00:00Z\"}]}", "E1", "reason",
               "needs a reason", "an exception without reason");
    load_fails("{\"fgs_policy\":1,\"rules\":[{\"id\":\"r1\",\"remove\":[\"x\"]}"
               "],\"exceptions\":[{\"id\":\"E1\",\"rules\":[],"
               "\"expires\":\"2030-01-01T00:00:00Z\",\"reason\":\"x\"}]}", "E1",
               "rules", "non-empty", "an exception waiving nothing");
    load_fails("{\"fgs_policy\":1,\"rules\":[],\"exceptions\":[{"
               "\"rules\":[\"r\"]}]}", "exceptions[0]", "id", "needs an id",
               "an exception without id");
}


static void
test_paths(void)
{
    static const char  *bad[] = {
        "", ".a", "a.", "a..b", "a[0]", "a[*", "[*]", "a.[*]", "a b", "a/b",
        "a[*]x", "a\\u00e9",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q", NULL
    };

    static const char  *good[] = {
        "a", "func_vpc.vpc_id", "func_vpc.security_groups[*]",
        "mount_config.func_mounts[*].mount_type", "a[*][*].b-c_D9",
        "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p", NULL
    };

    char                 text[512], field[160];
    const char         **s;
    fgs_policy_t        *p;
    fgs_policy_error_t   err;

    for (s = bad; *s; s++) {
        snprintf(text, sizeof(text), CHECK("%s", "{\"required\":true}"), *s);
        snprintf(field, sizeof(field), "check[%s]", *s);

        /* "\u00e9" is the file's escape: the key itself is "aé" */
        if (strcmp(*s, "a\\u00e9") == 0) {
            snprintf(field, sizeof(field), "check[a\xc3\xa9]");
        }

        load_fails(text, "r1", field, "bad path", *s);
    }

    for (s = good; *s; s++) {
        snprintf(text, sizeof(text), CHECK("%s", "{\"required\":true}"), *s);

        /* the syntax of paths; the reference's names: test_check_schema */
        p = tp_load_any_shape(text, &err);
        ok(p != NULL, "the path %s loads", *s);

        if (p == NULL) {
            printf("# %s\n", err.message);
            fgs_policy_error_free(&err);
        }

        fgs_policy_free(p);
    }
}


/*
 * Every path of "check" and "when" is held to the API reference of each
 * operation of its rule: a misspelt field, a check that cannot apply to
 * the field's type, a list of the wrong type, "[*]" on a non-array or
 * its absence on one.  Each would otherwise load and then never apply,
 * or deny every request.
 */

#define CFG(path, spec)                                                     \
    RULE("\"operations\":[\"config\",\"create\"],\"check\":{\"" path "\":"  \
         spec "}")

static void
test_check_schema(void)
{
    load_fails(CFG("memorysize", "{\"max\":2048}"), "r1",
               "check[memorysize]", "did you mean `memory_size`?",
               "a misspelt field");
    load_fails(CFG("func_vpc.vpcid", "{\"required\":true}"), "r1",
               "check[func_vpc.vpcid]", "did you mean `vpc_id`?",
               "a misspelt nested field");
    load_fails(CFG("MemorySize", "{\"max\":2048}"), "r1",
               "check[MemorySize]", "did you mean `memory_size`?",
               "a field in another case");
    load_fails(CFG("flux_capacitor", "{\"required\":true}"), "r1",
               "check[flux_capacitor]", "would never apply",
               "a field with no close name");
    load_fails(CFG("runtime", "{\"max\":10}"), "r1", "check[runtime]",
               "\"max\" bounds a number, but runtime is a string",
               "max on a string");
    load_fails(CFG("runtime", "{\"min\":1}"), "r1", "check[runtime]",
               "\"min\" bounds a number", "min on a string");
    load_fails(CFG("memory_size", "{\"pattern\":\"^1\"}"), "r1",
               "check[memory_size]",
               "\"pattern\" matches a string, but memory_size is an integer",
               "pattern on an integer");
    load_fails(CFG("memory_size", "{\"not_pattern\":\"^1\"}"), "r1",
               "check[memory_size]", "\"not_pattern\" matches a string",
               "not_pattern on an integer");
    load_fails(CFG("memory_size", "{\"max_length\":3}"), "r1",
               "check[memory_size]", "\"max_length\" bounds a string or an "
               "array", "max_length on an integer");
    load_fails(CFG("user_data", "{\"max_decoded_bytes\":3}"), "r1",
               "check[user_data]", "user_data is not base64",
               "max_decoded_bytes on a string that is not base64");
    load_fails(CFG("runtime", "{\"in\":[\"Python3.12\",17]}"), "r1",
               "check[runtime]", "\"in\" lists a number (item 2), but "
               "runtime is a string", "a number in the in of a string");
    load_fails(CFG("memory_size", "{\"not_in\":[\"128\"]}"), "r1",
               "check[memory_size]", "\"not_in\" lists \"128\" (item 1)",
               "a string in the not_in of an integer");
    load_fails(CFG("enable_dynamic_memory", "{\"in\":[1]}"), "r1",
               "check[enable_dynamic_memory]", "is a boolean",
               "a number in the in of a boolean");
    load_fails(CFG("func_vpc", "{\"in\":[\"a\"]}"), "r1", "check[func_vpc]",
               "\"in\" compares a value, but func_vpc is an object",
               "in on an object");
    load_fails(CFG("memory_size", "{\"type\":\"string\"}"), "r1",
               "check[memory_size]", "never passes: check for an integer",
               "a type the field never has");
    load_fails(CFG("runtime[*]", "{\"in\":[\"a\"]}"), "r1",
               "check[runtime[*]]", "not an array: remove the \"[*]\"",
               "[*] on a string");
    load_fails(CFG("mount_config.func_mounts.mount_type", "{\"in\":[\"a\"]}"),
               "r1", "check[mount_config.func_mounts.mount_type]",
               "write \"mount_config.func_mounts[*].mount_type\"",
               "a key of an array without [*]");
    load_fails(CFG("func_vpc.security_groups", "{\"pattern\":\"^sg-\"}"),
               "r1", "check[func_vpc.security_groups]",
               "write \"func_vpc.security_groups[*]\"",
               "pattern on an array without [*]");
    load_fails(RULE("\"operations\":[\"code\"],\"check\":{\"runtime\":"
                    "{\"required\":true}}"), "r1", "check[runtime]",
               "the code operation does not take \"runtime\"",
               "a field the operation does not take");
    load_fails(RULE("\"check\":{\"memory_size\":{\"max\":1}}"), "r1",
               "check[memory_size]", "\"operations\" without code",
               "a rule of every operation on a config field");
    load_fails(RULE("\"operations\":[\"config\"],\"when\":{\"runtme\":"
                    "{\"in\":[\"Go1.x\"]}},\"check\":{\"memory_size\":"
                    "{\"max\":1}}"), "r1", "when[runtme]",
               "did you mean `runtime`?", "a misspelt when");

    load_fails(RULE("\"operations\":[\"code\"],\"check\":{\"code_type\":"
                    "{\"in\":[\"zip\",\"jra\"]}}"), "r1", "check[code_type]",
               "\"in\" lists \"jra\" (item 2), but code_type is one of "
               "inline, zip, obs, jar", "a value outside a documented enum");
    load_fails(RULE("\"operations\":[\"code\",\"create\"],\"check\":"
                    "{\"code_type\":{\"in\":[\"Custom-Image-Swr\"]}}"), "r1",
               "check[code_type]", "for the code operation",
               "a code_type only create takes, in a rule for code too");
    load_fails(CFG("mount_config.func_mounts[*].mount_type",
                   "{\"not_in\":[\"sfsturbo\"]}"), "r1",
               "check[mount_config.func_mounts[*].mount_type]",
               "is one of sfs, sfsTurbo, ecs", "an enum's value in the "
               "wrong case");

    /* what the reference allows loads */

    load_ok(RULE("\"operations\":[\"create\"],\"check\":{\"code_type\":"
                 "{\"in\":[\"zip\",\"Custom-Image-Swr\"]}}"),
            "create's own code_type value loads for create");

    load_ok(CFG("func_vpc.security_groups[*]",
                "{\"pattern\":\"^sg-\",\"max_length\":36}"),
            "pattern on the items of an array of strings loads");
    load_ok(CFG("func_vpc.security_groups",
                "{\"max_length\":3,\"required\":true,\"type\":\"array\"}"),
            "max_length, required and type on an array load");
    load_ok(CFG("lts_custom_tag.team", "{\"pattern\":\"^[a-z]+$\"}"),
            "a key of a map of strings loads");
    load_ok(RULE("\"operations\":[\"code\"],\"check\":{\"func_code.file\":"
                 "{\"max_decoded_bytes\":10}}"),
            "max_decoded_bytes on base64 loads");
    load_ok(CFG("memory_size", "{\"in\":[128,256.0,null],"
                "\"type\":[\"integer\",\"null\"]}"),
            "numbers and null in the in of an integer load");
}


static void
test_time(void)
{
    time_t        t;
    const char  **s;

    static const char  *bad[] = {
        "2027-03-31", "2027-03-31T00:00:00", "2027-03-31 00:00:00Z",
        "2027-3-31T00:00:00Z", "2027-13-01T00:00:00Z", "2027-00-01T00:00:00Z",
        "2027-04-31T00:00:00Z", "2027-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
        "2027-03-31T24:00:00Z", "2027-03-31T00:60:00Z", "2027-03-31T00:00:61Z",
        "2027-03-31T00:00:00.Z", "2027-03-31T00:00:00+0800",
        "2027-03-31T00:00:00+24:00", "2027-03-31T00:00:00ZZ",
        "+2027-03-31T00:00:00Z", "2027-03-31T00:00:00Z ", "", NULL
    };

    for (s = bad; *s; s++) {
        ok(fgs_policy_parse_time((u_char *) *s, strlen(*s), &t)
           == FGS_DECLINED, "time \"%s\" is refused", *s);
    }

#define TIME(s, want)                                                       \
    t = -1;                                                                 \
    ok(fgs_policy_parse_time((u_char *) s, strlen(s), &t) == FGS_OK          \
       && t == (time_t) (want), "time %s", s);

    TIME("1970-01-01T00:00:00Z", 0);
    TIME("2026-11-23T10:00:00Z", TP_NOW);
    TIME("2027-03-31T00:00:00Z", 1806451200);
    TIME("2027-03-31t00:00:00z", 1806451200);
    TIME("2027-03-31T08:00:00+08:00", 1806451200);
    TIME("2027-03-30T19:30:00-04:30", 1806451200);
    TIME("2027-03-31T00:00:00.999999Z", 1806451200);
    TIME("2028-02-29T12:34:56Z", 1835440496);
    TIME("2000-02-29T00:00:00Z", 951782400);
    TIME("2099-12-31T23:59:59Z", 4102444799LL);
    TIME("1969-12-31T23:59:59Z", -1);
}


static void
test_missing_file(void)
{
    fgs_policy_t        *p;
    fgs_policy_error_t   err;

    p = fgs_policy_load("/nonexistent/fgs-policy.json", &err);
    ok(p == NULL, "a missing file does not load");
    is_str(err.file, "/nonexistent/fgs-policy.json", "the error names it");
    ok(err.message && strstr(err.message, "No such file"), "and says why");
    ok(err.rule == NULL && err.field == NULL, "no rule, no field");
    fgs_policy_error_free(&err);

    p = fgs_policy_load("/tmp", &err);
    ok(p == NULL && err.message
       && strstr(err.message, "not a regular file"),
       "a directory does not load");
    fgs_policy_error_free(&err);
}


static void
load_ok(const char *text, const char *name)
{
    fgs_policy_t        *p;
    fgs_policy_error_t   err;

    p = tp_load(text, &err);

    if (!ok(p != NULL, "%s", name)) {
        printf("#   got: %s\n", err.message ? err.message : "(null)");
        fgs_policy_error_free(&err);
    }

    fgs_policy_free(p);
}


static void
load_fails(const char *text, const char *rule, const char *field,
    const char *message, const char *name)
{
    fgs_policy_t        *p;
    fgs_policy_error_t   err;

    p = tp_load(text, &err);

    if (!ok(p == NULL, "refused: %s", name)) {
        fgs_policy_free(p);
        return;
    }

    if (!ok(err.file && strcmp(err.file, tp_path) == 0
            && err.message && strstr(err.message, message)
            && (rule ? err.rule && strcmp(err.rule, rule) == 0
                     : err.rule == NULL)
            && (field ? err.field && strcmp(err.field, field) == 0
                      : err.field == NULL),
            "  names rule %s, field %s, \"%s\"", rule ? rule : "-",
            field ? field : "-", message))
    {
        printf("#   got: %s: %s: %s: %s\n", err.file ? err.file : "(null)",
               err.rule ? err.rule : "(null)",
               err.field ? err.field : "(null)",
               err.message ? err.message : "(null)");
    }

    fgs_policy_error_free(&err);
}

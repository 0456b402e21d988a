
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The load-time hold of the API reference on mutations: what it
 * refuses (a value of the wrong type or range, a field the operation
 * does not take, an object created without a member the reference
 * requires, a required field removed, a field tied to others), each
 * naming the rule, the mutation's path and why on one line, and what it
 * lets through (the policies of conf/ and the kinds of mutations they
 * use).  Each policy is also rewritten through the engine on a
 * conforming body that lacks the mutated fields, and the result validated
 * by the schema: what the load accepts must conform.
 */


#include "test_policy.h"
#include "load/fgs_load_int.h"


static void test_accepted(void);
static void test_refused(void);
static void test_one_line(void);
static int mutations_conform(const char *text, fgs_policy_error_t *err);
static void accepted(const char *rules, const char *name);
static void refused(const char *rules, const char *rule, const char *field,
    const char *message, const char *name);
static void rewritten_conforms(const char *rules, const char *op,
    const char *body, const char *name);


#define POLICY(rules)  "{\"fgs_policy\":1,\"rules\":[" rules "]}"

/* conforming bodies without any of the fields the rules below write */

#define CONFIG_BODY                                                         \
    "{\"func_name\":\"demo\",\"runtime\":\"Python3.10\",\"timeout\":30,"    \
    "\"handler\":\"index.handler\",\"memory_size\":256}"

#define CODE_BODY                                                           \
    "{\"code_type\":\"inline\",\"func_code\":{\"file\":\"\"}}"


int
main(void)
{
    test_accepted();
    test_refused();
    test_one_line();

    return done_testing();
}


static void
test_accepted(void)
{
    accepted("{\"id\":\"kms\",\"set_default\":{\"code_encrypt_kms_key_id\":"
             "\"5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f\"}}",
             "a string every operation takes");
    rewritten_conforms("{\"id\":\"kms\",\"set_default\":{"
                       "\"code_encrypt_kms_key_id\":\"k-1\"}}", "code",
                       CODE_BODY, "kms key added to a code body");

    accepted("{\"id\":\"conc\",\"operations\":[\"config\"],\"set_default\":"
             "{\"strategy_config.concurrency\":10,"
             "\"strategy_config.concurrent_num\":1}}",
             "a created StrategyConfig with both its members");
    rewritten_conforms("{\"id\":\"conc\",\"operations\":[\"config\"],"
                       "\"set_default\":{\"strategy_config.concurrency\":10,"
                       "\"strategy_config.concurrent_num\":1}}", "config",
                       CONFIG_BODY, "strategy_config created whole");

    accepted("{\"id\":\"tag\",\"operations\":[\"config\"],\"set_default\":"
             "{\"lts_custom_tag.owner\":\"platform\"}}",
             "a member of a Map<String,String>");
    rewritten_conforms("{\"id\":\"tag\",\"operations\":[\"config\"],"
                       "\"set_default\":{\"lts_custom_tag.owner\":\"p\"}}",
                       "config", CONFIG_BODY, "tag map created");

    accepted("{\"id\":\"tmp\",\"operations\":[\"config\"],\"set\":"
             "{\"ephemeral_storage\":512}}", "an integer");
    accepted("{\"id\":\"vpc\",\"operations\":[\"config\",\"create\"],"
             "\"set\":{\"func_vpc\":{\"vpc_id\":\"v\",\"subnet_id\":\"s\"}}}",
             "a whole object with its required members");
    accepted("{\"id\":\"drop\",\"operations\":[\"config\"],\"remove\":"
             "[\"xrole\",\"app_xrole\",\"func_vpc.security_groups\"]}",
             "removing optional fields");
    accepted("{\"id\":\"h\",\"operations\":[\"config\"],\"set_default\":"
             "{\"handler\":\"index.handler\"}}",
             "set_default of a field the operation requires (never writes)");
    accepted("{\"id\":\"ts\",\"operations\":[\"config\"],\"set\":"
             "{\"timeout\":3}}", "an integer at the bottom of its range");
}


static void
test_refused(void)
{
    refused("{\"id\":\"conc\",\"operations\":[\"config\"],\"set_default\":"
            "{\"strategy_config.concurrency\":10}}", "conc",
            "set_default[strategy_config.concurrency]",
            "strategy_config.concurrent_num is required in StrategyConfig",
            "a created object without a member the reference requires");

    refused("{\"id\":\"conc-range\",\"operations\":[\"config\"],"
            "\"set_default\":{\"strategy_config.concurrency\":5000,"
            "\"strategy_config.concurrent_num\":1}}", "conc-range",
            "set_default[strategy_config.concurrency]", "5000",
            "a value out of the documented range");

    refused("{\"id\":\"kms-int\",\"set_default\":{"
            "\"code_encrypt_kms_key_id\":42}}", "kms-int",
            "set_default[code_encrypt_kms_key_id]", "code operation",
            "a value of the wrong type (named for the first operation)");

    refused("{\"id\":\"desc\",\"set\":{\"description\":\"x\"}}", "desc",
            "set[description]", "is not a field of PUT",
            "a field the code operation does not take (default operations)");

    refused("{\"id\":\"unknown\",\"operations\":[\"config\"],\"set\":"
            "{\"k\":\"v\"}}", "unknown", "set[k]",
            "is not in the FunctionGraph API reference",
            "a field the reference does not have");

    refused("{\"id\":\"nul\",\"operations\":[\"config\"],\"set\":"
            "{\"description\":null}}", "nul", "set[description]",
            "is null", "null written to a field");

    refused("{\"id\":\"arr\",\"operations\":[\"config\"],\"set_default\":"
            "{\"func_vpc.security_groups.x\":\"sg\"}}", "arr",
            "set_default[func_vpc.security_groups.x]", "must be",
            "a member written inside an array field");

    refused("{\"id\":\"vpc\",\"operations\":[\"config\"],\"set\":"
            "{\"func_vpc\":{\"vpc_id\":\"v\"}}}", "vpc", "set[func_vpc]",
            "func_vpc.subnet_id is required in FuncVpc",
            "a whole object without a required member");

    refused("{\"id\":\"deep-tag\",\"operations\":[\"config\"],"
            "\"set_default\":{\"lts_custom_tag.a.b\":\"x\"}}", "deep-tag",
            "set_default[lts_custom_tag.a.b]", "must be a JSON string",
            "an object written as a value of a Map<String,String>");

    refused("{\"id\":\"enum\",\"operations\":[\"config\"],\"set\":"
            "{\"mount_config\":{\"mount_user\":{\"user_id\":-1,"
            "\"user_group_id\":-1},\"func_mounts\":[{\"mount_type\":\"ecs\","
            "\"mount_resource\":\"r\",\"local_mount_path\":\"/m\"}]}}}",
            "enum", "set[mount_config]", "mount_share_path",
            "a nested object against its cross-member rule");

    refused("{\"id\":\"rm-req\",\"operations\":[\"config\"],\"remove\":"
            "[\"timeout\"]}", "rm-req", "remove[timeout]",
            "requires it in the request body for the config operation",
            "removing a field the operation requires");

    refused("{\"id\":\"rm-nested\",\"operations\":[\"config\"],\"remove\":"
            "[\"func_vpc.vpc_id\"]}", "rm-nested", "remove[func_vpc.vpc_id]",
            "requires it in FuncVpc",
            "removing a member the reference requires in its object");

    refused("{\"id\":\"rm-after\",\"operations\":[\"config\"],"
            "\"set_default\":{\"strategy_config.concurrency\":1,"
            "\"strategy_config.concurrent_num\":1},\"remove\":"
            "[\"strategy_config.concurrent_num\"]}", "rm-after",
            "remove[strategy_config.concurrent_num]", "StrategyConfig",
            "a created object emptied again by the rule's own remove");

    refused("{\"id\":\"rt\",\"operations\":[\"config\"],\"set\":"
            "{\"runtime\":\"Python3.12\"}}", "rt", "set[runtime]",
            "would depend on the request",
            "the runtime, which decides the handler's form");

    refused("{\"id\":\"ct\",\"operations\":[\"code\"],\"set\":"
            "{\"code_type\":\"obs\"}}", "ct", "set[code_type]",
            "code_type decides whether",
            "code_type, which decides code_url and code_filename");

    refused("{\"id\":\"url\",\"operations\":[\"code\"],\"remove\":"
            "[\"code_url\"]}", "url", "remove[code_url]",
            "would depend on the request",
            "removing code_url, which obs code needs");

    refused("{\"id\":\"init\",\"operations\":[\"config\"],\"set_default\":"
            "{\"initializer_handler\":\"i.init\"}}", "init",
            "set_default[initializer_handler]", "initializer_timeout",
            "an initializer handler, which needs its timeout");

    refused("{\"id\":\"img\",\"operations\":[\"config\"],\"set\":"
            "{\"custom_image.enabled\":false}}", "img",
            "set[custom_image.enabled]", "handler",
            "custom_image.enabled, which allows the handler \"-\"");

    refused("{\"id\":\"ok-first\",\"operations\":[\"config\"],"
            "\"set_default\":{\"description\":\"d\"}},"
            "{\"id\":\"bad-second\",\"operations\":[\"config\"],"
            "\"set\":{\"status\":7}}", "bad-second", "set[status]",
            "status",
            "the rule at fault is named, not the first one");
}


static void
test_one_line(void)
{
    fgs_policy_error_t  err;

    /* a value that quotes a newline is no reason for a second line */

    ok(mutations_conform(POLICY("{\"id\":\"nl\",\"operations\":[\"config\"],"
                                "\"set\":{\"description\":\"a\\nb\","
                                "\"user_data\":5}}"), &err) != FGS_OK
       && err.message != NULL && strchr(err.message, '\n') == NULL
       && err.field != NULL && strcmp(err.field, "set[user_data]") == 0,
       "a refusal is one line and names the mutation");

    fgs_policy_error_free(&err);
}


/*
 * Loads the policy and checks each rule's mutations: by the load itself
 * when it runs the check, else here, so that the result is the same.
 */

static int
mutations_conform(const char *text, fgs_policy_error_t *err)
{
    int            rc;
    uint32_t       i;
    fgs_load_t     ld;
    fgs_policy_t  *p;

    memset(err, 0, sizeof(fgs_policy_error_t));

    p = tp_load(text, err);
    if (p == NULL) {
        return FGS_DECLINED;
    }

    memset(&ld, 0, sizeof(fgs_load_t));
    ld.policy = p;
    ld.a = &p->arena.alloc;
    ld.err = err;
    ld.file = tp_path;

    rc = FGS_OK;

    for (i = 0; i < p->nrules && rc == FGS_OK; i++) {
        ld.rule = p->rules[i].id;
        rc = fgs_load_schema_mutations(&ld, &p->rules[i]);
    }

    fgs_policy_free(p);

    return rc;
}


static void
accepted(const char *rules, const char *name)
{
    char                text[2048];
    fgs_policy_error_t  err;

    snprintf(text, sizeof(text), "{\"fgs_policy\":1,\"rules\":[%s]}",
             rules);

    if (!ok(mutations_conform(text, &err) == FGS_OK, "loads: %s", name)) {
        printf("#   got: %s: %s: %s\n", err.rule ? err.rule : "(null)",
               err.field ? err.field : "(null)",
               err.message ? err.message : "(null)");
    }

    fgs_policy_error_free(&err);
}


static void
refused(const char *rules, const char *rule, const char *field,
    const char *message, const char *name)
{
    char                text[2048];
    fgs_policy_error_t  err;

    snprintf(text, sizeof(text), "{\"fgs_policy\":1,\"rules\":[%s]}",
             rules);

    if (!ok(mutations_conform(text, &err) == FGS_DECLINED, "refused: %s",
            name))
    {
        fgs_policy_error_free(&err);
        return;
    }

    if (!ok(err.message && strstr(err.message, message)
            && err.rule && strcmp(err.rule, rule) == 0
            && err.field && strcmp(err.field, field) == 0
            && strchr(err.message, '\n') == NULL,
            "  names rule %s, %s, \"%s\"", rule, field, message))
    {
        printf("#   got: %s: %s: %s\n", err.rule ? err.rule : "(null)",
               err.field ? err.field : "(null)",
               err.message ? err.message : "(null)");
    }

    fgs_policy_error_free(&err);
}


/*
 * What the check accepts, applied by the engine to a conforming body
 * without the fields it writes (every parent created), conforms.
 */

static void
rewritten_conforms(const char *rules, const char *op, const char *body,
    const char *name)
{
    char                 text[2048];
    tp_req_t             r;
    fgs_op_e             o;
    fgs_arena_t          arena;
    fgs_policy_t        *p;
    fgs_json_doc_t       doc;
    fgs_violations_t     out;
    fgs_policy_error_t   err;

    snprintf(text, sizeof(text), "{\"fgs_policy\":1,\"rules\":[%s]}",
             rules);

    p = tp_load(text, &err);
    if (!ok(p != NULL, "rewritten: %s: loads", name)) {
        fgs_policy_error_free(&err);
        return;
    }

    o = (strcmp(op, "code") == 0) ? FGS_OP_CODE : FGS_OP_CONFIG;

    fgs_arena_init(&arena);
    fgs_violations_init(&out);

    ok(fgs_json_scan(&doc, (const u_char *) body, strlen(body),
                     &arena.alloc) == FGS_OK
       && fgs_schema_validate(&doc, fgs_api_of(o, 0), &out, &arena.alloc)
          == FGS_OK,
       "rewritten: %s: the body conforms before", name);

    fgs_arena_reset(&arena);

    tp_eval(&r, p, o, "demo", body);

    ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_REWRITE
       && tp_rescan(&r, &doc, o) == FGS_OK,
       "rewritten: %s: the rewritten body conforms", name);

    tp_done(&r);
    fgs_policy_free(p);
}

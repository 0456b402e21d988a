
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Evaluation: which rules apply (operations, match, when), the order of
 * mutations and checks, modes and their override, exceptions before and
 * after expiry, the decision and its error, signed bodies, other writes,
 * and patterns that cannot be matched (fail closed).
 */


#include "test_policy.h"


static void test_operations(void);
static void test_match(void);
static void test_when(void);
static void test_order(void);
static void test_modes(void);
static void test_audit_mutations(void);
static void test_exceptions(void);
static void test_decision(void);
static void test_signed(void);
static void test_other(void);
static void test_fail_closed(void);
static void test_capped(void);
static char *capped_body(uint32_t n);
static uint32_t listed(const fgs_violation_t *v, uint32_t *summaries);


static const char  base_body[] =
    "{\"func_name\":\"prod-a\",\"runtime\":\"Python2.7\",\"handler\":\"i.h\","
    "\"memory_size\":4096,\"timeout\":30}";


int
main(void)
{
    test_operations();
    test_match();
    test_when();
    test_order();
    test_modes();
    test_audit_mutations();
    test_exceptions();
    test_decision();
    test_signed();
    test_other();
    test_fail_closed();
    test_capped();

    return done_testing();
}


static void
test_operations(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"code-only\",\"operations\":[\"code\"],"
        " \"check\":{\"runtime\":{\"forbidden\":true}}},"
        "{\"id\":\"cfg\",\"operations\":[\"config\",\"create\"],"
        " \"check\":{\"runtime\":{\"forbidden\":true}}},"
        "{\"id\":\"all\",\"check\":{\"runtime\":{\"forbidden\":true}}}]}");

    tp_eval(&r, p, FGS_OP_CODE, "fn", base_body);
    ok(tp_applied(&r, "code-only,all") && r.out.violations.n == 2,
       "code: the code-only rule and the default-operations rule");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", base_body);
    ok(tp_applied(&r, "cfg,all") && r.out.violations.n == 2,
       "config: the config rule and the default-operations rule");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CREATE, "fn", base_body);
    ok(tp_applied(&r, "cfg,all"), "create: as config");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_OTHER, "fn", NULL);
    ok(r.rc == FGS_OK && tp_applied(&r, "") && r.out.violations.n == 0,
       "other: no rule applies");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_NONE, "fn", base_body);
    ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_ALLOW
       && tp_applied(&r, ""), "not governed: allow, nothing applies");
    tp_done(&r);

    memset(&r, 0, sizeof(r));
    fgs_arena_init(&r.arena);
    r.in.op = FGS_OP_CONFIG;
    ok(fgs_policy_eval(p, &r.in, &r.out, &r.arena.alloc) == FGS_ERROR,
       "config without a body: an internal error (fail closed)");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_match(void)
{
    tp_req_t        r;
    fgs_policy_t   *p;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"prod\",\"match\":{\"function\":\"^prod-\"},"
        " \"check\":{\"x\":{\"required\":true}}},"
        "{\"id\":\"proj\",\"match\":{\"project_id\":"
        "[\"ffffffffffffffffffffffffffffffff\",\"" TP_PROJECT "\"]},"
        " \"check\":{\"x\":{\"required\":true}}},"
        "{\"id\":\"other-proj\",\"match\":{\"project_id\":"
        "[\"ffffffffffffffffffffffffffffffff\"]},"
        " \"check\":{\"x\":{\"required\":true}}},"
        "{\"id\":\"pkg\",\"match\":{\"package\":\"^billing$\"},"
        " \"check\":{\"x\":{\"required\":true}}},"
        "{\"id\":\"latest\",\"match\":{\"version\":\"^latest$\"},"
        " \"check\":{\"x\":{\"required\":true}}},"
        "{\"id\":\"both\",\"match\":{\"function\":\"^prod-\","
        " \"package\":\"^default$\"},\"check\":{\"x\":{\"required\":true}}}"
        "]}");

    tp_eval(&r, p, FGS_OP_CONFIG, "prod-orders", base_body);
    ok(tp_applied(&r, "prod,proj,latest,both"),
       "function, project, version (none: latest) and both parts match");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "dev-orders", base_body);
    ok(tp_applied(&r, "proj,latest"), "another function: the scoped rules not");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "xprod-orders", base_body);
    ok(tp_applied(&r, "proj,latest"), "the pattern is as written (^ anchors)");
    tp_done(&r);

    /* a version, and another package, in the URN */
    memset(&r, 0, sizeof(r));
    fgs_arena_init(&r.arena);
    tp_target(&r.target, FGS_OP_CONFIG, "billing", "prod-x", "v2");
    fgs_json_scan(&r.doc, (const u_char *) base_body, strlen(base_body),
                  &r.arena.alloc);
    r.in.op = FGS_OP_CONFIG;
    r.in.target = &r.target;
    r.in.doc = &r.doc;
    r.in.now = TP_NOW;
    fgs_policy_eval(p, &r.in, &r.out, &r.arena.alloc);
    ok(tp_applied(&r, "prod,proj,pkg"),
       "package billing and version v2 read from the URN");
    tp_done(&r);

    /* create: the function is named in the body */
    tp_eval(&r, p, FGS_OP_CREATE, "",
            "{\"func_name\":\"prod-new\",\"package\":\"billing\"}");
    ok(tp_applied(&r, "prod,proj,pkg,latest"),
       "create: func_name and package from the body, version latest");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CREATE, "", "{\"func_name\":\"prod-new\"}");
    ok(tp_applied(&r, "prod,proj,latest,both"),
       "create without a package: the default package");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CREATE, "prod-urn-name",
            "{\"func_name\":\"dev-new\"}");
    ok(tp_applied(&r, "proj,latest"),
       "create: the body's name counts, not the target's");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_when(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"obs\",\"when\":{\"code_type\":{\"required\":true,"
        " \"in\":[\"obs\"]}},"
        " \"check\":{\"code_url\":{\"pattern\":\"^https://ok/\"}}},"
        "{\"id\":\"two\",\"when\":{\"a\":{\"required\":true},"
        " \"b\":{\"max\":5}},\"check\":{\"c\":{\"required\":true}}},"
        "{\"id\":\"each\",\"when\":{\"l[*]\":{\"type\":\"integer\"}},"
        " \"check\":{\"c\":{\"required\":true}}}]}");

    tp_eval(&r, p, FGS_OP_CODE, "fn",
            "{\"code_type\":\"obs\",\"code_url\":\"https://evil/x\"}");
    ok(tp_applied(&r, "obs,each") && tp_find(&r.out.violations, "obs",
                                           "code_url"),
       "when holds: the rule applies and checks");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CODE, "fn",
            "{\"code_type\":\"zip\",\"code_url\":\"https://evil/x\"}");
    ok(tp_applied(&r, "each") && r.out.violations.n == 1,
       "when does not hold: the rule does not apply");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CODE, "fn", "{\"code_url\":\"https://evil/x\"}");
    ok(tp_applied(&r, "each"), "when with required: absence does not hold");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CODE, "fn", "{\"a\":1,\"b\":5,\"l\":[1,2]}");
    ok(tp_applied(&r, "two,each"), "every when check holds");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CODE, "fn", "{\"a\":1,\"b\":6,\"l\":[1,\"x\"]}");
    ok(tp_applied(&r, ""), "one when check fails, one [*] element fails");
    tp_done(&r);

    fgs_policy_free(p);

    /* when reads the body as sent, not another rule's mutation */
    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"adds\",\"set_default\":{\"k\":\"v\"}},"
        "{\"id\":\"sees\",\"when\":{\"k\":{\"required\":true}},"
        " \"check\":{\"never\":{\"required\":true}}}]}");

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"a\":1}");
    ok(tp_applied(&r, "adds") && r.out.decision == FGS_DECISION_REWRITE,
       "a when does not see another rule's set_default");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_order(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    /* the check comes first in the file, the mutation after it */
    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"check-k\",\"check\":{\"k\":{\"required\":true,"
        " \"in\":[\"v2\"]},\"gone\":{\"forbidden\":true}}},"
        "{\"id\":\"set-k\",\"set_default\":{\"k\":\"v1\"}},"
        "{\"id\":\"set-k2\",\"set\":{\"k\":\"v2\"},\"remove\":[\"gone\"]}]}");

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"a\":1,\"gone\":true}");
    ok(r.out.decision == FGS_DECISION_REWRITE && r.out.violations.n == 0,
       "checks run after every rule's mutations, in file order");
    is_str(r.body, "{\"a\":1,\"k\":\"v2\"}", "the last set wins");
    is_int(tp_notes(r.out.rewrites), 3, "three rewrites recorded");
    tp_done(&r);

    fgs_policy_free(p);

    /* every violation, of every rule, is collected */
    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"r1\",\"check\":{\"a\":{\"max\":1},\"b\":{\"max\":1}}},"
        "{\"id\":\"r2\",\"check\":{\"c[*]\":{\"max\":1}}}]}");

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"a\":2,\"b\":2,\"c\":[2,0,3]}");
    ok(r.out.violations.n == 4
       && tp_find(&r.out.violations, "r1", "a")
       && tp_find(&r.out.violations, "r1", "b")
       && tp_find(&r.out.violations, "r2", "c[0]")
       && tp_find(&r.out.violations, "r2", "c[2]"),
       "all four violations, not only the first");
    is_str(r.out.error_msg, "denied by policy: r1: a 2 is above the maximum "
           "1; use at most 1 (and 3 more)", "error_msg: the first and a count");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"a\":2}");
    is_str(r.out.error_msg, "denied by policy: r1: a 2 is above the maximum "
           "1; use at most 1", "error_msg: one violation, no count");
    is_int(r.out.status, 403, "403");
    is_str(r.out.error_code, "FGSPOL.4030", "FGSPOL.4030");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_modes(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    static const char  rules[] =
        "\"rules\":["
        "{\"id\":\"file-mode\",\"check\":{\"a\":{\"max\":1}}},"
        "{\"id\":\"audit-rule\",\"mode\":\"audit\","
        " \"check\":{\"b\":{\"max\":1}}},"
        "{\"id\":\"enforce-rule\",\"mode\":\"enforce\","
        " \"check\":{\"c\":{\"max\":1}}}]}";

    char  text[512];

    snprintf(text, sizeof(text), "{\"fgs_policy\":1,%s", rules);
    p = tp_policy_any_shape(text);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"b\":2}");
    ok(r.out.decision == FGS_DECISION_AUDIT && r.out.violations.n == 0
       && tp_find(&r.out.audited, "audit-rule", "b") && r.out.status == 200
       && r.out.error_code == NULL,
       "an audit-mode rule's violation is audited and forwarded");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"a\":2,\"b\":2}");
    ok(r.out.decision == FGS_DECISION_DENY && r.out.violations.n == 1
       && r.out.audited.n == 1, "enforced and audited, side by side");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_CONFIG, "fn", "{\"a\":2,\"b\":2,\"c\":2}",
               FGS_MODE_AUDIT, TP_NOW, 0);
    ok(r.out.decision == FGS_DECISION_AUDIT && r.out.violations.n == 0
       && r.out.audited.n == 3,
       "fgs_policy_mode audit: every rule audited, even enforce ones");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_CONFIG, "fn", "{\"b\":2}", FGS_MODE_ENFORCE,
               TP_NOW, 0);
    ok(r.out.decision == FGS_DECISION_DENY && r.out.violations.n == 1,
       "fgs_policy_mode enforce overrides a rule's audit mode");
    tp_done(&r);

    fgs_policy_free(p);

    snprintf(text, sizeof(text), "{\"fgs_policy\":1,\"mode\":\"audit\",%s",
             rules);
    p = tp_policy_any_shape(text);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"a\":2}");
    ok(r.out.decision == FGS_DECISION_AUDIT
       && tp_find(&r.out.audited, "file-mode", "a"),
       "the file's audit mode");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"c\":2}");
    ok(r.out.decision == FGS_DECISION_DENY
       && tp_find(&r.out.violations, "enforce-rule", "c"),
       "a rule's enforce mode in an audit file");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_CONFIG, "fn", "{\"a\":2,\"c\":2}",
               FGS_MODE_ENFORCE, TP_NOW, 0);
    ok(r.out.decision == FGS_DECISION_DENY && r.out.violations.n == 2,
       "fgs_policy_mode enforce over an audit file");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_audit_mutations(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"kms\",\"set_default\":{\"kms\":\"K\"},"
        " \"check\":{\"kms\":{\"in\":[\"K\"]}}},"
        "{\"id\":\"dry\",\"mode\":\"audit\",\"set\":{\"tag\":\"t\"},"
        " \"remove\":[\"old\"]},"
        "{\"id\":\"needs-tag\",\"check\":{\"tag\":{\"required\":true}}}]}");

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"old\":1,\"tag\":\"t\"}");
    ok(r.out.decision == FGS_DECISION_REWRITE && r.out.audited.n == 1
       && strstr(r.out.audited.head->message, "would remove old")
       && strstr(r.body, "\"old\":1"),
       "an audit-mode remove is not made, but audited");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{}");
    ok(r.out.decision == FGS_DECISION_DENY
       && tp_find(&r.out.violations, "needs-tag", "tag")
       && tp_find(&r.out.audited, "dry", "tag"),
       "checks read the body that is forwarded, not an audit-mode set");
    ok(strstr(tp_find(&r.out.audited, "dry", "tag")->message,
              "would set tag to \"t\" (audit mode") != NULL,
       "the audited message says what would have been set");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_CONFIG, "fn", "{\"tag\":\"t\"}", FGS_MODE_AUDIT,
               TP_NOW, 0);
    ok(r.out.decision == FGS_DECISION_AUDIT && r.out.nedits == 0
       && r.out.rewrites == NULL
       && tp_find(&r.out.audited, "kms", "kms")
       && strcmp(r.body, "{\"tag\":\"t\"}") == 0,
       "dry run: no rewrite, the set_default is audited, body unchanged");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_exceptions(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"rt\",\"check\":{\"runtime\":{\"in\":[\"Python3.12\"]}}},"
        "{\"id\":\"mem\",\"set_default\":{\"k\":1},"
        " \"check\":{\"memory_size\":{\"max\":2048}}}],"
        "\"exceptions\":["
        "{\"id\":\"EXC-1\",\"rules\":[\"rt\",\"mem\"],"
        " \"match\":{\"function\":\"^legacy$\"},"
        " \"expires\":\"2026-11-23T10:00:00Z\",\"reason\":\"ticket 1\"},"
        "{\"id\":\"EXC-2\",\"rules\":[\"mem\"],"
        " \"expires\":\"2030-01-01T00:00:00Z\",\"reason\":\"all\"}]}");

    tp_eval_in(&r, p, FGS_OP_CONFIG, "legacy", base_body, FGS_MODE_UNSET,
               TP_NOW - 1, 0);
    ok(r.out.decision == FGS_DECISION_ALLOW && r.out.violations.n == 0
       && tp_applied(&r, "") && tp_notes(r.out.waived) == 2,
       "before expiry: both rules waived, neither checks nor mutates");
    ok(r.out.waived && strcmp(r.out.waived->rule, "rt") == 0
       && strcmp(r.out.waived->action, "EXC-1") == 0,
       "the waiver names the rule and the exception");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_CONFIG, "legacy", base_body, FGS_MODE_UNSET,
               TP_NOW, 0);
    ok(r.out.decision == FGS_DECISION_DENY && tp_applied(&r, "rt")
       && tp_find(&r.out.violations, "rt", "runtime")
       && tp_notes(r.out.waived) == 1
       && strcmp(r.out.waived->action, "EXC-2") == 0,
       "at expiry EXC-1 waives nothing; EXC-2 (no match) still waives mem");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_CONFIG, "other", base_body, FGS_MODE_UNSET,
               TP_NOW - 1, 0);
    ok(tp_find(&r.out.violations, "rt", "runtime")
       && tp_notes(r.out.waived) == 1,
       "an exception whose match does not match waives nothing");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_CONFIG, "other", base_body, FGS_MODE_UNSET,
               1893456000, 0);
    ok(r.out.violations.n == 2 && r.out.waived == NULL
       && r.out.decision == FGS_DECISION_DENY && tp_applied(&r, "rt,mem"),
       "after every expiry: nothing waived");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_decision(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"add\",\"set_default\":{\"k\":\"v\"}},"
        "{\"id\":\"deny\",\"check\":{\"bad\":{\"forbidden\":true}}},"
        "{\"id\":\"aud\",\"mode\":\"audit\","
        " \"check\":{\"meh\":{\"forbidden\":true}}}]}");

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"k\":\"v\"}");
    ok(r.out.decision == FGS_DECISION_ALLOW && r.out.status == 200
       && r.out.error_code == NULL && r.out.error_msg == NULL
       && r.out.nedits == 0 && r.out.new_len == 9,
       "allow: nothing to change, nothing violated");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"meh\":1}");
    ok(r.out.decision == FGS_DECISION_REWRITE && r.out.audited.n == 1
       && r.out.status == 200, "rewrite wins over audit");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"k\":\"v\",\"meh\":1}");
    ok(r.out.decision == FGS_DECISION_AUDIT, "audit: audited only");
    tp_done(&r);

    tp_eval(&r, p, FGS_OP_CONFIG, "fn", "{\"bad\":1,\"meh\":1}");
    ok(r.out.decision == FGS_DECISION_DENY && r.out.nedits == 0
       && r.out.rewrites == NULL && r.out.new_len == 17
       && r.out.audited.n == 1 && tp_applied(&r, "add,deny,aud"),
       "deny wins: no edits, no rewrites; audited kept; applied listed");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_signed(void)
{
    tp_req_t                r;
    fgs_policy_t           *p;
    const fgs_violation_t  *v;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"kms\",\"set_default\":{\"kms\":\"K-1\"}},"
        "{\"id\":\"fix\",\"set\":{\"mode\":\"safe\"},\"remove\":[\"debug\"]},"
        "{\"id\":\"deny\",\"check\":{\"bad\":{\"forbidden\":true}}}]}");

    tp_eval_in(&r, p, FGS_OP_CONFIG, "fn",
               "{\"mode\":\"fast\",\"debug\":true}", FGS_MODE_UNSET, TP_NOW,
               1);
    ok(r.out.decision == FGS_DECISION_DENY && r.out.status == 403
       && strcmp(r.out.error_code, "FGSPOL.4031") == 0
       && r.out.violations.n == 3 && r.out.nedits == 0,
       "a signed body that needs rewrites: 4031, one violation per field");

    v = tp_find(&r.out.violations, "kms", "kms");
    is_str(v ? v->message : NULL, "set kms to \"K-1\" yourself: the request "
           "is signed with AK/SK, so the gateway cannot add it; or send "
           "X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD and the gateway adds it",
           "set_default: the caller adds it, or unsigns the body");
    v = tp_find(&r.out.violations, "fix", "mode");
    is_str(v ? v->message : NULL, "set mode to \"safe\" yourself: the request "
           "is signed with AK/SK, so the gateway cannot change it; or send "
           "X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD and the gateway sets it",
           "set: the caller changes it, or unsigns the body");
    v = tp_find(&r.out.violations, "fix", "debug");
    is_str(v ? v->message : NULL, "remove debug yourself: the request is "
           "signed with AK/SK, so the gateway cannot remove it; or send "
           "X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD and the gateway removes "
           "it", "remove: the caller removes it, or unsigns the body");
    is_str(r.out.error_msg, "denied by policy: the body is signed with AK/SK "
           "and the policy would rewrite it; either send "
           "X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD and let the gateway "
           "rewrite it, or make the change yourself in kms, mode, debug "
           "(each violation says how)",
           "the error_msg names both ways out and every field");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_CONFIG, "fn",
               "{\"kms\":\"K-1\",\"mode\":\"safe\",\"bad\":1}", FGS_MODE_UNSET,
               TP_NOW, 1);
    ok(r.out.decision == FGS_DECISION_DENY
       && strcmp(r.out.error_code, "FGSPOL.4030") == 0
       && r.out.violations.n == 1, "signed, no rewrite needed: the policy's "
       "own violation, 4030");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_CONFIG, "fn", "{\"bad\":1}", FGS_MODE_UNSET,
               TP_NOW, 1);
    ok(strcmp(r.out.error_code, "FGSPOL.4030") == 0
       && r.out.violations.n == 3
       && strcmp(r.out.violations.head->rule, "deny") == 0,
       "signed with rewrites and a violation: 4030, listing both kinds");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_CONFIG, "fn",
               "{\"kms\":\"K-1\",\"mode\":\"safe\"}", FGS_MODE_UNSET,
               TP_NOW, 1);
    ok(r.out.decision == FGS_DECISION_ALLOW,
       "a signed body that already complies: allow");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_CONFIG, "fn", "{}", FGS_MODE_AUDIT, TP_NOW, 1);
    ok(r.out.decision == FGS_DECISION_AUDIT && r.out.error_code == NULL,
       "signed under fgs_policy_mode audit: audited, not denied");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_CONFIG, "fn", "{}", FGS_MODE_UNSET, TP_NOW, 0);
    ok(r.out.decision == FGS_DECISION_REWRITE,
       "the same body with a token: rewritten");
    tp_done(&r);

    fgs_policy_free(p);
}


static void
test_other(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"other_writes\":\"allow\","
                  "\"rules\":[]}");
    tp_eval(&r, p, FGS_OP_OTHER, "fn", NULL);
    ok(r.rc == FGS_OK && r.out.decision == FGS_DECISION_ALLOW
       && r.out.status == 200, "other_writes allow");
    tp_done(&r);
    fgs_policy_free(p);

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":[{\"id\":\"x\","
                  "\"check\":{\"a\":{\"required\":true}}}]}");
    tp_eval(&r, p, FGS_OP_OTHER, "fn", NULL);
    ok(r.out.decision == FGS_DECISION_AUDIT && r.out.status == 200
       && r.out.violations.n == 0 && tp_applied(&r, ""),
       "other_writes audit (the default): forwarded and audited");
    tp_done(&r);
    fgs_policy_free(p);

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"other_writes\":\"deny\","
                  "\"rules\":[]}");
    tp_eval(&r, p, FGS_OP_OTHER, "fn", NULL);
    ok(r.out.decision == FGS_DECISION_DENY && r.out.status == 403
       && strcmp(r.out.error_code, "FGSPOL.4030") == 0
       && r.out.violations.n == 1
       && strcmp(r.out.violations.head->rule, "other_writes") == 0,
       "other_writes deny: 403 FGSPOL.4030");
    is_str(r.out.error_msg, "denied by policy: other_writes is deny: "
           "\"/v2/" TP_PROJECT "/fgs/triggers\" is a write that no endpoint "
           "of the FunctionGraph API reference is, so no rule was written "
           "for it", "its error_msg");
    tp_done(&r);

    tp_eval_in(&r, p, FGS_OP_OTHER, "fn", NULL, FGS_MODE_AUDIT, TP_NOW, 0);
    ok(r.out.decision == FGS_DECISION_AUDIT && r.out.audited.n == 1
       && r.out.violations.n == 0, "other_writes deny under a dry run: audit");
    tp_done(&r);
    fgs_policy_free(p);
}


static void
test_fail_closed(void)
{
    tp_req_t       r;
    fgs_policy_t  *p;

    static const char  evil[] =
        "{\"a\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\","
        "\"b\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\"}";

    /* (a|aa)+$ backtracks exponentially: past PCRE2's match limit */
    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"pat\",\"check\":{\"a\":{\"pattern\":\"^(a|aa)+$\"}}},"
        "{\"id\":\"notpat\",\"check\":{\"a\":{\"not_pattern\":\"^(a|aa)+$\"}}},"
        "{\"id\":\"when\",\"when\":{\"b\":{\"pattern\":\"^(a|aa)+$\"}},"
        " \"check\":{\"c\":{\"required\":true}}},"
        "{\"id\":\"scope\",\"match\":{\"function\":\"^(a|aa)+$\"},"
        " \"check\":{\"c\":{\"required\":true}}}],"
        "\"exceptions\":[{\"id\":\"E\",\"rules\":[\"pat\"],"
        " \"match\":{\"function\":\"^(a|aa)+$\"},"
        " \"expires\":\"2099-01-01T00:00:00Z\",\"reason\":\"r\"}]}");

    tp_eval(&r, p, FGS_OP_CONFIG,
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
            evil);

    ok(tp_find(&r.out.violations, "pat", "a")
       && strstr(tp_find(&r.out.violations, "pat", "a")->message,
                 "pattern match failed"),
       "a pattern that cannot be matched is a violation");
    ok(tp_find(&r.out.violations, "notpat", "a") != NULL,
       "so is a not_pattern");
    ok(tp_find(&r.out.violations, "when", "c") != NULL,
       "a when that cannot be decided holds");
    ok(tp_find(&r.out.violations, "scope", "c") != NULL,
       "a match that cannot be decided scopes the rule in");
    ok(r.out.waived == NULL,
       "an exception whose match cannot be decided waives nothing");
    tp_done(&r);

    fgs_policy_free(p);
}


/*
 * A wildcard rule over a large array: at most FGS_VIOLATIONS_MAX listed,
 * one summary per rule with the count, the total in the message; the
 * audited ones get the room left in the one audit record.
 */

static char *
capped_body(uint32_t n)
{
    char      *body, *p;
    uint32_t   i;

    body = malloc(64 + (size_t) n * 18);
    if (body == NULL) {
        printf("Bail out! no memory\n");
        exit(1);
    }

    p = body + sprintf(body, "{\"func_name\":\"prod-a\",\"xs\":[");

    /* 17 bytes an element: a body may hold a value per 16 bytes */

    for (i = 0; i < n; i++) {
        p += sprintf(p, "%s%16u", i ? "," : "", i % 10);
    }

    strcpy(p, "]}");

    return body;
}


static uint32_t
listed(const fgs_violation_t *v, uint32_t *summaries)
{
    uint32_t  n;

    n = 0;
    *summaries = 0;

    for ( /* void */ ; v; v = v->next) {
        if (v->more) {
            (*summaries)++;

        } else {
            n++;
        }
    }

    return n;
}


static void
test_capped(void)
{
    char                   *body;
    uint32_t                n, sums;
    tp_req_t                r;
    fgs_policy_t           *p;
    const fgs_violation_t  *v;

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"small\",\"check\":{\"xs[*]\":{\"max\":-1}}}]}");

    body = capped_body(65000);
    tp_eval(&r, p, FGS_OP_CONFIG, "prod-a", body);

    ok(r.out.decision == FGS_DECISION_DENY, "65,000 violations: denied");
    n = listed(r.out.violations.head, &sums);
    is_int(n, FGS_VIOLATIONS_MAX, "at most 100 violations listed");
    is_int(sums, 1, "and one summary");
    is_int(r.out.violations.dropped, 65000 - FGS_VIOLATIONS_MAX,
           "the others counted");

    for (v = r.out.violations.head; v && v->more == 0; v = v->next) {
        /* void */
    }

    ok(v && v->rule && strcmp(v->rule, "small") == 0
       && strstr(v->message, "64900 more violations of rule small were "
                 "found and not listed") != NULL,
       "the summary names the rule and the count");
    ok(r.out.error_msg && strstr(r.out.error_msg, "(and 64999 more)"),
       "the message states the total");
    tp_done(&r);
    free(body);

    body = capped_body(101);
    tp_eval(&r, p, FGS_OP_CONFIG, "prod-a", body);
    n = listed(r.out.violations.head, &sums);
    ok(n == 100 && sums == 1 && r.out.violations.dropped == 1,
       "101 violations: 100 listed and one summary");

    for (v = r.out.violations.head; v && v->more == 0; v = v->next) {
        /* void */
    }

    ok(v && strstr(v->message, "1 more violation of rule small was found"),
       "the summary of one is singular");
    tp_done(&r);
    free(body);

    body = capped_body(100);
    tp_eval(&r, p, FGS_OP_CONFIG, "prod-a", body);
    n = listed(r.out.violations.head, &sums);
    ok(n == 100 && sums == 0 && r.out.violations.dropped == 0,
       "100 violations: all listed, no summary");
    tp_done(&r);
    free(body);

    fgs_policy_free(p);

    /* enforced and audited share the room of one record */

    p = tp_policy_any_shape("{\"fgs_policy\":1,\"rules\":["
        "{\"id\":\"enf\",\"check\":{\"xs[*]\":{\"max\":-1}}},"
        "{\"id\":\"aud\",\"mode\":\"audit\","
        " \"check\":{\"xs[*]\":{\"min\":100}}}]}");

    body = capped_body(60);
    tp_eval(&r, p, FGS_OP_CONFIG, "prod-a", body);
    ok(listed(r.out.violations.head, &sums) == 60 && sums == 0,
       "60 enforced: all listed");
    ok(listed(r.out.audited.head, &sums) == 40 && sums == 1
       && r.out.audited.dropped == 20,
       "60 audited: 40 listed in the room left, 20 counted");
    tp_done(&r);
    free(body);

    fgs_policy_free(p);
}

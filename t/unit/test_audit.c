
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The audit line (fgs_audit_line.c) and its verifier
 * (fgs_audit_verify.c): the record's members, escaping, the size limit,
 * the chain, and every kind of tampering named by its line.
 */


#include <stdlib.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "tap.h"
#include "audit/fgs_audit.h"


#define MAX_LINES  64
#define LINE_SIZE  65536


/* a file being written: its lines, each with its '\n' */
typedef struct {
    char       *line[MAX_LINES];
    int         n;
} file_t;


/* what the verifier said */
typedef struct {
    int         errors;
    int         warnings;
    uint64_t    first_line;         /* of the first error */
    char        first_file[64];
    char        first_msg[512];
    char        warning[512];       /* the last warning */
} said_t;


static void test_record(void);
static void test_escaping(void);
static void test_limits(void);
static void test_chain(void);
static void test_verify_intact(void);
static void test_verify_tampering(void);
static void test_verify_rotation(void);
static void test_after_intent(void);

static void record_init(fgs_audit_record_t *r, fgs_audit_kind_e kind);
static void put_after(file_t *f, fgs_audit_chain_t *c,
    const char *request_id, uint64_t intent);
static void put(file_t *f, fgs_audit_chain_t *c, fgs_audit_kind_e kind,
    const char *request_id);
static void file_free(file_t *f);
static file_t *file_copy(const file_t *f);
static void file_drop(file_t *t);
static void file_delete(file_t *f, int i);
static void file_insert(file_t *f, int i, const char *line);
static int verify(said_t *s, int live, int nfiles, ...);
static void report(void *data, fgs_audit_severity_e sev, const char *file,
    uint64_t line, const char *msg);
static json_t *parse(const char *line, size_t len);
static fgs_str_t str(const char *s);


static fgs_violation_t  viol2 = { NULL, "memory_size", "is not an integer",
                                  NULL, 0 };
static fgs_violation_t  viol1 = { "runtime-allowlist", "runtime",
                                  "runtime \"Python2.7\" is not allowed",
                                  &viol2, 0 };
static fgs_violation_t  aud1 = { "no-plaintext-secrets", "user_data",
                                 "user_data matches a forbidden pattern",
                                 NULL, 0 };
static fgs_rule_note_t  rw1 = { "kms-default", "code_encrypt_kms_key_id",
                                "set_default", NULL, 0, NULL };
static fgs_rule_note_t  wv1 = { "runtime-allowlist", NULL, "EXC-142", NULL,
                                0, NULL };
static fgs_identity_t   id_ak, id_token, id_big;

static const char  *policy_hash =
    "26cbf411184c7f95aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char  *body_hash =
    "1111111111111111111111111111111111111111111111111111111111111111";


int
main(void)
{
    test_record();
    test_escaping();
    test_limits();
    test_chain();
    test_verify_intact();
    test_verify_tampering();
    test_verify_rotation();
    test_after_intent();

    return done_testing();
}


static void
test_record(void)
{
    char                 hash[65];
    size_t               len;
    json_t              *j, *v;
    u_char               buf[LINE_SIZE];
    fgs_audit_chain_t    c;
    fgs_audit_record_t   r;

    ok(fgs_audit_chain_init(&c, 4242) == FGS_OK, "a chain starts");
    is_int(strlen(c.id), FGS_AUDIT_CHAIN_LEN, "its id has 32 hex digits");

    record_init(&r, FGS_AUDIT_REQUEST);
    id_ak.type = FGS_IDENTITY_AKSK;
    id_ak.claims.access_key = str("TESTAK");
    r.identity = &id_ak;
    r.decision = FGS_DECISION_DENY;
    r.error_code = "FGSPOL.4030";
    r.error_msg = "denied by policy: runtime-allowlist";
    r.violations = &viol1;
    r.audited = &aud1;
    r.waived = &wv1;
    r.rewrites = &rw1;
    r.status = 403;

    len = fgs_audit_line(buf, sizeof(buf), &r, &c, hash);
    ok(len > 0, "a request record is written");
    ok(buf[len - 1] == '\n' && memchr(buf, '\n', len - 1) == NULL,
       "as one line");

    j = parse((char *) buf, len - 1);
    ok(j != NULL, "of valid JSON");

    if (j == NULL) {
        return;
    }

    is_str(json_string_value(json_object_get(j, "time")),
           "2026-11-23T10:11:20.042Z", "time: RFC 3339 UTC with ms");
    is_str(json_string_value(json_object_get(j, "kind")), "request", "kind");
    is_str(json_string_value(json_object_get(j, "request_id")),
           "0123456789abcdef0123456789abcdef", "request_id");
    is_str(json_string_value(json_object_get(j, "client")), "127.0.0.1",
           "client");
    is_str(json_string_value(json_object_get(j, "method")), "PUT", "method");
    is_str(json_string_value(json_object_get(j, "operation")), "config",
           "operation");
    is_str(json_string_value(json_object_get(j, "decision")), "deny",
           "decision");
    is_str(json_string_value(json_object_get(j, "mode")), "enforce", "mode");
    v = json_object_get(j, "identity");
    is_str(json_string_value(json_object_get(v, "type")), "aksk",
           "identity type aksk");
    is_str(json_string_value(json_object_get(v, "access_key")), "TESTAK",
           "identity access_key");
    v = json_object_get(j, "violations");
    is_int(json_array_size(v), 3, "three violations");
    ok(json_is_null(json_object_get(json_array_get(v, 1), "rule")),
       "the API reference's violation has rule null");
    is_str(json_string_value(json_object_get(json_array_get(v, 2), "mode")),
           "audit", "an audit-mode rule's violation says so");
    is_str(json_string_value(json_object_get(json_array_get(
               json_object_get(j, "waived"), 0), "exception")),
           "EXC-142", "waived names the exception");
    is_str(json_string_value(json_object_get(json_array_get(
               json_object_get(j, "rewrites"), 0), "action")),
           "set_default", "rewrites name the action");
    is_int(json_integer_value(json_object_get(j, "body_bytes")), 1024,
           "body_bytes");
    is_str(json_string_value(json_object_get(j, "body_sha256")), body_hash,
           "body_sha256");
    ok(json_is_null(json_object_get(j, "forwarded_sha256")),
       "forwarded_sha256 null when not rewritten");
    is_int(json_integer_value(json_object_get(j, "status")), 403, "status");
    ok(json_is_null(json_object_get(j, "upstream_status")),
       "upstream_status null without an answer");
    ok(json_is_false(json_object_get(j, "forwarded")), "not forwarded");
    is_str(json_string_value(json_object_get(j, "policy_sha256")),
           policy_hash, "policy_sha256");
    is_int(json_integer_value(json_object_get(j, "worker")), 4242, "worker");
    is_int(json_integer_value(json_object_get(j, "seq")), 1, "seq 1");
    is_str(json_string_value(json_object_get(j, "hash")), hash,
           "hash is the one returned");
    ok(json_object_get(j, "truncated") == NULL, "nothing truncated");
    json_decref(j);

    /* an intent: no status; an identity by token; none */

    record_init(&r, FGS_AUDIT_INTENT);
    id_token.type = FGS_IDENTITY_TOKEN;
    memcpy(id_token.token_sha256, "0123456789abcdef", 17);
    r.identity = &id_token;

    len = fgs_audit_line(buf, sizeof(buf), &r, &c, hash);
    j = parse((char *) buf, len - 1);
    ok(j && json_object_get(j, "status") == NULL
       && json_object_get(j, "upstream_status") == NULL,
       "an intent has no status");
    ok(j && strcmp(json_string_value(json_object_get(json_object_get(j,
               "identity"), "token_sha256")), "0123456789abcdef") == 0,
       "identity by token hash");
    json_decref(j);

    record_init(&r, FGS_AUDIT_END);
    len = fgs_audit_line(buf, sizeof(buf), &r, &c, hash);
    j = parse((char *) buf, len - 1);
    ok(j && json_object_size(j) == 7,
       "an end record has time, kind and the chain only");
    json_decref(j);

    record_init(&r, FGS_AUDIT_REQUEST);
    len = fgs_audit_line(buf, sizeof(buf), &r, &c, hash);
    j = parse((char *) buf, len - 1);
    is_str(json_string_value(json_object_get(j, "identity")), "none",
           "identity none");
    json_decref(j);
}


static void
test_escaping(void)
{
    int                  bad;
    char                 hash[65];
    size_t               len, i;
    json_t              *j;
    u_char               buf[LINE_SIZE];
    fgs_violation_t      v;
    fgs_audit_chain_t    c;
    fgs_audit_record_t   r;

    fgs_audit_chain_init(&c, 1);

    record_init(&r, FGS_AUDIT_REQUEST);
    r.uri = str("/v2/x\r\n{\"time\":\"forged\",\"kind\":\"request\"}\r\n");
    r.request_id = str("id\n\x01\x1f\"\\");
    r.client = str("\xff\xfe bad utf-8");
    v.rule = "r";
    v.field = "f\n";
    v.message = "line one\nline two\r\n\t";
    v.next = NULL;
    r.violations = &v;

    len = fgs_audit_line(buf, sizeof(buf), &r, &c, hash);
    ok(len > 0, "a record with CR, LF and control characters is written");

    bad = 0;

    for (i = 0; i < len - 1; i++) {
        if (buf[i] < 0x20) {
            bad++;
        }
    }

    is_int(bad, 0, "no control character but the final newline");

    j = parse((char *) buf, len - 1);
    ok(j != NULL, "the line is valid JSON");
    is_str(json_string_value(json_object_get(j, "uri")),
           "/v2/x\r\n{\"time\":\"forged\",\"kind\":\"request\"}\r\n",
           "the forged line stays inside the uri string");
    is_str(json_string_value(json_object_get(j, "request_id")),
           "id\n\x01\x1f\"\\", "request_id round-trips");
    json_decref(j);
}


static void
test_limits(void)
{
    int                  i;
    char                 hash[65], *big;
    size_t               len;
    json_t              *j;
    u_char              *buf;
    fgs_violation_t     *vs;
    fgs_audit_chain_t    c;
    fgs_audit_record_t   r;

    fgs_audit_chain_init(&c, 1);

    buf = malloc(LINE_SIZE);
    big = malloc(100000);
    vs = calloc(1000, sizeof(fgs_violation_t));

    if (buf == NULL || big == NULL || vs == NULL) {
        ok(0, "memory");
        return;
    }

    /* every string as large as can be, and 6 bytes per escaped byte */

    memset(big, '\x01', 99999);
    big[99999] = '\0';

    record_init(&r, FGS_AUDIT_REQUEST);
    r.request_id = str(big);
    r.client = str(big);
    r.method = str(big);
    r.uri = str(big);
    r.project_id = str(big);
    r.function_urn = str(big);
    /* the largest identity: a token that names everything */
    id_big.type = FGS_IDENTITY_TOKEN;
    id_big.decoded = 1;
    id_big.expires = 1;
    id_big.claims.user_id = str(big);
    id_big.claims.user_name = str(big);
    id_big.claims.domain_id = str(big);
    id_big.claims.domain_name = str(big);
    id_big.claims.agency = str(big);
    id_big.project_id = str(big);
    id_big.project_name = str(big);
    id_big.assumed_by_id = str(big);
    id_big.assumed_by_name = str(big);
    memcpy(id_big.token_sha256, "0123456789abcdef", 17);
    r.identity = &id_big;
    r.error_code = big;
    r.error_msg = big;

    for (i = 0; i < 1000; i++) {
        vs[i].rule = "rule";
        vs[i].field = big;
        vs[i].message = big;
        vs[i].next = (i < 999) ? &vs[i + 1] : NULL;
    }

    r.violations = vs;
    r.rewrites = &rw1;

    len = fgs_audit_line(buf, FGS_AUDIT_MIN_LINE, &r, &c, hash);
    ok(len > 0 && len <= FGS_AUDIT_MIN_LINE,
       "the largest strings fit the smallest buffer (%zu bytes)", len);

    j = len ? parse((char *) buf, len - 1) : NULL;
    ok(j != NULL, "as valid JSON");
    ok(json_is_true(json_object_get(j, "truncated")), "marked truncated");
    ok(json_array_size(json_object_get(j, "violations")) < 3,
       "violations that do not fit are left out");
    is_str(json_string_value(json_object_get(j, "hash")), hash,
           "the chain members are all there");
    json_decref(j);

    /* many small violations in a syslog-sized buffer: some, not all */

    for (i = 0; i < 1000; i++) {
        vs[i].field = "memory_size";
        vs[i].message = "is over the limit";
    }

    record_init(&r, FGS_AUDIT_REQUEST);
    r.violations = vs;

    len = fgs_audit_line(buf, 8192, &r, &c, hash);
    j = len ? parse((char *) buf, len - 1) : NULL;
    ok(len > 0 && len <= 8192 && j != NULL,
       "1000 violations in 8 KB: a valid line of %zu bytes", len);
    ok(json_array_size(json_object_get(j, "violations")) > 10
       && json_array_size(json_object_get(j, "violations")) < 1000,
       "with as many violations as fit (%zu)",
       json_array_size(json_object_get(j, "violations")));
    ok(json_is_true(json_object_get(j, "truncated")), "marked truncated");
    ok(json_is_array(json_object_get(j, "rewrites")),
       "the lists after it are still there");
    json_decref(j);

    ok(fgs_audit_line(buf, FGS_AUDIT_MIN_LINE - 1, &r, &c, hash) == 0,
       "a buffer below FGS_AUDIT_MIN_LINE is refused");

    free(vs);
    free(big);
    free(buf);
}


static void
test_chain(void)
{
    int                  i;
    char                 hash[3][65], expect[65];
    u_char               md[EVP_MAX_MD_SIZE];
    size_t               len;
    json_t              *j;
    u_char               buf[3][LINE_SIZE];
    unsigned int         mdlen, k;
    fgs_audit_chain_t    c;
    fgs_audit_record_t   r;

    fgs_audit_chain_init(&c, 7);
    record_init(&r, FGS_AUDIT_REQUEST);

    for (i = 0; i < 3; i++) {
        len = fgs_audit_line(buf[i], LINE_SIZE, &r, &c, hash[i]);

        if (i == 1) {
            /* a failed write: the chain is not moved on, no gap */
            len = fgs_audit_line(buf[i], LINE_SIZE, &r, &c, hash[i]);
        }

        fgs_audit_chain_next(&c, hash[i]);

        j = parse((char *) buf[i], len - 1);
        is_int(json_integer_value(json_object_get(j, "seq")), i + 1,
               "record %d has seq %d", i, i + 1);
        is_str(json_string_value(json_object_get(j, "prev")),
               i ? hash[i - 1]
                 : "00000000000000000000000000000000"
                   "00000000000000000000000000000000",
               "record %d's prev is the hash before it", i);
        json_decref(j);

        /* the hash: SHA-256 of the bytes before ,"hash" */

        EVP_Digest(buf[i], len - 76, md, &mdlen, EVP_sha256(), NULL);

        for (k = 0; k < mdlen; k++) {
            snprintf(expect + 2 * k, 3, "%02x", md[k]);
        }

        is_str(hash[i], expect, "record %d's hash covers all before "
               ",\"hash\"", i);
        ok(memcmp(buf[i] + len - 76 - 74, ",\"prev\":\"", 9) == 0,
           "which ends with prev");
    }
}


static void
test_verify_intact(void)
{
    said_t             s;
    file_t             f;
    fgs_audit_chain_t  a, b;

    memset(&f, 0, sizeof(file_t));
    fgs_audit_chain_init(&a, 100);
    fgs_audit_chain_init(&b, 200);

    put(&f, &a, FGS_AUDIT_INTENT, "req-1");
    put(&f, &b, FGS_AUDIT_REQUEST, "req-2");
    put(&f, &a, FGS_AUDIT_REQUEST, "req-1");
    put(&f, &b, FGS_AUDIT_INTENT, "req-3");
    put(&f, &b, FGS_AUDIT_REQUEST, "req-3");
    put(&f, &a, FGS_AUDIT_END, NULL);
    put(&f, &b, FGS_AUDIT_END, NULL);

    is_int(verify(&s, 0, 1, "audit.log", &f), 0,
           "two interleaved chains that ended: no error");
    is_int(s.warnings, 0, "and no warning");

    file_delete(&f, 6);
    is_int(verify(&s, 1, 1, "audit.log", &f), 0,
           "--live: a chain not ended in the last file is open");

    file_delete(&f, 4);
    put(&f, &b, FGS_AUDIT_END, NULL);
    ok(verify(&s, 0, 1, "audit.log", &f) > 0,
       "removing a request record is an error");

    file_free(&f);

    memset(&f, 0, sizeof(file_t));
    fgs_audit_chain_init(&a, 100);
    put(&f, &a, FGS_AUDIT_INTENT, "req-9");
    put(&f, &a, FGS_AUDIT_END, NULL);
    is_int(verify(&s, 0, 1, "audit.log", &f), 0,
           "an intent without its request is not an error");
    is_int(s.warnings, 1, "but a warning");
    ok(strstr(s.warning, "has no request record: the worker ended its "
                         "chain without it, so it could not be written")
       != NULL, "which says the record could not be written, its chain "
                "having ended");
    file_free(&f);

    /* a worker killed with request records in its buffer */

    memset(&f, 0, sizeof(file_t));
    fgs_audit_chain_init(&a, 100);
    put(&f, &a, FGS_AUDIT_REQUEST, "req-7");
    put(&f, &a, FGS_AUDIT_INTENT, "req-8");
    ok(verify(&s, 0, 1, "audit.log", &f) > 0,
       "a chain that stops without its end is an error");
    is_int(s.warnings, 1, "and the intent without its request a warning");
    ok(strstr(s.warning, "stopped without ending its chain") != NULL
       && strstr(s.warning, "buffer") != NULL,
       "which says the worker died with the record in its buffer");
    is_int(verify(&s, 1, 1, "audit.log", &f), 0,
           "--live: the chain is open and the intent in flight");
    is_int(s.warnings, 0, "without a warning");
    file_free(&f);
}


static void
test_verify_tampering(void)
{
    int                i;
    char              *p;
    said_t             s;
    file_t             f, *t;
    fgs_audit_chain_t  a, b;

    memset(&f, 0, sizeof(file_t));
    fgs_audit_chain_init(&a, 100);
    fgs_audit_chain_init(&b, 200);

    for (i = 0; i < 5; i++) {
        put(&f, &a, FGS_AUDIT_REQUEST, "req-a");
        put(&f, &b, FGS_AUDIT_REQUEST, "req-b");
    }

    put(&f, &a, FGS_AUDIT_END, NULL);
    put(&f, &b, FGS_AUDIT_END, NULL);

    is_int(verify(&s, 0, 1, "audit.log", &f), 0, "12 lines intact");

    /* altered: line 5 (index 4) says 200 where it said 403 */

    t = file_copy(&f);
    p = strstr(t->line[4], "\"status\":403");
    ok(p != NULL, "line 5 has a status");
    memcpy(p, "\"status\":200", 12);
    is_int(verify(&s, 0, 1, "audit.log", t), 1, "altered: one error");
    is_int(s.first_line, 5, "on line 5");
    ok(strstr(s.first_msg, "altered") != NULL, "saying altered: %s",
       s.first_msg);
    file_drop(t);

    /* a line removed in the middle: the chain's next line says so */

    t = file_copy(&f);
    file_delete(t, 4);
    ok(verify(&s, 0, 1, "audit.log", t) > 0, "removed: an error");
    is_int(s.first_line, 6, "on the chain's next line (6 after removal)");
    ok(strstr(s.first_msg, "removed") != NULL, "saying removed: %s",
       s.first_msg);
    file_drop(t);

    /* the first line removed */

    t = file_copy(&f);
    file_delete(t, 0);
    ok(verify(&s, 0, 1, "audit.log", t) > 0, "first line removed: error");
    is_int(s.first_line, 2, "on the chain's first remaining line");
    file_drop(t);

    /* the last line removed: the chain does not end */

    t = file_copy(&f);
    file_delete(t, 11);
    ok(verify(&s, 0, 1, "audit.log", t) > 0, "last line removed: error");
    is_int(s.first_line, 10, "naming the chain's last remaining line");
    ok(strstr(s.first_msg, "without an end") != NULL, "saying so: %s",
       s.first_msg);
    file_drop(t);

    /* the last two lines of a chain removed */

    t = file_copy(&f);
    file_delete(t, 11);
    file_delete(t, 9);
    ok(verify(&s, 0, 1, "audit.log", t) > 0, "tail of a chain removed");
    file_drop(t);

    /* a line inserted: a copy of line 3 after line 7 */

    t = file_copy(&f);
    file_insert(t, 7, f.line[2]);
    ok(verify(&s, 0, 1, "audit.log", t) > 0, "inserted copy: error");
    is_int(s.first_line, 8, "on the inserted line 8");
    file_drop(t);

    /* a forged line with a correct hash but not chained */

    t = file_copy(&f);
    {
        fgs_audit_chain_t  forged;

        forged = a;
        forged.seq = 2;
        memset(forged.prev, 'a', 64);
        put(t, &forged, FGS_AUDIT_REQUEST, "forged");
        file_insert(t, 4, t->line[t->n - 1]);
        file_delete(t, t->n - 1);
    }
    ok(verify(&s, 0, 1, "audit.log", t) > 0, "forged line: error");
    is_int(s.first_line, 5, "on the forged line 5");
    file_drop(t);

    /* two lines of one chain swapped: lines 3 and 5 */

    t = file_copy(&f);
    p = t->line[2];
    t->line[2] = t->line[4];
    t->line[4] = p;
    ok(verify(&s, 0, 1, "audit.log", t) > 0, "reordered: error");
    is_int(s.first_line, 3, "on line 3, the first moved");
    file_drop(t);

    /* cut short in the middle of the last line */

    t = file_copy(&f);
    t->line[11][strlen(t->line[11]) / 2] = '\0';
    ok(verify(&s, 0, 1, "audit.log", t) > 0, "truncated: error");
    is_int(s.first_line, 12, "on the cut line 12");
    ok(strstr(s.first_msg, "incomplete") != NULL, "saying incomplete: %s",
       s.first_msg);
    ok(verify(&s, 1, 1, "audit.log", t) == 0 && s.warnings == 1,
       "with --live, a last line being written is a warning");
    file_drop(t);

    /* a line that is not a record */

    t = file_copy(&f);
    file_insert(t, 3, "{\"time\":\"x\"}\n");
    ok(verify(&s, 0, 1, "audit.log", t) > 0, "junk line: error");
    is_int(s.first_line, 4, "on line 4");
    file_drop(t);

    /* a duplicate key */

    t = file_copy(&f);
    p = strstr(t->line[0], "\"status\":403");
    memcpy(p, "\"kind\":\"ab\"", 11);
    p[11] = ',';
    ok(verify(&s, 0, 1, "audit.log", t) > 0, "duplicate key: error");
    is_int(s.first_line, 1, "on line 1");
    file_drop(t);

    file_free(&f);
}


static void
test_verify_rotation(void)
{
    said_t             s;
    file_t             f1, f2, f3, *t;
    fgs_audit_chain_t  a, b, c, d;

    memset(&f1, 0, sizeof(file_t));
    memset(&f2, 0, sizeof(file_t));
    memset(&f3, 0, sizeof(file_t));
    fgs_audit_chain_init(&a, 100);
    fgs_audit_chain_init(&b, 200);
    fgs_audit_chain_init(&c, 300);
    fgs_audit_chain_init(&d, 400);

    /* a and b live through two rotations; b is idle in the second file;
       c is born in the second file (a reload), d in the third */

    put(&f1, &a, FGS_AUDIT_REQUEST, "r1");
    put(&f1, &b, FGS_AUDIT_REQUEST, "r2");
    put(&f1, &a, FGS_AUDIT_INTENT, "r3");
    put(&f1, &a, FGS_AUDIT_ROTATE, NULL);
    put(&f1, &b, FGS_AUDIT_ROTATE, NULL);

    put(&f2, &a, FGS_AUDIT_START, NULL);
    put(&f2, &a, FGS_AUDIT_REQUEST, "r3");
    put(&f2, &c, FGS_AUDIT_REQUEST, "r4");
    put(&f2, &a, FGS_AUDIT_ROTATE, NULL);
    put(&f2, &b, FGS_AUDIT_START, NULL);
    put(&f2, &b, FGS_AUDIT_ROTATE, NULL);
    put(&f2, &c, FGS_AUDIT_ROTATE, NULL);

    put(&f3, &a, FGS_AUDIT_START, NULL);
    put(&f3, &c, FGS_AUDIT_START, NULL);
    put(&f3, &d, FGS_AUDIT_REQUEST, "r5");
    put(&f3, &b, FGS_AUDIT_START, NULL);
    put(&f3, &b, FGS_AUDIT_REQUEST, "r6");
    put(&f3, &a, FGS_AUDIT_END, NULL);
    put(&f3, &b, FGS_AUDIT_END, NULL);
    put(&f3, &c, FGS_AUDIT_END, NULL);
    put(&f3, &d, FGS_AUDIT_END, NULL);

    is_int(verify(&s, 0, 3, "audit.log.2", &f1, "audit.log.1", &f2,
                  "audit.log", &f3), 0,
           "two rotations: the three files together, no error");
    is_int(s.warnings, 0, "the intent's request is found in the next file");
    is_int(verify(&s, 0, 1, "audit.log.2", &f1), 0,
           "the oldest file alone is sealed");
    is_int(verify(&s, 0, 1, "audit.log.1", &f2), 0,
           "the middle file alone: chains go on from a start and are "
           "rotated out");
    is_int(verify(&s, 0, 1, "audit.log", &f3), 0, "the new file alone");
    is_int(verify(&s, 0, 2, "audit.log.1", &f2, "audit.log", &f3), 0,
           "the two newest files");

    ok(verify(&s, 0, 2, "audit.log.2", &f1, "audit.log", &f3) > 0,
       "the middle file missing: error");
    ok(strstr(s.first_msg, "audit.log.2") != NULL
       || strstr(s.first_msg, "missing") != NULL,
       "saying so: %s", s.first_msg);

    ok(verify(&s, 0, 2, "audit.log.2", &f1, "audit.log.1", &f2) == 0,
       "the newest file missing cannot be told: every chain was rotated "
       "out of the last file given");

    t = file_copy(&f2);
    file_delete(t, 0);
    file_delete(t, 0);
    ok(verify(&s, 0, 3, "audit.log.2", &f1, "audit.log.1", t, "audit.log",
              &f3) > 0, "the head of the middle file removed: error");
    is_int(s.first_line, 2, "on the chain's first remaining line (2)");
    ok(strcmp(s.first_file, "audit.log.1") == 0, "in that file");
    ok(verify(&s, 0, 1, "audit.log.1", t) > 0, "also when it is given alone");
    file_drop(t);

    t = file_copy(&f2);
    file_delete(t, 5);
    file_delete(t, 4);
    ok(verify(&s, 0, 3, "audit.log.2", &f1, "audit.log.1", t, "audit.log",
              &f3) > 0, "an idle chain's seal removed from the middle file");
    file_drop(t);

    ok(verify(&s, 0, 2, "audit.log.1", &f2, "audit.log.2", &f1) > 0,
       "files in the wrong order: error");

    t = file_copy(&f1);
    file_delete(t, 4);
    ok(verify(&s, 0, 3, "audit.log.2", t, "audit.log.1", &f2, "audit.log",
              &f3) > 0, "the end of a rotated file removed: error");
    ok(verify(&s, 0, 1, "audit.log.2", t) > 0, "also when it is alone");
    file_drop(t);

    t = file_copy(&f3);
    file_delete(t, t->n - 1);
    ok(verify(&s, 0, 3, "audit.log.2", &f1, "audit.log.1", &f2, "audit.log",
              t) > 0, "the last end removed: error");
    is_int(verify(&s, 1, 3, "audit.log.2", &f1, "audit.log.1", &f2,
                  "audit.log", t), 0, "but not with --live");
    file_drop(t);

    file_free(&f1);
    file_free(&f2);
    file_free(&f3);
}


/* a record with every member set, at a fixed time */

static void
record_init(fgs_audit_record_t *r, fgs_audit_kind_e kind)
{
    memset(r, 0, sizeof(fgs_audit_record_t));

    r->kind = kind;
    r->sec = 1795428680;        /* 2026-11-23T10:11:20Z */
    r->msec = 42;
    r->request_id = str("0123456789abcdef0123456789abcdef");
    r->client = str("127.0.0.1");
    r->method = str("PUT");
    r->uri = str("/v2/0123456789abcdef0123456789abcdef/fgs/functions/"
                 "urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:"
                 "function:default:fn/config");
    r->op = FGS_OP_CONFIG;
    r->project_id = str("0123456789abcdef0123456789abcdef");
    r->function_urn = str("urn:fss:cn-north-4:0123456789abcdef0123456789abcd"
                          "ef:function:default:fn");
    r->decision = FGS_DECISION_ALLOW;
    r->mode = FGS_MODE_ENFORCE;
    r->body_bytes = 1024;
    r->body_sha256 = body_hash;
    r->status = 403;
    r->policy_sha256 = policy_hash;
}


/*
 * A request record that refers to its intent: only what became known
 * after the intent, and the intent's seq; the verifier holds it to an
 * intent of the same request at that seq, earlier in the same chain and
 * file.
 */

static void
test_after_intent(void)
{
    char                hash[65];
    size_t              len;
    u_char              buf[LINE_SIZE];
    json_t             *j;
    said_t              s;
    file_t              f, g;
    fgs_audit_chain_t   a, b;
    fgs_audit_record_t  r;

    fgs_audit_chain_init(&a, 100);

    record_init(&r, FGS_AUDIT_REQUEST);
    r.intent_seq = 7;
    r.status = 200;
    r.upstream_status = 200;
    r.forwarded = 1;
    r.changes = str("{\"runtime\":\"Python3.12\"}");

    len = fgs_audit_line(buf, sizeof(buf), &r, &a, hash);
    j = parse((char *) buf, len - 1);
    ok(j && json_integer_value(json_object_get(j, "intent")) == 7,
       "a request record after its intent names it by its seq");
    ok(j && json_object_get(j, "decision") == NULL
       && json_object_get(j, "identity") == NULL
       && json_object_get(j, "changes") == NULL
       && json_object_get(j, "uri") == NULL
       && json_object_get(j, "body_sha256") == NULL,
       "and does not repeat what the intent says");
    ok(j && json_integer_value(json_object_get(j, "status")) == 200
       && json_object_get(j, "error_code") != NULL
       && json_object_get(j, "forwarded") == json_true(),
       "but says how the request ended");
    is_str(json_string_value(json_object_get(j, "request_id")),
           "0123456789abcdef0123456789abcdef", "with its request id");
    ok(len < 600, "in a few hundred bytes");
    json_decref(j);

    memset(&f, 0, sizeof(file_t));
    fgs_audit_chain_init(&a, 100);
    fgs_audit_chain_init(&b, 200);

    put(&f, &a, FGS_AUDIT_INTENT, "req-1");         /* a 1 */
    put(&f, &b, FGS_AUDIT_INTENT, "req-2");         /* b 1 */
    put_after(&f, &b, "req-2", 1);
    put_after(&f, &a, "req-1", 1);
    put(&f, &a, FGS_AUDIT_END, NULL);
    put(&f, &b, FGS_AUDIT_END, NULL);

    is_int(verify(&s, 0, 1, "audit.log", &f), 0,
           "request records after their intents: no error");
    is_int(s.warnings, 0, "and no warning");
    file_free(&f);

    memset(&f, 0, sizeof(file_t));
    fgs_audit_chain_init(&a, 100);
    put(&f, &a, FGS_AUDIT_INTENT, "req-1");
    put(&f, &a, FGS_AUDIT_INTENT, "req-2");
    put_after(&f, &a, "req-1", 2);
    put(&f, &a, FGS_AUDIT_END, NULL);
    is_int(verify(&s, 0, 1, "audit.log", &f), 1,
           "a request record naming another request's intent: an error");
    is_int(s.first_line, 3, "on its line");
    ok(strstr(s.first_msg, "refers to its intent at seq 2") != NULL,
       "which says so");
    file_free(&f);

    memset(&f, 0, sizeof(file_t));
    fgs_audit_chain_init(&a, 100);
    put(&f, &a, FGS_AUDIT_REQUEST, "req-0");
    put_after(&f, &a, "req-1", 1);
    put(&f, &a, FGS_AUDIT_END, NULL);
    is_int(verify(&s, 0, 1, "audit.log", &f), 1,
           "a request record whose intent the chain does not hold: an "
           "error");
    file_free(&f);

    /* the module never refers to an intent in an earlier file */

    memset(&f, 0, sizeof(file_t));
    memset(&g, 0, sizeof(file_t));
    fgs_audit_chain_init(&a, 100);
    put(&f, &a, FGS_AUDIT_INTENT, "req-1");
    put(&f, &a, FGS_AUDIT_ROTATE, NULL);
    put(&g, &a, FGS_AUDIT_START, NULL);
    put_after(&g, &a, "req-1", 1);
    put(&g, &a, FGS_AUDIT_END, NULL);
    is_int(verify(&s, 0, 2, "audit.log.1", &f, "audit.log", &g), 1,
           "a request record referring to an intent in another file: an "
           "error");
    file_free(&f);
    file_free(&g);
}


static void
put_after(file_t *f, fgs_audit_chain_t *c, const char *request_id,
    uint64_t intent)
{
    char                hash[65];
    size_t              len;
    u_char              buf[LINE_SIZE];
    fgs_audit_record_t  r;

    record_init(&r, FGS_AUDIT_REQUEST);
    r.request_id = str(request_id);
    r.intent_seq = intent;

    len = fgs_audit_line(buf, sizeof(buf), &r, c, hash);

    if (len == 0 || f->n == MAX_LINES) {
        ok(0, "a test record is written");
        return;
    }

    fgs_audit_chain_next(c, hash);

    f->line[f->n] = strndup((char *) buf, len);
    f->n++;
}


/* writes one record as the module does: line, then the chain moves on */

static void
put(file_t *f, fgs_audit_chain_t *c, fgs_audit_kind_e kind,
    const char *request_id)
{
    char                hash[65];
    size_t              len;
    u_char              buf[LINE_SIZE];
    fgs_audit_record_t  r;

    record_init(&r, kind);

    if (request_id) {
        r.request_id = str(request_id);
    }

    len = fgs_audit_line(buf, sizeof(buf), &r, c, hash);

    if (len == 0 || f->n == MAX_LINES) {
        ok(0, "a test record is written");
        return;
    }

    fgs_audit_chain_next(c, hash);

    f->line[f->n] = strndup((char *) buf, len);
    f->n++;
}


static void
file_free(file_t *f)
{
    int  i;

    for (i = 0; i < f->n; i++) {
        free(f->line[i]);
    }

    f->n = 0;
}


static file_t *
file_copy(const file_t *f)
{
    int      i;
    file_t  *t;

    t = calloc(1, sizeof(file_t));

    for (i = 0; i < f->n; i++) {
        t->line[i] = strdup(f->line[i]);
    }

    t->n = f->n;

    return t;
}


static void
file_drop(file_t *t)
{
    file_free(t);
    free(t);
}


static void
file_delete(file_t *f, int i)
{
    free(f->line[i]);
    memmove(&f->line[i], &f->line[i + 1], (f->n - i - 1) * sizeof(char *));
    f->n--;
}


static void
file_insert(file_t *f, int i, const char *line)
{
    memmove(&f->line[i + 1], &f->line[i], (f->n - i) * sizeof(char *));
    f->line[i] = strdup(line);
    f->n++;
}


/* verify(&said, live, nfiles, name1, file1, ...): the number of errors */

static int
verify(said_t *s, int live, int nfiles, ...)
{
    int                  i, k;
    size_t               len;
    va_list              args;
    file_t              *f;
    const char          *name;
    fgs_audit_stats_t    st;
    fgs_audit_verify_t  *v;

    memset(s, 0, sizeof(said_t));

    v = fgs_audit_verify_create(live, report, s);

    va_start(args, nfiles);

    for (k = 0; k < nfiles; k++) {
        name = va_arg(args, const char *);
        f = va_arg(args, file_t *);

        fgs_audit_verify_file(v, name, k == nfiles - 1);

        for (i = 0; i < f->n; i++) {
            len = strlen(f->line[i]);

            if (len && f->line[i][len - 1] == '\n') {
                fgs_audit_verify_line(v, (u_char *) f->line[i], len - 1, 1);

            } else {
                fgs_audit_verify_line(v, (u_char *) f->line[i], len, 0);
            }
        }
    }

    va_end(args);

    fgs_audit_verify_finish(v, &st);
    fgs_audit_verify_free(v);

    if (st.errors != (uint64_t) s->errors) {
        ok(0, "the stats count the errors reported");
    }

    return s->errors;
}


static void
report(void *data, fgs_audit_severity_e sev, const char *file, uint64_t line,
    const char *msg)
{
    said_t  *s = data;

    if (sev == FGS_AUDIT_WARNING) {
        s->warnings++;
        snprintf(s->warning, sizeof(s->warning), "%s", msg);
        return;
    }

    if (s->errors++ == 0) {
        s->first_line = line;
        snprintf(s->first_file, sizeof(s->first_file), "%s", file);
        snprintf(s->first_msg, sizeof(s->first_msg), "%s", msg);
    }
}


static json_t *
parse(const char *line, size_t len)
{
    json_t        *j;
    json_error_t   err;

    j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);

    if (j == NULL) {
        printf("# %s: %.200s\n", err.text, line);
    }

    return j;
}


static fgs_str_t
str(const char *s)
{
    fgs_str_t  r;

    r.data = (const u_char *) s;
    r.len = strlen(s);

    return r;
}

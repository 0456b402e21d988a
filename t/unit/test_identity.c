
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The identity stage and a record's "changes" (docs/security.md,
 * "Identities"; docs/audit.md, "A record"): an IAM token (the one kept in
 * t/fuzz/regress/identity/, made with "openssl cms -sign") read in both
 * base64 alphabets, expired or not; what does not decode; the label; and
 * the changes of a body, its secrets left out and the policy's rewrites
 * laid over it.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "identity/fgs_identity.h"
#include "audit/fgs_audit.h"
#include "json/fgs_json.h"


static char *read_token(const char *name, size_t *len);
static void test_token(void);
static void test_changes(void);


int
main(void)
{
    test_token();
    test_changes();

    return done_testing();
}


static char *
read_token(const char *name, size_t *len)
{
    char    path[1024];
    char   *buf;
    FILE   *f;
    long    n;

    snprintf(path, sizeof(path), "%s/t/fuzz/regress/identity/%s",
             getenv("FGS_FUZZ_ROOT") ? getenv("FGS_FUZZ_ROOT") : ".", name);

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);

    buf = malloc(n + 1);
    if (buf == NULL || fread(buf, 1, n, f) != (size_t) n) {
        fclose(f);
        free(buf);
        return NULL;
    }

    fclose(f);
    *len = n;

    return buf;
}


#define is_fgs_str(s, want, ...)                                             \
    ok((s).len == strlen(want) && memcmp((s).data, want, (s).len) == 0,    \
       __VA_ARGS__)


static void
test_token(void)
{
    int             rc;
    char            label[300], *tok;
    size_t          len, i;
    fgs_arena_t     arena;
    fgs_identity_t  id;

    fgs_arena_init(&arena);

    tok = read_token("valid-token.txt", &len);
    ok(tok != NULL, "the test token is there");

    if (tok == NULL) {
        return;
    }

    rc = fgs_identity_token((u_char *) tok, len, 1700000000, &id,
                            &arena.alloc);
    is_int(rc, FGS_OK, "an IAM token ('-' for '/') decodes");
    ok(id.type == FGS_IDENTITY_TOKEN && id.decoded, "a decoded token");
    is_fgs_str(id.claims.user_name, "ci-bot", "user.name");
    is_fgs_str(id.claims.user_id, "u0001", "user.id");
    is_fgs_str(id.claims.domain_name, "acme", "the user's domain name");
    is_fgs_str(id.claims.domain_id, "d0001", "the user's domain id");
    is_fgs_str(id.project_name, "cn-north-4", "project.name");
    is_int(id.claims.agency.len, 0, "no agency without assumed_by");
    ok(!id.expired && id.expires > 1700000000, "not expired yet");
    is_int(strlen(id.token_sha256), 0, "no hash until something shows it");
    ok(fgs_identity_token_hash(&id) == FGS_OK
       && strlen(id.token_sha256) == 16, "a hash prefix of 16 digits");

    fgs_identity_label(&id, label, sizeof(label));
    is_str(label, "user:acme/ci-bot", "its label");

    rc = fgs_identity_token((u_char *) tok, len, 2000000000, &id,
                            &arena.alloc);
    ok(rc == FGS_OK && id.expired, "the same token later: expired");

    /* the standard alphabet reads the same */

    for (i = 0; i < len; i++) {
        if (tok[i] == '-') {
            tok[i] = '/';
        }
    }

    rc = fgs_identity_token((u_char *) tok, len, 1700000000, &id,
                            &arena.alloc);
    ok(rc == FGS_OK && id.claims.user_name.len == 6,
       "the standard base64 alphabet decodes alike");

    free(tok);

    rc = fgs_identity_token((u_char *) "MIIEhgYJKoZIhvcNAQcCoIIEdzCCBHMCAQEx",
                            36, 1700000000, &id, &arena.alloc);
    ok(rc == FGS_DECLINED && !id.decoded && id.claims.user_name.len == 0
       && fgs_identity_token_hash(&id) == FGS_OK
       && strlen(id.token_sha256) == 16,
       "a token that does not decode: its hash only");

    fgs_identity_label(&id, label, sizeof(label));
    ok(strncmp(label, "token:", 6) == 0, "labelled by its hash");

    rc = fgs_identity_token((u_char *) "not a token!", 12, 0, &id,
                            &arena.alloc);
    is_int(rc, FGS_DECLINED, "not base64: declined");

    fgs_arena_reset(&arena);
}


static void
test_changes(void)
{
    int               cut;
    fgs_str_t         out;
    fgs_arena_t       arena;
    fgs_json_doc_t    doc, kms, vpc;
    fgs_rule_note_t   n1, n2, n3;

    static const char  body[] =
        "{\"func_name\":\"dev-a\",\"runtime\":\"Python3.12\","
        "\"memory_size\":256,\"user_data\":\"SECRET1\","
        "\"encrypted_user_data\":\"SECRET2\","
        "\"lts_custom_tag\":{\"team\":\"a\",\"db_password\":\"SECRET3\"},"
        "\"code_url\":\"https://obs.example/c.zip?Signature=SECRET4\","
        "\"func_code\":{\"file\":\"U0VDUkVUNQ==\",\"link\":\"l\"}}";

    fgs_arena_init(&arena);

    ok(fgs_json_scan(&doc, (u_char *) body, sizeof(body) - 1, &arena.alloc)
       == FGS_OK, "a body scans");

    ok(fgs_audit_changes(&doc, FGS_API_FUNCTION_CREATE, NULL, &arena.alloc,
                         &out, &cut)
       == FGS_OK, "its changes are made");

    is_str(fgs_strdup(&arena.alloc, (char *) out.data, out.len),
           "{\"func_name\":\"dev-a\",\"runtime\":\"Python3.12\","
           "\"memory_size\":256,\"lts_custom_tag\":{\"team\":\"a\"},"
           "\"code_url\":\"https://obs.example/c.zip?...\","
           "\"func_code\":{\"link\":\"l\"}}",
           "no secret, no query string");
    ok(strstr(fgs_strdup(&arena.alloc, (char *) out.data, out.len),
              "SECRET") == NULL, "no canary");

    /* rewrites: a value set, a parent created, a field removed */

    ok(fgs_json_scan(&kms, (u_char *) "{\"v\":\"kms-1\"}", 13, &arena.alloc)
       == FGS_OK
       && fgs_json_scan(&vpc, (u_char *) "{\"v\":\"vpc-1\"}", 13,
                        &arena.alloc) == FGS_OK, "values scan");

    memset(&n1, 0, sizeof(n1));
    memset(&n2, 0, sizeof(n2));
    memset(&n3, 0, sizeof(n3));

    n1.rule = "kms";
    n1.field = "code_encrypt_kms_key_id";
    n1.action = "set_default";
    n1.value_doc = &kms;
    n1.value_node = 1;
    n1.next = &n2;

    n2.rule = "vpc";
    n2.field = "func_vpc.vpc_id";
    n2.action = "set_default";
    n2.value_doc = &vpc;
    n2.value_node = 1;
    n2.next = &n3;

    n3.rule = "mem";
    n3.field = "memory_size";
    n3.action = "remove";

    ok(fgs_audit_changes(&doc, FGS_API_FUNCTION_CREATE, &n1, &arena.alloc,
                         &out, &cut)
       == FGS_OK && !cut, "changes with rewrites");

    is_str(fgs_strdup(&arena.alloc, (char *) out.data, out.len),
           "{\"func_name\":\"dev-a\",\"runtime\":\"Python3.12\","
           "\"lts_custom_tag\":{\"team\":\"a\"},"
           "\"code_url\":\"https://obs.example/c.zip?...\","
           "\"func_code\":{\"link\":\"l\"},"
           "\"code_encrypt_kms_key_id\":\"kms-1\","
           "\"func_vpc\":{\"vpc_id\":\"vpc-1\"}}",
           "as forwarded: set values in, removed fields out");

    ok(fgs_audit_changes(&doc, FGS_API_NONE, NULL, &arena.alloc, &out, &cut)
       == FGS_OK && out.len == 0, "an operation without a body: none");

    ok(fgs_audit_secret_name("X-Api-Key", 9)
       && fgs_audit_secret_name("api_key", 7)
       && fgs_audit_secret_name("DB_PASSWORD", 11)
       && fgs_audit_secret_name("refresh-Token", 13)
       && !fgs_audit_secret_name("code_encrypt_kms_key_id", 23),
       "credential-like key names");

    fgs_arena_reset(&arena);
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Policy loading on any bytes, written to a file of this process since
 * fgs_policy_load() reads a path.  A policy that does not load must say
 * so in a file name and a one-line message; one that loads must report
 * the SHA-256 of exactly these bytes, modes in range and its exceptions,
 * and must evaluate fixed requests (a config, a code and a create body,
 * with and without a signature, now and a year later) to results that
 * keep every invariant of fuzz_eval.h.  Its values need not follow the
 * API reference, so the rewritten body is only checked to be one strict
 * JSON object of the announced length.  Nothing may leak: libFuzzer's
 * leak check runs after every input.
 */


#include <unistd.h>
#include <openssl/evp.h>

#include "fuzz_eval.h"


static int fuzz_pl_write(const uint8_t *data, size_t size);
static int fuzz_pl_loaded(const fgs_policy_t *p, const uint8_t *data,
    size_t size);
static int fuzz_pl_refused(const fgs_policy_error_t *err);
static void fuzz_pl_unlink(void);


static char  fuzz_pl_path[64];


static const char  fuzz_pl_config[] =
    "{\"func_name\":\"prod-api\",\"runtime\":\"Python3.12\","
    "\"handler\":\"index.handler\",\"memory_size\":512,\"timeout\":30,"
    "\"user_data\":\"{\\\"k\\\":\\\"v\\\"}\","
    "\"func_vpc\":{\"vpc_id\":\"vpc-0a1b2c\",\"subnet_id\":\"subnet-7d8e9f\"},"
    "\"strategy_config\":{\"concurrency\":5,\"concurrent_num\":1},"
    "\"mount_config\":{\"mount_user\":{\"user_id\":1000,\"user_group_id\":"
    "1000},\"func_mounts\":[{\"mount_type\":\"sfs\",\"mount_resource\":"
    "\"r-1\",\"mount_share_path\":\"/share\",\"local_mount_path\":"
    "\"/mnt/a\"}]}}";

static const char  fuzz_pl_code[] =
    "{\"code_type\":\"zip\",\"code_filename\":\"index.zip\","
    "\"func_code\":{\"file\":\"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\"}}";

static const char  fuzz_pl_create[] =
    "{\"func_name\":\"dev-reports\",\"package\":\"default\","
    "\"runtime\":\"Node.js20.15\",\"handler\":\"index.handler\","
    "\"memory_size\":256,\"timeout\":30,\"code_type\":\"obs\","
    "\"code_url\":\"https://bucket.obs.cn-north-4.myhuaweicloud.com/a.zip\"}";


int
fgs_fuzz_policy_load(const uint8_t *data, size_t size)
{
    fgs_policy_t        *p;
    fgs_policy_error_t   err;

    if (fuzz_pl_write(data, size) != 0) {
        return 0;
    }

    memset(&err, 0, sizeof(fgs_policy_error_t));

    p = fgs_policy_load(fuzz_pl_path, &err);

    if (p == NULL) {
        (void) fuzz_pl_refused(&err);
        fgs_policy_error_free(&err);
        return 0;
    }

    (void) fuzz_pl_loaded(p, data, size);

    fgs_policy_free(p);

    return 0;
}


static int
fuzz_pl_write(const uint8_t *data, size_t size)
{
    FILE  *f;

    if (fuzz_pl_path[0] == '\0') {
        snprintf(fuzz_pl_path, sizeof(fuzz_pl_path),
                 "/tmp/fgs-fuzz-policy-%ld.json", (long) getpid());
        atexit(fuzz_pl_unlink);
    }

    f = fopen(fuzz_pl_path, "wb");
    if (f == NULL) {
        perror(fuzz_pl_path);
        return -1;
    }

    if (fwrite(data, 1, size, f) != size) {
        perror(fuzz_pl_path);
        fclose(f);
        return -1;
    }

    fclose(f);

    return 0;
}


static void
fuzz_pl_unlink(void)
{
    (void) unlink(fuzz_pl_path);
}


static int
fuzz_pl_refused(const fgs_policy_error_t *err)
{
    FUZZ_CHECK(err->file != NULL && strcmp(err->file, fuzz_pl_path) == 0,
               "a refusal that does not name the file");
    FUZZ_CHECK(err->message != NULL && err->message[0] != '\0'
               && !fuzz_has_control(err->message),
               "a refusal without a one-line message");
    FUZZ_CHECK((err->rule == NULL || !fuzz_has_control(err->rule))
               && (err->field == NULL || !fuzz_has_control(err->field)),
               "a refusal's rule or field holds a control character");

    return 0;
}


static int
fuzz_pl_loaded(const fgs_policy_t *p, const uint8_t *data, size_t size)
{
    int                 rc;
    char                hex[65];
    time_t              expires;
    u_char              md[EVP_MAX_MD_SIZE];
    uint32_t            i, n, k, j;
    unsigned            mdlen;
    fuzz_req_t          rq;
    fgs_arena_t         arena;
    const char         *sha;

    static const struct {
        fgs_op_e        op;
        const char     *body;
        size_t          len;
    } reqs[] = {
        { FGS_OP_CONFIG, fuzz_pl_config, sizeof(fuzz_pl_config) - 1 },
        { FGS_OP_CODE, fuzz_pl_code, sizeof(fuzz_pl_code) - 1 },
        { FGS_OP_CREATE, fuzz_pl_create, sizeof(fuzz_pl_create) - 1 }
    };

    /* the digest of exactly the bytes read */

    FUZZ_CHECK(EVP_Digest(data, size, md, &mdlen, EVP_sha256(), NULL) == 1
               && mdlen == 32, "SHA-256");

    for (i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }

    sha = fgs_policy_sha256(p);

    FUZZ_CHECK(sha != NULL && strcmp(sha, hex) == 0,
               "the policy's sha256 is not that of its bytes");

    FUZZ_CHECK(fgs_policy_mode(p) == FGS_MODE_ENFORCE
               || fgs_policy_mode(p) == FGS_MODE_AUDIT,
               "the policy's mode");
    FUZZ_CHECK(fgs_policy_other_writes(p) <= FGS_OTHER_DENY,
               "the policy's other_writes");

    n = fgs_policy_nexceptions(p);

    for (i = 0; i < n; i++) {
        FUZZ_CHECK(fgs_policy_exception(p, i, &expires) != NULL,
                   "an exception without an id");
    }

    FUZZ_CHECK(fgs_policy_exception(p, n, &expires) == NULL,
               "an exception past the last");

    (void) fgs_policy_nrules(p);

    /* fixed requests through the policy */

    fgs_arena_init(&arena);

    memset(&rq, 0, sizeof(fuzz_req_t));

    for (k = 0; k < sizeof(reqs) / sizeof(reqs[0]); k++) {
        for (j = 0; j < 4; j++) {
            rq.op = reqs[k].op;
            rq.name = (j & 1) ? "legacy-billing" : "prod-api";
            rq.version = (j & 1) ? "v1" : NULL;
            rq.signed_body = (j == 2);
            rq.now = (j == 3) ? FUZZ_LATER : FUZZ_NOW;
            rq.mode = (j == 3) ? FGS_MODE_AUDIT : FGS_MODE_UNSET;

            /* 1: the fixed bodies follow the API reference */

            rc = fuzz_eval(p, &rq, (const u_char *) reqs[k].body,
                           reqs[k].len, &arena.alloc);

            if (rc != 1) {
                fgs_arena_reset(&arena);
                FUZZ_CHECK(rc != 0, "a fixed request is refused before "
                           "the policy");
                return -1;
            }
        }
    }

    fgs_arena_reset(&arena);

    return 0;
}


#ifndef FGS_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fgs_fuzz_policy_load(data, size);
}

#endif

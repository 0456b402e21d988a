
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Evaluation and rewriting: fuzzed requests against the repository's
 * policies (conf/policy.json, t/data/policy-rewrite.json,
 * t/data/policy.json, t/data/policy-audit.json, t/fuzz/data/
 * policy-eval.json), loaded once.  The invariants are fuzz_eval.h's;
 * these policies write only values that follow the API reference, so a
 * rewritten body must follow it as well, and a second evaluation of it
 * must change nothing.
 *
 * An input whose first byte has its high bit set starts with two bytes
 * that choose the request, the rest is the body:
 *
 *   byte 0: 0x80 | policy (bits 0-2) | op (bits 3-4: create, code,
 *           config) | mode (bits 5-6: the file's, enforce, audit)
 *   byte 1: signed (bit 0), function (bits 1-3), a version (bit 4),
 *           a year later (bit 5: expired exceptions)
 *
 * Any other input is a body (the seeds are bodies): evaluated as code,
 * config and create against the first two policies.
 */


#include "fuzz_eval.h"


#define FUZZ_PE_NPOLICIES  5


static int fuzz_pe_init(void);


static const char  *fuzz_pe_files[FUZZ_PE_NPOLICIES] = {
    "conf/policy.json",
    "t/data/policy-rewrite.json",
    "t/data/policy.json",
    "t/data/policy-audit.json",
    "t/fuzz/data/policy-eval.json"
};

static const char  *fuzz_pe_names[8] = {
    "prod-api", "dev-reports", "legacy-billing", "prod-legacy",
    "ml-inference-gpu", "fn", "prod-", "dev-tools"
};

static fgs_policy_t  *fuzz_pe_policies[FUZZ_PE_NPOLICIES];


static int
fuzz_pe_init(void)
{
    char                 path[1024];
    size_t               i;
    fgs_policy_error_t   err;

    if (fuzz_pe_policies[0] != NULL) {
        return 0;
    }

    for (i = 0; i < FUZZ_PE_NPOLICIES; i++) {
        snprintf(path, sizeof(path), "%s/%s", fuzz_root(), fuzz_pe_files[i]);

        memset(&err, 0, sizeof(fgs_policy_error_t));
        fuzz_pe_policies[i] = fgs_policy_load(path, &err);

        if (fuzz_pe_policies[i] == NULL) {
            printf("# %s: %s\n", path, err.message ? err.message : "?");
            fgs_policy_error_free(&err);
            FUZZ_CHECK(0, "a policy of the repository does not load");
        }
    }

    return 0;
}


int
fgs_fuzz_policy_eval(const uint8_t *data, size_t size)
{
    u_char        b0, b1;
    uint32_t      i, k;
    fuzz_req_t    rq;
    fgs_arena_t   arena;

    static const fgs_op_e  ops[4] = {
        FGS_OP_CREATE, FGS_OP_CODE, FGS_OP_CONFIG, FGS_OP_CONFIG
    };

    if (fuzz_pe_init() != 0) {
        return 0;
    }

    fgs_arena_init(&arena);

    memset(&rq, 0, sizeof(fuzz_req_t));
    rq.strict = 1;
    rq.now = FUZZ_NOW;
    rq.name = fuzz_pe_names[0];

    if (size >= 2 && (data[0] & 0x80)) {
        b0 = data[0];
        b1 = data[1];

        rq.op = ops[(b0 >> 3) & 3];
        rq.mode = ((b0 >> 5) & 3) % 3;
        rq.signed_body = b1 & 1;
        rq.name = fuzz_pe_names[(b1 >> 1) & 7];
        rq.version = (b1 & 0x10) ? "v1" : NULL;
        rq.now = (b1 & 0x20) ? FUZZ_LATER : FUZZ_NOW;

        (void) fuzz_eval(fuzz_pe_policies[(b0 & 7) % FUZZ_PE_NPOLICIES], &rq,
                         data + 2, size - 2, &arena.alloc);

    } else {
        for (i = 0; i < 2; i++) {
            for (k = 0; k < 3; k++) {
                rq.op = ops[k];

                (void) fuzz_eval(fuzz_pe_policies[i], &rq, data, size,
                                 &arena.alloc);
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
    return fgs_fuzz_policy_eval(data, size);
}

#endif

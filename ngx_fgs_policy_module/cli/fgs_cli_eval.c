
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs-policy eval POLICY --op OP --urn URN [--project P] [--now RFC3339]
 *     [--mode enforce|audit] [--signed] [--out FILE] [--explain]
 *     [BODY.json | -]
 *
 * Decides one request as the gateway would and prints the decision as a
 * JSON object: decision, status, error_code, error_msg, violations,
 * audited, rewrites, waived, applied, and the rewritten body ("body", or
 * written to --out FILE, which receives whatever body is forwarded).
 * BODY "-" is standard input.  --explain prints on standard error, rule
 * by rule, why the policy decided so (fgs_policy_explain()).
 * Exit: 0 forwarded (allow, rewrite, audit), 3 denied, 4 refused before
 * policy (bad body, bad request) or unreadable input, 1 the policy does
 * not load, 2 usage.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fgs_cli.h"


static int fgs_cli_eval_write(const char *path, const u_char *data,
    size_t len);


static void fgs_cli_eval_explain(void *data, const char *line);


/* larger than any body FunctionGraph takes: a larger input is a mistake */
#define FGS_CLI_MAX_STDIN  (256 * 1024 * 1024)


static const char  fgs_cli_eval_usage[] =
    "usage: fgs-policy eval POLICY --op code|config|create|other --urn URN\n"
    "           [--project P] [--now RFC3339] [--mode enforce|audit]\n"
    "           [--signed] [--out FILE] [--explain] [BODY.json | -]\n"
    "       fgs-policy eval --help\n";


int
fgs_cli_eval(int argc, char **argv)
{
    int                 i, rc, code, explain;
    char               *dump, err[512];
    json_t             *o;
    size_t              len;
    u_char             *body;
    const char         *policy_path, *body_path, *out_path, *now, *opt;
    fgs_arena_t         arena;
    fgs_policy_t       *policy;
    fgs_cli_result_t    res;
    fgs_cli_request_t   rq;

    memset(&rq, 0, sizeof(fgs_cli_request_t));
    rq.op = FGS_OP_NONE;
    policy_path = NULL;
    body_path = NULL;
    out_path = NULL;
    now = NULL;
    explain = 0;

    for (i = 0; i < argc; i++) {
        opt = argv[i];

        if (fgs_cli_is_help(opt)) {
            fgs_cli_help("eval", stdout);
            return 0;
        }

        if (strcmp(opt, "--signed") == 0) {
            rq.signed_body = 1;
            continue;
        }

        if (strcmp(opt, "--explain") == 0) {
            explain = 1;
            continue;
        }

        if (opt[0] == '-' && opt[1] == '-') {
            if (i + 1 == argc) {
                fprintf(stderr, "fgs-policy eval: %s needs a value\n%s",
                        opt, fgs_cli_eval_usage);
                return FGS_CLI_USAGE;
            }

            i++;

            if (strcmp(opt, "--op") == 0
                && fgs_cli_parse_op(argv[i], &rq.op) == FGS_OK)
            {
                continue;
            }

            if (strcmp(opt, "--mode") == 0
                && fgs_cli_parse_mode(argv[i], &rq.mode) == FGS_OK)
            {
                continue;
            }

            if (strcmp(opt, "--urn") == 0) {
                rq.urn = argv[i];

            } else if (strcmp(opt, "--project") == 0) {
                rq.project = argv[i];

            } else if (strcmp(opt, "--now") == 0) {
                now = argv[i];

            } else if (strcmp(opt, "--out") == 0) {
                out_path = argv[i];

            } else {
                fprintf(stderr, "fgs-policy eval: bad option %s %s\n%s",
                        opt, argv[i], fgs_cli_eval_usage);
                return FGS_CLI_USAGE;
            }

            continue;
        }

        if (policy_path == NULL) {
            policy_path = opt;

        } else if (body_path == NULL) {
            body_path = opt;

        } else {
            fprintf(stderr, "fgs-policy eval: too many arguments\n%s",
                    fgs_cli_eval_usage);
            return FGS_CLI_USAGE;
        }
    }

    if (policy_path == NULL || rq.op == FGS_OP_NONE
        || (body_path == NULL && rq.op != FGS_OP_OTHER))
    {
        fprintf(stderr, "%s", fgs_cli_eval_usage);
        return FGS_CLI_USAGE;
    }

    if (fgs_cli_parse_now(now, &rq.now) != FGS_OK) {
        fprintf(stderr, "fgs-policy eval: --now takes an RFC 3339 date-time "
                "such as 2026-11-23T10:00:00Z\n");
        return FGS_CLI_USAGE;
    }

    policy = fgs_cli_load_policy(policy_path);
    if (policy == NULL) {
        return FGS_CLI_FAILED;
    }

    body = NULL;

    if (body_path != NULL) {
        body = (strcmp(body_path, "-") == 0)
               ? fgs_cli_read_stdin(&len, FGS_CLI_MAX_STDIN, err, sizeof(err))
               : fgs_cli_read_file(body_path, &len, err, sizeof(err));
        if (body == NULL) {
            fprintf(stderr, "fgs-policy eval: %s\n", err);
            fgs_policy_free(policy);
            return FGS_CLI_ERROR;
        }

        rq.body = body;
        rq.len = len;
    }

    fgs_arena_init(&arena);

    rc = fgs_cli_run(policy, &rq, &res, &arena.alloc, err, sizeof(err));

    if (rc != FGS_OK) {
        fprintf(stderr, "fgs-policy eval: %s\n", err);
        code = FGS_CLI_ERROR;
        goto done;
    }

    if (explain && fgs_cli_explain(policy, &rq, &res, &arena.alloc,
                                   fgs_cli_eval_explain, stderr)
                   != FGS_OK)
    {
        fprintf(stderr, "fgs-policy eval: out of memory\n");
        code = FGS_CLI_ERROR;
        goto done;
    }

    o = fgs_cli_result_json(&res, out_path == NULL);

    if (o != NULL && out_path != NULL && res.forwarded != NULL) {
        json_object_set_new(o, "body_file", json_string(out_path));
    }

    dump = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
    json_decref(o);

    if (dump == NULL) {
        fprintf(stderr, "fgs-policy eval: out of memory\n");
        code = FGS_CLI_ERROR;
        goto done;
    }

    printf("%s\n", dump);
    free(dump);

    if (out_path != NULL && res.forwarded != NULL
        && fgs_cli_eval_write(out_path, res.forwarded, res.forwarded_len)
           != FGS_OK)
    {
        code = FGS_CLI_ERROR;
        goto done;
    }

    switch (res.verdict.decision) {

    case FGS_DECISION_DENY:
        code = FGS_CLI_DENIED;
        break;

    case FGS_DECISION_ERROR:
        code = FGS_CLI_ERROR;
        break;

    default:
        code = FGS_CLI_FORWARDED;
        break;
    }

done:

    fgs_arena_reset(&arena);
    free(body);
    fgs_policy_free(policy);

    return code;
}


static void
fgs_cli_eval_explain(void *data, const char *line)
{
    fprintf(data, "%s\n", line);
}


static int
fgs_cli_eval_write(const char *path, const u_char *data, size_t len)
{
    FILE  *f;

    f = fopen(path, "wb");

    if (f == NULL || fwrite(data, 1, len, f) != len) {
        fprintf(stderr, "fgs-policy eval: cannot write %s\n", path);

        if (f != NULL) {
            fclose(f);
        }

        return FGS_ERROR;
    }

    if (fclose(f) != 0) {
        fprintf(stderr, "fgs-policy eval: cannot write %s\n", path);
        return FGS_ERROR;
    }

    return FGS_OK;
}

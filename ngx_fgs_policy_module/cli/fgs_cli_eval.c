
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs-policy eval POLICY --op OP [--method M] --urn URN [--project P]
 *     [--now RFC3339] [--mode enforce|audit] [--signed] [--out FILE]
 *     [--explain] [BODY.json | -]
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


/* what the command line asks for */
typedef struct {
    fgs_cli_request_t   rq;
    const char         *policy_path;
    const char         *body_path;
    const char         *out_path;
    const char         *now;
    const char         *headers_path;
    fgs_identity_t      identity;       /* --identity */
    unsigned            explain:1;
} fgs_cli_eval_args_t;


static int fgs_cli_eval_args(int argc, char **argv, fgs_cli_eval_args_t *a,
    int *code);
static int fgs_cli_eval_print(const fgs_cli_eval_args_t *a,
    const fgs_cli_result_t *res);
static int fgs_cli_eval_write(const char *path, const u_char *data,
    size_t len);
static void fgs_cli_eval_explain(void *data, const char *line);


/* larger than any body FunctionGraph takes: a larger input is a mistake */
#define FGS_CLI_MAX_STDIN  (256 * 1024 * 1024)


static const char  fgs_cli_eval_usage[] =
    "usage: fgs-policy eval POLICY --op OPERATION [--method METHOD]\n"
    "           [--path PATH] --urn URN\n"
    "           [--project P] [--now RFC3339] [--mode enforce|audit]\n"
    "           [--signed] [--identity K=V,...] [--headers FILE]\n"
    "           [--out FILE] [--explain] [BODY.json | -]\n"
    "       fgs-policy eval --help\n";


int
fgs_cli_eval(int argc, char **argv)
{
    int                   rc, code;
    char                  err[512];
    size_t                len;
    u_char               *body;
    fgs_arena_t           arena;
    fgs_policy_t         *policy;
    fgs_cli_result_t      res;
    fgs_cli_eval_args_t   a;

    if (fgs_cli_eval_args(argc, argv, &a, &code) != FGS_OK) {
        return code;
    }

    policy = fgs_cli_load_policy(a.policy_path);
    if (policy == NULL) {
        return FGS_CLI_FAILED;
    }

    body = NULL;

    if (a.headers_path != NULL
        && fgs_cli_read_headers(a.headers_path, &a.rq, err, sizeof(err))
           != FGS_OK)
    {
        fprintf(stderr, "fgs-policy eval: %s\n", err);
        fgs_policy_free(policy);
        return FGS_CLI_ERROR;
    }

    if (a.body_path != NULL) {
        body = (strcmp(a.body_path, "-") == 0)
               ? fgs_cli_read_stdin(&len, FGS_CLI_MAX_STDIN, err, sizeof(err))
               : fgs_cli_read_file(a.body_path, &len, err, sizeof(err));
        if (body == NULL) {
            fprintf(stderr, "fgs-policy eval: %s\n", err);
            fgs_policy_free(policy);
            return FGS_CLI_ERROR;
        }

        a.rq.body = body;
        a.rq.len = len;
    }

    fgs_arena_init(&arena);

    rc = fgs_cli_run(policy, &a.rq, &res, &arena.alloc, err, sizeof(err));

    if (rc != FGS_OK) {
        fprintf(stderr, "fgs-policy eval: %s\n", err);
        code = FGS_CLI_ERROR;

    } else if (a.explain
               && fgs_cli_explain(policy, &a.rq, &res, &arena.alloc,
                                  fgs_cli_eval_explain, stderr)
                  != FGS_OK)
    {
        fprintf(stderr, "fgs-policy eval: out of memory\n");
        code = FGS_CLI_ERROR;

    } else {
        code = fgs_cli_eval_print(&a, &res);
    }

    fgs_arena_reset(&arena);
    free(body);
    free(a.rq.header_data);
    fgs_policy_free(policy);

    return code;
}


/* FGS_OK to go on, or FGS_DECLINED with the exit code in *code */

static int
fgs_cli_eval_args(int argc, char **argv, fgs_cli_eval_args_t *a, int *code)
{
    int          i;
    char         err[256];
    const char  *opt;

    memset(a, 0, sizeof(fgs_cli_eval_args_t));
    a->rq.op = FGS_OP_NONE;

    *code = FGS_CLI_USAGE;

    for (i = 0; i < argc; i++) {
        opt = argv[i];

        if (fgs_cli_is_help(opt)) {
            fgs_cli_help("eval", stdout);
            *code = 0;
            return FGS_DECLINED;
        }

        if (strcmp(opt, "--signed") == 0) {
            a->rq.signed_body = 1;
            continue;
        }

        if (strcmp(opt, "--explain") == 0) {
            a->explain = 1;
            continue;
        }

        if (opt[0] == '-' && opt[1] == '-') {
            if (i + 1 == argc) {
                fprintf(stderr, "fgs-policy eval: %s needs a value\n%s",
                        opt, fgs_cli_eval_usage);
                return FGS_DECLINED;
            }

            i++;

            if (strcmp(opt, "--op") == 0
                && fgs_cli_parse_op(argv[i], &a->rq.op) == FGS_OK)
            {
                continue;
            }

            if (strcmp(opt, "--method") == 0
                && fgs_cli_parse_method(argv[i], &a->rq.method) == FGS_OK)
            {
                continue;
            }

            if (strcmp(opt, "--path") == 0) {
                a->rq.path = argv[i];
                continue;
            }

            if (strcmp(opt, "--mode") == 0
                && fgs_cli_parse_mode(argv[i], &a->rq.mode) == FGS_OK)
            {
                continue;
            }

            if (strcmp(opt, "--urn") == 0) {
                a->rq.urn = argv[i];

            } else if (strcmp(opt, "--project") == 0) {
                a->rq.project = argv[i];

            } else if (strcmp(opt, "--now") == 0) {
                a->now = argv[i];

            } else if (strcmp(opt, "--out") == 0) {
                a->out_path = argv[i];

            } else if (strcmp(opt, "--headers") == 0) {
                a->headers_path = argv[i];

            } else if (strcmp(opt, "--identity") == 0) {
                if (fgs_cli_parse_identity(argv[i], &a->identity, err,
                                           sizeof(err))
                    != FGS_OK)
                {
                    fprintf(stderr, "fgs-policy eval: %s\n", err);
                    return FGS_DECLINED;
                }

                a->rq.identity = &a->identity;

            } else {
                fprintf(stderr, "fgs-policy eval: bad option %s %s\n%s",
                        opt, argv[i], fgs_cli_eval_usage);
                return FGS_DECLINED;
            }

            continue;
        }

        if (a->policy_path == NULL) {
            a->policy_path = opt;

        } else if (a->body_path == NULL) {
            a->body_path = opt;

        } else {
            fprintf(stderr, "fgs-policy eval: too many arguments\n%s",
                    fgs_cli_eval_usage);
            return FGS_DECLINED;
        }
    }

    if (a->policy_path == NULL || a->rq.op == FGS_OP_NONE
        || (a->body_path == NULL && a->rq.op != FGS_OP_OTHER
            && fgs_request_takes_body(fgs_cli_api(&a->rq))))
    {
        fprintf(stderr, "%s", fgs_cli_eval_usage);
        return FGS_DECLINED;
    }

    if (a->headers_path != NULL && a->rq.identity != NULL) {
        fprintf(stderr, "fgs-policy eval: give --identity or --headers, "
                "not both\n");
        return FGS_DECLINED;
    }

    if (fgs_cli_parse_now(a->now, &a->rq.now) != FGS_OK) {
        fprintf(stderr, "fgs-policy eval: --now takes an RFC 3339 date-time "
                "such as 2026-11-23T10:00:00Z\n");
        return FGS_DECLINED;
    }

    return FGS_OK;
}


/* the decision as JSON on standard output, the body to --out; exit code */

static int
fgs_cli_eval_print(const fgs_cli_eval_args_t *a, const fgs_cli_result_t *res)
{
    char    *dump;
    json_t  *o;

    o = fgs_cli_result_json(res, a->out_path == NULL);

    if (o != NULL && a->out_path != NULL && res->forwarded != NULL) {
        json_object_set_new(o, "body_file", json_string(a->out_path));
    }

    dump = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
    json_decref(o);

    if (dump == NULL) {
        fprintf(stderr, "fgs-policy eval: out of memory\n");
        return FGS_CLI_ERROR;
    }

    printf("%s\n", dump);
    free(dump);

    if (a->out_path != NULL && res->forwarded != NULL
        && fgs_cli_eval_write(a->out_path, res->forwarded, res->forwarded_len)
           != FGS_OK)
    {
        return FGS_CLI_ERROR;
    }

    switch (res->verdict.decision) {

    case FGS_DECISION_DENY:
        return FGS_CLI_DENIED;

    case FGS_DECISION_ERROR:
        return FGS_CLI_ERROR;

    default:
        return FGS_CLI_FORWARDED;
    }
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

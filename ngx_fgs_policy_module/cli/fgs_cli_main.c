
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs-policy SUBCOMMAND ...: dispatches to one function per subcommand.
 */


#include <stdio.h>
#include <string.h>

#include "fgs_cli.h"
#include "core/fgs_version.h"


typedef struct {
    const char  *name;
    int        (*run)(int argc, char **argv);
    const char  *usage;
} fgs_cli_command_t;


static void fgs_cli_usage(FILE *f);
static void fgs_cli_version(FILE *f);


static const fgs_cli_command_t  fgs_cli_commands[] = {

    { "check", fgs_cli_check,
      "check POLICY\n"
      "    load and compile POLICY; print a summary, or the error as\n"
      "    FILE: RULE: FIELD: MESSAGE (exit 1)" },

    { "eval", fgs_cli_eval,
      "eval POLICY --op OPERATION [--method POST|PUT|DELETE] [--urn URN]\n"
      "     [--project P] [--now RFC3339] [--mode enforce|audit] [--signed]\n"
      "     [--out FILE] [BODY.json]\n"
      "    decide one request as the gateway would; print the decision as\n"
      "    JSON; exit 0 forwarded (allow, rewrite, audit), 3 denied,\n"
      "    4 refused before policy (bad body or request)" },

    { "endpoints", fgs_cli_endpoints,
      "endpoints\n"
      "    list the FunctionGraph write endpoints the gateway governs, with\n"
      "    the operation of each, as a Markdown table" },

    { "test", fgs_cli_test,
      "test POLICY CASES_DIR\n"
      "    run every case of CASES_DIR (see conf/policy.tests/README.md);\n"
      "    TAP output; exit 0 when every case passes, 1 otherwise" },

    { "verify-audit", fgs_cli_verify_audit,
      "verify-audit [--live] FILE...\n"
      "    check the hash chains of audit files, rotated ones first; name\n"
      "    every line that was altered, removed, inserted or moved; exit 0\n"
      "    when intact, 1 otherwise (--live: the last file is still being\n"
      "    written)" },

    { "dedup-audit", fgs_cli_dedup_audit,
      "dedup-audit [--out OUT] FILE...\n"
      "    the lines of the files, in order, each line equal to an earlier\n"
      "    one left out: what a log pipeline delivered twice (verify the\n"
      "    output with verify-audit)" },

    { NULL, NULL, NULL }
};


int
main(int argc, char **argv)
{
    const fgs_cli_command_t  *c;

    if (argc < 2) {
        fgs_cli_usage(stderr);
        return FGS_CLI_USAGE;
    }

    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0
        || strcmp(argv[1], "help") == 0)
    {
        fgs_cli_usage(stdout);
        return 0;
    }

    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0
        || strcmp(argv[1], "version") == 0)
    {
        fgs_cli_version(stdout);
        return 0;
    }

    for (c = fgs_cli_commands; c->name; c++) {
        if (strcmp(argv[1], c->name) == 0) {
            return c->run(argc - 2, argv + 2);
        }
    }

    fprintf(stderr, "fgs-policy: unknown command \"%s\"\n", argv[1]);
    fgs_cli_usage(stderr);

    return FGS_CLI_USAGE;
}


static void
fgs_cli_usage(FILE *f)
{
    const fgs_cli_command_t  *c;

    fgs_cli_version(f);

    fprintf(f, "\nusage: fgs-policy COMMAND ...\n"
               "       fgs-policy --version | --help\n\n");

    for (c = fgs_cli_commands; c->name; c++) {
        fprintf(f, "fgs-policy %s\n\n", c->usage);
    }
}


/* "fgs-policy 1.0.0 (jansson 2.14, PCRE2 10.42, OpenSSL 3.0.15)" */

static void
fgs_cli_version(FILE *f)
{
    fgs_version_libs_t  libs;

    fgs_version_libs(&libs);

    fprintf(f, "fgs-policy %s (jansson %s, PCRE2 %s, OpenSSL %s)\n",
            FGS_VERSION, libs.jansson, libs.pcre2, libs.openssl);
}

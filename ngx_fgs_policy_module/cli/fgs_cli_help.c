
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * "fgs-policy COMMAND --help": each command's options, one screen each
 * (docs/operations.md, "fgs-policy", says the same at more length).
 */


#include <stdio.h>
#include <string.h>

#include "fgs_cli.h"


typedef struct {
    const char  *command;
    const char  *text;
} fgs_cli_help_t;


static const fgs_cli_help_t  fgs_cli_helps[] = {

    { "check",
      "usage: fgs-policy check POLICY\n"
      "\n"
      "Loads and compiles POLICY as nginx -t does: every key, pattern and\n"
      "path, and every check and mutation held to the FunctionGraph API\n"
      "reference of each operation of its rule.\n"
      "\n"
      "Prints \"policy OK: N rules, M exceptions, sha256 ...\" and, on\n"
      "standard error, a warning for each exception that has expired or\n"
      "expires within the policy's expiry_warning_days (default 14).\n"
      "\n"
      "Exit: 0 loads (warnings or not), 1 does not load (FILE: RULE:\n"
      "FIELD: MESSAGE on standard error), 2 usage.\n" },

    { "eval",
      "usage: fgs-policy eval POLICY --op OPERATION [--method METHOD]\n"
      "           [--path PATH] [--urn URN] [--project P] [--now RFC3339]\n"
      "           [--mode enforce|audit] [--signed] [--out FILE]\n"
      "           [--explain] [BODY.json | -]\n"
      "\n"
      "Decides one request exactly as the gateway would (request target,\n"
      "strict JSON scan, API reference, policy, rewrite) and prints the\n"
      "decision as JSON.  BODY \"-\" reads the body from standard input.\n"
      "\n"
      "  --op       the operation: code, config, create, import, trigger,\n"
      "             ... or other (fgs-policy endpoints lists them)\n"
      "  --method   POST, PUT or DELETE: which of the operation's\n"
      "             endpoints (default: its first, its create)\n"
      "  --path     the endpoint's path as fgs-policy endpoints prints it,\n"
      "             when the method does not tell it\n"
      "  --urn      the function URN of the request target\n"
      "  --project  the project of the path (default: the URN's)\n"
      "  --now      the time of the request, for exception expiry\n"
      "  --mode     fgs_policy_mode: overrides the file and its rules\n"
      "  --signed   the body is covered by an AK/SK signature\n"
      "  --out      write the forwarded body to FILE instead\n"
      "  --explain  print on standard error, rule by rule, whether its\n"
      "             operations, match and when applied, each exception's\n"
      "             effect and each check's outcome\n"
      "\n"
      "Exit: 0 forwarded (allow, rewrite, audit), 3 denied, 4 refused\n"
      "before the policy or unreadable input, 1 the policy does not load,\n"
      "2 usage.\n" },

    { "test",
      "usage: fgs-policy test [--run REGEX] [--format tap|json|junit]\n"
      "           [--coverage] [--coverage-min N] POLICY CASES_DIR\n"
      "\n"
      "Runs every case of CASES_DIR (format: conf/policy.tests/README.md)\n"
      "through the same engine as the gateway.\n"
      "\n"
      "  --run REGEX       only the cases whose file name matches the\n"
      "                    PCRE2 pattern (at least one must)\n"
      "  --format FORMAT   tap (default), json (one object), or junit\n"
      "                    (JUnit XML, for CI)\n"
      "  --coverage        list each rule no case applied, each check no\n"
      "                    case failed and each exception no case used\n"
      "                    (TAP comments; json: \"coverage\"; junit:\n"
      "                    system-out)\n"
      "  --coverage-min N  fail unless at least N percent of the rules\n"
      "                    were exercised (implies --coverage)\n"
      "\n"
      "Exit: 0 every case passes (and coverage holds), 1 otherwise: a case\n"
      "that does not match, a malformed case, a stray file, no case.\n" },

    { "verify-audit",
      "usage: fgs-policy verify-audit [--live] FILE...\n"
      "\n"
      "Checks the hash chains of audit files, rotated ones first, and\n"
      "names every line that was altered, removed, inserted or moved.\n"
      "\n"
      "  --live  the last file is still being written\n"
      "\n"
      "Exit: 0 intact, 1 otherwise, 2 usage.\n" },

    { "dedup-audit",
      "usage: fgs-policy dedup-audit [--out OUT] FILE...\n"
      "\n"
      "Writes the lines of the files (plain or gzip), read one after the\n"
      "other, to standard output or OUT, leaving out each line that is\n"
      "byte for byte the same as an earlier one: a record that a log\n"
      "pipeline delivering at least once (rsyslog over RELP) stored twice.\n"
      "A line that differs in any byte is kept, for verify-audit to judge.\n"
      "Give a collected file's parts oldest first, then verify the output:\n"
      "\n"
      "  fgs-policy dedup-audit --out node1.log node1/audit.log.1 \\\n"
      "      node1/audit.log && fgs-policy verify-audit node1.log\n"
      "\n"
      "  --out OUT  write to OUT instead of standard output\n"
      "\n"
      "Prints \"dedup-audit: N lines, M duplicate(s) left out, K written\"\n"
      "on standard error.\n"
      "\n"
      "Exit: 0 written, 2 usage, 4 a file cannot be read or OUT written.\n" },

    { NULL, NULL }
};


int
fgs_cli_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}


void
fgs_cli_help(const char *command, FILE *f)
{
    const fgs_cli_help_t  *h;

    for (h = fgs_cli_helps; h->command; h++) {
        if (strcmp(h->command, command) == 0) {
            fputs(h->text, f);
            return;
        }
    }
}

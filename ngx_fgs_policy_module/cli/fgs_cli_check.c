
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs-policy check POLICY: loads and compiles the policy as nginx -t
 * does.  Prints "policy OK: N rules, M exceptions, sha256 ..." and, on
 * standard error, the warnings nginx logs (an exception that has expired
 * or expires within the policy's expiry_warning_days), or the error as
 * FILE: RULE: FIELD: MESSAGE with exit code 1.
 */


#include <stdio.h>
#include <time.h>

#include "fgs_cli.h"


static void fgs_cli_check_warn(void *data, const char *exception,
    const char *message);


int
fgs_cli_check(int argc, char **argv)
{
    fgs_policy_t  *policy;

    if (argc == 1 && fgs_cli_is_help(argv[0])) {
        fgs_cli_help("check", stdout);
        return 0;
    }

    if (argc != 1) {
        fgs_cli_help("check", stderr);
        return FGS_CLI_USAGE;
    }

    policy = fgs_cli_load_policy(argv[0]);
    if (policy == NULL) {
        return FGS_CLI_FAILED;
    }

    printf("policy OK: %u rules, %u exceptions, sha256 %s\n",
           fgs_policy_nrules(policy), fgs_policy_nexceptions(policy),
           fgs_policy_sha256(policy));

    (void) fgs_policy_warnings(policy, time(NULL), fgs_cli_check_warn,
                               argv[0]);

    fgs_policy_free(policy);

    return 0;
}


static void
fgs_cli_check_warn(void *data, const char *exception, const char *message)
{
    fprintf(stderr, "%s: warning: %s\n", (const char *) data, message);
}

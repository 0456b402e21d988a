
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs-policy check POLICY: loads and compiles the policy as nginx -t
 * does.  Prints "policy OK: N rules, M exceptions, sha256 ..." and a
 * warning for every exception that has expired (it waives nothing any
 * more), or the error as FILE: RULE: FIELD: MESSAGE with exit code 1.
 */


#include <stdio.h>
#include <time.h>

#include "fgs_cli.h"


int
fgs_cli_check(int argc, char **argv)
{
    char           when[32];
    time_t         now, expires;
    uint32_t       i;
    struct tm      tm;
    const char    *id;
    fgs_policy_t  *policy;

    if (argc != 1) {
        fprintf(stderr, "usage: fgs-policy check POLICY\n");
        return FGS_CLI_USAGE;
    }

    policy = fgs_cli_load_policy(argv[0]);
    if (policy == NULL) {
        return FGS_CLI_FAILED;
    }

    printf("policy OK: %u rules, %u exceptions, sha256 %s\n",
           fgs_policy_nrules(policy), fgs_policy_nexceptions(policy),
           fgs_policy_sha256(policy));

    now = time(NULL);

    for (i = 0; (id = fgs_policy_exception(policy, i, &expires)); i++) {
        if (expires > now) {
            continue;
        }

        if (gmtime_r(&expires, &tm) == NULL
            || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        {
            when[0] = '\0';
        }

        fprintf(stderr, "%s: warning: exception %s expired at %s: it waives "
                "nothing\n", argv[0], id, when);
    }

    fgs_policy_free(policy);

    return 0;
}

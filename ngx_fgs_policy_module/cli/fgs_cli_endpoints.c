
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs-policy endpoints: the write surface the gateway governs, one line
 * an endpoint of FunctionGraph's API as a Markdown table row: method,
 * path, operation (or "read" and why for the POSTs that change nothing).
 * The README's table is this output (t/55-write-surface.t compares them).
 */


#include <stdio.h>
#include <string.h>

#include "fgs_cli.h"
#include "core/fgs_api.h"


int
fgs_cli_endpoints(int argc, char **argv)
{
    char              path[160];
    uint32_t          a;
    const fgs_api_t  *e;

    if (argc > 1) {
        fprintf(stderr, "usage: fgs-policy endpoints\n");
        return FGS_CLI_USAGE;
    }

    printf("| method | path | operation |\n");
    printf("| --- | --- | --- |\n");

    for (a = 1; a < FGS_API_COUNT; a++) {
        e = &fgs_apis[a];

        fgs_api_path((fgs_api_e) a, path, sizeof(path));

        if (e->op == FGS_OP_NONE) {
            printf("| %s | `%s` | read: %s |\n", fgs_method_name(e->method),
                   path, e->why);

        } else {
            printf("| %s | `%s` | `%s` |\n", fgs_method_name(e->method), path,
                   fgs_op_name(e->op));
        }
    }

    return 0;
}

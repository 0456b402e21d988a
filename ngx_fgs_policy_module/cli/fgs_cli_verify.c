
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs-policy verify-audit [--live] FILE...: checks audit files as the
 * module writes them (fgs_audit.h), the rotated ones oldest first and
 * the current one last.  Every problem is printed as
 *
 *   FILE:LINE: error: SENTENCE
 *
 * (or "warning:"): first the problems of lines, in the order of the
 * lines, so that the first printed is the first line that was altered,
 * inserted or moved, or that follows removed lines; then the chains that
 * stop without an end record (lines removed at their end); then one
 * summary line.  Exit 0 when there is no error, 1 otherwise, 4 when
 * a file cannot be read.  --live: the last file is still being written,
 * so its chains need not have ended.
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fgs_cli.h"
#include "fgs_audit.h"


typedef struct {
    char            first[1024];    /* FILE:LINE of the first error */
    int             printed;
} fgs_cli_verify_ctx_t;


static int fgs_cli_verify_read(fgs_audit_verify_t *v, const char *path,
    int last);
static void fgs_cli_verify_report(void *data, fgs_audit_severity_e sev,
    const char *file, uint64_t line, const char *msg);


/* beyond this many problems only the count goes on */
#define FGS_CLI_VERIFY_MAX_PRINTED  200


int
fgs_cli_verify_audit(int argc, char **argv)
{
    int                    i, live, rc;
    fgs_audit_stats_t      st;
    fgs_audit_verify_t    *v;
    fgs_cli_verify_ctx_t   ctx;

    live = 0;

    for (i = 0; i < argc; i++) {
        if (fgs_cli_is_help(argv[i])) {
            fgs_cli_help("verify-audit", stdout);
            return 0;
        }
    }

    if (argc > 0 && strcmp(argv[0], "--live") == 0) {
        live = 1;
        argc--;
        argv++;
    }

    if (argc < 1) {
        fgs_cli_help("verify-audit", stderr);
        return FGS_CLI_USAGE;
    }

    memset(&ctx, 0, sizeof(fgs_cli_verify_ctx_t));

    v = fgs_audit_verify_create(live, fgs_cli_verify_report, &ctx);
    if (v == NULL) {
        fprintf(stderr, "fgs-policy: out of memory\n");
        return FGS_CLI_ERROR;
    }

    for (i = 0; i < argc; i++) {
        rc = fgs_cli_verify_read(v, argv[i], i == argc - 1);

        if (rc != FGS_OK) {
            fgs_audit_verify_free(v);
            return FGS_CLI_ERROR;
        }
    }

    rc = fgs_audit_verify_finish(v, &st);

    fgs_audit_verify_free(v);

    if (rc != FGS_OK) {
        printf("audit FAILED: %llu error(s), the first at %s; %llu "
               "records, %llu chains\n", (unsigned long long) st.errors,
               ctx.first, (unsigned long long) st.records,
               (unsigned long long) st.chains);

        return FGS_CLI_FAILED;
    }

    printf("audit OK: %llu records, %llu chains (%llu ended, %llu open), "
           "%d file(s)", (unsigned long long) st.records,
           (unsigned long long) st.chains, (unsigned long long) st.sealed,
           (unsigned long long) st.open, argc);

    if (st.intents_open) {
        printf("; %llu intent(s) without their request record",
               (unsigned long long) st.intents_open);
    }

    printf("\n");

    return FGS_CLI_FORWARDED;
}


static int
fgs_cli_verify_read(fgs_audit_verify_t *v, const char *path, int last)
{
    int       newline;
    FILE     *f;
    char     *line;
    size_t    cap;
    ssize_t   n;

    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "fgs-policy: %s: %s\n", path, strerror(errno));
        return FGS_ERROR;
    }

    if (fgs_audit_verify_file(v, path, last) != FGS_OK) {
        fprintf(stderr, "fgs-policy: out of memory\n");
        fclose(f);
        return FGS_ERROR;
    }

    line = NULL;
    cap = 0;

    while ((n = getline(&line, &cap, f)) > 0) {
        newline = (line[n - 1] == '\n');

        if (fgs_audit_verify_line(v, (u_char *) line, n - newline, newline)
            != FGS_OK)
        {
            fprintf(stderr, "fgs-policy: out of memory\n");
            free(line);
            fclose(f);
            return FGS_ERROR;
        }
    }

    if (ferror(f)) {
        fprintf(stderr, "fgs-policy: %s: %s\n", path, strerror(errno));
        free(line);
        fclose(f);
        return FGS_ERROR;
    }

    free(line);
    fclose(f);

    return FGS_OK;
}


static void
fgs_cli_verify_report(void *data, fgs_audit_severity_e sev, const char *file,
    uint64_t line, const char *msg)
{
    fgs_cli_verify_ctx_t  *ctx = data;

    if (sev == FGS_AUDIT_ERROR && ctx->first[0] == '\0') {
        snprintf(ctx->first, sizeof(ctx->first), "%s:%llu", file,
                 (unsigned long long) line);
    }

    if (ctx->printed++ == FGS_CLI_VERIFY_MAX_PRINTED) {
        printf("... (more problems are counted, not printed)\n");
    }

    if (ctx->printed > FGS_CLI_VERIFY_MAX_PRINTED) {
        return;
    }

    printf("%s:%llu: %s: %s\n", file, (unsigned long long) line,
           sev == FGS_AUDIT_ERROR ? "error" : "warning", msg);
}

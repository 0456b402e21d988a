
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
 *
 * A file compressed with gzip (as logrotate leaves rotated files) is
 * read through zlib, which reads a plain file as it is: whether a file
 * is compressed is told by its content, not its name, and a compressed
 * file verifies exactly as the plain one.  A compressed file that is cut
 * short or damaged cannot be read (exit 4).
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fgs_cli.h"
#include "audit/fgs_audit.h"


typedef struct {
    char            first[1024];    /* FILE:LINE of the first error */
    int             printed;
} fgs_cli_verify_ctx_t;


static int fgs_cli_verify_read(fgs_audit_verify_t *v, const char *path,
    int last);
static int fgs_cli_verify_lines(fgs_audit_verify_t *v, gzFile f,
    const char *path);
static int fgs_cli_verify_append(char **line, size_t *len, size_t *cap,
    const char *data, size_t n);
static void fgs_cli_verify_report(void *data, fgs_audit_severity_e sev,
    const char *file, uint64_t line, const char *msg);


/* beyond this many problems only the count goes on */
#define FGS_CLI_VERIFY_MAX_PRINTED  200

/* what is read (decompressed) at once */
#define FGS_CLI_VERIFY_CHUNK        65536


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
    int     rc;
    gzFile  f;

    errno = 0;

    f = gzopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "fgs-policy: %s: %s\n", path,
                errno ? strerror(errno) : "out of memory");
        return FGS_ERROR;
    }

    if (fgs_audit_verify_file(v, path, last) != FGS_OK) {
        fprintf(stderr, "fgs-policy: out of memory\n");
        (void) gzclose(f);
        return FGS_ERROR;
    }

    rc = fgs_cli_verify_lines(v, f, path);

    if (gzclose(f) != Z_OK && rc == FGS_OK) {
        fprintf(stderr, "fgs-policy: %s: cannot be read to its end\n",
                path);
        rc = FGS_ERROR;
    }

    return rc;
}


/*
 * Feeds the file's lines to the verifier, each without its newline,
 * whatever bytes they hold (a NUL in a tampered line included).
 */

static int
fgs_cli_verify_lines(fgs_audit_verify_t *v, gzFile f, const char *path)
{
    int          n, errnum;
    char        *line, *buf, *p, *nl, *end;
    size_t       len, cap;
    const char  *msg;

    buf = malloc(FGS_CLI_VERIFY_CHUNK);
    if (buf == NULL) {
        fprintf(stderr, "fgs-policy: out of memory\n");
        return FGS_ERROR;
    }

    line = NULL;
    len = 0;
    cap = 0;

    while ((n = gzread(f, buf, FGS_CLI_VERIFY_CHUNK)) > 0) {
        p = buf;
        end = buf + n;

        while (p < end) {
            nl = memchr(p, '\n', end - p);

            if (fgs_cli_verify_append(&line, &len, &cap, p,
                                      (nl ? nl : end) - p)
                != FGS_OK)
            {
                goto nomem;
            }

            if (nl == NULL) {
                break;
            }

            if (fgs_audit_verify_line(v, (u_char *) line, len, 1) != FGS_OK)
            {
                goto nomem;
            }

            len = 0;
            p = nl + 1;
        }
    }

    if (n < 0) {
        msg = gzerror(f, &errnum);
        fprintf(stderr, "fgs-policy: %s: %s\n", path,
                errnum == Z_ERRNO ? strerror(errno) : msg);
        free(line);
        free(buf);
        return FGS_ERROR;
    }

    /* the last line, without its newline */

    if (len && fgs_audit_verify_line(v, (u_char *) line, len, 0) != FGS_OK)
    {
        goto nomem;
    }

    free(line);
    free(buf);

    return FGS_OK;

nomem:

    fprintf(stderr, "fgs-policy: out of memory\n");
    free(line);
    free(buf);

    return FGS_ERROR;
}


static int
fgs_cli_verify_append(char **line, size_t *len, size_t *cap,
    const char *data, size_t n)
{
    char    *p;
    size_t   want;

    if (*len + n + 1 > *cap) {
        want = *cap ? *cap : 4096;

        while (want < *len + n + 1) {
            want *= 2;
        }

        p = realloc(*line, want);
        if (p == NULL) {
            return FGS_ERROR;
        }

        *line = p;
        *cap = want;
    }

    memcpy(*line + *len, data, n);
    *len += n;

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

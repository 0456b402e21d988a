
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs-policy dedup-audit [--out OUT] FILE...: the lines of the files,
 * in order, each line that is byte for byte the same as an earlier one
 * left out.  A log pipeline that delivers at least once (rsyslog over
 * RELP: conf/rsyslog/) may store a record twice; the module never writes
 * two equal lines (each record has its chain, seq and the hash of its
 * predecessor), so an equal line is a second delivery, and the output
 * verifies as the node's own files do (docs/audit.md, "Records
 * collected centrally").
 *
 * Only equal lines are dropped: a line that differs from an earlier one
 * in any byte, a forged copy of a record or an altered one, is kept, and
 * verify-audit names it.  The files are read as verify-audit reads them
 * (plain or gzip), one after the other, as one stream: a central file
 * that was rotated at any point is given whole, oldest part first.  The
 * last line of the last file is written as it is, with or without its
 * newline (it may be being written: verify-audit --live); a line without
 * its newline at the end of an earlier file gets one, and verify-audit
 * then reports it as cut short.
 *
 * Each line is remembered by its SHA-256 (32 bytes) in a table that
 * doubles as it fills.  On standard error: "dedup-audit: N lines, M
 * duplicate(s) left out, K written".  Exit 0, 2 usage, 4 when a file
 * cannot be read or the output cannot be written.
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fgs_cli.h"
#include "core/fgs_sha256.h"


typedef struct {
    u_char      *keys;      /* size entries of 32 bytes; all zero: free */
    size_t       size;      /* a power of two */
    size_t       used;

    FILE        *out;
    uint64_t     lines;
    uint64_t     dups;
} fgs_cli_dedup_t;


#define FGS_CLI_DEDUP_KEY     32
#define FGS_CLI_DEDUP_CHUNK   65536


static int fgs_cli_dedup_file(fgs_cli_dedup_t *d, const char *path,
    int last);
static int fgs_cli_dedup_line(fgs_cli_dedup_t *d, const u_char *line,
    size_t len, int newline);
static int fgs_cli_dedup_seen(fgs_cli_dedup_t *d, const u_char *key);
static int fgs_cli_dedup_grow(fgs_cli_dedup_t *d);
static size_t fgs_cli_dedup_slot(const fgs_cli_dedup_t *d, const u_char *key);
static u_char fgs_cli_dedup_hex(char c);


int
fgs_cli_dedup_audit(int argc, char **argv)
{
    int               i, rc;
    const char       *out;
    fgs_cli_dedup_t   d;

    for (i = 0; i < argc; i++) {
        if (fgs_cli_is_help(argv[i])) {
            fgs_cli_help("dedup-audit", stdout);
            return 0;
        }
    }

    out = NULL;

    if (argc >= 2 && strcmp(argv[0], "--out") == 0) {
        out = argv[1];
        argc -= 2;
        argv += 2;
    }

    if (argc < 1) {
        fgs_cli_help("dedup-audit", stderr);
        return FGS_CLI_USAGE;
    }

    memset(&d, 0, sizeof(fgs_cli_dedup_t));

    d.size = 1 << 16;
    d.keys = calloc(d.size, FGS_CLI_DEDUP_KEY);

    if (d.keys == NULL) {
        fprintf(stderr, "fgs-policy: out of memory\n");
        return FGS_CLI_ERROR;
    }

    d.out = stdout;

    if (out) {
        d.out = fopen(out, "w");

        if (d.out == NULL) {
            fprintf(stderr, "fgs-policy: %s: %s\n", out, strerror(errno));
            free(d.keys);
            return FGS_CLI_ERROR;
        }
    }

    rc = FGS_OK;

    for (i = 0; i < argc && rc == FGS_OK; i++) {
        rc = fgs_cli_dedup_file(&d, argv[i], i == argc - 1);
    }

    if (fflush(d.out) != 0 || ferror(d.out)) {
        if (rc == FGS_OK) {
            fprintf(stderr, "fgs-policy: %s: %s\n", out ? out : "stdout",
                    strerror(errno));
        }

        rc = FGS_ERROR;
    }

    if (out && fclose(d.out) != 0 && rc == FGS_OK) {
        fprintf(stderr, "fgs-policy: %s: %s\n", out, strerror(errno));
        rc = FGS_ERROR;
    }

    free(d.keys);

    if (rc != FGS_OK) {
        return FGS_CLI_ERROR;
    }

    fprintf(stderr, "dedup-audit: %llu lines, %llu duplicate(s) left out, "
            "%llu written\n", (unsigned long long) d.lines,
            (unsigned long long) d.dups,
            (unsigned long long) (d.lines - d.dups));

    return 0;
}


static int
fgs_cli_dedup_file(fgs_cli_dedup_t *d, const char *path, int last)
{
    int          n, errnum;
    u_char      *line, *np;
    char        *buf, *p, *nl, *end;
    size_t       len, cap, want, take;
    gzFile       f;
    const char  *msg;

    errno = 0;

    f = gzopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "fgs-policy: %s: %s\n", path,
                errno ? strerror(errno) : "out of memory");
        return FGS_ERROR;
    }

    buf = malloc(FGS_CLI_DEDUP_CHUNK);
    line = NULL;
    len = 0;
    cap = 0;

    if (buf == NULL) {
        goto nomem;
    }

    while ((n = gzread(f, buf, FGS_CLI_DEDUP_CHUNK)) > 0) {
        p = buf;
        end = buf + n;

        while (p < end) {
            nl = memchr(p, '\n', end - p);
            take = (nl ? nl : end) - p;

            if (len + take > cap) {
                want = cap ? cap : 4096;

                while (want < len + take) {
                    want *= 2;
                }

                np = realloc(line, want);
                if (np == NULL) {
                    goto nomem;
                }

                line = np;
                cap = want;
            }

            memcpy(line + len, p, take);
            len += take;

            if (nl == NULL) {
                break;
            }

            if (fgs_cli_dedup_line(d, line, len, 1) != FGS_OK) {
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
        goto failed;
    }

    /* the last line, without its newline: left so in the last file */

    if (len && fgs_cli_dedup_line(d, line, len, !last) != FGS_OK) {
        goto nomem;
    }

    free(line);
    free(buf);

    if (gzclose(f) != Z_OK) {
        fprintf(stderr, "fgs-policy: %s: cannot be read to its end\n",
                path);
        return FGS_ERROR;
    }

    return FGS_OK;

nomem:

    fprintf(stderr, "fgs-policy: out of memory\n");

failed:

    free(line);
    free(buf);
    (void) gzclose(f);

    return FGS_ERROR;
}


static int
fgs_cli_dedup_line(fgs_cli_dedup_t *d, const u_char *line, size_t len,
    int newline)
{
    int           rc;
    u_char        key[FGS_CLI_DEDUP_KEY];
    char          hex[FGS_SHA256_HEX_LEN + 1];
    unsigned int  i;

    d->lines++;

    if (fgs_sha256_hex(line, len, hex) != FGS_OK) {
        return FGS_ERROR;
    }

    for (i = 0; i < FGS_CLI_DEDUP_KEY; i++) {
        key[i] = (u_char) ((fgs_cli_dedup_hex(hex[2 * i]) << 4)
                           | fgs_cli_dedup_hex(hex[2 * i + 1]));
    }

    /* all zeros marks a free slot: such a key is told by its first byte */
    key[0] |= (key[0] == 0 && key[1] == 0) ? 0x80 : 0;

    rc = fgs_cli_dedup_seen(d, key);

    if (rc == FGS_ERROR) {
        return FGS_ERROR;
    }

    if (rc == FGS_DECLINED) {
        d->dups++;
        return FGS_OK;
    }

    (void) fwrite(line, 1, len, d->out);

    if (newline) {
        (void) fputc('\n', d->out);
    }

    return FGS_OK;
}


/* FGS_DECLINED: seen before; FGS_OK: new, now remembered */

static int
fgs_cli_dedup_seen(fgs_cli_dedup_t *d, const u_char *key)
{
    size_t   i;
    u_char  *slot;

    if ((d->used + 1) * 2 > d->size && fgs_cli_dedup_grow(d) != FGS_OK) {
        return FGS_ERROR;
    }

    i = fgs_cli_dedup_slot(d, key);
    slot = d->keys + i * FGS_CLI_DEDUP_KEY;

    if (slot[0] != 0 || slot[1] != 0) {
        return FGS_DECLINED;
    }

    memcpy(slot, key, FGS_CLI_DEDUP_KEY);
    d->used++;

    return FGS_OK;
}


/* the slot that holds the key, or the free one where it goes */

static size_t
fgs_cli_dedup_slot(const fgs_cli_dedup_t *d, const u_char *key)
{
    size_t         i, mask;
    const u_char  *slot;

    mask = d->size - 1;

    /* the key is a SHA-256: any 8 of its bytes are a good index */
    memcpy(&i, key + 8, sizeof(size_t));
    i &= mask;

    for ( ;; ) {
        slot = d->keys + i * FGS_CLI_DEDUP_KEY;

        if ((slot[0] == 0 && slot[1] == 0)
            || memcmp(slot, key, FGS_CLI_DEDUP_KEY) == 0)
        {
            return i;
        }

        i = (i + 1) & mask;
    }
}


static int
fgs_cli_dedup_grow(fgs_cli_dedup_t *d)
{
    size_t            i, j;
    u_char           *slot;
    fgs_cli_dedup_t   n;

    n = *d;
    n.size = d->size * 2;
    n.keys = calloc(n.size, FGS_CLI_DEDUP_KEY);

    if (n.keys == NULL) {
        return FGS_ERROR;
    }

    for (i = 0; i < d->size; i++) {
        slot = d->keys + i * FGS_CLI_DEDUP_KEY;

        if (slot[0] == 0 && slot[1] == 0) {
            continue;
        }

        j = fgs_cli_dedup_slot(&n, slot);
        memcpy(n.keys + j * FGS_CLI_DEDUP_KEY, slot, FGS_CLI_DEDUP_KEY);
    }

    free(d->keys);
    d->keys = n.keys;
    d->size = n.size;

    return FGS_OK;
}


/* a lowercase hex digit's value */

static u_char
fgs_cli_dedup_hex(char c)
{
    return (u_char) ((c <= '9') ? c - '0' : c - 'a' + 10);
}

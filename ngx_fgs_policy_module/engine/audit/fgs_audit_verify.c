
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Verification of audit files (fgs_audit.h): each line's own hash, and
 * each chain's order across the files given, oldest first.
 *
 * Per line: the line is complete, its hashed part ends with "prev" and
 * is followed by exactly ,"hash":"<64 hex>"}, it is one JSON object
 * without duplicate keys, and the SHA-256 of the hashed part is "hash"
 * (else the line was altered).
 *
 * Per chain (lines of different chains interleave freely): each record
 * follows the chain's previous one, seq + 1 and prev = its hash (else
 * lines were removed, inserted or moved); a chain's first line in a
 * file is seq 1 or a "start" (else lines before it were removed), and a
 * "start" only where no earlier file was given or after a "rotate" in
 * the file just before (else a file is missing: a chain that lives on
 * is in every file of its life); nothing follows a "rotate" or an "end"
 * but a "start" (else a line was inserted); and at the end of the input
 * every chain has ended, or was rotated out of the last file (else
 * lines after its last one were removed, or its writer died), except,
 * with "live", chains in the last file, which may still be written to.
 * An "intent" whose request record never came is a warning, which says
 * why from how the chain ends: that record could not be written, or
 * the writer was stopped before the request ended (the chain ended);
 * or the writer died with the record still in its buffer (the chain
 * stops without an end).
 *
 * After a problem the chain goes on from the line that showed it, so
 * that one altered line is one error and not all that follow.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "fgs_audit.h"


#define FGS_AUDIT_BUCKETS  4096

#define FGS_AUDIT_HASH_MEMBER  (sizeof(",\"hash\":\"\"}") - 1              \
                                + FGS_SHA256_HEX_LEN)
#define FGS_AUDIT_PREV_MEMBER  (sizeof(",\"prev\":\"\"") - 1               \
                                + FGS_SHA256_HEX_LEN)


typedef struct fgs_audit_vchain_s  fgs_audit_vchain_t;

struct fgs_audit_vchain_s {
    char                     id[FGS_AUDIT_CHAIN_LEN + 1];
    int64_t                  worker;
    uint64_t                 seq;
    char                     hash[FGS_SHA256_HEX_LEN + 1];
    uint64_t                 line;      /* of its last record */
    uint32_t                 file;      /* the file of its last record */
    fgs_audit_kind_e         kind;      /* of its last record */
    fgs_audit_vchain_t      *next;      /* in its bucket */
};


typedef struct fgs_audit_intent_s  fgs_audit_intent_t;

struct fgs_audit_intent_s {
    fgs_audit_vchain_t      *chain;
    char                    *request_id;
    uint32_t                 file;
    uint64_t                 line;
    uint64_t                 seq;
    fgs_audit_intent_t      *next;
};


struct fgs_audit_verify_s {
    int                      live;
    fgs_audit_report_pt      report;
    void                    *data;

    char                   **files;
    uint32_t                 nfiles;
    uint32_t                 last_file;     /* the index of the last */
    uint64_t                 line;

    fgs_audit_vchain_t      *chains[FGS_AUDIT_BUCKETS];
    fgs_audit_intent_t      *intents[FGS_AUDIT_BUCKETS];

    fgs_audit_stats_t        stats;
};


/* one line, parsed */
typedef struct {
    fgs_audit_kind_e         kind;
    const char              *chain;
    int64_t                  worker;
    uint64_t                 seq;
    const char              *prev;
    const char              *hash;
    const char              *request_id;
    uint64_t                 intent;    /* a request record's "intent" */
} fgs_audit_fields_t;


static int fgs_audit_fields(fgs_audit_verify_t *v, json_t *j,
    fgs_audit_fields_t *f);
static int fgs_audit_follow(fgs_audit_verify_t *v,
    const fgs_audit_fields_t *f);
static int fgs_audit_note_intent(fgs_audit_verify_t *v,
    fgs_audit_vchain_t *c, const fgs_audit_fields_t *f);
static void fgs_audit_bad_line(fgs_audit_verify_t *v, const u_char *line,
    size_t len);
static const char *fgs_audit_why_no_record(fgs_audit_verify_t *v,
    const fgs_audit_vchain_t *c);
static void fgs_audit_problem(fgs_audit_verify_t *v, fgs_audit_severity_e sev,
    uint32_t file, uint64_t line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__ ((format (printf, 5, 6)))
#endif
    ;
static int fgs_audit_is_hex(const char *s, size_t len);
static uint32_t fgs_audit_bucket(const char *s);


static const char  fgs_audit_zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";


fgs_audit_verify_t *
fgs_audit_verify_create(int live, fgs_audit_report_pt report, void *data)
{
    fgs_audit_verify_t  *v;

    v = calloc(1, sizeof(fgs_audit_verify_t));
    if (v == NULL) {
        return NULL;
    }

    v->live = live;
    v->report = report;
    v->data = data;

    return v;
}


int
fgs_audit_verify_file(fgs_audit_verify_t *v, const char *name, int last)
{
    char  **files;

    files = realloc(v->files, (v->nfiles + 1) * sizeof(char *));
    if (files == NULL) {
        return FGS_ERROR;
    }

    v->files = files;

    files[v->nfiles] = strdup(name);
    if (files[v->nfiles] == NULL) {
        return FGS_ERROR;
    }

    v->nfiles++;
    v->line = 0;

    if (last) {
        v->last_file = v->nfiles - 1;
    }

    return FGS_OK;
}


int
fgs_audit_verify_line(fgs_audit_verify_t *v, const u_char *line, size_t len,
    int newline)
{
    int                  rc;
    char                 hash[FGS_SHA256_HEX_LEN + 1];
    json_t              *j;
    size_t               plen;
    json_error_t         jerr;
    const u_char        *h;
    fgs_audit_fields_t   f;

    if (v->nfiles == 0) {
        return FGS_ERROR;
    }

    v->line++;

    if (!newline && v->live && v->nfiles - 1 == v->last_file) {
        /* a line being written while it was read */
        fgs_audit_problem(v, FGS_AUDIT_WARNING, v->nfiles - 1, v->line,
                          "the last line is incomplete: it was being "
                          "written (--live)");
        return FGS_OK;
    }

    if (!newline) {
        fgs_audit_problem(v, FGS_AUDIT_ERROR, v->nfiles - 1, v->line,
                          "the line is incomplete: the file was cut short, "
                          "or a write did not complete");
        return FGS_OK;
    }

    /* the layout: {...,"prev":"<hex>","hash":"<hex>"} */

    if (len < 1 + FGS_AUDIT_PREV_MEMBER + FGS_AUDIT_HASH_MEMBER) {
        fgs_audit_bad_line(v, line, len);
        return FGS_OK;
    }

    h = line + len - FGS_AUDIT_HASH_MEMBER;

    if (line[0] != '{'
        || memcmp(h, ",\"hash\":\"", 9) != 0
        || !fgs_audit_is_hex((const char *) h + 9, FGS_SHA256_HEX_LEN)
        || memcmp(line + len - 2, "\"}", 2) != 0
        || memcmp(h - FGS_AUDIT_PREV_MEMBER, ",\"prev\":\"", 9) != 0
        || !fgs_audit_is_hex((const char *) h - FGS_AUDIT_PREV_MEMBER + 9,
                             FGS_SHA256_HEX_LEN)
        || h[-1] != '"')
    {
        fgs_audit_bad_line(v, line, len);
        return FGS_OK;
    }

    j = json_loadb((const char *) line, len, JSON_REJECT_DUPLICATES, &jerr);

    if (j == NULL) {
        fgs_audit_problem(v, FGS_AUDIT_ERROR, v->nfiles - 1, v->line,
                          "not an audit record: %s at column %d", jerr.text,
                          jerr.column);
        return FGS_OK;
    }

    rc = fgs_audit_fields(v, j, &f);

    if (rc != FGS_OK) {
        json_decref(j);
        return FGS_OK;
    }

    /* the hashed part: all of the line before ,"hash" */

    plen = h - line;

    if (fgs_sha256_hex(line, plen, hash) != FGS_OK) {
        json_decref(j);
        return FGS_ERROR;
    }

    if (strcmp(hash, f.hash) != 0) {
        fgs_audit_problem(v, FGS_AUDIT_ERROR, v->nfiles - 1, v->line,
                          "the record was altered: its hash does not match "
                          "its content");
    }

    v->stats.records++;

    rc = fgs_audit_follow(v, &f);

    json_decref(j);

    return rc;
}


/*
 * A line that does not end as a record does.  One that begins as a
 * record does was most likely cut short: a write that did not complete
 * (a full file system: the writer then begins its next record on a new
 * line, and that record, not this one, is in the chain), or a line cut
 * by hand.  Either way the file is not as it was written whole.
 */

static void
fgs_audit_bad_line(fgs_audit_verify_t *v, const u_char *line, size_t len)
{
    size_t             n;
    static const char  head[] = "{\"time\":\"";

    /* the write may have stopped within the head itself, even at "{" */

    n = (len < sizeof(head) - 1) ? len : sizeof(head) - 1;

    if (n > 0 && memcmp(line, head, n) == 0) {
        fgs_audit_problem(v, FGS_AUDIT_ERROR, v->nfiles - 1, v->line,
                          "a record cut short: a write that did not "
                          "complete (a full file system), or the line was "
                          "cut");
        return;
    }

    fgs_audit_problem(v, FGS_AUDIT_ERROR, v->nfiles - 1, v->line,
                      "not an audit record: a record ends with its "
                      "\"prev\" and \"hash\" members");
}


/* the members every record has, and request_id for requests and intents */

static int
fgs_audit_fields(fgs_audit_verify_t *v, json_t *j, fgs_audit_fields_t *f)
{
    json_t      *m;
    uint32_t     k;
    const char  *kind, *what;

    memset(f, 0, sizeof(fgs_audit_fields_t));

    what = NULL;

    if (!json_is_object(j)) {
        what = "not a JSON object";
        goto bad;
    }

    kind = json_string_value(json_object_get(j, "kind"));

    for (k = FGS_AUDIT_REQUEST; kind && k <= FGS_AUDIT_END; k++) {
        if (strcmp(kind, fgs_audit_kind_name(k)) == 0) {
            break;
        }
    }

    if (kind == NULL || k > FGS_AUDIT_END) {
        what = "\"kind\" is missing or unknown";
        goto bad;
    }

    f->kind = k;

    f->chain = json_string_value(json_object_get(j, "chain"));

    if (f->chain == NULL || strlen(f->chain) != FGS_AUDIT_CHAIN_LEN
        || !fgs_audit_is_hex(f->chain, FGS_AUDIT_CHAIN_LEN))
    {
        what = "\"chain\" is not a chain id";
        goto bad;
    }

    m = json_object_get(j, "worker");

    if (!json_is_integer(m)) {
        what = "\"worker\" is not a number";
        goto bad;
    }

    f->worker = json_integer_value(m);

    m = json_object_get(j, "seq");

    if (!json_is_integer(m) || json_integer_value(m) < 1) {
        what = "\"seq\" is not a positive integer";
        goto bad;
    }

    f->seq = (uint64_t) json_integer_value(m);

    f->prev = json_string_value(json_object_get(j, "prev"));
    f->hash = json_string_value(json_object_get(j, "hash"));

    if (f->prev == NULL || f->hash == NULL
        || strlen(f->prev) != FGS_SHA256_HEX_LEN
        || strlen(f->hash) != FGS_SHA256_HEX_LEN)
    {
        what = "\"prev\" or \"hash\" is not a hash";
        goto bad;
    }

    if (f->kind == FGS_AUDIT_REQUEST || f->kind == FGS_AUDIT_INTENT) {
        f->request_id = json_string_value(json_object_get(j, "request_id"));
    }

    m = json_object_get(j, "intent");

    if (m != NULL) {
        if (f->kind != FGS_AUDIT_REQUEST || f->request_id == NULL
            || !json_is_integer(m) || json_integer_value(m) < 1)
        {
            what = "\"intent\" is not the seq of a request's intent";
            goto bad;
        }

        f->intent = (uint64_t) json_integer_value(m);
    }

    return FGS_OK;

bad:

    fgs_audit_problem(v, FGS_AUDIT_ERROR, v->nfiles - 1, v->line,
                      "not an audit record: %s", what);

    return FGS_DECLINED;
}


/* the record's place in its chain */

static int
fgs_audit_follow(fgs_audit_verify_t *v, const fgs_audit_fields_t *f)
{
    uint32_t             b, file;
    fgs_audit_vchain_t  *c;

    file = v->nfiles - 1;
    b = fgs_audit_bucket(f->chain);

    for (c = v->chains[b]; c; c = c->next) {
        if (strcmp(c->id, f->chain) == 0) {
            break;
        }
    }

    if (c == NULL) {
        c = calloc(1, sizeof(fgs_audit_vchain_t));
        if (c == NULL) {
            return FGS_ERROR;
        }

        memcpy(c->id, f->chain, FGS_AUDIT_CHAIN_LEN + 1);
        c->next = v->chains[b];
        v->chains[b] = c;
        v->stats.chains++;

        if (f->seq == 1 && strcmp(f->prev, fgs_audit_zero_hash) == 0) {
            /* a new chain */

        } else if (f->kind == FGS_AUDIT_START && file == 0) {
            /* it began in an earlier file, not given */

        } else if (f->kind == FGS_AUDIT_START) {
            fgs_audit_problem(v, FGS_AUDIT_ERROR, file, v->line,
                              "chain %.8s (worker %lld) goes on here from "
                              "a file that is not among those given (it is "
                              "in no earlier one): a file is missing, or "
                              "the files are out of order", f->chain,
                              (long long) f->worker);

        } else {
            fgs_audit_problem(v, FGS_AUDIT_ERROR, file, v->line,
                              "chain %.8s (worker %lld) begins at seq %llu "
                              "with no earlier record: the records before "
                              "this line were removed", f->chain,
                              (long long) f->worker,
                              (unsigned long long) f->seq);
        }

        goto next;
    }

    if (c->file + 1 < file) {
        fgs_audit_problem(v, FGS_AUDIT_ERROR, file, v->line,
                          "chain %.8s (worker %lld) is in %s and here, but "
                          "not in %s: its records there were removed, or "
                          "the files are out of order", c->id,
                          (long long) f->worker, v->files[c->file],
                          v->files[c->file + 1]);

    } else if (c->file != file && f->kind != FGS_AUDIT_START) {
        fgs_audit_problem(v, FGS_AUDIT_ERROR, file, v->line,
                          "chain %.8s (worker %lld) goes on from %s without "
                          "a start record: the records before this line "
                          "were removed", c->id, (long long) f->worker,
                          v->files[c->file]);

    } else if ((c->kind == FGS_AUDIT_END || c->kind == FGS_AUDIT_ROTATE)
               && f->kind != FGS_AUDIT_START)
    {
        fgs_audit_problem(v, FGS_AUDIT_ERROR, file, v->line,
                          "chain %.8s (worker %lld) %s on line %llu, yet "
                          "this record follows without a start: it was "
                          "inserted or moved", c->id, (long long) f->worker,
                          c->kind == FGS_AUDIT_END ? "ended"
                                                   : "was rotated out",
                          (unsigned long long) c->line);

    } else if (f->seq <= c->seq) {
        fgs_audit_problem(v, FGS_AUDIT_ERROR, file, v->line,
                          "chain %.8s (worker %lld): seq %llu repeats or "
                          "goes back after seq %llu on line %llu: a line "
                          "was inserted, copied or moved", c->id,
                          (long long) f->worker, (unsigned long long) f->seq,
                          (unsigned long long) c->seq,
                          (unsigned long long) c->line);

    } else if (f->seq > c->seq + 1 && c->file != file) {
        fgs_audit_problem(v, FGS_AUDIT_ERROR, file, v->line,
                          "chain %.8s (worker %lld) goes on at seq %llu, "
                          "but its last record in %s (line %llu) is seq "
                          "%llu: a file between them is missing, or "
                          "records were removed", c->id,
                          (long long) f->worker, (unsigned long long) f->seq,
                          v->files[c->file], (unsigned long long) c->line,
                          (unsigned long long) c->seq);

    } else if (f->seq > c->seq + 1) {
        fgs_audit_problem(v, FGS_AUDIT_ERROR, file, v->line,
                          "chain %.8s (worker %lld): seq %llu follows seq "
                          "%llu on line %llu: %llu record(s) before this "
                          "line were removed or moved", c->id,
                          (long long) f->worker, (unsigned long long) f->seq,
                          (unsigned long long) c->seq,
                          (unsigned long long) c->line,
                          (unsigned long long) (f->seq - c->seq - 1));

    } else if (strcmp(f->prev, c->hash) != 0) {
        fgs_audit_problem(v, FGS_AUDIT_ERROR, file, v->line,
                          "chain %.8s (worker %lld): \"prev\" is not the "
                          "hash of the record on line %llu: this line was "
                          "replaced or inserted", c->id,
                          (long long) f->worker,
                          (unsigned long long) c->line);
    }

next:

    c->worker = f->worker;
    c->seq = f->seq;
    memcpy(c->hash, f->hash, FGS_SHA256_HEX_LEN + 1);
    c->line = v->line;
    c->file = file;
    c->kind = f->kind;

    return fgs_audit_note_intent(v, c, f);
}


/* an intent waits for the request record with its request_id */

static int
fgs_audit_note_intent(fgs_audit_verify_t *v, fgs_audit_vchain_t *c,
    const fgs_audit_fields_t *f)
{
    uint32_t             b;
    fgs_audit_intent_t  *in, **pin;

    if (f->request_id == NULL) {
        return FGS_OK;
    }

    b = fgs_audit_bucket(f->request_id);

    if (f->kind == FGS_AUDIT_REQUEST) {

        for (pin = &v->intents[b]; *pin; pin = &(*pin)->next) {
            in = *pin;

            if (in->chain == c && strcmp(in->request_id, f->request_id) == 0)
            {
                break;
            }
        }

        in = *pin;

        /*
         * A request record that refers to its intent (instead of
         * repeating it) is written only where the intent is earlier in
         * the same file and chain: elsewhere, or at another seq, a line
         * was removed, moved or altered
         */

        if (f->intent
            && (in == NULL || in->seq != f->intent
                || in->file != v->nfiles - 1))
        {
            fgs_audit_problem(v, FGS_AUDIT_ERROR, v->nfiles - 1, v->line,
                              "the request record of request %.64s refers "
                              "to its intent at seq %llu, which chain %.8s "
                              "does not hold before it in this file: a "
                              "line was removed, moved or altered",
                              f->request_id, (unsigned long long) f->intent,
                              c->id);
        }

        if (in != NULL) {
            *pin = in->next;
            free(in->request_id);
            free(in);
        }

        return FGS_OK;
    }

    in = malloc(sizeof(fgs_audit_intent_t));
    if (in == NULL) {
        return FGS_ERROR;
    }

    in->request_id = strdup(f->request_id);
    if (in->request_id == NULL) {
        free(in);
        return FGS_ERROR;
    }

    in->chain = c;
    in->file = v->nfiles - 1;
    in->line = v->line;
    in->seq = f->seq;
    in->next = v->intents[b];
    v->intents[b] = in;

    return FGS_OK;
}


int
fgs_audit_verify_finish(fgs_audit_verify_t *v, fgs_audit_stats_t *stats)
{
    uint32_t             b;
    fgs_audit_vchain_t  *c;
    fgs_audit_intent_t  *in;

    for (b = 0; b < FGS_AUDIT_BUCKETS; b++) {

        for (c = v->chains[b]; c; c = c->next) {

            if (c->kind == FGS_AUDIT_END
                || (c->kind == FGS_AUDIT_ROTATE && c->file == v->nfiles - 1))
            {
                /* ended, or goes on in a later file, not given */
                v->stats.sealed++;
                continue;
            }

            if (c->kind == FGS_AUDIT_ROTATE) {
                fgs_audit_problem(v, FGS_AUDIT_ERROR, c->file, c->line,
                                  "chain %.8s (worker %lld) was rotated "
                                  "out of this file but is in no later "
                                  "one given: its records in the next file "
                                  "were removed, or that file is missing",
                                  c->id, (long long) c->worker);
                continue;
            }

            if (v->live && c->file == v->last_file) {
                v->stats.open++;
                continue;
            }

            fgs_audit_problem(v, FGS_AUDIT_ERROR, c->file, c->line,
                              "chain %.8s (worker %lld) stops at seq %llu "
                              "without an end record: the records after "
                              "this line were removed, or the worker did "
                              "not exit normally", c->id,
                              (long long) c->worker,
                              (unsigned long long) c->seq);
        }

        for (in = v->intents[b]; in; in = in->next) {
            v->stats.intents_open++;

            if (v->live && in->chain->file == v->last_file
                && in->chain->kind != FGS_AUDIT_END)
            {
                /* still in flight */
                continue;
            }

            fgs_audit_problem(v, FGS_AUDIT_WARNING, in->file, in->line,
                              "the intent of request %.64s has no request "
                              "record: %s", in->request_id,
                              fgs_audit_why_no_record(v, in->chain));
        }
    }

    *stats = v->stats;

    return (v->stats.errors == 0) ? FGS_OK : FGS_DECLINED;
}


/*
 * Why an intent's request record is missing, from how its chain ends
 * (docs/audit.md, "Buffering"): a writer keeps request records in a
 * buffer for a while and writes them with the record that ends or
 * rotates its chain, so only a writer that stopped without ending its
 * chain loses them; one that ended it wrote all it had.
 */

static const char *
fgs_audit_why_no_record(fgs_audit_verify_t *v, const fgs_audit_vchain_t *c)
{
    if (c->kind == FGS_AUDIT_END) {
        return "the worker ended its chain without it, so it could not be "
               "written (the error log has an alert for it), or nginx was "
               "stopped before the request ended";
    }

    if (c->kind == FGS_AUDIT_ROTATE && c->file == v->nfiles - 1) {
        return "its chain goes on in a later file, not given, which may "
               "hold it";
    }

    return "the worker stopped without ending its chain (killed, or it "
           "crashed), and request records that waited in its buffer "
           "(fgs_policy_audit_log buffer=, flush=) were lost with it; "
           "intents never wait so";
}


void
fgs_audit_verify_free(fgs_audit_verify_t *v)
{
    uint32_t             b, i;
    fgs_audit_vchain_t  *c, *cn;
    fgs_audit_intent_t  *in, *inn;

    if (v == NULL) {
        return;
    }

    for (b = 0; b < FGS_AUDIT_BUCKETS; b++) {

        for (c = v->chains[b]; c; c = cn) {
            cn = c->next;
            free(c);
        }

        for (in = v->intents[b]; in; in = inn) {
            inn = in->next;
            free(in->request_id);
            free(in);
        }
    }

    for (i = 0; v->files && i < v->nfiles; i++) {
        free(v->files[i]);
    }

    free(v->files);
    free(v);
}


static void
fgs_audit_problem(fgs_audit_verify_t *v, fgs_audit_severity_e sev,
    uint32_t file, uint64_t line, const char *fmt, ...)
{
    char     msg[512];
    va_list  args;

    if (sev == FGS_AUDIT_ERROR) {
        v->stats.errors++;

    } else {
        v->stats.warnings++;
    }

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    v->report(v->data, sev, (file < v->nfiles) ? v->files[file] : "?", line,
              msg);
}


static int
fgs_audit_is_hex(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }

    return 1;
}


/* FNV-1a */

static uint32_t
fgs_audit_bucket(const char *s)
{
    uint32_t  h;

    for (h = 2166136261u; *s; s++) {
        h = (h ^ (u_char) *s) * 16777619u;
    }

    return h % FGS_AUDIT_BUCKETS;
}

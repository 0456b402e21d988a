
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The audit trail (docs/audit.md, "A record" and "The chain"): one JSON
 * line per record, each line chained to the one before it by SHA-256, one
 * chain per writer (an nginx worker process) and destination.
 *
 * A line is
 *
 *   {"time":...,"kind":...,...,"chain":"C","worker":W,"seq":S,
 *    "prev":"P","hash":"H"}\n
 *
 * where H is the SHA-256, in lowercase hex, of the line's bytes from its
 * "{" up to and including the closing quote of the "prev" value: all of
 * the record but its hash, and the previous record's hash P within it.
 * "hash" is always the last member and "prev" the one before it, so
 * that the hashed bytes are found without parsing.  Every string is
 * JSON-escaped (fgs_json_escape): no byte of a request can end a line.
 *
 * Chains.  C is a random id drawn when a writer starts its chain; S
 * counts the chain's records from 1; P of the first record is 64 zeros.
 * Kinds:
 *
 *   request   a governed request, written once its status is known;
 *   intent    written before a request is forwarded, when writes must
 *             succeed for a request to go on (fgs_policy_audit_fail
 *             closed); the request record follows when it ends;
 *   start     the first record of a chain in a file after a "rotate";
 *   rotate    the file is being reopened (rotation): the chain goes on
 *             in the next file, with a "start";
 *   end       the writer exits: the chain ends.
 *
 * A writer seals every file it has a chain in when the file is reopened
 * or the writer exits: "start" (unless the chain already has a record
 * in the file) and "rotate" or "end".  So every chain's run of lines in
 * one file begins with seq 1 or a "start" and ends with "rotate" or
 * "end" (unless its writer is still running, or died), and a chain that
 * lives on across a rotation is in every file of its life:
 * fgs_audit_verify_*() verify exactly that, and the chain.
 */


#ifndef _FGS_AUDIT_H_INCLUDED_
#define _FGS_AUDIT_H_INCLUDED_


#include <time.h>

#include "core/fgs_common.h"
#include "core/fgs_api.h"
#include "json/fgs_json.h"
#include "policy/fgs_policy.h"
#include "identity/fgs_identity.h"
#include "core/fgs_sha256.h"


#define FGS_AUDIT_CHAIN_LEN   32        /* hex digits of a chain id */

/*
 * The smallest line buffer fgs_audit_line() writes into: it holds every
 * member but the lists' items whatever the strings (about 4.8 KB).
 */
#define FGS_AUDIT_MIN_LINE    6144


typedef enum {
    FGS_AUDIT_REQUEST = 0,
    FGS_AUDIT_INTENT,
    FGS_AUDIT_START,
    FGS_AUDIT_ROTATE,
    FGS_AUDIT_END
} fgs_audit_kind_e;


/* the most bytes of a record's "changes" */
#define FGS_AUDIT_CHANGES_MAX  8192


/*
 * What a record says.  Strings need not be NUL-terminated (fgs_str_t)
 * or are NUL-terminated (const char *); NULL or empty ones are written
 * as null.  "start", "rotate" and "end" records have no request fields.
 */

typedef struct {
    fgs_audit_kind_e         kind;
    time_t                   sec;           /* when it is written */
    unsigned                 msec;

    fgs_str_t                request_id;
    fgs_str_t                client;
    fgs_str_t                method;
    fgs_str_t                uri;           /* without the query */
    fgs_op_e                 op;
    fgs_str_t                project_id;
    fgs_str_t                function_urn;

    const fgs_identity_t    *identity;      /* NULL: none */
    const fgs_policy_t      *policy;        /* names the principals */
    fgs_str_t                changes;       /* fgs_audit_changes() */
    unsigned                 changes_cut:1;

    fgs_decision_e           decision;
    fgs_mode_e               mode;
    const char              *error_code;
    const char              *error_msg;

    /* enforced violations, or the API reference's (rule NULL) */
    const fgs_violation_t   *violations;
    const fgs_violation_t   *audited;       /* of audit-mode rules */
    const fgs_rule_note_t   *waived;        /* action: the exception */
    const fgs_rule_note_t   *rewrites;

    int64_t                  body_bytes;    /* < 0: not read whole */

    /* these hashes and policy_sha256: NULL, or 64 hex digits and a NUL */
    const char              *body_sha256;
    const char              *forwarded_sha256;

    /* request records only */
    uint64_t                 intent_seq;    /* > 0: the seq of this
                                               request's intent in the
                                               same chain and file, which
                                               the record refers to
                                               instead of repeating it */
    int                      status;        /* sent to the client */
    int                      upstream_status;   /* 0: no answer */
    fgs_str_t                upstream_request_id;   /* FunctionGraph's
                                                       X-Request-Id */
    unsigned                 forwarded:1;   /* the upstream was tried */

    const char              *policy_sha256;
} fgs_audit_record_t;


/* one writer's chain in one destination */
typedef struct {
    char                     id[FGS_AUDIT_CHAIN_LEN + 1];
    int64_t                  worker;
    uint64_t                 seq;           /* of the last record written;
                                               0 before the first */
    char                     prev[FGS_SHA256_HEX_LEN + 1];
} fgs_audit_chain_t;


/*
 * The "changes" of a record: the non-secret fields of doc, a body sent
 * to endpoint api, walked over its model, with the policy's rewrites
 * laid over it, as one compact JSON object in a's memory
 * (fgs_audit_changes.c says what is left out and cut).  out is empty for
 * an endpoint without a body.  Returns
 * FGS_OK or FGS_ERROR (no memory); *cut is 1 when something was cut.
 */
int fgs_audit_changes(const fgs_json_doc_t *doc, fgs_api_e api,
    const fgs_rule_note_t *rewrites, fgs_alloc_t *a, fgs_str_t *out,
    int *cut);

/*
 * Whether s[0, len) is printable ASCII that a JSON string holds as it
 * is: no control character, DEL, '"', '\\' or byte from 0x80, so that
 * fgs_json_escape() would copy it unchanged.  Most of what a record says
 * is: the line is then built with memcpy() instead of the escaper's
 * byte-at-a-time walk.
 */
int fgs_audit_plain(const u_char *s, size_t len);

/* a key whose name says it holds a credential ("password", "token") */
int fgs_audit_secret_name(const char *key, size_t len);


/* a new chain with a random id; FGS_ERROR when no randomness is had */
int fgs_audit_chain_init(fgs_audit_chain_t *chain, int64_t worker);

/*
 * Writes rec as the chain's next line (seq + 1, prev) into buf, at most
 * size bytes.  Returns the line's length, '\n' included, and its hash
 * in hash (65 bytes); or 0 when size is below FGS_AUDIT_MIN_LINE or
 * hashing failed.  A record never exceeds size: long strings are cut at
 * fixed limits, list items that do not fit are left out, and the record
 * then carries "truncated":true.  The chain does not change:
 * fgs_audit_chain_next() moves it on once the line is written, so that
 * a line that could not be written leaves no gap.
 */
size_t fgs_audit_line(u_char *buf, size_t size, const fgs_audit_record_t *rec,
    const fgs_audit_chain_t *chain, char *hash);
void fgs_audit_chain_next(fgs_audit_chain_t *chain, const char *hash);

const char *fgs_audit_kind_name(fgs_audit_kind_e kind);


/*
 * The verifier behind "fgs-policy verify-audit FILE...": files are fed
 * in order, oldest first, line by line.  Every problem is reported
 * through report() with the file, the line number and one sentence;
 * errors are evidence of tampering (or of a damaged file), warnings are
 * not.
 */

typedef enum {
    FGS_AUDIT_WARNING = 0,
    FGS_AUDIT_ERROR
} fgs_audit_severity_e;


typedef struct fgs_audit_verify_s  fgs_audit_verify_t;

typedef void (*fgs_audit_report_pt)(void *data, fgs_audit_severity_e sev,
    const char *file, uint64_t line, const char *msg);


typedef struct {
    uint64_t                 records;
    uint64_t                 chains;
    uint64_t                 sealed;        /* chains that ended, or were
                                               rotated out of the last
                                               file */
    uint64_t                 open;          /* chains still being written */
    uint64_t                 intents_open;  /* intents with no record */
    uint64_t                 errors;
    uint64_t                 warnings;
} fgs_audit_stats_t;


/*
 * live: the last file may still be written to, so a chain that has not
 * ended there is open, not cut short.  Returns NULL when out of memory.
 */
fgs_audit_verify_t *fgs_audit_verify_create(int live,
    fgs_audit_report_pt report, void *data);

/*
 * Begins the next file (before its first line); last: no file follows.
 * Returns FGS_OK, or FGS_ERROR when memory ran out.
 */
int fgs_audit_verify_file(fgs_audit_verify_t *v, const char *name,
    int last);

/*
 * One line without its '\n' (newline: 0 when the file ended without
 * one).  Returns FGS_OK, or FGS_ERROR when memory ran out or no file
 * was begun.
 */
int fgs_audit_verify_line(fgs_audit_verify_t *v, const u_char *line,
    size_t len, int newline);

/* what only the whole input can tell; fills stats */
int fgs_audit_verify_finish(fgs_audit_verify_t *v, fgs_audit_stats_t *stats);
void fgs_audit_verify_free(fgs_audit_verify_t *v);


#endif /* _FGS_AUDIT_H_INCLUDED_ */


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The organisation's policy (docs/policy-language.md): loaded and
 * compiled once, at configuration time, with jansson and PCRE2
 * (load/fgs_load.h); evaluated per request on the scanner's tape, without
 * jansson and without allocating match data (this header).  A loaded
 * policy does not change after loading, but each of its patterns carries
 * the PCRE2 match data it is matched with: a policy is used by one thread
 * at a time.  nginx workers are single-threaded (a worker shares its
 * policy among all its requests, each evaluated without suspending) and
 * so is the CLI; a multi-threaded user loads one policy per thread.
 */


#ifndef _FGS_POLICY_H_INCLUDED_
#define _FGS_POLICY_H_INCLUDED_


#include <time.h>

#include "core/fgs_common.h"
#include "json/fgs_json.h"
#include "target/fgs_target.h"


typedef struct fgs_policy_s  fgs_policy_t;


typedef enum {
    FGS_MODE_UNSET = 0,         /* the file's (or the rule's) mode */
    FGS_MODE_ENFORCE,
    FGS_MODE_AUDIT
} fgs_mode_e;


typedef enum {
    FGS_OTHER_ALLOW = 0,
    FGS_OTHER_AUDIT,
    FGS_OTHER_DENY
} fgs_other_writes_e;


typedef enum {
    FGS_DECISION_ALLOW = 0,
    FGS_DECISION_REWRITE,       /* forwarded after mutation */
    FGS_DECISION_AUDIT,         /* violations of audit-mode rules only */
    FGS_DECISION_DENY,
    FGS_DECISION_ERROR          /* rejected before policy */
} fgs_decision_e;


/*
 * Releases a policy that fgs_policy_load() (load/fgs_load.h) made, with
 * its compiled patterns.
 */
void fgs_policy_free(fgs_policy_t *policy);

/* the SHA-256 of the file's bytes, 64 lowercase hex digits */
const char *fgs_policy_sha256(const fgs_policy_t *policy);
fgs_mode_e fgs_policy_mode(const fgs_policy_t *policy);
fgs_other_writes_e fgs_policy_other_writes(const fgs_policy_t *policy);

/* "unknown_fields": "audit": a field the reference does not define is
   audited rather than refused */
int fgs_policy_unknown_audit(const fgs_policy_t *policy);
const char *fgs_policy_decision_name(fgs_decision_e decision);

/* what the policy holds, for "fgs-policy check" and logs */
uint32_t fgs_policy_nrules(const fgs_policy_t *policy);
uint32_t fgs_policy_nexceptions(const fgs_policy_t *policy);

/* the id and expiry of exception i, or NULL when i is past the last */
const char *fgs_policy_exception(const fgs_policy_t *policy, uint32_t i,
    time_t *expires);

/*
 * The j-th exception that waives rule i, both in file order: its id,
 * with the rule's id in *rule and its expiry in *expires; NULL when i or
 * j is past the last (for the module's per-exception expiry metric).
 */
const char *fgs_policy_waiver(const fgs_policy_t *policy, uint32_t i,
    uint32_t j, const char **rule, time_t *expires);

/*
 * What a loaded policy should tell its operator: an exception that has
 * expired (it waives nothing any more) or that expires within the
 * policy's warning window ("expiry_warning_days", 14 by default).  Calls
 * warn once per warning, exception by exception in file order, with the
 * exception's id and one sentence; returns how many there were.  nginx
 * logs each at NGX_LOG_WARN on nginx -t, start and reload; fgs-policy
 * check prints them.  Reads the clock it is given, nothing else.
 */
typedef void (*fgs_policy_warn_pt)(void *data, const char *exception,
    const char *message);

uint32_t fgs_policy_warnings(const fgs_policy_t *policy, time_t now,
    fgs_policy_warn_pt warn, void *data);

/* the warning window in seconds */
time_t fgs_policy_warn_window(const fgs_policy_t *policy);

/* "2027-03-31T00:00:00Z" into buf (at least 21 bytes) */
void fgs_policy_format_time(time_t t, char *buf, size_t len);

/*
 * Parses an RFC 3339 date-time ("2027-03-31T00:00:00Z", an offset such
 * as "+08:00", an optional fraction).  Returns FGS_OK or FGS_DECLINED.
 */
int fgs_policy_parse_time(const u_char *s, size_t len, time_t *out);


/* one replacement of body[off, off + len) with data[0, data_len) */
typedef struct {
    size_t          off;
    size_t          len;
    const u_char   *data;
    size_t          data_len;
} fgs_edit_t;


/* a list of rule ids with a field and an action, for audit and metrics */
typedef struct fgs_rule_note_s  fgs_rule_note_t;

struct fgs_rule_note_s {
    const char             *rule;
    const char             *field;      /* rewrites: the field */
    const char             *action;     /* rewrites: "set", "set_default",
                                           "remove"; waivers: exception
                                           id */
    const fgs_json_doc_t   *value_doc;  /* rewrites: the value written
                                           ("set", "set_default"), the
                                           node value_node of the
                                           policy's own tape */
    uint32_t                value_node;
    fgs_rule_note_t        *next;
};


/*
 * Who sent a request, as the policy's "principals" read it
 * (docs/policy-language.md, "Principals"): what the credentials that
 * FunctionGraph verifies name (engine/identity/fgs_identity.h reads
 * them).  Empty strings name nothing.
 */
typedef struct {
    fgs_str_t               access_key;
    fgs_str_t               user_name;
    fgs_str_t               user_id;
    fgs_str_t               domain_id;
    fgs_str_t               domain_name;
    fgs_str_t               agency;
} fgs_claims_t;

/* principals of one policy: the bits of a 64-bit mask */
#define FGS_POLICY_MAX_PRINCIPALS  64

/*
 * The principals whose lists name the caller, as a mask: bit i for the
 * policy's principal i (file order).  0 for a caller none names.
 */
uint64_t fgs_policy_principals(const fgs_policy_t *policy,
    const fgs_claims_t *claims);

/* the name of principal i, or NULL when i is past the last */
const char *fgs_policy_principal_name(const fgs_policy_t *policy,
    uint32_t i);


typedef struct {
    fgs_op_e                op;
    const fgs_target_t     *target;     /* the parsed request target */
    const fgs_json_doc_t   *doc;        /* the scanned body; NULL for
                                           "other" writes */
    fgs_mode_e              mode;       /* fgs_policy_mode, or UNSET */
    time_t                  now;        /* for exception expiry */
    uint64_t                principals; /* the caller's, as
                                           fgs_policy_principals() */
    unsigned                signed_body:1;  /* AK/SK signature covers the
                                               body (no UNSIGNED-PAYLOAD) */
} fgs_eval_input_t;


typedef struct {
    fgs_decision_e          decision;
    int                     status;         /* 200 when forwarded */
    const char             *error_code;     /* "FGSPOL.4030", "FGSPOL.4031",
                                               NULL when forwarded */
    const char             *error_msg;      /* one sentence, when denied */

    fgs_violations_t        violations;     /* enforced ones (deny) */
    fgs_violations_t        audited;        /* violations of audit-mode
                                               rules, forwarded anyway */
    fgs_rule_note_t        *rewrites;
    fgs_rule_note_t        *waived;
    fgs_rule_note_t        *applied;        /* every rule that applied,
                                               in file order */

    fgs_edit_t             *edits;          /* sorted by off, disjoint */
    uint32_t                nedits;
    size_t                  new_len;        /* body length after edits */
} fgs_eval_t;


/*
 * Copies what an evaluation leaves for after the decision (the message,
 * the violations, the notes, the edits and their bytes) into a's memory,
 * so that the memory the evaluation worked in (the body's tape, its key
 * tables, unescaped copies) can be released as soon as the decision is
 * made (docs/performance.md, "Memory").  The strings of the policy are not
 * copied: the policy outlives every request.  applied is left NULL: only
 * the CLI, which keeps its memory, reads it.  Returns FGS_OK or FGS_ERROR.
 */
int fgs_eval_keep(fgs_eval_t *e, fgs_alloc_t *a);


/*
 * What evaluation means, in full (docs/policy-language.md, "Evaluation
 * and decisions", says it for policy authors):
 *
 * - scope: a rule applies when its operations include the request's
 *   ("other" is not a rule operation: other writes carry no body and
 *   only other_writes decides them), every part of its match holds, and
 *   every "when" check holds on the body as sent (so which rules apply
 *   never depends on another rule's mutation).  code and config are
 *   matched on the URN; create on the body's func_name and package
 *   ("default" when absent); a URN without a version, and a new
 *   function, are version "latest";
 * - exceptions: a live one (now < expires) whose match holds waives the
 *   rule entirely: it neither mutates nor checks, and is listed in
 *   waived (rule, exception id), not in applied;
 * - values: an absent field passes every check but required; null is
 *   "not set": it fails required, counts as set for forbidden, and
 *   passes the value checks (in, pattern, min, ...); type applies to it.
 *   "[*]" applies a check to every element; an absent or null array has
 *   none; a value that is not an array there is a violation;
 * - mutations, per rule: set_default, then set, then remove, each in the
 *   file's order.  set_default fills a missing or null field, creating
 *   missing (or null) parents as objects; set leaves an equal value
 *   alone (the body stays byte for byte); remove deletes a present
 *   field.  A parent that is present but not an object is a violation of
 *   the rule.  An audit-mode rule changes nothing: what it would do is an
 *   audited violation, and every check reads the body that is forwarded;
 * - modes: in->mode, else the rule's, else the file's;
 * - messages quote the offending value, cut at 64 bytes and escaped,
 *   except for user_data, encrypted_user_data and func_code.file, and
 *   never what a not_pattern matched;
 * - a pattern that cannot be matched (PCRE2's match limit) fails closed:
 *   a violation for pattern and not_pattern, a "when" that holds, a
 *   match that scopes the rule in, an exception that waives nothing;
 * - decision: deny (403 FGSPOL.4030) on any enforced violation; with
 *   edits on a signed body, deny with one violation per field the caller
 *   must set itself (FGSPOL.4031 when that is the only reason); else
 *   rewrite when there are edits; else audit on audited violations;
 *   else allow.  A denial carries no edits and no rewrites; error_msg is
 *   "denied by policy: RULE: MESSAGE" of the first violation, plus
 *   " (and N more)".
 *
 * Evaluates every applicable rule: mutations first (file order), then
 * checks on the mutated body, collecting every violation.  Returns FGS_OK
 * with out filled, or FGS_ERROR (no memory, or a body that is missing
 * for code, config or create: the caller rejects with FGSPOL.5000).
 * Uses no lock and no global state, allocates only from a, and neither
 * copies nor rescans the body: its cost grows with the number of fields
 * the policy reads, not with the size of the body.  Not reentrant for
 * one policy (see above).
 */
int fgs_policy_eval(const fgs_policy_t *policy, const fgs_eval_input_t *in,
    fgs_eval_t *out, fgs_alloc_t *a);

/*
 * Why a request was decided so, for "fgs-policy eval --explain": after
 * fgs_policy_eval() with the same input, calls print once per line, rule
 * by rule in file order: whether the rule is for the operation, whether
 * its match and each "when" held, each exception's effect (waives the
 * rule, expired, does not match), each mutation's and each check's
 * outcome.  Never used on the request path.  FGS_OK or FGS_ERROR (no
 * memory).
 */
typedef void (*fgs_policy_print_pt)(void *data, const char *line);

int fgs_policy_explain(const fgs_policy_t *policy, const fgs_eval_input_t *in,
    const fgs_eval_t *out, fgs_alloc_t *a, fgs_policy_print_pt print,
    void *data);

/*
 * What a policy holds, for coverage: the id of rule i (NULL past the
 * last), the path of its check j (NULL past the last), and whether a
 * violation's field ("func_mounts[2].mount_type") is one of a check's
 * path ("func_mounts[*].mount_type").
 */
const char *fgs_policy_rule_id(const fgs_policy_t *policy, uint32_t i);
const char *fgs_policy_rule_check(const fgs_policy_t *policy, uint32_t i,
    uint32_t j);
int fgs_policy_field_of(const char *path, const char *field);

/*
 * Writes body with edits applied (sorted, disjoint, as fgs_eval_t holds
 * them) to out, which has room for the new length; returns the bytes
 * written.  For the CLI and the tests; the module streams the edits.
 */
size_t fgs_edits_apply(const u_char *body, size_t len,
    const fgs_edit_t *edits, uint32_t nedits, u_char *out);


#endif /* _FGS_POLICY_H_INCLUDED_ */

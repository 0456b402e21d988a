
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The policy stage's own types: a compiled policy, its rules, checks,
 * paths and mutations, and the view of a mutated body that checks read;
 * and the functions evaluation is made of.  The load (load/) includes
 * this header too, as it builds what evaluation reads; nothing here
 * calls into the load.  The stages above include fgs_policy.h only.
 */


#ifndef _FGS_POLICY_INT_H_INCLUDED_
#define _FGS_POLICY_INT_H_INCLUDED_


#define PCRE2_CODE_UNIT_WIDTH  8
#include <pcre2.h>

#include "fgs_policy.h"


#define FGS_POLICY_MAX_FILE    (16 * 1024 * 1024)
#define FGS_POLICY_MAX_ID      64
#define FGS_POLICY_MAX_KEY     64
#define FGS_POLICY_MAX_SEGS    16
#define FGS_POLICY_ECHO_MAX    64       /* bytes of a value in a message */
#define FGS_POLICY_LIST_MAX    12       /* values listed in a message */
#define FGS_POLICY_ROOT_KEYS   64       /* top-level keys found in one pass */
#define FGS_POLICY_ROOT_HASH   64       /* buckets of those keys */
#define FGS_POLICY_WARN_DAYS   14       /* expiry_warning_days */


/* a compiled PCRE2 pattern with the match data it is matched with */

typedef struct fgs_regex_s  fgs_regex_t;

struct fgs_regex_s {
    const char              *source;        /* as written */
    pcre2_code              *code;
    pcre2_match_data        *md;
    pcre2_match_context     *mctx;          /* the policy's */
    unsigned                 jit:1;         /* JIT-compiled */

    /*
     * A pattern that is a plain string, maybe anchored ("^prod-",
     * "^legacy-billing$"), is matched by comparing bytes, as PCRE2 would
     * match it.
     */
    unsigned                 literal:1;
    unsigned                 lit_start:1;   /* "^" */
    unsigned                 lit_end:1;     /* "$" */
    const u_char            *lit;
    size_t                   lit_len;

    fgs_regex_t             *next;          /* every regex of a policy */
};


typedef enum {
    FGS_REGEX_NOMATCH = 0,
    FGS_REGEX_MATCH,
    FGS_REGEX_FAILED            /* match limit, bad UTF-8: fail closed */
} fgs_regex_result_e;


/*
 * A path: dotted keys with "[*]" for every element of an array.  A
 * segment with key NULL is a "[*]".
 */

typedef struct {
    const char              *key;
    uint32_t                 key_len;
} fgs_path_seg_t;


typedef struct {
    const char              *text;          /* as written in the policy */
    fgs_path_seg_t          *segs;
    uint32_t                 nsegs;
    uint32_t                 root_key;      /* 1 + the index of its first
                                               key in the policy's
                                               root_keys; 0: none */
    unsigned                 wildcard:1;
    unsigned                 secret:1;      /* never echo its value */
} fgs_path_t;


/* a value of an "in" or "not_in" list */

typedef struct {
    uint8_t                  type;          /* STRING, INTEGER (any
                                               number), TRUE, FALSE,
                                               NULL */
    long double              num;
    fgs_str_t                str;
} fgs_scalar_t;


#define FGS_CHECK_REQUIRED           0x0001
#define FGS_CHECK_FORBIDDEN          0x0002
#define FGS_CHECK_TYPE               0x0004
#define FGS_CHECK_IN                 0x0008
#define FGS_CHECK_NOT_IN             0x0010
#define FGS_CHECK_PATTERN            0x0020
#define FGS_CHECK_NOT_PATTERN        0x0040
#define FGS_CHECK_MIN                0x0080
#define FGS_CHECK_MAX                0x0100
#define FGS_CHECK_MAX_LENGTH         0x0200
#define FGS_CHECK_MAX_DECODED_BYTES  0x0400


typedef struct {
    fgs_path_t               path;
    uint32_t                 has;           /* FGS_CHECK_* */
    uint32_t                 types;         /* 1 << fgs_json_type_e */
    const char              *types_text;    /* "integer or null" */
    fgs_scalar_t            *in;
    uint32_t                 nin;
    const char              *in_text;       /* "a, b, c" */
    fgs_scalar_t            *not_in;
    uint32_t                 nnot_in;
    const char              *not_in_text;
    fgs_regex_t             *pattern;
    fgs_regex_t             *not_pattern;
    long double              min;
    long double              max;
    const char              *min_text;
    const char              *max_text;
    uint64_t                 max_length;
    uint64_t                 max_decoded;
} fgs_check_t;


/*
 * A value a mutation writes: compact JSON made at load time, scanned
 * into its own tape as the member "v" of a wrapper object so that checks
 * read it like any other part of the body.
 */

typedef struct {
    fgs_json_doc_t           doc;           /* {"v":VALUE} */
    uint32_t                 node;          /* VALUE's node */
    const u_char            *json;          /* VALUE's compact JSON */
    size_t                   len;
} fgs_value_t;


typedef enum {
    FGS_MUT_SET_DEFAULT = 0,
    FGS_MUT_SET,
    FGS_MUT_REMOVE
} fgs_mut_e;

/* the policy's name of each action, by fgs_mut_e */
extern const char  *fgs_mutate_names[];


typedef struct {
    fgs_mut_e                action;
    fgs_path_t               path;          /* never has a "[*]" */
    const fgs_value_t       *value;         /* NULL for remove */
    const char              *value_text;    /* for messages */
} fgs_mutation_t;


/* the scope of a rule or an exception: every part given must match */

typedef struct {
    fgs_str_t               *projects;
    uint32_t                 nprojects;
    fgs_regex_t             *function;
    fgs_regex_t             *package;
    fgs_regex_t             *version;
    uint64_t                 principals;    /* "principal": any of them */
    uint64_t                 not_principals;    /* "not_principal": none */
} fgs_match_t;


typedef struct fgs_exception_s  fgs_exception_t;

typedef struct {
    const char              *id;
    uint32_t                 ops;           /* 1 << fgs_op_e */
    fgs_mode_e               mode;          /* UNSET: the file's */
    fgs_match_t              match;
    fgs_check_t             *when;
    uint32_t                 nwhen;
    fgs_check_t             *checks;
    uint32_t                 nchecks;
    fgs_mutation_t          *muts;          /* set_default, set, remove */
    uint32_t                 nmuts;
    const char              *description;   /* NULL when not given */
    const char              *remediation;   /* NULL when not given */
    unsigned                 deny:1;        /* "deny": true */
    fgs_exception_t        **exceptions;    /* those that name this rule */
    const fgs_check_t      **narrowed;      /* by exception: the rule's
                                               checks as an exception
                                               with "allow" widens them,
                                               or NULL: it waives the
                                               rule whole */
    uint32_t                 nexceptions;
} fgs_rule_t;


struct fgs_exception_s {
    const char              *id;
    const char              *reason;
    unsigned                 narrows:1;     /* has "allow" */
    time_t                   expires;
    fgs_match_t              match;
};


/*
 * A named group of callers ("principals"): anyone any list names
 * belongs to it.  domains name a domain by id or by name.
 */

typedef enum {
    FGS_PRINCIPAL_ACCESS_KEYS = 0,
    FGS_PRINCIPAL_USERS,
    FGS_PRINCIPAL_USER_IDS,
    FGS_PRINCIPAL_DOMAINS,
    FGS_PRINCIPAL_AGENCIES,
    FGS_PRINCIPAL_KINDS
} fgs_principal_kind_e;


typedef struct {
    const char              *name;
    fgs_str_t               *values[FGS_PRINCIPAL_KINDS];
    uint32_t                 n[FGS_PRINCIPAL_KINDS];
} fgs_principal_t;


/*
 * A top-level key that the policy reads: a request's body is searched
 * for all of them in one pass over its members, not once per check.
 */

typedef struct {
    const char              *key;
    uint32_t                 key_len;
    uint32_t                 next;          /* 1 + the next of its bucket;
                                               0 ends it */
} fgs_root_key_t;


/* the keys a create's match reads, always the first two root keys */
#define FGS_ROOT_KEY_FUNC_NAME   1
#define FGS_ROOT_KEY_PACKAGE     2


struct fgs_policy_s {
    fgs_arena_t              arena;         /* everything but PCRE2's */
    const char              *file;
    char                     sha256[65];
    fgs_mode_e               mode;
    fgs_other_writes_e       other_writes;
    unsigned                 unknown_audit:1;   /* unknown_fields audit */
    time_t                   warn_window;   /* expiry_warning_days, in
                                               seconds */
    fgs_rule_t              *rules;
    uint32_t                 nrules;
    fgs_exception_t         *exceptions;
    uint32_t                 nexceptions;
    fgs_principal_t         *principals;
    uint32_t                 nprincipals;
    const fgs_value_t       *empty_object;  /* {} for recreated parents */
    fgs_regex_t             *regexes;
    pcre2_match_context     *mctx;
    pcre2_jit_stack         *jit_stack;
    uint32_t                *op_rules[FGS_OP_COUNT];
                                            /* per operation, the rules
                                               that include it, in file
                                               order */
    uint32_t                 nop_rules[FGS_OP_COUNT];
    fgs_root_key_t           root_keys[FGS_POLICY_ROOT_KEYS];
    uint32_t                 nroot_keys;
    uint32_t                 root_hash[FGS_POLICY_ROOT_HASH];
                                            /* 1 + a bucket's first key;
                                               0: empty */
};


/*
 * The mutated body as checks see it: the scanned body, overlaid by a
 * tree of patches that the applicable rules' mutations built.  Nothing
 * of the body is copied.
 */

typedef enum {
    FGS_PATCH_INNER = 0,        /* only members below it change; a
                                   missing or null base reads as {} */
    FGS_PATCH_SET,              /* replaced by value (then children) */
    FGS_PATCH_REMOVED
} fgs_patch_state_e;


typedef struct fgs_patch_s     fgs_patch_t;
typedef struct fgs_eval_ctx_s  fgs_eval_ctx_t;

struct fgs_patch_s {
    const char              *key;           /* NULL for the root */
    uint32_t                 key_len;
    fgs_patch_state_e        state;
    const fgs_value_t       *value;         /* FGS_PATCH_SET */
    fgs_patch_t             *children;      /* in the order created */
    fgs_patch_t             *next;
    const fgs_eval_ctx_t    *eval;          /* the root's only: whose
                                               root_nodes tell its
                                               members */
};


/*
 * A position in the view: a tape node (of the body or of a mutation's
 * value), the patch that overlays it, or neither (absent).  A node of
 * FGS_NONE with an INNER patch is an object that a mutation creates.
 */

typedef struct {
    const fgs_json_doc_t    *doc;
    uint32_t                 node;
    const fgs_patch_t       *patch;
} fgs_view_t;


/*
 * The state of one evaluation.  fgs_policy_eval() zeroes the members
 * from root up to root_nodes (which fgs_path_index_body() fills) and
 * sets those before root: a new member goes between them.
 */

struct fgs_eval_ctx_s {
    const fgs_policy_t      *policy;
    const fgs_eval_input_t  *in;
    fgs_eval_t              *out;
    fgs_alloc_t             *a;
    fgs_patch_t              root;
    fgs_rule_note_t        **rewrites_tail;
    fgs_rule_note_t        **waived_tail;
    fgs_rule_note_t        **applied_tail;
    fgs_violations_t         signed_fixes;  /* what an AK/SK caller must
                                               change itself */
    fgs_rule_note_t         *notes;         /* one per rule, for applied
                                               and waived */
    uint32_t                 root_nodes[FGS_POLICY_ROOT_KEYS];
                                            /* the body's member for each
                                               root key, or FGS_NONE */
};


/*
 * The bucket of a root key: its length and first byte tell apart most
 * keys of the API, at the cost of two loads.  A body cannot make this
 * slow: a member is compared only with the policy's keys of its bucket.
 * An empty key is "" (fgs_json.h), so its first byte is its NUL.
 * Inline: the pass over a body's members computes it once per member.
 */

static inline uint32_t
fgs_path_hash(const char *key, uint32_t key_len)
{
    return ((uint32_t) (u_char) key[0] * 33 + key_len)
           & (FGS_POLICY_ROOT_HASH - 1);
}


/* what a match reads: the request's function, package, version, project */

typedef struct {
    fgs_str_t                project;
    fgs_str_t                parts[3];      /* function, package, version */
    uint8_t                  ascii[3];      /* 0 unknown, 1 ASCII, 2 not */
    uint64_t                 principals;    /* the caller's */
} fgs_subject_t;


/* what a check walk does with a problem it finds */

typedef struct {
    fgs_eval_ctx_t          *ctx;
    const char              *rule;
    fgs_violations_t        *out;       /* NULL: only tell whether it
                                           holds (a "when") */
    unsigned                 failed:1;
} fgs_check_sink_t;


/* fgs_policy_regex.c */
fgs_regex_t *fgs_regex_compile(fgs_policy_t *policy, const char *source,
    size_t len, char *errbuf, size_t errlen);
fgs_regex_result_e fgs_regex_match(const fgs_regex_t *re,
    const u_char *subject, size_t len);
fgs_regex_result_e fgs_regex_match_utf8(const fgs_regex_t *re,
    const u_char *subject, size_t len);
void fgs_regex_free_all(fgs_policy_t *policy);

/* fgs_policy_path.c */
char *fgs_path_field(const fgs_path_t *path, uint32_t nsegs,
    const uint32_t *index, fgs_alloc_t *a);
uint32_t fgs_path_tape(const fgs_json_doc_t *doc, uint32_t node,
    const fgs_path_t *path, uint32_t *seg);
uint32_t fgs_path_find(const fgs_policy_t *policy, const char *key,
    uint32_t key_len);
void fgs_path_index_body(fgs_eval_ctx_t *ctx);

/* fgs_policy_view.c */
fgs_view_t fgs_view_root(const fgs_json_doc_t *doc,
    const fgs_patch_t *patch);
fgs_view_t fgs_view_step(fgs_view_t v, const char *key, size_t key_len);
fgs_view_t fgs_view_first(const fgs_eval_ctx_t *ctx, const fgs_path_t *path);
fgs_view_t fgs_view_over(fgs_view_t v, uint32_t base, const char *key,
    size_t key_len);
int fgs_view_type(fgs_view_t v);

/* fgs_policy_check.c */
int fgs_check_all(const fgs_check_t *checks, uint32_t n, fgs_view_t root,
    fgs_check_sink_t *sink);

/* fgs_policy_value.c */
int fgs_value_equal(const fgs_json_doc_t *da, uint32_t a,
    const fgs_json_doc_t *db, uint32_t b, fgs_alloc_t *alloc);
int fgs_value_number(const fgs_json_doc_t *doc, uint32_t node,
    long double *out);
char *fgs_value_quote(const u_char *s, size_t len, fgs_alloc_t *a);
char *fgs_value_echo(const fgs_json_doc_t *doc, uint32_t node,
    fgs_alloc_t *a);

/* fgs_policy_eval.c, for fgs_policy_explain.c */
int fgs_eval_explain_subject(fgs_eval_ctx_t *ctx, fgs_subject_t *s);
int fgs_eval_explain_match(const fgs_match_t *m, fgs_subject_t *s,
    int on_failure);

/* fgs_policy_mutate.c */
int fgs_mutate(fgs_eval_ctx_t *ctx, const fgs_rule_t *rule,
    fgs_mode_e mode);

/* fgs_policy_rewrite.c */
int fgs_rewrite_edits(fgs_eval_ctx_t *ctx);


#endif /* _FGS_POLICY_INT_H_INCLUDED_ */

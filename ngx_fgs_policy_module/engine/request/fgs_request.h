
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The one pipeline every governed request goes through, in the nginx
 * module and in "fgs-policy eval" and "test" alike, so that the two can
 * never decide differently (docs/architecture.md, "A request's path").
 *
 * The caller reads the request's facts into an fgs_request_t: its method
 * and raw target as sent, and what its headers say about its body (the
 * module from nginx's header list, the CLI from its options).  Then:
 *
 *   fgs_request_begin()   the decision that needs no body: not
 *                         governed (FGS_NEXT_PASS), refused or decided
 *                         ("other" writes, FGS_NEXT_ANSWER), or the body
 *                         is to be read (FGS_NEXT_BODY);
 *   fgs_request_body()    the body scanned, checked against the API
 *                         reference and decided by the policy.
 *
 * Both fill an fgs_verdict_t: the operation, the decision, and for a
 * refusal the status, error code, sentence and violations; for a
 * forwarded request the policy's edits.  FGS_ERROR means the engine
 * itself failed (out of memory): verdict.failure says what, and the
 * caller answers 500 with nothing forwarded.
 */


#ifndef _FGS_REQUEST_H_INCLUDED_
#define _FGS_REQUEST_H_INCLUDED_


#include "core/fgs_common.h"
#include "core/fgs_base64.h"
#include "json/fgs_json.h"
#include "target/fgs_target.h"
#include "policy/fgs_policy.h"
#include "identity/fgs_identity.h"


/* what an Authorization header's SDK signature says */
typedef struct {
    fgs_str_t               access_key;     /* empty if not a valid AK */
    unsigned                sm3:1;          /* hashes with SM3: its body
                                               header is X-Sdk-Content-Sm3 */
} fgs_signature_t;


/* a request as sent, and the facts of its headers that matter */
typedef struct {
    fgs_str_t               method;
    fgs_str_t               target;         /* the raw request target */

    uint32_t                content_types;  /* Content-Type headers */
    fgs_str_t               content_type;   /* the first one's value */
    fgs_str_t               content_encoding;   /* one other than
                                                   "identity", or empty */
    fgs_str_t               method_override;    /* the name of a header
                                                   that asks for another
                                                   method, or empty */
    int64_t                 content_length;     /* -1: not given */

    /*
     * Who: the credentials FunctionGraph verifies, for the principals
     * of the policy and the audit record (fgs_request_identity.c)
     */
    fgs_str_t               access_key;     /* of the first SDK signature */
    fgs_str_t               auth_token;     /* the first X-Auth-Token */
    uint32_t                auth_tokens;    /* X-Auth-Token headers */
    uint32_t                authorizations; /* Authorization headers */
    uint32_t                security_tokens;    /* X-Security-Token */
    const fgs_identity_t   *identity;       /* given whole (the CLI's
                                               --identity): the headers'
                                               credentials are not read */

    unsigned                aksk:1;         /* an SDK signature */
    unsigned                unsigned_payload:1;     /* it does not cover
                                                       the body */
    unsigned                http3:1;
    unsigned                no_changes:1;   /* no audit record will show
                                               what the body changes:
                                               the verdict leaves them
                                               out */

    /* the settings that govern it */
    const fgs_policy_t     *policy;
    fgs_mode_e              mode;
    int64_t                 max_body_size;
    time_t                  now;
} fgs_request_t;


typedef enum {
    FGS_NEXT_PASS = 0,          /* not governed: goes on untouched */
    FGS_NEXT_BODY,              /* governed: read the body, then
                                   fgs_request_body() */
    FGS_NEXT_ANSWER,            /* refused: answer status, error_code */
    FGS_NEXT_FORWARD            /* decided: forward it (with edits) */
} fgs_next_e;


typedef struct {
    fgs_next_e              next;

    fgs_target_t            target;
    fgs_op_e                op;
    fgs_decision_e          decision;
    unsigned                signed_body:1;  /* AK/SK covers the body */
    unsigned                evaluated:1;    /* the policy ran: eval */
    unsigned                identified:1;   /* identity was read */
    unsigned                changes_cut:1;

    fgs_identity_t          identity;       /* who sent it */
    fgs_str_t               changes;        /* for the audit record:
                                               fgs_audit_changes() */

    /* FGS_NEXT_ANSWER */
    int                     status;
    const char             *error_code;
    const char             *error_msg;
    const fgs_violation_t  *violations;

    /* FGS_ERROR: what failed, for the log */
    const char             *failure;

    fgs_json_doc_t          doc;            /* the body's scan */
    char                    path_text[160]; /* the endpoint's path, for
                                               a sentence */
    fgs_violations_t        reference;      /* API reference violations */
    fgs_eval_t              eval;           /* the policy's verdict */
} fgs_verdict_t;


/*
 * Whether a request concerns the FunctionGraph API at all: governed,
 * refused for its target, or a read or invocation under a path that some
 * reader may take for /v2/{project_id}/fgs/.  t is the parsed target.
 */
int fgs_request_concerns(const fgs_request_t *rq, fgs_target_t *t);

/*
 * The checks that need no body.  a holds the sentences of refusals and
 * what an "other" write's evaluation keeps.  Returns FGS_OK or FGS_ERROR.
 */
int fgs_request_begin(const fgs_request_t *rq, fgs_verdict_t *v,
    fgs_alloc_t *a);

/*
 * The body, read whole (runs: base64 runs found while it was read, or
 * NULL).  The scan and the checks work in scan, which the caller may
 * release as soon as this returns; what the verdict keeps (sentences,
 * violations, edits) is in keep.  Returns FGS_OK or FGS_ERROR.
 */
int fgs_request_body(const fgs_request_t *rq, fgs_verdict_t *v,
    const u_char *body, size_t len, const fgs_base64_runs_t *runs,
    fgs_alloc_t *scan, fgs_alloc_t *keep);

/* whether an endpoint takes a JSON body (its model has one) */
int fgs_request_takes_body(fgs_api_e api);

/*
 * Who sent the request (fgs_request_identity.c): the identity of its
 * credentials, and the policy's principals it belongs to.  FGS_OK;
 * FGS_DECLINED when the credentials are ambiguous (a token and a
 * signature, two of either: id is then the first's, and
 * fgs_request_begin() refuses the request with 401 FGSPOL.4010);
 * FGS_ERROR when memory ran out.
 */
int fgs_request_identity(const fgs_request_t *rq, fgs_identity_t *id,
    fgs_alloc_t *a);

/* a refusal decided outside the engine (a body over the limit) */
int fgs_request_too_large(const fgs_request_t *rq, fgs_verdict_t *v,
    fgs_alloc_t *a);


/* fgs_headers.c: what header values mean, read in one place */

/*
 * application/json, with at most the parameter charset=utf-8:
 * FGS_OK, else FGS_DECLINED.
 */
int fgs_headers_json_type(const u_char *p, size_t len);

/* a Content-Encoding of "identity" (which changes nothing) */
int fgs_headers_identity(const u_char *p, size_t len);

/* an X-Sdk-Content-Sha256 or -Sm3 value of UNSIGNED-PAYLOAD */
int fgs_headers_unsigned(const u_char *p, size_t len);

/*
 * An Authorization value signed by one of the official SDKs' schemes:
 * FGS_OK and sig filled, else FGS_DECLINED.
 */
int fgs_headers_signature(const u_char *p, size_t len, fgs_signature_t *sig);


#endif /* _FGS_REQUEST_H_INCLUDED_ */

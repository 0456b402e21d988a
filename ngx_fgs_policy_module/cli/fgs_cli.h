
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs-policy, the command line face of the policy engine
 * (docs/operations.md, "fgs-policy"): the same engine as the module, one
 * subcommand per file.
 */


#ifndef _FGS_CLI_H_INCLUDED_
#define _FGS_CLI_H_INCLUDED_


#include <stdio.h>
#include <jansson.h>

#include "core/fgs_common.h"
#include "json/fgs_json.h"
#include "target/fgs_target.h"
#include "policy/fgs_policy.h"
#include "load/fgs_load.h"
#include "request/fgs_request.h"


/* exit codes */
#define FGS_CLI_FORWARDED   0       /* allow, rewrite, audit; test: all ok */
#define FGS_CLI_FAILED      1       /* the policy does not load; test: a
                                       case failed */
#define FGS_CLI_USAGE       2
#define FGS_CLI_DENIED      3
#define FGS_CLI_ERROR       4       /* the body or the request is refused
                                       before policy, or cannot be read */


/* one request as the gateway would see it */
typedef struct {
    fgs_op_e            op;
    fgs_method_e        method;         /* of the operation's endpoints;
                                           0: its first (its create) */
    const char         *path;           /* the endpoint's path as the
                                           reference writes it, when the
                                           method does not tell it, or
                                           NULL */
    const char         *urn;            /* or NULL (create) */
    const char         *project;        /* NULL: the URN's */
    time_t              now;
    fgs_mode_e          mode;
    unsigned            signed_body:1;
    const u_char       *body;           /* NULL for "other" and the
                                           endpoints that take none */
    size_t              len;

    /* who: an identity given whole, or credential headers */
    const fgs_identity_t  *identity;
    fgs_str_t           auth_token;
    fgs_str_t           access_key;
    uint32_t            auth_tokens;
    uint32_t            authorizations;
    uint32_t            security_tokens;
    unsigned            aksk:1;         /* an SDK signature header */
    unsigned            unsigned_payload:1;
    u_char             *header_data;    /* --headers FILE, to free */
} fgs_cli_request_t;


/* what the gateway would do with it */
typedef struct {
    fgs_verdict_t       verdict;        /* fgs_request_begin(), _body() */
    const fgs_policy_t *policy;         /* names the principals */
    const u_char       *forwarded;      /* the body sent upstream, or NULL */
    size_t              forwarded_len;
} fgs_cli_result_t;


int fgs_cli_check(int argc, char **argv);
int fgs_cli_endpoints(int argc, char **argv);
int fgs_cli_eval(int argc, char **argv);
int fgs_cli_test(int argc, char **argv);
int fgs_cli_verify_audit(int argc, char **argv);
int fgs_cli_dedup_audit(int argc, char **argv);

/* fgs_cli_request.c */
int fgs_cli_run(const fgs_policy_t *policy, const fgs_cli_request_t *rq,
    fgs_cli_result_t *res, fgs_alloc_t *a, char *err, size_t errlen);
int fgs_cli_explain(const fgs_policy_t *policy, const fgs_cli_request_t *rq,
    const fgs_cli_result_t *res, fgs_alloc_t *a, fgs_policy_print_pt print,
    void *data);
fgs_api_e fgs_cli_api(const fgs_cli_request_t *rq);
int fgs_cli_parse_op(const char *s, fgs_op_e *op);
int fgs_cli_parse_method(const char *s, fgs_method_e *m);
int fgs_cli_parse_mode(const char *s, fgs_mode_e *mode);
int fgs_cli_parse_now(const char *s, time_t *now);

/* fgs_cli_identity.c */
int fgs_cli_parse_identity(const char *spec, fgs_identity_t *id, char *err,
    size_t errlen);
int fgs_cli_identity_json(json_t *obj, fgs_identity_t *id, char *err,
    size_t errlen);
int fgs_cli_read_headers(const char *path, fgs_cli_request_t *rq, char *err,
    size_t errlen);
int fgs_cli_add_header(fgs_cli_request_t *rq, const char *name,
    const char *val);

/* fgs_cli_help.c: "COMMAND --help" */
int fgs_cli_is_help(const char *arg);
void fgs_cli_help(const char *command, FILE *f);

/* fgs_cli_util.c */
u_char *fgs_cli_read_file(const char *path, size_t *len, char *err,
    size_t errlen);
u_char *fgs_cli_read_stdin(size_t *len, size_t limit, char *err,
    size_t errlen);
fgs_policy_t *fgs_cli_load_policy(const char *path);
json_t *fgs_cli_result_json(const fgs_cli_result_t *res, int with_body);
json_t *fgs_cli_violations_json(const fgs_violations_t *v);
json_t *fgs_cli_notes_json(const fgs_rule_note_t *n, const char *what);


#endif /* _FGS_CLI_H_INCLUDED_ */


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * FunctionGraph's write endpoints, as the official SDKs' endpoint tables
 * list them (docs/policy-language.md, "What it governs"): every method
 * and path that is not a GET, with the operation it is.  The request
 * target stage matches a request against these paths, the API reference
 * stage finds each one's body model by its id, and the README's table is
 * this one (t/unit/test_api.c keeps them equal).
 */


#ifndef _FGS_API_H_INCLUDED_
#define _FGS_API_H_INCLUDED_


#include "fgs_common.h"


typedef enum {
    FGS_METHOD_POST = 1,
    FGS_METHOD_PUT,
    FGS_METHOD_DELETE
} fgs_method_e;


/* in the order of the table in fgs_api.c */
typedef enum {
    FGS_API_NONE = 0,
    FGS_API_FUNCTION_CREATE,
    FGS_API_FUNCTION_CODE,
    FGS_API_FUNCTION_CONFIG,
    FGS_API_FUNCTION_IMPORT,
    FGS_API_FUNCTION_DELETE,
    FGS_API_VERSION_CREATE,
    FGS_API_ALIAS_CREATE,
    FGS_API_ALIAS_UPDATE,
    FGS_API_ALIAS_DELETE,
    FGS_API_TRIGGER_CREATE,
    FGS_API_TRIGGER_UPDATE,
    FGS_API_TRIGGER_DELETE,
    FGS_API_TRIGGER_DELETE_ALL,
    FGS_API_ASYNC_CONFIG_UPDATE,
    FGS_API_ASYNC_CONFIG_DELETE,
    FGS_API_MAX_INSTANCES,
    FGS_API_RESERVED_INSTANCES,
    FGS_API_TRACING,
    FGS_API_EVENT_CREATE,
    FGS_API_EVENT_UPDATE,
    FGS_API_EVENT_DELETE,
    FGS_API_TAGS_CREATE,
    FGS_API_TAGS_DELETE,
    FGS_API_DEPENDENCY_CREATE,
    FGS_API_DEPENDENCY_DELETE,
    FGS_API_APPLICATION_CREATE,
    FGS_API_APPLICATION_DELETE,
    FGS_API_WORKFLOW_CREATE,
    FGS_API_WORKFLOW_UPDATE,
    FGS_API_WORKFLOW_DELETE,
    FGS_API_WORKFLOW_CALLBACK,
    FGS_API_WORKFLOW_RETRY,
    FGS_API_WORKFLOW_TERMINATE,
    FGS_API_VPC_ENDPOINT_CREATE,
    FGS_API_VPC_ENDPOINT_DELETE,
    FGS_API_SNAPSHOT,
    FGS_API_COLLECT,
    FGS_API_LTS_LOG,
    FGS_API_ASYNC_STATUS_LOG,
    FGS_API_CANCEL,

    /* POSTs that change nothing: they pass as reads */
    FGS_API_INVOKE,
    FGS_API_INVOKE_ASYNC,
    FGS_API_WORKFLOW_EXECUTE,
    FGS_API_WORKFLOW_EXECUTE_SYNC,
    FGS_API_TAGS_QUERY,

    FGS_API_COUNT
} fgs_api_e;


/* the most segments a path has after /v2/{project_id} */
#define FGS_API_MAX_WORDS  6


/* a segment of a path: a fixed word, or "{name}" for a value */
typedef struct {
    const char             *text;
    uint8_t                 len;
} fgs_api_word_t;


typedef struct {
    fgs_method_e            method;
    fgs_op_e                op;         /* FGS_OP_NONE: passes as a read */
    uint8_t                 n;          /* words after /v2/{project_id} */
    uint8_t                 urn;        /* the word that is a function URN
                                           ("{function_urn}"), + 1; or 0 */
    fgs_api_word_t          word[FGS_API_MAX_WORDS];
    const char             *why;        /* a read: why it passes */
} fgs_api_t;


/* indexed by fgs_api_e; entry 0 is empty */
extern const fgs_api_t  fgs_apis[FGS_API_COUNT];

const char *fgs_method_name(fgs_method_e m);

/*
 * The operation's first endpoint in the table (its create, or its one
 * endpoint), or with method m when m is not 0; FGS_API_NONE if none.
 */
fgs_api_e fgs_api_of(fgs_op_e op, fgs_method_e m);

/*
 * The path as the reference writes it, "/v2/{project_id}/fgs/...", in
 * buf (at least 128 bytes); returns buf.
 */
char *fgs_api_path(fgs_api_e api, char *buf, size_t size);


#endif /* _FGS_API_H_INCLUDED_ */

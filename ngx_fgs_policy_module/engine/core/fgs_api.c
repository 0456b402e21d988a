
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The write endpoints of FunctionGraph's v2 API: the endpoint tables of
 * the official SDKs (the Go SDK's services/functiongraph/v2 and the
 * Node.js SDK's FunctionGraphClient list the same ones), every method
 * other than GET.  When FunctionGraph adds one, it is a write the gateway
 * cannot classify ("other", decided by the policy's "other_writes") until
 * a line here and a model in schema/models/ govern it
 * (docs/policy-language.md, "Governing a new API").
 */


#include <stdio.h>

#include "fgs_api.h"


#define P  FGS_METHOD_POST
#define U  FGS_METHOD_PUT
#define D  FGS_METHOD_DELETE

#define W(s)  { s, sizeof(s) - 1 }

/* method, operation, words, the URN's word + 1, the words */
#define FGS_API(m, op, n, urn, ...)  { m, op, n, urn, { __VA_ARGS__ }, NULL }
#define FGS_READ(m, why, n, urn, ...)                                         \
    { m, FGS_OP_NONE, n, urn, { __VA_ARGS__ }, why }

#define FNS      W("fgs"), W("functions")
#define URN      W("{function_urn}")


const fgs_api_t  fgs_apis[FGS_API_COUNT] = {

    [FGS_API_NONE] = { 0, FGS_OP_NONE, 0, 0, { { NULL, 0 } }, NULL },

    [FGS_API_FUNCTION_CREATE] =
        FGS_API(P, FGS_OP_CREATE, 2, 0, FNS),
    [FGS_API_FUNCTION_CODE] =
        FGS_API(U, FGS_OP_CODE, 4, 3, FNS, URN, W("code")),
    [FGS_API_FUNCTION_CONFIG] =
        FGS_API(U, FGS_OP_CONFIG, 4, 3, FNS, URN, W("config")),
    [FGS_API_FUNCTION_IMPORT] =
        FGS_API(P, FGS_OP_IMPORT, 3, 0, FNS, W("import")),
    [FGS_API_FUNCTION_DELETE] =
        FGS_API(D, FGS_OP_DELETE, 3, 3, FNS, URN),
    [FGS_API_VERSION_CREATE] =
        FGS_API(P, FGS_OP_VERSION, 4, 3, FNS, URN, W("versions")),
    [FGS_API_ALIAS_CREATE] =
        FGS_API(P, FGS_OP_ALIAS, 4, 3, FNS, URN, W("aliases")),
    [FGS_API_ALIAS_UPDATE] =
        FGS_API(U, FGS_OP_ALIAS, 5, 3, FNS, URN, W("aliases"),
                W("{alias_name}")),
    [FGS_API_ALIAS_DELETE] =
        FGS_API(D, FGS_OP_ALIAS, 5, 3, FNS, URN, W("aliases"),
                W("{alias_name}")),
    [FGS_API_TRIGGER_CREATE] =
        FGS_API(P, FGS_OP_TRIGGER, 3, 3, W("fgs"), W("triggers"), URN),
    [FGS_API_TRIGGER_UPDATE] =
        FGS_API(U, FGS_OP_TRIGGER, 5, 3, W("fgs"), W("triggers"), URN,
                W("{trigger_type_code}"), W("{trigger_id}")),
    [FGS_API_TRIGGER_DELETE] =
        FGS_API(D, FGS_OP_TRIGGER, 5, 3, W("fgs"), W("triggers"), URN,
                W("{trigger_type_code}"), W("{trigger_id}")),
    [FGS_API_TRIGGER_DELETE_ALL] =
        FGS_API(D, FGS_OP_TRIGGER, 3, 3, W("fgs"), W("triggers"), URN),
    [FGS_API_ASYNC_CONFIG_UPDATE] =
        FGS_API(U, FGS_OP_ASYNC_CONFIG, 4, 3, FNS, URN,
                W("async-invoke-config")),
    [FGS_API_ASYNC_CONFIG_DELETE] =
        FGS_API(D, FGS_OP_ASYNC_CONFIG, 4, 3, FNS, URN,
                W("async-invoke-config")),
    [FGS_API_MAX_INSTANCES] =
        FGS_API(U, FGS_OP_MAX_INSTANCES, 4, 3, FNS, URN,
                W("config-max-instance")),
    [FGS_API_RESERVED_INSTANCES] =
        FGS_API(U, FGS_OP_RESERVED_INSTANCES, 4, 3, FNS, URN,
                W("reservedinstances")),
    [FGS_API_TRACING] =
        FGS_API(U, FGS_OP_TRACING, 4, 3, FNS, URN, W("tracing")),
    [FGS_API_EVENT_CREATE] =
        FGS_API(P, FGS_OP_EVENT, 4, 3, FNS, URN, W("events")),
    [FGS_API_EVENT_UPDATE] =
        FGS_API(U, FGS_OP_EVENT, 5, 3, FNS, URN, W("events"), W("{event_id}")),
    [FGS_API_EVENT_DELETE] =
        FGS_API(D, FGS_OP_EVENT, 5, 3, FNS, URN, W("events"), W("{event_id}")),
    [FGS_API_TAGS_CREATE] =
        FGS_API(P, FGS_OP_TAGS, 4, 0, W("{resource_type}"), W("{resource_id}"),
                W("tags"), W("create")),
    [FGS_API_TAGS_DELETE] =
        FGS_API(D, FGS_OP_TAGS, 4, 0, W("{resource_type}"), W("{resource_id}"),
                W("tags"), W("delete")),
    [FGS_API_DEPENDENCY_CREATE] =
        FGS_API(P, FGS_OP_DEPENDENCY, 3, 0, W("fgs"), W("dependencies"),
                W("version")),
    [FGS_API_DEPENDENCY_DELETE] =
        FGS_API(D, FGS_OP_DEPENDENCY, 5, 0, W("fgs"), W("dependencies"),
                W("{depend_id}"), W("version"), W("{version}")),
    [FGS_API_APPLICATION_CREATE] =
        FGS_API(P, FGS_OP_APPLICATION, 2, 0, W("fgs"), W("applications")),
    [FGS_API_APPLICATION_DELETE] =
        FGS_API(D, FGS_OP_APPLICATION, 3, 0, W("fgs"), W("applications"),
                W("{id}")),
    [FGS_API_WORKFLOW_CREATE] =
        FGS_API(P, FGS_OP_WORKFLOW, 2, 0, W("fgs"), W("workflows")),
    [FGS_API_WORKFLOW_UPDATE] =
        FGS_API(U, FGS_OP_WORKFLOW, 3, 0, W("fgs"), W("workflows"),
                W("{workflow_id}")),
    [FGS_API_WORKFLOW_DELETE] =
        FGS_API(D, FGS_OP_WORKFLOW, 2, 0, W("fgs"), W("workflows")),
    [FGS_API_WORKFLOW_CALLBACK] =
        FGS_API(P, FGS_OP_WORKFLOW_EXECUTION, 4, 0, W("fgs"), W("workflows"),
                W("{workflow_id}"), W("callback")),
    [FGS_API_WORKFLOW_RETRY] =
        FGS_API(P, FGS_OP_WORKFLOW_EXECUTION, 6, 0, W("fgs"), W("workflows"),
                W("{workflow_id}"), W("executions"), W("{execution_id}"),
                W("retry")),
    [FGS_API_WORKFLOW_TERMINATE] =
        FGS_API(P, FGS_OP_WORKFLOW_EXECUTION, 6, 0, W("fgs"), W("workflows"),
                W("{workflow_id}"), W("executions"), W("{execution_id}"),
                W("terminate")),
    [FGS_API_VPC_ENDPOINT_CREATE] =
        FGS_API(P, FGS_OP_VPC_ENDPOINT, 2, 0, W("fgs"), W("vpc-endpoint")),
    [FGS_API_VPC_ENDPOINT_DELETE] =
        FGS_API(D, FGS_OP_VPC_ENDPOINT, 4, 0, W("fgs"), W("vpc-endpoint"),
                W("{vpc_id}"), W("{subnet_id}")),
    [FGS_API_SNAPSHOT] =
        FGS_API(P, FGS_OP_SNAPSHOT, 5, 3, FNS, URN, W("snapshots"),
                W("{action}")),
    [FGS_API_COLLECT] =
        FGS_API(U, FGS_OP_COLLECT, 5, 3, FNS, W("{func_urn}"), W("collect"),
                W("{state}")),
    [FGS_API_LTS_LOG] =
        FGS_API(P, FGS_OP_LTS_LOG, 3, 0, FNS, W("enable-lts-logs")),
    [FGS_API_ASYNC_STATUS_LOG] =
        FGS_API(P, FGS_OP_ASYNC_STATUS_LOG, 3, 0, FNS,
                W("enable-async-status-logs")),
    [FGS_API_CANCEL] =
        FGS_API(P, FGS_OP_CANCEL, 4, 3, FNS, URN, W("cancel")),
    [FGS_API_INVOKE] =
        FGS_READ(P, "runs the function; changes no function",
                 4, 3, FNS, URN, W("invocations")),
    [FGS_API_INVOKE_ASYNC] =
        FGS_READ(P, "runs the function; changes no function",
                 4, 3, FNS, URN, W("invocations-async")),
    [FGS_API_WORKFLOW_EXECUTE] =
        FGS_READ(P, "runs a workflow, as an invocation runs a function",
                 4, 0, W("fgs"), W("workflows"), W("{workflow_id}"),
                         W("executions")),
    [FGS_API_WORKFLOW_EXECUTE_SYNC] =
        FGS_READ(P, "runs a workflow, as an invocation runs a function",
                 4, 0, W("fgs"), W("workflows"), W("{workflow_id}"),
                         W("sync-executions")),
    [FGS_API_TAGS_QUERY] =
        FGS_READ(P, "queries resources by their tags; changes nothing",
                 3, 0, W("{resource_type}"), W("resource-instances"),
                         W("{action}"))
};


const char *
fgs_method_name(fgs_method_e m)
{
    switch (m) {

    case FGS_METHOD_POST:
        return "POST";

    case FGS_METHOD_PUT:
        return "PUT";

    case FGS_METHOD_DELETE:
        return "DELETE";

    default:
        return "";
    }
}


fgs_api_e
fgs_api_of(fgs_op_e op, fgs_method_e m)
{
    uint32_t  a;

    for (a = 1; a < FGS_API_COUNT; a++) {
        if (fgs_apis[a].op == op && (m == 0 || fgs_apis[a].method == m)) {
            return (fgs_api_e) a;
        }
    }

    return FGS_API_NONE;
}


char *
fgs_api_path(fgs_api_e api, char *buf, size_t size)
{
    size_t           i, n;
    const fgs_api_t  *e;

    e = &fgs_apis[api];

    n = (size_t) snprintf(buf, size, "/v2/{project_id}");

    for (i = 0; i < e->n && n < size; i++) {
        n += (size_t) snprintf(buf + n, size - n, "/%s", e->word[i].text);
    }

    return buf;
}

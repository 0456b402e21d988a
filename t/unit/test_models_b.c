
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The body models of tags, dependency, application, workflow, the
 * workflow callback and vpc_endpoint (schema/models/): their tables are
 * sound (sorted, no look-alikes, a hash slot a name), the bodies the
 * official SDKs send (and the reference's example requests) conform,
 * and a body that breaks a model is refused with a violation that names
 * the field: a missing required field, a wrong type, an unknown field, a
 * look-alike key, null, a value outside an enumeration or a documented
 * length, a field of another variant.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_models.h"
#include "schema/fgs_schema_index.h"


/* the messages of the walker (fgs_schema.c, fgs_schema_report.c) */

#define MISSING   "is required"
#define UNKNOWN   "is not in the FunctionGraph API reference"
#define OTHER     "is not a field of"
#define LOOKS     "write it exactly as"
#define IS_NULL   "is null"
#define STRING    "must be a JSON string"
#define BOOLEAN   "must be true or false"
#define INTEGER   "must be a JSON integer"
#define OBJECT    "must be a JSON object"
#define ARRAY     "must be a JSON array"
#define ENUM      "is not one of"
#define LENGTH    "characters; the API reference allows"
#define BASE64    "is not valid base64"


/*
 * The tables, as fgs_schema_selftest() verifies the function's: names
 * of 2..32 bytes sorted by length then name, no two alike once folded,
 * every name in a slot of its own, required only where accepted, an
 * enumeration with values, an object field with its table.
 */

static const char *
table_flaw(const fgs_schema_object_t *obj, int depth)
{
    size_t                     la, lb;
    uint32_t                   i, j;
    const char                *err;
    const fgs_schema_field_t  *f, *p;
    u_char                     a[FGS_SCHEMA_MAX_NAME + 1];
    u_char                     b[FGS_SCHEMA_MAX_NAME + 1];

    if (depth > 8 || obj->n == 0 || obj->n > FGS_SCHEMA_MAX_FIELDS) {
        return "an object is empty, too large or nested too deep";
    }

    if (!fgs_schema_index(obj)->perfect) {
        return "two names of an object share a slot of its hash";
    }

    for (i = 0; i < obj->n; i++) {
        f = &obj->fields[i];

        if (f->len != strlen(f->name) || f->len < FGS_SCHEMA_MIN_NAME
            || f->len > FGS_SCHEMA_MAX_NAME || f->ops == 0
            || (f->required & ~f->ops))
        {
            return "a field's name, length, ops or required is wrong";
        }

        if (i > 0) {
            p = &obj->fields[i - 1];

            if (p->len > f->len
                || (p->len == f->len && strcmp(p->name, f->name) >= 0))
            {
                return "a table is not sorted by length and name";
            }
        }

        if (fgs_schema_find(obj, f->name, f->len) != (int) i) {
            return "a field is not found by its own name";
        }

        if (f->constraint == FGS_CONSTRAINT_ENUM && f->values == NULL) {
            return "an enumeration has no values";
        }

        if ((f->type == FGS_SCHEMA_OBJECT
             || (f->type == FGS_SCHEMA_ARRAY
                 && f->item == FGS_SCHEMA_OBJECT))
            != (f->object != NULL))
        {
            return "an object field and its table disagree";
        }

        if (f->object) {
            err = table_flaw(f->object, depth + 1);
            if (err) {
                return err;
            }
        }

        la = fgs_schema_fold((const u_char *) f->name, f->len, a, sizeof(a));

        for (j = 0; j < i; j++) {
            lb = fgs_schema_fold((const u_char *) obj->fields[j].name,
                                 obj->fields[j].len, b, sizeof(b));

            if (la == lb && memcmp(a, b, la) == 0) {
                return "two fields of an object are look-alikes";
            }
        }
    }

    return NULL;
}


/* fields in a table and its objects, all levels */

static uint32_t
count_fields(const fgs_schema_object_t *obj)
{
    uint32_t  i, n;

    n = obj->n;

    for (i = 0; i < obj->n; i++) {
        if (obj->fields[i].object && obj->fields[i].object != obj) {
            n += count_fields(obj->fields[i].object);
        }
    }

    return n;
}


static void
test_tables(void)
{
    size_t                      i;
    uint32_t                    bits;
    const char                 *err;
    const fgs_schema_model_t   *m;
    const fgs_schema_object_t  *root;

    static const struct {
        fgs_api_e    api;
        const char  *root;
        uint8_t      variant;
        uint32_t     fields;
    } models[] = {
        { FGS_API_TAGS_CREATE, "UpdateFunctionTagsRequestBody", 0, 7 },
        { FGS_API_TAGS_DELETE, "UpdateFunctionTagsRequestBody", 1, 7 },
        { FGS_API_DEPENDENCY_CREATE, "CreateDependencyRequestBody", 0, 6 },
        { FGS_API_APPLICATION_CREATE, "CreateFunctionAppRequestBody", 0, 6 },
        { FGS_API_WORKFLOW_CREATE, "WorkflowCreateBody", 0, 47 },
        { FGS_API_WORKFLOW_UPDATE, "WorkflowCreateBody", 0, 47 },
        { FGS_API_WORKFLOW_DELETE, "WorkflowCreateBody", 1, 47 },
        { FGS_API_WORKFLOW_CALLBACK, "CallbackWorkflowRequestBody", 0, 3 },
        { FGS_API_VPC_ENDPOINT_CREATE, "CreateVpcEndpointRequestBody", 0, 4 }
    };

    for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
        m = fgs_schema_model(models[i].api);

        if (!ok(m->root != NULL, "%s has a model", models[i].root)) {
            continue;
        }

        is_str(m->root->name, models[i].root, "endpoint %d: its model",
               (int) models[i].api);
        is_int(m->variant, models[i].variant, "%s: its variant",
               models[i].root);
        is_int(count_fields(m->root), models[i].fields,
               "%s: its fields, all levels", models[i].root);

        err = table_flaw(m->root, 0);
        ok(err == NULL, "%s: the table is sound%s%s", models[i].root,
           err ? ": " : "", err ? err : "");
    }

    /* one root an operation, and its variants */

    bits = fgs_schema_op_variants(FGS_OP_TAGS, &root);
    ok(bits == (FGS_SCHEMA_V0 | FGS_SCHEMA_V1)
       && root == fgs_schema_model(FGS_API_TAGS_CREATE)->root,
       "tags: one model, variants 0 and 1");

    bits = fgs_schema_op_variants(FGS_OP_WORKFLOW, &root);
    ok(bits == (FGS_SCHEMA_V0 | FGS_SCHEMA_V1)
       && root == fgs_schema_model(FGS_API_WORKFLOW_DELETE)->root,
       "workflow: one model, variants 0 and 1");

    bits = fgs_schema_op_variants(FGS_OP_WORKFLOW_EXECUTION, &root);
    ok(bits == FGS_SCHEMA_V0
       && root == fgs_schema_model(FGS_API_WORKFLOW_CALLBACK)->root,
       "workflow_execution: the callback's model, retry and terminate "
       "without a body");

    ok(fgs_schema_model(FGS_API_WORKFLOW_RETRY)->root == NULL
       && fgs_schema_model(FGS_API_WORKFLOW_TERMINATE)->root == NULL
       && fgs_schema_model(FGS_API_DEPENDENCY_DELETE)->root == NULL
       && fgs_schema_model(FGS_API_APPLICATION_DELETE)->root == NULL
       && fgs_schema_model(FGS_API_VPC_ENDPOINT_DELETE)->root == NULL,
       "the deletes by path and retry/terminate take no body");
}


/* tags: create (V0) and delete (V1), UpdateFunctionTagsRequestBody */

/* 36 and 37 CJK characters: 108 and 111 bytes */
#define CJK12  "\xe6\xa0\x87\xe7\xad\xbe\xe6\xa0\x87\xe7\xad\xbe"          \
               "\xe6\xa0\x87\xe7\xad\xbe\xe6\xa0\x87\xe7\xad\xbe"          \
               "\xe6\xa0\x87\xe7\xad\xbe\xe6\xa0\x87\xe7\xad\xbe"
#define CJK36  CJK12 CJK12 CJK12
#define A36    "abcdefghijklmnopqrstuvwxyz0123456789"

static void
test_tags(void)
{
    fgs_api_e  api;

    /* the reference's example request */

    accepted(FGS_API_TAGS_CREATE,
             "{\"tags\":[{\"key\":\"testKey1\",\"value\":\"testValue1\"},"
             "{\"key\":\"testKey2\",\"value\":\"testValue2\"}],"
             "\"action\":\"create\"}",
             "tags create, the reference's example");

    /* the Node.js SDK: withTags() only, or with sys_tags */

    accepted(FGS_API_TAGS_CREATE,
             "{\"tags\":[{\"key\":\"env\",\"value\":\"prod\"}]}",
             "tags create without action");

    accepted(FGS_API_TAGS_DELETE,
             "{\"action\":\"delete\",\"tags\":[{\"key\":\"env\","
             "\"value\":\"\"}],\"sys_tags\":[{\"key\":"
             "\"_sys_enterprise_project_id\",\"value\":"
             "\"5c9f1b5e-8f2a-4d6b-9a6c-1f2e3d4c5b6a\"}]}",
             "tags delete with sys_tags, an empty value");

    accepted(FGS_API_TAGS_DELETE, "{\"tags\":[{\"key\":\"env\"}]}",
             "tags delete by key only");

    accepted(FGS_API_TAGS_CREATE,
             "{\"tags\":[{\"key\":\"" A36 "\",\"value\":\"" CJK36 "\"}]}",
             "36 characters, 108 bytes: the length is in characters");

    for (api = FGS_API_TAGS_CREATE; api <= FGS_API_TAGS_DELETE; api++) {

        refused(api, "{\"tags\":[{\"key\":\"" A36 "x\"}]}",
                "tags[0].key", LENGTH, "a key of 37 characters");

        refused(api, "{\"tags\":[{\"key\":\"env\",\"value\":\"" CJK36
                "\xe6\xa0\x87\"}]}",
                "tags[0].value", LENGTH, "a value of 37 characters");

        refused(api, "{\"tags\":[{\"key\":\"\",\"value\":\"v\"}]}",
                "tags[0].key", LENGTH, "an empty key");

        refused(api, "{\"tags\":{\"key\":\"env\"}}", "tags", ARRAY,
                "tags as an object");

        refused(api, "{\"tags\":[{\"key\":\"env\",\"value\":1}]}",
                "tags[0].value", STRING, "a number as a value");

        refused(api, "{\"tags\":[{\"key\":\"env\",\"values\":[\"a\"]}]}",
                "tags[0].values", UNKNOWN, "TagItem's values in a KvItem");

        refused(api, "{\"tags\":[],\"resource_id\":\"x\"}", "resource_id",
                UNKNOWN, "a path parameter in the body");

        refused(api, "{\"sysTags\":[]}", "sysTags", LOOKS,
                "sysTags for sys_tags");

        refused(api, "{\"tags\":[{\"KEY\":\"env\"}]}", "tags[0].KEY",
                LOOKS, "KEY for key");

        refused(api, "{\"action\":null}", "action", IS_NULL, "null action");

        refused(api, "{\"tags\":[null]}", "tags[0]", IS_NULL, "a null tag");

        refused(api, "{\"action\":\"update\"}", "action", ENUM,
                "action update");
    }

    check(FGS_API_TAGS_CREATE, "{\"tags\":[],\"tags\":[]}");
    ok(check_rc == -100, "a duplicate key is the scanner's refusal, before "
       "the model");
}


/* dependency: CreateDependencyRequestBody */

static void
test_dependency(void)
{
    fgs_api_e  api;

    api = FGS_API_DEPENDENCY_CREATE;

    accepted(api,
             "{\"depend_type\":\"zip\",\"runtime\":\"Python3.9\","
             "\"name\":\"pandas\",\"description\":\"data tools\","
             "\"depend_file\":\"UEsDBBQAAAAIAA==\"}",
             "a zip package in base64");

    accepted(api,
             "{\"depend_link\":\"https://bucket.obs.cn-north-4."
             "myhuaweicloud.com/deps/lib.zip\",\"depend_type\":\"obs\","
             "\"runtime\":\"Node.js20.15\",\"name\":\"lib.common-1\"}",
             "a package from OBS, a runtime newer than the SDK's list");

    accepted(api,
             "{\"depend_type\":\"zip\",\"runtime\":\"Custom Image\","
             "\"name\":\"x\",\"depend_file\":\"\"}",
             "an empty depend_file (the service decides)");

    refused(api, "{\"depend_type\":\"zip\",\"runtime\":\"Python3.9\","
            "\"depend_file\":\"UEsDBA==\"}", "name", MISSING,
            "no name");

    refused(api, "{\"name\":\"a\",\"runtime\":\"Python3.9\"}",
            "depend_type", MISSING, "no depend_type");

    refused(api, "{\"name\":\"a\",\"depend_type\":\"obs\"}", "runtime",
            MISSING, "no runtime");

    refused(api, "{\"depend_type\":\"tar\",\"runtime\":\"Java8\","
            "\"name\":\"a\"}", "depend_type", ENUM, "depend_type tar");

    refused(api, "{\"depend_type\":\"zip\",\"runtime\":\"Java8\","
            "\"name\":\"a\",\"depend_file\":\"UEsDBA=\"}", "depend_file",
            BASE64, "depend_file not canonical base64");

    refused(api, "{\"depend_type\":\"zip\",\"runtime\":8,"
            "\"name\":\"a\"}", "runtime", STRING, "runtime 8");

    refused(api, "{\"depend_type\":\"zip\",\"runtime\":\"Java8\","
            "\"name\":\"" A36 A36 A36 "abcdefghijklmnopqrstuvwxyz\"}",
            "name", LENGTH, "a name of 134 characters");

    refused(api, "{\"depend_type\":\"zip\",\"runtime\":\"Java8\","
            "\"name\":\"a\",\"depend_size\":1}", "depend_size", UNKNOWN,
            "an unknown field");

    refused(api, "{\"dependType\":\"zip\",\"runtime\":\"Java8\","
            "\"name\":\"a\"}", "dependType", LOOKS,
            "dependType for depend_type");

    refused(api, "{\"depend_type\":\"zip\",\"runtime\":\"Java8\","
            "\"name\":\"a\",\"description\":null}", "description", IS_NULL,
            "null description");

    /* a message never quotes the package */

    check(api, "{\"depend_type\":\"zip\",\"runtime\":\"Java8\","
          "\"name\":\"a\",\"depend_file\":\"c2VjcmV0LXBhY2thZ2U=!\"}");
    ok(check_rc == FGS_DECLINED && viols.head != NULL
       && strstr(viols.head->message, "c2VjcmV0") == NULL,
       "a refused depend_file is not quoted");
}


/* application: CreateFunctionAppRequestBody */

static void
test_application(void)
{
    fgs_api_e  api;

    api = FGS_API_APPLICATION_CREATE;

    accepted(api,
             "{\"name\":\"orders\",\"template_id\":\"tpl-7f3a\","
             "\"description\":\"from a template\","
             "\"enterprise_project_id\":\"0\",\"agency_name\":\"fgs_app\","
             "\"params\":{\"region\":\"cn-north-4\",\"memory\":\"512\"}}",
             "an application from a template");

    accepted(api, "{}", "nothing: every member is optional in the SDKs");

    refused(api, "{\"params\":{\"memory\":512}}", "params.memory", STRING,
            "a parameter that is not a string");

    refused(api, "{\"params\":[\"a\"]}", "params", OBJECT,
            "params as an array");

    refused(api, "{\"name\":\"a\",\"template\":\"t\"}", "template", UNKNOWN,
            "an unknown field");

    refused(api, "{\"templateId\":\"t\"}", "templateId", LOOKS,
            "templateId for template_id");

    refused(api, "{\"agency_name\":null}", "agency_name", IS_NULL,
            "null agency_name");

    refused(api, "{\"params\":{\"a\":null}}", "params.a", IS_NULL,
            "a null parameter");
}


/* workflow: WorkflowCreateBody (create, update), WorkflowDeleteBody */

/* the reference's example request ("Creating a Flow") */
#define WF_EXAMPLE                                                          \
    "{\"name\":\"workflow_test\",\"start\":\"test\",\"functions\":[{"       \
    "\"name\":\"test\",\"operation\":\"urn:fss:cn-north-4:"                 \
    "c53626012ba84727b938ca8bf03108ef:test:latest\"}],"                     \
    "\"constants\":{},\"states\":[{\"id\":\"test\",\"name\":\"test\","      \
    "\"type\":\"Operation\",\"end\":false,\"transition\":\"end\","          \
    "\"actions\":[{\"function_ref\":{\"ref_name\":\"test\","                \
    "\"arguments\":{\"execution_name\":\"$.test\"}}}]},"                    \
    "{\"id\":\"end\",\"name\":\"end\",\"type\":\"End\",\"end\":true,"       \
    "\"transition\":\"\",\"state_data_filter\":{\"input\":\"\","            \
    "\"output\":\"\"},\"actions\":[],\"action_mode\":\"\"}],"               \
    "\"retries\":[{\"name\":\"test\"}]}"

/* what the SDKs send with every level set */
#define WF_FULL                                                             \
    "{\"name\":\"orders-flow\",\"description\":\"orders\","                 \
    "\"start\":\"s1\",\"mode\":\"EXPRESS\","                                \
    "\"express_config\":{\"log_level\":\"ERROR\"},"                         \
    "\"enterprise_project_id\":\"0\",\"enable_stream_response\":false,"     \
    "\"triggers\":[{\"trigger_name\":\"t1\",\"trigger_type\":\"OBS\","      \
    "\"enabled\":true,\"trigger_config\":{\"bucket\":\"in\","               \
    "\"events\":[\"ObjectCreated\"],\"prefix\":\"a/\",\"suffix\":"          \
    "\".csv\"}},{\"trigger_name\":\"t2\",\"trigger_type\":\"FLOWTIMER\"}],"  \
    "\"functions\":[{\"name\":\"f\",\"operation\":\"urn:fss:cn-north-4:"    \
    "c53626012ba84727b938ca8bf03108ef:function:default:f:latest\","         \
    "\"metadata\":{\"owner\":\"team-a\",\"n\":[1,2]}}],"                    \
    "\"constants\":{\"limit\":10},"                                         \
    "\"states\":[{\"id\":\"s1\",\"name\":\"run\",\"type\":\"Operation\","   \
    "\"end\":false,\"transition\":\"s2\",\"action_mode\":\"parallel\","     \
    "\"actions\":[{\"function_ref\":{\"ref_name\":\"f\","                   \
    "\"invoke_mode\":\"synchronize\",\"arguments\":{\"x\":\"$.a.b[0]\","    \
    "\"limit\":\"$CONST.limit\"}}}],\"on_errors\":[{\"error\":\".*\","      \
    "\"transition\":\"s3\",\"retry_ref\":\"r\"}],"                          \
    "\"state_data_filter\":{\"input\":\"$.in\",\"output\":\"$.out\"}},"     \
    "{\"id\":\"s2\",\"name\":\"wait\",\"type\":\"Sleep\",\"end\":false,"    \
    "\"transition\":\"s3\",\"duration\":30,\"actions\":[]},"                \
    "{\"id\":\"s3\",\"name\":\"done\",\"type\":\"End\",\"end\":true,"       \
    "\"transition\":\"\",\"actions\":[]}],"                                 \
    "\"retries\":[{\"name\":\"r\",\"delay\":2,\"max_attempts\":5}]}"

/* the members every create needs, for the refusals */
#define WF_HEAD                                                             \
    "{\"name\":\"w\",\"start\":\"s\",\"functions\":[],\"constants\":{},"    \
    "\"retries\":[]"

#define WF_STATE                                                            \
    "\"states\":[{\"id\":\"s\",\"name\":\"s\",\"type\":\"End\","            \
    "\"end\":true,\"transition\":\"\",\"actions\":[]}]"

static void
test_workflow(void)
{
    fgs_api_e  api;

    for (api = FGS_API_WORKFLOW_CREATE; api <= FGS_API_WORKFLOW_UPDATE;
         api++)
    {
        accepted(api, WF_EXAMPLE, "the reference's example request");
        accepted(api, WF_FULL, "every level set");
        accepted(api, WF_HEAD "," WF_STATE "}", "the least a flow takes");

        refused(api, WF_HEAD "}", "states", MISSING, "no states");

        refused(api, "{\"start\":\"s\",\"functions\":[],\"retries\":[],"
                WF_STATE "}", "constants", MISSING, "no constants");

        refused(api, WF_HEAD ",\"states\":[{\"id\":\"s\",\"name\":\"s\","
                "\"type\":\"End\",\"transition\":\"\",\"actions\":[]}]}",
                "states[0].end", MISSING, "a state without end");

        refused(api, WF_HEAD ",\"states\":[{\"id\":\"s\",\"name\":\"s\","
                "\"type\":\"Operation\",\"end\":false,\"transition\":\"\","
                "\"actions\":[{\"function_ref\":{\"arguments\":{}}}]}]}",
                "states[0].actions[0].function_ref.ref_name", MISSING,
                "a function_ref without ref_name");

        refused(api, WF_HEAD ",\"states\":[{\"id\":\"s\",\"name\":\"s\","
                "\"type\":\"Wait\",\"end\":true,\"transition\":\"\","
                "\"actions\":[]}]}", "states[0].type", ENUM, "type Wait");

        refused(api, WF_HEAD ",\"states\":[{\"id\":\"s\",\"name\":\"s\","
                "\"type\":\"End\",\"end\":\"true\",\"transition\":\"\","
                "\"actions\":[]}]}", "states[0].end", BOOLEAN,
                "end as a string");

        refused(api, WF_HEAD ",\"states\":[{\"id\":\"s\",\"name\":\"s\","
                "\"type\":\"Sleep\",\"end\":false,\"transition\":\"e\","
                "\"duration\":1.5,\"actions\":[]}]}", "states[0].duration",
                INTEGER, "a duration with a fraction");

        refused(api, WF_HEAD ",\"states\":[{\"id\":\"s\",\"name\":\"s\","
                "\"type\":\"End\",\"end\":true,\"transition\":\"\","
                "\"action_mode\":\"serial\",\"actions\":[]}]}",
                "states[0].action_mode", ENUM, "action_mode serial");

        refused(api, WF_HEAD ",\"states\":[{\"id\":\"s\",\"name\":\"s\","
                "\"type\":\"End\",\"end\":true,\"transition\":\"\","
                "\"actions\":[{\"function_ref\":{\"ref_name\":\"f\","
                "\"arguments\":{},\"invoke_mode\":\"async\"}}]}]}",
                "states[0].actions[0].function_ref.invoke_mode", ENUM,
                "invoke_mode async");

        refused(api, WF_HEAD ",\"states\":[{\"id\":\"s\",\"name\":\"s\","
                "\"type\":\"End\",\"end\":true,\"transition\":\"\","
                "\"actions\":[{\"function_ref\":{\"ref_name\":\"f\","
                "\"arguments\":null}}]}]}",
                "states[0].actions[0].function_ref.arguments", IS_NULL,
                "null arguments (the Go SDK's unset pointer)");

        refused(api, WF_HEAD ",\"states\":[{\"id\":\"s\",\"name\":\"s\","
                "\"type\":\"End\",\"end\":true,\"transition\":\"\","
                "\"actions\":[],\"onErrors\":[]}]}", "states[0].onErrors",
                LOOKS, "onErrors for on_errors");

        refused(api, WF_HEAD "," WF_STATE ",\"mode\":\"FAST\"}", "mode",
                ENUM, "mode FAST");

        refused(api, WF_HEAD "," WF_STATE ",\"express_config\":"
                "{\"log_level\":\"DEBUG\"}}", "express_config.log_level",
                ENUM, "log_level DEBUG");

        refused(api, WF_HEAD "," WF_STATE ",\"triggers\":[{"
                "\"trigger_name\":\"t\",\"trigger_type\":\"TIMER\"}]}",
                "triggers[0].trigger_type", ENUM, "trigger_type TIMER");

        refused(api, WF_HEAD "," WF_STATE ",\"triggers\":[{"
                "\"trigger_name\":\"t\",\"trigger_type\":\"OBS\","
                "\"trigger_config\":{\"bucket\":\"b\",\"events\":[]}}]}",
                "triggers[0].trigger_config.prefix", MISSING,
                "an OBS trigger_config without prefix");

        refused(api, "{\"name\":\"w\",\"start\":\"s\",\"functions\":[],"
                "\"retries\":[],\"constants\":null," WF_STATE "}",
                "constants", IS_NULL, "null constants (the Go SDK's unset "
                "pointer)");

        refused(api, WF_HEAD "," WF_STATE ",\"version\":\"1\"}", "version",
                UNKNOWN, "an unknown field");

        refused(api, WF_HEAD "," WF_STATE ",\"Description\":\"d\"}",
                "Description", LOOKS, "Description for description");

        refused(api, "{\"name\":\"w\",\"start\":\"s\",\"functions\":[],"
                "\"constants\":{},\"retries\":[{\"name\":\"r\","
                "\"max_attempts\":\"3\"}]," WF_STATE "}",
                "retries[0].max_attempts", INTEGER,
                "max_attempts as a string");

        refused(api, "{\"name\":\"w\",\"start\":\"s\",\"constants\":{},"
                "\"retries\":[],\"functions\":[{\"name\":\"f\"}],"
                WF_STATE "}", "functions[0].operation", MISSING,
                "a function without its URN");

        refused(api, "{\"name\":\"" A36 A36 "\",\"start\":\"s\","
                "\"functions\":[],\"constants\":{},\"retries\":[],"
                WF_STATE "}", "name", LENGTH, "a name of 72 characters");

        refused(api, WF_HEAD "," WF_STATE ",\"description\":\"\"}",
                "description", LENGTH, "an empty description");

        refused(api, WF_HEAD "," WF_STATE ",\"workflow_urns\":[\"u\"]}",
                "workflow_urns", OTHER, "the delete's member in a create");
    }

    api = FGS_API_WORKFLOW_DELETE;

    accepted(api,
             "{\"workflow_urns\":[\"urn:fss:cn-north-4:"
             "c53626012ba84727b938ca8bf03108ef:workflow:default:w1:latest\","
             "\"urn:fss:cn-north-4:c53626012ba84727b938ca8bf03108ef:"
             "workflow:default:w2:latest\"]}",
             "a batch delete");

    refused(api, "{}", "workflow_urns", MISSING, "a delete without URNs");

    refused(api, "{\"workflow_urns\":[1]}", "workflow_urns[0]", STRING,
            "a URN as a number");

    refused(api, "{\"workflow_urns\":\"u\"}", "workflow_urns", ARRAY,
            "one URN, not a list");

    refused(api, "{\"workflow_urns\":[],\"name\":\"w\"}", "name", OTHER,
            "a create's member in a delete");

    refused(api, "{\"workflowUrns\":[]}", "workflowUrns", LOOKS,
            "workflowUrns for workflow_urns");

    refused(api, "{\"workflow_urns\":null}", "workflow_urns", IS_NULL,
            "null workflow_urns");

    refused(api, "{\"workflow_urns\":[],\"urns\":[]}", "urns", UNKNOWN,
            "an unknown field");
}


/* the workflow callback: CallbackWorkflowRequestBody */

static void
test_callback(void)
{
    fgs_api_e  api;

    api = FGS_API_WORKFLOW_CALLBACK;

    accepted(api, "{\"result\":\"success\",\"output\":{}}",
             "the reference's example request");

    accepted(api, "{\"result\":\"success\",\"output\":{\"message\":"
             "\"success\",\"result\":200}}", "an output of the user's");

    accepted(api, "{\"result\":\"fail\",\"error\":\"timed out\","
             "\"output\":{}}", "a failure");

    refused(api, "{\"result\":\"fail\",\"error\":\"timed out\"}", "output",
            MISSING, "no output (the Node.js SDK leaves it out)");

    refused(api, "{\"result\":\"fail\",\"output\":null}", "output",
            IS_NULL, "null output (the Go SDK's unset pointer)");

    refused(api, "{\"output\":{}}", "result", MISSING, "no result");

    refused(api, "{\"result\":\"ok\",\"output\":{}}", "result", ENUM,
            "result ok");

    refused(api, "{\"result\":true,\"output\":{}}", "result", STRING,
            "result true");

    refused(api, "{\"result\":\"fail\",\"error\":\"\",\"output\":{}}",
            "error", LENGTH, "an empty error");

    refused(api, "{\"result\":\"fail\",\"error\":\"" A36 A36 "\","
            "\"output\":{}}", "error", LENGTH, "an error of 72 characters");

    refused(api, "{\"result\":\"success\",\"output\":{},\"status\":\"x\"}",
            "status", UNKNOWN, "an unknown field");

    refused(api, "{\"result\":\"success\",\"Output\":{}}", "Output", LOOKS,
            "Output for output");
}


/* vpc_endpoint: CreateVpcEndpointRequestBody */

static void
test_vpc_endpoint(void)
{
    fgs_api_e  api;

    api = FGS_API_VPC_ENDPOINT_CREATE;

    accepted(api, "{\"vpc_id\":\"3e8a2b1c-vpc\",\"subnet_id\":"
             "\"7d8e9f00-subnet\",\"flavor\":\"normal\",\"xrole\":"
             "\"fgs_vpcep\"}", "an endpoint with every member");

    accepted(api, "{\"subnet_id\":\"s\",\"vpc_id\":\"v\"}",
             "the required members only");

    refused(api, "{\"vpc_id\":\"v\"}", "subnet_id", MISSING,
            "no subnet_id");

    refused(api, "{\"vpc_id\":1,\"subnet_id\":\"s\"}", "vpc_id", STRING,
            "vpc_id as a number");

    refused(api, "{\"vpc_id\":\"v\",\"subnet_id\":\"s\","
            "\"security_group\":\"g\"}", "security_group", UNKNOWN,
            "an unknown field");

    refused(api, "{\"vpcId\":\"v\",\"subnet_id\":\"s\"}", "vpcId", LOOKS,
            "vpcId for vpc_id");

    refused(api, "{\"vpc_id\":\"v\",\"subnet_id\":\"s\",\"flavor\":null}",
            "flavor", IS_NULL, "null flavor");
}


int
main(void)
{
    fgs_arena_init(&arena);

    test_tables();
    test_tags();
    test_dependency();
    test_application();
    test_workflow();
    test_callback();
    test_vpc_endpoint();

    fgs_arena_reset(&arena);

    return done_testing();
}

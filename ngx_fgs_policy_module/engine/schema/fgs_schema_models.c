
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The models of the FunctionGraph API reference, compiled in: the
 * macros in which the files of schema/models/ write their fields, each model
 * file, and which model each endpoint of fgs_apis[] takes.
 *
 * A model file is data: one line a field, in the macros below.  Each
 * object's fields are sorted by the length of their names, then by name,
 * an order fgs_schema_selftest() (run by the unit tests) verifies; the
 * walker finds keys through a hash of the names built on first use.  A
 * field that FunctionGraph adds is one line in its model, and a test
 * (docs/policy-language.md, "Governing a new API").
 */


#include "fgs_schema_int.h"


#define FGS_NAME(s)  s, sizeof(s) - 1


/* a String with an optional constraint */
#define STR(name, ops, req, constraint, min, max, values)                     \
    { FGS_NAME(name), FGS_SCHEMA_STRING, 0, constraint, ops, req, min, max,   \
      values, NULL, 0, NULL }

/* an Integer, its range validated when constraint is FGS_CONSTRAINT_RANGE */
#define INT(name, ops, req, constraint, min, max)                             \
    { FGS_NAME(name), FGS_SCHEMA_INTEGER, 0, constraint, ops, req, min, max,  \
      NULL, NULL, 0, NULL }

#define BOOL(name, ops)                                                       \
    { FGS_NAME(name), FGS_SCHEMA_BOOLEAN, 0, FGS_CONSTRAINT_NONE, ops, 0, 0,  \
      0, NULL, NULL, 0, NULL }

/* a Boolean that operations require (a Go SDK bool without omitempty) */
#define BOOL_REQ(name, ops, req)                                              \
    { FGS_NAME(name), FGS_SCHEMA_BOOLEAN, 0, FGS_CONSTRAINT_NONE, ops, req,   \
      0, 0, NULL, NULL, 0, NULL }

#define OBJ(name, ops, req, object)                                           \
    { FGS_NAME(name), FGS_SCHEMA_OBJECT, 0, FGS_CONSTRAINT_NONE, ops, req,    \
      0, 0, NULL, &object, 0, NULL }

#define STRS(name, ops, req)                                                  \
    { FGS_NAME(name), FGS_SCHEMA_ARRAY, FGS_SCHEMA_STRING,                    \
      FGS_CONSTRAINT_NONE, ops, req, 0, 0, NULL, NULL, 0, NULL }

#define OBJS(name, ops, req, object)                                          \
    { FGS_NAME(name), FGS_SCHEMA_ARRAY, FGS_SCHEMA_OBJECT,                    \
      FGS_CONSTRAINT_NONE, ops, req, 0, 0, NULL, &object, 0, NULL }

#define MAP(name, ops)                                                        \
    { FGS_NAME(name), FGS_SCHEMA_MAP, 0, FGS_CONSTRAINT_NONE, ops, 0, 0, 0,   \
      NULL, NULL, 0, NULL }

#define ID(name, req, min, max)                                               \
    { FGS_NAME(name), FGS_SCHEMA_ID, 0, FGS_CONSTRAINT_RANGE,                 \
      FGS_SCHEMA_ALL, req, min, max, NULL, NULL, 0, NULL }

/* a String that is a secret: never in a record, a message or a log */
#define SECRET(name, ops, req, constraint, min, max)                          \
    { FGS_NAME(name), FGS_SCHEMA_STRING, 0, constraint, ops, req, min, max,   \
      NULL, NULL, FGS_SCHEMA_SECRET, NULL }

/* a JSON number, integer or not */
#define NUM(name, ops, req)                                                   \
    { FGS_NAME(name), FGS_SCHEMA_NUMBER, 0, FGS_CONSTRAINT_NONE, ops, req,    \
      0, 0, NULL, NULL, 0, NULL }

/* a value the reference leaves free (any JSON but null) */
#define ANY(name, ops, req)                                                   \
    { FGS_NAME(name), FGS_SCHEMA_ANY, 0, FGS_CONSTRAINT_NONE, ops, req,       \
      0, 0, NULL, NULL, 0, NULL }

/* an array of integers */
#define INTS(name, ops, req)                                                  \
    { FGS_NAME(name), FGS_SCHEMA_ARRAY, FGS_SCHEMA_INTEGER,                   \
      FGS_CONSTRAINT_NONE, ops, req, 0, 0, NULL, NULL, 0, NULL }

/* Map<String,Integer>: free keys, each value an Integer (its range too) */
#define MAPI(name, ops, constraint, min, max)                                 \
    { FGS_NAME(name), FGS_SCHEMA_MAP, FGS_SCHEMA_INTEGER, constraint, ops,    \
      0, min, max, NULL, NULL, 0, NULL }

/* Map<String,object>: free keys, each value an object of the table */
#define MAPO(name, ops, object)                                               \
    { FGS_NAME(name), FGS_SCHEMA_MAP, FGS_SCHEMA_OBJECT, FGS_CONSTRAINT_NONE, \
      ops, 0, 0, 0, NULL, &object, 0, NULL }

/*
 * An object in the variants of ops, and in those of alt's ops the field
 * alt, a static field of the same name and another type (a trigger's
 * event_data: an object to create, an array of other objects to update).
 */
#define OBJ_ALT(name, ops, req, object, alt)                                  \
    { FGS_NAME(name), FGS_SCHEMA_OBJECT, 0, FGS_CONSTRAINT_NONE, ops, req,    \
      0, 0, NULL, &object, 0, &alt }

#define FGS_OBJECT(var, name, fields, id)                                     \
    static fgs_schema_index_t  var##_index;                                   \
    static const fgs_schema_object_t  var = {                                 \
        name, fields, sizeof(fields) / sizeof(fields[0]), id, &var##_index    \
    }


#include "models/function.def"
#include "models/import.def"
#include "models/version.def"
#include "models/alias.def"
#include "models/trigger.def"
#include "models/async_config.def"
#include "models/max_instances.def"
#include "models/reserved_instances.def"
#include "models/tracing.def"
#include "models/event.def"
#include "models/cancel.def"
#include "models/tags.def"
#include "models/dependency.def"
#include "models/application.def"
#include "models/workflow.def"
#include "models/workflow_execution.def"
#include "models/vpc_endpoint.def"


#define MODEL(root, v)  { &root, v }
#define NO_BODY         { NULL, 0 }

static const fgs_schema_model_t  fgs_schema_models[FGS_API_COUNT] = {
    [FGS_API_FUNCTION_CREATE] = MODEL(fgs_schema_function, 2),
    [FGS_API_FUNCTION_CODE] = MODEL(fgs_schema_function, 0),
    [FGS_API_FUNCTION_CONFIG] = MODEL(fgs_schema_function, 1),
    [FGS_API_FUNCTION_IMPORT] = MODEL(fgs_import, 0),
    [FGS_API_FUNCTION_DELETE] = NO_BODY,
    [FGS_API_VERSION_CREATE] = MODEL(fgs_version, 0),
    [FGS_API_ALIAS_CREATE] = MODEL(fgs_alias, 0),
    [FGS_API_ALIAS_UPDATE] = MODEL(fgs_alias, 1),
    [FGS_API_ALIAS_DELETE] = NO_BODY,
    [FGS_API_TRIGGER_CREATE] = MODEL(fgs_trigger, 0),
    [FGS_API_TRIGGER_UPDATE] = MODEL(fgs_trigger, 1),
    [FGS_API_TRIGGER_DELETE] = NO_BODY,
    [FGS_API_TRIGGER_DELETE_ALL] = NO_BODY,
    [FGS_API_ASYNC_CONFIG_UPDATE] = MODEL(fgs_async_config, 0),
    [FGS_API_ASYNC_CONFIG_DELETE] = NO_BODY,
    [FGS_API_MAX_INSTANCES] = MODEL(fgs_max_instances, 0),
    [FGS_API_RESERVED_INSTANCES] = MODEL(fgs_reserved_instances, 0),
    [FGS_API_TRACING] = MODEL(fgs_tracing, 0),
    [FGS_API_EVENT_CREATE] = MODEL(fgs_event, 0),
    [FGS_API_EVENT_UPDATE] = MODEL(fgs_event, 1),
    [FGS_API_EVENT_DELETE] = NO_BODY,
    [FGS_API_TAGS_CREATE] = MODEL(fgs_tags, 0),
    [FGS_API_TAGS_DELETE] = MODEL(fgs_tags, 1),
    [FGS_API_DEPENDENCY_CREATE] = MODEL(fgs_dependency, 0),
    [FGS_API_DEPENDENCY_DELETE] = NO_BODY,
    [FGS_API_APPLICATION_CREATE] = MODEL(fgs_application, 0),
    [FGS_API_APPLICATION_DELETE] = NO_BODY,
    [FGS_API_WORKFLOW_CREATE] = MODEL(fgs_workflow, 0),
    [FGS_API_WORKFLOW_UPDATE] = MODEL(fgs_workflow, 0),
    [FGS_API_WORKFLOW_DELETE] = MODEL(fgs_workflow, 1),
    [FGS_API_WORKFLOW_CALLBACK] = MODEL(fgs_workflow_callback, 0),
    [FGS_API_WORKFLOW_RETRY] = NO_BODY,
    [FGS_API_WORKFLOW_TERMINATE] = NO_BODY,
    [FGS_API_VPC_ENDPOINT_CREATE] = MODEL(fgs_vpc_endpoint, 0),
    [FGS_API_VPC_ENDPOINT_DELETE] = NO_BODY,
    [FGS_API_SNAPSHOT] = NO_BODY,
    [FGS_API_COLLECT] = NO_BODY,
    [FGS_API_LTS_LOG] = NO_BODY,
    [FGS_API_ASYNC_STATUS_LOG] = NO_BODY,
    [FGS_API_CANCEL] = MODEL(fgs_cancel, 0)
};


const fgs_schema_model_t *
fgs_schema_model(fgs_api_e api)
{
    if ((unsigned) api >= FGS_API_COUNT) {
        return &fgs_schema_models[FGS_API_NONE];
    }

    return &fgs_schema_models[api];
}


uint32_t
fgs_schema_op_variants(fgs_op_e op, const fgs_schema_object_t **root)
{
    uint32_t  a, bits;

    bits = 0;
    *root = NULL;

    for (a = 1; a < FGS_API_COUNT; a++) {
        if (fgs_apis[a].op == op && fgs_schema_models[a].root != NULL) {
            *root = fgs_schema_models[a].root;
            bits |= 1u << fgs_schema_models[a].variant;
        }
    }

    return bits;
}

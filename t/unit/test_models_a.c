
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The body models of import, version, alias, trigger, async_config,
 * max_instances, reserved_instances, tracing, event and cancel
 * (schema/models/): for each endpoint a body that the official SDKs
 * send is accepted (the trigger bodies are what the Node.js SDK 3.1.211
 * serializes, its field names as it spells them), and bodies that
 * break the model are refused with a violation that names the field:
 * a missing required field, a wrong type, an unknown field, a
 * look-alike key, null, a value outside an enumeration or a range.
 * The fields that hold secrets are flagged, and no message quotes one.
 */


#include "test_models.h"


#define MISSING   "is required"
#define TYPE      "must be"
#define UNKNOWN   "is not in the FunctionGraph API reference"
#define LOOKS     "differs from the documented field"
#define NUL       "is null"
#define ENUM      "one of"
#define RANGE     "out of range"
#define NOT_HERE  "is not a field of"


static void
test_import(void)
{
    fgs_api_e  a = FGS_API_FUNCTION_IMPORT;

    accepted(a, "{\"func_name\":\"imported\",\"file_name\":\"demo.zip\","
             "\"file_type\":\"zip\",\"file_code\":\"UEsDBA==\"}",
             "import, the SDK's required fields");
    accepted(a, "{\"func_name\":\"imported\",\"file_name\":\"demo.zip\","
             "\"file_type\":\"zip\",\"file_code\":\"UEsDBA==\","
             "\"package\":\"default\"}", "import with its package");

    refused(a, "{\"func_name\":\"imported\",\"file_name\":\"demo.zip\","
            "\"file_type\":\"zip\"}", "file_code", MISSING,
            "import without file_code");
    refused(a, "{\"func_name\":7,\"file_name\":\"demo.zip\","
            "\"file_type\":\"zip\",\"file_code\":\"UEsDBA==\"}",
            "func_name", TYPE, "import, a number for func_name");
    refused(a, "{\"func_name\":\"imported\",\"file_name\":\"demo.zip\","
            "\"file_type\":\"zip\",\"file_code\":\"UEsDBA==\","
            "\"runtime\":\"Python3.9\"}", "runtime", UNKNOWN,
            "import, a field of another body");
    refused(a, "{\"func_name\":\"imported\",\"File_Name\":\"demo.zip\","
            "\"file_type\":\"zip\",\"file_code\":\"UEsDBA==\"}",
            "File_Name", LOOKS, "import, a look-alike of file_name");
    refused(a, "{\"func_name\":\"imported\",\"file_name\":\"demo.zip\","
            "\"file_type\":\"zip\",\"file_code\":\"UEsDBA==\","
            "\"package\":null}", "package", NUL, "import, null package");
    refused(a, "{\"func_name\":\"imported\",\"file_name\":\"demo.zip\","
            "\"file_type\":\"zip\",\"file_code\":\"UEsD BA==\"}",
            "file_code", "base64", "import, file_code not base64");
    refused(a, "{\"func_name\":\"9lives\",\"file_name\":\"demo.zip\","
            "\"file_type\":\"zip\",\"file_code\":\"UEsDBA==\"}",
            "func_name", "letter", "import, func_name's pattern");
    refused(a, "{\"func_name\":\"imported\",\"file_name\":\"../x.zip\","
            "\"file_type\":\"zip\",\"file_code\":\"UEsDBA==\"}",
            "file_name", "not a path", "import, a path for file_name");
}


static void
test_version(void)
{
    fgs_api_e  a = FGS_API_VERSION_CREATE;

    accepted(a, "{}", "version, no field (all optional)");
    accepted(a, "{\"digest\":\"d41d8cd98f00b204e9800998ecf8427e\","
             "\"version\":\"v1\",\"description\":\"first\"}",
             "version, every field");

    refused(a, "{\"description\":1}", "description", TYPE,
            "version, a number for description");
    refused(a, "{\"version\":\"v1\",\"alias\":\"prod\"}", "alias", UNKNOWN,
            "version, an unknown field");
    refused(a, "{\"Version\":\"v1\"}", "Version", LOOKS,
            "version, a look-alike of version");
    refused(a, "{\"digest\":null}", "digest", NUL, "version, null digest");
}


static void
test_alias(void)
{
    fgs_api_e  c = FGS_API_ALIAS_CREATE;
    fgs_api_e  u = FGS_API_ALIAS_UPDATE;

    accepted(c, "{\"name\":\"prod\",\"version\":\"1\"}",
             "alias create, the required fields");
    accepted(c, "{\"name\":\"prod\",\"version\":\"1\",\"description\":\"d\","
             "\"additional_version_weights\":{\"2\":10},"
             "\"additional_version_strategy\":{\"2\":{\"combine_type\":"
             "\"and\",\"rules\":[{\"rule_type\":\"header\",\"param\":"
             "\"x-user\",\"op\":\"in\",\"value\":\"a,b\"},{\"rule_type\":"
             "\"cookie\",\"param\":\"c\",\"op\":\"=\",\"value\":\"v\"}]}}}",
             "alias create, weights and a strategy");
    accepted(u, "{\"version\":\"2\",\"additional_version_weights\":{\"3\":5}}",
             "alias update");

    refused(c, "{\"version\":\"1\"}", "name", MISSING,
            "alias create without name");
    refused(u, "{\"description\":\"d\"}", "version", MISSING,
            "alias update without version");
    refused(u, "{\"name\":\"prod\",\"version\":\"1\"}", "name", NOT_HERE,
            "alias update, name (in the path, not the body)");
    refused(c, "{\"name\":\"prod\",\"version\":1}", "version", TYPE,
            "alias create, a number for version");
    refused(c, "{\"name\":\"prod\",\"version\":\"1\","
            "\"additional_version_weights\":{\"2\":\"10\"}}",
            "additional_version_weights.2", "integer",
            "alias, a weight as a string");
    refused(c, "{\"name\":\"prod\",\"version\":\"1\","
            "\"additional_version_weights\":{\"2\":null}}",
            "additional_version_weights.2", NUL, "alias, a null weight");
    refused(c, "{\"name\":\"prod\",\"version\":\"1\","
            "\"additional_version_weights\":[10]}",
            "additional_version_weights", TYPE,
            "alias, weights as an array");
    refused(c, "{\"name\":\"prod\",\"version\":\"1\","
            "\"additional_version_strategy\":{\"2\":\"and\"}}",
            "additional_version_strategy.2", "VersionStrategy",
            "alias, a strategy that is no object");
    refused(c, "{\"name\":\"prod\",\"version\":\"1\","
            "\"additional_version_strategy\":{\"2\":{\"rules\":"
            "[{\"op\":\"like\"}]}}}",
            "additional_version_strategy.2.rules[0].op", ENUM,
            "alias, a rule's op outside its enumeration");
    refused(c, "{\"name\":\"prod\",\"version\":\"1\","
            "\"additional_version_strategy\":{\"2\":{\"Combine_Type\":"
            "\"or\"}}}", "additional_version_strategy.2.Combine_Type", LOOKS,
            "alias, a look-alike in a strategy");
    refused(c, "{\"name\":\"prod\",\"version\":\"1\",\"weights\":{}}",
            "weights", UNKNOWN, "alias, an unknown field");
    refused(c, "{\"name\":\"prod\",\"Version\":\"1\"}", "Version", LOOKS,
            "alias, a look-alike of version");
    refused(c, "{\"name\":\"prod\",\"version\":\"1\",\"description\":null}",
            "description", NUL, "alias, null description");
}


/* what the Node.js SDK serializes for an APIG trigger and an update */

#define APIG_TRIGGER                                                        \
    "{\"trigger_type_code\":\"APIG\",\"event_data\":{\"name\":\"api_demo\","\
    "\"type\":1,\"path\":\"/demo\",\"protocol\":\"HTTPS\",\"req_method\":"  \
    "\"ANY\",\"group_id\":\"g1\",\"env_name\":\"RELEASE\",\"env_id\":"      \
    "\"e1\",\"auth\":\"IAM\",\"match_mode\":\"SWA\",\"func_info\":"         \
    "{\"timeout\":5000,\"invocation_type\":\"sync\"},\"backend_type\":"     \
    "\"FUNCTION\",\"Key_encode\":true,\"is_serial\":\"true\","              \
    "\"batch_size\":100,\"created_time\":\"1970-01-01T00:00:00.000Z\","     \
    "\"event_types\":[\"x\"]},\"trigger_status\":\"ACTIVE\","               \
    "\"event_type_code\":\"APICreated\"}"

#define TRIGGER_UPDATE                                                      \
    "{\"trigger_status\":\"DISABLED\",\"event_data\":[{\"is_serial\":true," \
    "\"polling_unit\":\"ms\",\"polling_interval\":5,"                       \
    "\"max_fetch_bytes\":1024}]}"

#define T_HEAD  "{\"trigger_type_code\":\"TIMER\",\"event_data\":{"


static void
test_trigger(void)
{
    fgs_api_e  c = FGS_API_TRIGGER_CREATE;
    fgs_api_e  u = FGS_API_TRIGGER_UPDATE;

    accepted(c, APIG_TRIGGER, "trigger create, an APIG trigger (Node.js "
             "SDK)");
    accepted(c, T_HEAD "\"name\":\"t\",\"schedule_type\":\"Rate\","
             "\"schedule\":\"3m\",\"user_event\":\"hi\"}}",
             "trigger create, a TIMER trigger");
    accepted(c, "{\"trigger_type_code\":\"KAFKA\",\"trigger_status\":"
             "\"DISABLED\",\"event_data\":{\"instance_id\":\"i\","
             "\"topic_ids\":[\"t1\"],\"batch_size\":1000,\"kafka_user\":"
             "\"u\",\"kafka_password\":\"p\",\"kafka_connect_address\":"
             "\"10.0.0.1:9092\",\"kafka_ssl_enable\":true}}",
             "trigger create, a KAFKA trigger");
    accepted(c, "{\"trigger_type_code\":\"DDS\",\"event_data\":{"
             "\"instance_id\":\"i\",\"collection_name\":\"c\",\"db_name\":"
             "\"d\",\"db_password\":\"p\",\"batch_size\":10000}}",
             "trigger create, a DDS trigger");
    accepted(c, "{\"trigger_type_code\":\"RABBITMQ\",\"event_data\":{"
             "\"instance_id\":\"i\",\"exchange_name\":\"x\",\"vhost\":\"/\","
             "\"access_user\":\"u\",\"access_password\":\"p\","
             "\"connect_address\":\"a\",\"ssl_enable\":false}}",
             "trigger create, a RABBITMQ trigger");
    accepted(c, "{\"trigger_type_code\":\"DIS\",\"event_data\":{"
             "\"stream_name\":\"s\",\"sharditerator_type\":\"LATEST\","
             "\"polling_interval\":30,\"polling_unit\":\"s\","
             "\"max_fetch_bytes\":2097152,\"is_serial\":\"false\","
             "\"batch_size\":100}}", "trigger create, a DIS trigger");
    accepted(c, "{\"trigger_type_code\":\"OBS\",\"event_data\":{\"bucket\":"
             "\"b\",\"prefix\":\"in/\",\"suffix\":\".jpg\",\"events\":"
             "[\"ObjectCreated\"]}}", "trigger create, an OBS trigger");
    accepted(c, "{\"trigger_type_code\":\"EVENTGRID\",\"event_data\":{"
             "\"agency\":\"a\",\"channel_name\":\"c\",\"channel_id\":\"i\","
             "\"source_name\":\"s\",\"status\":\"DISABLE\",\"trigger_name\":"
             "\"t\",\"event_types\":[\"e\"],\"Key_encode\":false}}",
             "trigger create, an EVENTGRID trigger");
    accepted(u, TRIGGER_UPDATE, "trigger update (Node.js SDK)");
    accepted(u, "{\"trigger_status\":\"ACTIVE\"}", "trigger update, the "
             "status only");

    refused(c, "{\"event_data\":{}}", "trigger_type_code", MISSING,
            "trigger create without trigger_type_code");
    refused(c, "{\"trigger_type_code\":\"TIMER\"}", "event_data", MISSING,
            "trigger create without event_data");
    refused(c, "{\"trigger_type_code\":\"FTP\",\"event_data\":{}}",
            "trigger_type_code", ENUM, "trigger create, an unknown type");
    refused(c, "{\"Trigger_Type_Code\":\"TIMER\",\"event_data\":{}}",
            "Trigger_Type_Code", LOOKS, "trigger create, a look-alike key");
    refused(c, T_HEAD "},\"trigger_status\":null}", "trigger_status", NUL,
            "trigger create, null status");
    refused(c, T_HEAD "},\"trigger_status\":\"PAUSED\"}", "trigger_status",
            ENUM, "trigger create, a status outside its enumeration");
    refused(c, T_HEAD "},\"priority\":1}", "priority", UNKNOWN,
            "trigger create, an unknown field");
    refused(c, "{\"trigger_type_code\":\"TIMER\",\"event_data\":[{}]}",
            "event_data", "TriggerEventDataRequestBody",
            "trigger create, event_data as an array");
    refused(c, "{\"trigger_type_code\":\"APIG\",\"event_data\":{\"auth\":"
            "\"BASIC\"}}", "event_data.auth", ENUM,
            "trigger create, an auth outside IAM, APP, NONE");
    refused(c, "{\"trigger_type_code\":\"APIG\",\"event_data\":{\"auth\":"
            "\"iam\"}}", "event_data.auth", ENUM,
            "trigger create, auth in another letter case");
    refused(c, T_HEAD "\"is_serial\":true}}", "event_data.is_serial", TYPE,
            "trigger create, is_serial a Boolean (a String here)");
    refused(c, T_HEAD "\"type\":3}}", "event_data.type", RANGE,
            "trigger create, an API type outside 1..2");
    refused(c, T_HEAD "\"batch_size\":0}}", "event_data.batch_size", RANGE,
            "trigger create, batch_size 0");
    refused(c, T_HEAD "\"key_encode\":true}}", "event_data.key_encode",
            LOOKS, "trigger create, key_encode for Key_encode");
    refused(c, T_HEAD "\"schedule\":null}}", "event_data.schedule", NUL,
            "trigger create, a null member of event_data");
    refused(c, T_HEAD "\"cron\":\"x\"}}", "event_data.cron", UNKNOWN,
            "trigger create, an unknown member of event_data");
    refused(c, "{\"trigger_type_code\":\"APIG\",\"event_data\":{"
            "\"func_info\":{\"invocation_type\":\"sync\"}}}",
            "event_data.func_info.timeout", MISSING,
            "trigger create, func_info without its timeout");
    refused(c, "{\"trigger_type_code\":\"APIG\",\"event_data\":{"
            "\"func_info\":{\"timeout\":1,\"invocation_type\":\"later\"}}}",
            "event_data.func_info.invocation_type", ENUM,
            "trigger create, an invocation type outside sync, async");

    refused(u, "{\"event_data\":{\"is_serial\":true}}", "event_data",
            "array", "trigger update, event_data as one object");
    refused(u, "{\"event_data\":[{\"is_serial\":\"true\"}]}",
            "event_data[0].is_serial", TYPE,
            "trigger update, is_serial a String (a Boolean here)");
    refused(u, "{\"event_data\":[{\"polling_unit\":\"min\"}]}",
            "event_data[0].polling_unit", ENUM,
            "trigger update, a polling unit outside s, ms");
    refused(u, "{\"event_data\":[{\"batch_size\":10}]}",
            "event_data[0].batch_size", UNKNOWN,
            "trigger update, a create-only member of event_data");
    refused(u, "{\"event_data\":[null]}", "event_data[0]", NUL,
            "trigger update, a null item");
    refused(u, "{\"trigger_type_code\":\"TIMER\"}", "trigger_type_code",
            NOT_HERE, "trigger update, trigger_type_code (in the path)");
    refused(u, "{\"Trigger_Status\":\"ACTIVE\"}", "Trigger_Status", LOOKS,
            "trigger update, a look-alike key");
    refused(u, "{\"event_data\":null}", "event_data", NUL,
            "trigger update, null event_data");
}


static void
test_async_config(void)
{
    fgs_api_e  a = FGS_API_ASYNC_CONFIG_UPDATE;

    accepted(a, "{}", "async config, no field (all optional)");
    accepted(a, "{\"max_async_event_age_in_seconds\":3600,"
             "\"max_async_retry_attempts\":1,\"destination_config\":{"
             "\"on_success\":{\"destination\":\"OBS\",\"param\":"
             "\"{\\\"bucket\\\":\\\"b\\\",\\\"prefix\\\":\\\"p\\\"}\"},"
             "\"on_failure\":{\"destination\":\"FunctionGraph\",\"param\":"
             "\"{\\\"func_urn\\\":\\\"u\\\"}\"}},"
             "\"enable_async_status_log\":true,\"log_group_id\":\"g\","
             "\"log_stream_id\":\"s\",\"log_group_name\":\"gn\","
             "\"log_stream_name\":\"sn\"}", "async config, every field");

    refused(a, "{\"max_async_retry_attempts\":4}",
            "max_async_retry_attempts", RANGE, "async config, 4 retries");
    refused(a, "{\"max_async_event_age_in_seconds\":0}",
            "max_async_event_age_in_seconds", RANGE,
            "async config, an age of 0");
    refused(a, "{\"max_async_event_age_in_seconds\":\"3600\"}",
            "max_async_event_age_in_seconds", TYPE,
            "async config, the age as a string");
    refused(a, "{\"destination_config\":{\"on_success\":{\"destination\":"
            "\"KAFKA\"}}}", "destination_config.on_success.destination",
            ENUM, "async config, a destination outside the four");
    refused(a, "{\"destination_config\":{\"on_error\":{}}}",
            "destination_config.on_error", UNKNOWN,
            "async config, an unknown member of destination_config");
    refused(a, "{\"enable_async_status_log\":null}",
            "enable_async_status_log", NUL, "async config, null");
    refused(a, "{\"Log_Group_Id\":\"g\"}", "Log_Group_Id", LOOKS,
            "async config, a look-alike key");
}


static void
test_max_instances(void)
{
    fgs_api_e  a = FGS_API_MAX_INSTANCES;

    accepted(a, "{\"max_instance_num\":10}", "max instances");
    accepted(a, "{\"max_instance_num\":-1}", "max instances, no limit");

    refused(a, "{}", "max_instance_num", MISSING,
            "max instances, without the number");
    refused(a, "{\"max_instance_num\":-2}", "max_instance_num", RANGE,
            "max instances, -2");
    refused(a, "{\"max_instance_num\":2147483648}", "max_instance_num",
            RANGE, "max instances, past int32");
    refused(a, "{\"max_instance_num\":1.5}", "max_instance_num", TYPE,
            "max instances, a fraction");
    refused(a, "{\"maxInstanceNum\":1}", "maxInstanceNum", LOOKS,
            "max instances, a look-alike key");
}


static void
test_reserved_instances(void)
{
    fgs_api_e  a = FGS_API_RESERVED_INSTANCES;

    accepted(a, "{\"count\":2}", "reserved instances, the count only");
    accepted(a, "{\"count\":2,\"idle_mode\":false,\"tactics_config\":{"
             "\"cron_configs\":[{\"name\":\"c\",\"cron\":\"0 0 8 * * ?\","
             "\"count\":3,\"start_time\":1706149526,"
             "\"expired_time\":1737685526}],\"metric_configs\":[{\"name\":"
             "\"m\",\"type\":\"Concurrency\",\"threshold\":90,\"min\":1}]}}",
             "reserved instances, with tactics");

    refused(a, "{\"idle_mode\":true}", "count", MISSING,
            "reserved instances without count");
    refused(a, "{\"count\":-1}", "count", RANGE,
            "reserved instances, a negative count");
    refused(a, "{\"count\":2,\"tactics_config\":{\"metric_configs\":"
            "[{\"type\":\"Memory\"}]}}",
            "tactics_config.metric_configs[0].type", ENUM,
            "reserved instances, a metric type outside Concurrency");
    refused(a, "{\"count\":2,\"tactics_config\":{\"cron_configs\":"
            "[{\"timezone\":\"UTC\"}]}}",
            "tactics_config.cron_configs[0].timezone", UNKNOWN,
            "reserved instances, an unknown member of a CronConfig");
    refused(a, "{\"count\":2,\"tactics_config\":{\"cron_configs\":{}}}",
            "tactics_config.cron_configs", TYPE,
            "reserved instances, cron_configs as an object");
    refused(a, "{\"count\":2,\"idle_mode\":null}", "idle_mode", NUL,
            "reserved instances, null idle_mode");
    refused(a, "{\"Count\":2}", "Count", LOOKS,
            "reserved instances, a look-alike of count");
}


static void
test_tracing(void)
{
    fgs_api_e  a = FGS_API_TRACING;

    accepted(a, "{\"tracing_ak\":\"AKEXAMPLE\",\"tracing_sk\":\"SKEXAMPLE\"}",
             "tracing");
    accepted(a, "{}", "tracing, no field (tracing off)");

    refused(a, "{\"tracing_ak\":1}", "tracing_ak", TYPE,
            "tracing, a number for the key");
    refused(a, "{\"tracing_token\":\"x\"}", "tracing_token", UNKNOWN,
            "tracing, an unknown field");
    refused(a, "{\"Tracing_SK\":\"x\"}", "Tracing_SK", LOOKS,
            "tracing, a look-alike of tracing_sk");
    refused(a, "{\"tracing_sk\":null}", "tracing_sk", NUL,
            "tracing, a null key");
}


static void
test_event(void)
{
    fgs_api_e  c = FGS_API_EVENT_CREATE;
    fgs_api_e  u = FGS_API_EVENT_UPDATE;

    accepted(c, "{\"name\":\"event-xx\",\"content\":\"eyJrIjoidiJ9\"}",
             "event create (the reference's example)");
    accepted(u, "{\"content\":\"eyJrIjoidiJ9\"}", "event update");

    refused(c, "{\"name\":\"event-xx\"}", "content", MISSING,
            "event create without content");
    refused(u, "{}", "content", MISSING, "event update without content");
    refused(u, "{\"name\":\"e\",\"content\":\"eyJrIjoidiJ9\"}", "name",
            NOT_HERE, "event update, a name");
    refused(c, "{\"name\":\"1event\",\"content\":\"eyJrIjoidiJ9\"}", "name",
            "letter", "event create, a name that starts with a digit");
    refused(c, "{\"name\":\"abcdefghijklmnopqrstuvwxyz\",\"content\":"
            "\"eyJrIjoidiJ9\"}", "name", "1 to 25",
            "event create, a name of 26 characters");
    refused(c, "{\"name\":\"e\",\"content\":\"{\\\"k\\\":\\\"v\\\"}\"}",
            "content", "base64", "event create, content not base64");
    refused(c, "{\"name\":\"e\",\"content\":{\"k\":\"v\"}}", "content",
            TYPE, "event create, content as an object");
    refused(c, "{\"Name\":\"e\",\"content\":\"eyJrIjoidiJ9\"}", "Name",
            LOOKS, "event create, a look-alike of name");
    refused(c, "{\"name\":null,\"content\":\"eyJrIjoidiJ9\"}", "name", NUL,
            "event create, null name");
    refused(c, "{\"name\":\"e\",\"content\":\"eyJrIjoidiJ9\",\"id\":\"x\"}",
            "id", UNKNOWN, "event create, an unknown field");
}


static void
test_cancel(void)
{
    fgs_api_e  a = FGS_API_CANCEL;

    accepted(a, "{\"request_id\":\"403b5e2b-8a9c\"}", "cancel");
    accepted(a, "{\"request_id\":\"403b5e2b-8a9c\",\"type\":\"recursive\"}",
             "cancel, recursive");

    refused(a, "{\"type\":\"force\"}", "request_id", MISSING,
            "cancel without request_id");
    refused(a, "{\"request_id\":\"r\",\"type\":\"kill\"}", "type", ENUM,
            "cancel, a type outside force, recursive");
    refused(a, "{\"request_id\":[\"r\"]}", "request_id", TYPE,
            "cancel, request_id as an array");
    refused(a, "{\"Request-Id\":\"r\"}", "Request-Id", LOOKS,
            "cancel, a look-alike of request_id");
    refused(a, "{\"request_id\":\"r\",\"type\":null}", "type", NUL,
            "cancel, a null type");
    refused(a, "{\"request_id\":\"r\",\"reason\":\"x\"}", "reason",
            UNKNOWN, "cancel, an unknown field");
}


/* the field at a path of names below an endpoint's root, or NULL */

static const fgs_schema_field_t *
field(fgs_api_e api, const char *a, const char *b)
{
    int                         k;
    const fgs_schema_object_t  *obj;

    obj = fgs_schema_model(api)->root;

    k = fgs_schema_find(obj, a, strlen(a));
    if (k < 0 || b == NULL) {
        return k < 0 ? NULL : &obj->fields[k];
    }

    obj = obj->fields[k].object;

    k = fgs_schema_find(obj, b, strlen(b));

    return k < 0 ? NULL : &obj->fields[k];
}


static void
test_secrets(void)
{
    size_t                     i;
    fgs_violation_t           *v;
    const fgs_schema_field_t  *f;

    static const struct {
        fgs_api_e    api;
        const char  *a;
        const char  *b;
        int          secret;
    } fields[] = {
        { FGS_API_FUNCTION_IMPORT, "file_code", NULL, 1 },
        { FGS_API_FUNCTION_IMPORT, "file_name", NULL, 0 },
        { FGS_API_TRACING, "tracing_sk", NULL, 1 },
        { FGS_API_TRACING, "tracing_ak", NULL, 0 },
        { FGS_API_EVENT_CREATE, "content", NULL, 1 },
        { FGS_API_EVENT_CREATE, "name", NULL, 0 },
        { FGS_API_TRIGGER_CREATE, "event_data", "db_password", 1 },
        { FGS_API_TRIGGER_CREATE, "event_data", "kafka_password", 1 },
        { FGS_API_TRIGGER_CREATE, "event_data", "access_password", 1 },
        { FGS_API_TRIGGER_CREATE, "event_data", "kafka_user", 0 },
        { FGS_API_TRIGGER_CREATE, "event_data", "access_user", 0 },
        { FGS_API_TRIGGER_CREATE, "event_data", "auth", 0 }
    };

    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        f = field(fields[i].api, fields[i].a, fields[i].b);

        ok(f != NULL
           && ((f->flags & FGS_SCHEMA_SECRET) != 0) == fields[i].secret,
           "%s%s%s is %sflagged secret", fields[i].a,
           fields[i].b ? "." : "", fields[i].b ? fields[i].b : "",
           fields[i].secret ? "" : "not ");
    }

    /* a body refused around its secrets quotes none of them */

    check(FGS_API_TRIGGER_CREATE, "{\"trigger_type_code\":\"DDS\","
          "\"event_data\":{\"db_password\":\"hunter2-db\",\"kafka_password\":"
          "\"hunter2-kafka\",\"access_password\":7,\"extra\":1}}");
    ok(check_rc == FGS_DECLINED && viols.n >= 2,
       "a trigger with a wrong password type and an unknown field is refused");

    for (v = viols.head; v; v = v->next) {
        if (strstr(v->message, "hunter2") != NULL) {
            break;
        }
    }

    ok(v == NULL, "no violation quotes a password");

    check(FGS_API_TRACING, "{\"tracing_sk\":\"SKSECRET\",\"x\":1}");

    for (v = viols.head; v; v = v->next) {
        if (strstr(v->message, "SKSECRET") != NULL) {
            break;
        }
    }

    ok(check_rc == FGS_DECLINED && v == NULL,
       "no violation quotes tracing_sk");
}


static void
test_registry(void)
{
    size_t                     i;
    uint32_t                   bits;
    const fgs_schema_object_t  *root;

    static const struct {
        fgs_api_e  api;
        uint8_t    variant;
    } models[] = {
        { FGS_API_FUNCTION_IMPORT, 0 },
        { FGS_API_VERSION_CREATE, 0 },
        { FGS_API_ALIAS_CREATE, 0 },
        { FGS_API_ALIAS_UPDATE, 1 },
        { FGS_API_TRIGGER_CREATE, 0 },
        { FGS_API_TRIGGER_UPDATE, 1 },
        { FGS_API_ASYNC_CONFIG_UPDATE, 0 },
        { FGS_API_MAX_INSTANCES, 0 },
        { FGS_API_RESERVED_INSTANCES, 0 },
        { FGS_API_TRACING, 0 },
        { FGS_API_EVENT_CREATE, 0 },
        { FGS_API_EVENT_UPDATE, 1 },
        { FGS_API_CANCEL, 0 }
    };

    ok(fgs_schema_selftest() == NULL, "the models are sound: %s",
       fgs_schema_selftest() ? fgs_schema_selftest() : "yes");

    for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
        ok(fgs_schema_model(models[i].api)->root != NULL
           && fgs_schema_model(models[i].api)->variant == models[i].variant,
           "endpoint %d has its model, variant %u", (int) models[i].api,
           models[i].variant);
    }

    bits = fgs_schema_op_variants(FGS_OP_TRIGGER, &root);
    ok(bits == (FGS_SCHEMA_V0 | FGS_SCHEMA_V1)
       && root == fgs_schema_model(FGS_API_TRIGGER_CREATE)->root,
       "the trigger operation: one root, create V0 and update V1");

    bits = fgs_schema_op_variants(FGS_OP_ALIAS, &root);
    ok(bits == (FGS_SCHEMA_V0 | FGS_SCHEMA_V1), "the alias operation: V0, V1");

    ok(fgs_schema_model(FGS_API_TRIGGER_DELETE)->root == NULL
       && fgs_schema_model(FGS_API_EVENT_DELETE)->root == NULL,
       "deletes still take no body");
}


int
main(void)
{
    fgs_arena_init(&arena);

    test_registry();
    test_import();
    test_version();
    test_alias();
    test_trigger();
    test_async_config();
    test_max_instances();
    test_reserved_instances();
    test_tracing();
    test_event();
    test_cancel();
    test_secrets();

    fgs_arena_reset(&arena);

    return done_testing();
}

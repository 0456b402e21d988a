
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The FunctionGraph API reference (docs/policy-language.md, "What a
 * governed body must be"), field by field:
 *
 *   PUT /v2/{project_id}/fgs/functions/{function_urn}/config  "Modifying
 *       the Metadata of a Function", Table 3 and the object tables 4-13;
 *   PUT /v2/{project_id}/fgs/functions/{function_urn}/code  "Modifying the
 *       Code of a Function": the English edition (Table 3, FuncCode), the
 *       newer Chinese one (adds code_encrypt_kms_key_id and
 *       depend_version_list) and the older Chinese one (depend_list, and
 *       strategy_config in its example request);
 *   POST /v2/{project_id}/fgs/functions  not among the pages: derived.
 *       Creating a function sets its configuration and its code at once,
 *       so create takes the union of the config and code fields, plus the
 *       create-only "package" (the function's group, required: it is part
 *       of the function's URN) and "type" ("v1" or "v2", as the function
 *       model documents).  It requires what config requires and, like
 *       code, a code_type; it does not require func_code (obs code comes
 *       from code_url).
 *
 * Where editions differ the union of their fields is accepted, so that
 * old clients keep working, and the newer constraints apply.  Every
 * field of a table below is in at least one edition, but three: the
 * official SDK's model of the config and create bodies (Node.js SDK
 * 3.1.211, UpdateFunctionConfigRequestBody and CreateFunctionRequestBody)
 * sends gpu_type, enable_lts_log and user_data_encrypt_kms_key_id, which
 * the reference pages do not list; they are accepted with the SDK's
 * types, or that SDK could not be used through the gateway.  A field in
 * neither is refused by the walker (the gateway is strict: a field
 * that the reference does not define is one that no policy rule was
 * written for).
 *
 * Enumerations that the provider extends over time (runtime, memory_size,
 * gpu_memory, ephemeral_storage) are validated for their type only: which
 * values are allowed is the policy's job.  Fixed ones (code_type,
 * mount_type, status, type) are validated here.
 *
 * Each table is sorted by the length of the names, then by name, an
 * order fgs_schema_selftest() (run by the unit tests) verifies; the
 * walker finds keys through a hash of the names built on first use.  The
 * request body's table is written in alphabetical order with designated
 * initializers: fgs_schema_function_e gives the sorted positions.
 */


#include "fgs_schema_int.h"


#define FGS_CFG   (FGS_SCHEMA_CONFIG | FGS_SCHEMA_CREATE)
#define FGS_CODE  (FGS_SCHEMA_CODE | FGS_SCHEMA_CREATE)
#define FGS_ALL   FGS_SCHEMA_ALL

#define FGS_NAME(s)  s, sizeof(s) - 1


/* a String with an optional constraint */
#define STR(name, ops, req, constraint, min, max, values)                     \
    { FGS_NAME(name), FGS_SCHEMA_STRING, 0, constraint, ops, req, min, max,   \
      values, NULL, 0 }

/* a String whose value is a secret */
#define SECRET(name, ops, req, constraint, min, max, values)                  \
    { FGS_NAME(name), FGS_SCHEMA_STRING, 0, constraint, ops, req, min, max,   \
      values, NULL, FGS_SCHEMA_SECRET }

/* an Integer, its range validated when constraint is FGS_CONSTRAINT_RANGE */
#define INT(name, ops, req, constraint, min, max)                             \
    { FGS_NAME(name), FGS_SCHEMA_INTEGER, 0, constraint, ops, req, min, max,  \
      NULL, NULL, 0 }

#define BOOL(name, ops)                                                       \
    { FGS_NAME(name), FGS_SCHEMA_BOOLEAN, 0, FGS_CONSTRAINT_NONE, ops, 0, 0,  \
      0, NULL, NULL, 0 }

#define OBJ(name, ops, req, object)                                           \
    { FGS_NAME(name), FGS_SCHEMA_OBJECT, 0, FGS_CONSTRAINT_NONE, ops, req,    \
      0, 0, NULL, &object, 0 }

#define STRS(name, ops, req)                                                  \
    { FGS_NAME(name), FGS_SCHEMA_ARRAY, FGS_SCHEMA_STRING,                    \
      FGS_CONSTRAINT_NONE, ops, req, 0, 0, NULL, NULL, 0 }

#define OBJS(name, ops, req, object)                                          \
    { FGS_NAME(name), FGS_SCHEMA_ARRAY, FGS_SCHEMA_OBJECT,                    \
      FGS_CONSTRAINT_NONE, ops, req, 0, 0, NULL, &object, 0 }

#define MAP(name, ops)                                                        \
    { FGS_NAME(name), FGS_SCHEMA_MAP, 0, FGS_CONSTRAINT_NONE, ops, 0, 0, 0,   \
      NULL, NULL, 0 }

#define ID(name, req, min, max)                                               \
    { FGS_NAME(name), FGS_SCHEMA_ID, 0, FGS_CONSTRAINT_RANGE, FGS_ALL, req,   \
      min, max, NULL, NULL, 0 }

#define FGS_OBJECT(var, name, fields, id)                                     \
    static fgs_schema_index_t  var##_index;                                   \
    static const fgs_schema_object_t  var = {                                 \
        name, fields, sizeof(fields) / sizeof(fields[0]), id, &var##_index    \
    }


/* Table 4 FuncVpc: vpc_id and subnet_id are mandatory */

static const fgs_schema_field_t  fgs_func_vpc_fields[] = {
    STR("cidr", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("vpc_id", FGS_ALL, FGS_ALL, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("gateway", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("vpc_name", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("domain_id", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    BOOL("is_safety", FGS_ALL),
    STR("namespace", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("subnet_id", FGS_ALL, FGS_ALL, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("subnet_name", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STRS("security_groups", FGS_ALL, 0)
};

FGS_OBJECT(fgs_func_vpc, "FuncVpc", fgs_func_vpc_fields, FGS_OBJ_PLAIN);


/*
 * Table 6 MountUser.  The table types both ids as String with the value
 * range "an integer ranging from -1 to 65534", while the page's own
 * example request, and the SDKs, send JSON integers (-1).  Both forms are
 * accepted; either way the value must be an integer in -1..65534 (a
 * string of one: optional '-', digits, no leading zero, no blanks).
 */

static const fgs_schema_field_t  fgs_mount_user_fields[] = {
    ID("user_id", FGS_ALL, -1, 65534),
    ID("user_group_id", FGS_ALL, -1, 65534)
};

FGS_OBJECT(fgs_mount_user, "MountUser", fgs_mount_user_fields,
           FGS_OBJ_PLAIN);


/*
 * Table 7 FuncMount.  mount_type: "sfs" (SFS Capacity-Oriented),
 * "sfsTurbo" (SFS Turbo, as in the example request) and "ecs";
 * mount_share_path is mandatory when mount_type is "ecs"
 * (fgs_schema_rules.c).
 * The order must follow fgs_schema_func_mount_e.
 */

static const char *const  fgs_mount_types[] = {
    "sfs", "sfsTurbo", "ecs", NULL
};

static const fgs_schema_field_t  fgs_func_mount_fields[] = {
    STR("mount_type", FGS_ALL, FGS_ALL, FGS_CONSTRAINT_ENUM, 0, 0,
        fgs_mount_types),
    STR("mount_resource", FGS_ALL, FGS_ALL, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("local_mount_path", FGS_ALL, FGS_ALL, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("mount_share_path", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL)
};

FGS_OBJECT(fgs_func_mount, "FuncMount", fgs_func_mount_fields,
           FGS_OBJ_FUNC_MOUNT);


/* Table 5 MountConfig: both mandatory; func_mounts may be empty */

static const fgs_schema_field_t  fgs_mount_config_fields[] = {
    OBJ("mount_user", FGS_ALL, FGS_ALL, fgs_mount_user),
    OBJS("func_mounts", FGS_ALL, FGS_ALL, fgs_func_mount)
};

FGS_OBJECT(fgs_mount_config, "MountConfig", fgs_mount_config_fields,
           FGS_OBJ_PLAIN);


/*
 * Table 8 StrategyConfig: both mandatory.  concurrency is "0 and -1" for
 * v1 functions and -1..1000 for v2, so -1..1000 in all; concurrent_num
 * is 1..1000.
 */

static const fgs_schema_field_t  fgs_strategy_config_fields[] = {
    INT("concurrency", FGS_ALL, FGS_ALL, FGS_CONSTRAINT_RANGE, -1, 1000),
    INT("concurrent_num", FGS_ALL, FGS_ALL, FGS_CONSTRAINT_RANGE, 1, 1000)
};

FGS_OBJECT(fgs_strategy_config, "StrategyConfig",
           fgs_strategy_config_fields, FGS_OBJ_PLAIN);


/* Table 9 CustomImage: nothing mandatory */

static const fgs_schema_field_t  fgs_custom_image_fields[] = {
    STR("gid", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("uid", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("args", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("image", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("command", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    BOOL("enabled", FGS_ALL),
    BOOL("is_public", FGS_ALL),
    STR("working_dir", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL)
};

FGS_OBJECT(fgs_custom_image, "CustomImage", fgs_custom_image_fields,
           FGS_OBJ_PLAIN);


/* Table 10 FuncLogConfig */

static const fgs_schema_field_t  fgs_log_config_fields[] = {
    STR("group_id", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("stream_id", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("group_name", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("stream_name", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL)
};

FGS_OBJECT(fgs_log_config, "FuncLogConfig", fgs_log_config_fields,
           FGS_OBJ_PLAIN);


/* Table 12 VpcConfig, the items of trigger_access_vpcs */

static const fgs_schema_field_t  fgs_vpc_config_fields[] = {
    STR("vpc_id", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),
    STR("vpc_name", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL)
};

FGS_OBJECT(fgs_vpc_config, "VpcConfig", fgs_vpc_config_fields,
           FGS_OBJ_PLAIN);


/* Table 11 NetworkControlConfig */

static const fgs_schema_field_t  fgs_network_control_fields[] = {
    OBJS("trigger_access_vpcs", FGS_ALL, 0, fgs_vpc_config),
    BOOL("disable_public_network", FGS_ALL)
};

FGS_OBJECT(fgs_network_control, "NetworkControlConfig",
           fgs_network_control_fields, FGS_OBJ_PLAIN);


/* Table 13 DNSConfig */

static const fgs_schema_field_t  fgs_dns_config_fields[] = {
    STRS("dns", FGS_ALL, 0),
    STRS("dns_opts", FGS_ALL, 0),
    STRS("dns_search", FGS_ALL, 0)
};

FGS_OBJECT(fgs_dns_config, "DNSConfig", fgs_dns_config_fields,
           FGS_OBJ_PLAIN);


/*
 * FuncCode (code, Table 4).  file: "must be encoded using Base64; if
 * left blank, the default code is used", so it is optional, may be
 * empty, and is otherwise canonical base64.  No size limit is
 * documented; the policy's max_decoded_bytes sets one.
 */

static const fgs_schema_field_t  fgs_func_code_fields[] = {
    SECRET("file", FGS_ALL, 0, FGS_CONSTRAINT_BASE64, 0, 0, NULL),
    STR("link", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL)
};

FGS_OBJECT(fgs_func_code, "FuncCode", fgs_func_code_fields, FGS_OBJ_PLAIN);


/* code_type (code, Table 3): inline, zip, obs, jar */

static const char *const  fgs_code_types[] = {
    "inline", "zip", "obs", "jar", NULL
};

/*
 * The function model also knows "Custom-Image-Swr" (the code of a custom
 * image function comes from SWR): not a value to modify code with, but
 * the one a custom image function is created with.
 */

const char *const  fgs_schema_create_code_types[] = {
    "Custom-Image-Swr", NULL
};

/* type (create): v2 is the current version, v1 the discarded one */

static const char *const  fgs_function_types[] = {
    "v1", "v2", NULL
};


/*
 * The request body.  ops says which operations accept a field, required
 * which need it: /config Table 3 marks func_name, runtime, timeout,
 * handler and memory_size mandatory; /code Table 3 code_type and
 * func_code.  Fields whose validation needs another field (handler and the
 * runtime, code_type and code_filename or code_url, an initializer
 * handler and its timeout) are finished in fgs_schema_rules.c.
 */

static const fgs_schema_field_t  fgs_function_fields[] = {

    [FGS_F_APP_XROLE] =
        STR("app_xrole", FGS_CFG, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),

    /* /config Table 3 and the newer /code edition */
    [FGS_F_CODE_ENCRYPT_KMS_KEY_ID] =
        STR("code_encrypt_kms_key_id", FGS_ALL, 0, FGS_CONSTRAINT_NONE, 0, 0,
            NULL),

    /* mandatory for zip and jar (fgs_schema_rules.c) */
    [FGS_F_CODE_FILENAME] =
        STR("code_filename", FGS_CODE, 0, FGS_CONSTRAINT_FILENAME, 0, 255,
            NULL),

    [FGS_F_CODE_TYPE] =
        STR("code_type", FGS_CODE, FGS_CODE, FGS_CONSTRAINT_CODE_TYPE, 0, 0,
            fgs_code_types),

    /* mandatory for obs, blank otherwise (fgs_schema_rules.c) */
    [FGS_F_CODE_URL] =
        STR("code_url", FGS_CODE, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),

    [FGS_F_CUSTOM_IMAGE] =
        OBJ("custom_image", FGS_CFG, 0, fgs_custom_image),

    /* the older /code edition: "[]*String" */
    [FGS_F_DEPEND_LIST] =
        STRS("depend_list", FGS_CODE, 0),

    /* the newer /code edition */
    [FGS_F_DEPEND_VERSION_LIST] =
        STRS("depend_version_list", FGS_CODE, 0),

    /* the reference documents no length */
    [FGS_F_DESCRIPTION] =
        STR("description", FGS_CFG, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),

    [FGS_F_DNS_CONFIG] =
        OBJ("dns_config", FGS_CFG, 0, fgs_dns_config),

    [FGS_F_DOMAIN_NAMES] =
        STR("domain_names", FGS_CFG, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),

    [FGS_F_ENABLE_AUTH_IN_HEADER] =
        BOOL("enable_auth_in_header", FGS_CFG),

    [FGS_F_ENABLE_CLASS_ISOLATION] =
        BOOL("enable_class_isolation", FGS_CFG),

    [FGS_F_ENABLE_DYNAMIC_MEMORY] =
        BOOL("enable_dynamic_memory", FGS_CFG),

    /* the official SDK's model, not the reference pages: Boolean */
    [FGS_F_ENABLE_LTS_LOG] =
        BOOL("enable_lts_log", FGS_CFG),

    [FGS_F_ENCRYPTED_USER_DATA] =
        SECRET("encrypted_user_data", FGS_CFG, 0, FGS_CONSTRAINT_NONE, 0, 0,
               NULL),

    [FGS_F_ENTERPRISE_PROJECT_ID] =
        STR("enterprise_project_id", FGS_CFG, 0, FGS_CONSTRAINT_NONE, 0, 0,
            NULL),

    /* 512 or 10240 today: extended over time, type only */
    [FGS_F_EPHEMERAL_STORAGE] =
        INT("ephemeral_storage", FGS_CFG, 0, FGS_CONSTRAINT_NONE, 0, 0),

    [FGS_F_EXTEND_CONFIG] =
        STR("extend_config", FGS_CFG, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),

    [FGS_F_FUNC_CODE] =
        OBJ("func_code", FGS_CODE, FGS_SCHEMA_CODE, fgs_func_code),

    /* 1-60 letters, digits, '_', '-'; a letter first, no '_'/'-' last */
    [FGS_F_FUNC_NAME] =
        STR("func_name", FGS_CFG, FGS_CFG, FGS_CONSTRAINT_FUNC_NAME, 1, 60,
            NULL),

    [FGS_F_FUNC_VPC] =
        OBJ("func_vpc", FGS_CFG, 0, fgs_func_vpc),

    /* 1024..16384 in steps today: extended over time, type only */
    [FGS_F_GPU_MEMORY] =
        INT("gpu_memory", FGS_CFG, 0, FGS_CONSTRAINT_NONE, 0, 0),

    /* the official SDK's model, not the reference pages: String */
    [FGS_F_GPU_TYPE] =
        STR("gpu_type", FGS_CFG, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL),

    /* 3 to 128 characters, "xx.xx"; "-" for custom images */
    [FGS_F_HANDLER] =
        STR("handler", FGS_CFG, FGS_CFG, FGS_CONSTRAINT_HANDLER, 3, 128, NULL),

    [FGS_F_HEARTBEAT_HANDLER] =
        STR("heartbeat_handler", FGS_CFG, 0, FGS_CONSTRAINT_DOTTED, 0, 0, NULL),

    /* "xx.xx", with initializer_timeout (fgs_schema_rules.c) */
    [FGS_F_INITIALIZER_HANDLER] =
        STR("initializer_handler", FGS_CFG, 0, FGS_CONSTRAINT_DOTTED, 0, 0,
            NULL),

    [FGS_F_INITIALIZER_TIMEOUT] =
        INT("initializer_timeout", FGS_CFG, 0, FGS_CONSTRAINT_RANGE, 1, 300),

    [FGS_F_IS_STATEFUL_FUNCTION] =
        BOOL("is_stateful_function", FGS_CFG),

    [FGS_F_LOG_CONFIG] =
        OBJ("log_config", FGS_CFG, 0, fgs_log_config),

    /* Map<String,String>: the tag names are the user's */
    [FGS_F_LTS_CUSTOM_TAG] =
        MAP("lts_custom_tag", FGS_CFG),

    /* 128..4096 today: extended over time, type only */
    [FGS_F_MEMORY_SIZE] =
        INT("memory_size", FGS_CFG, FGS_CFG, FGS_CONSTRAINT_NONE, 0, 0),

    [FGS_F_MOUNT_CONFIG] =
        OBJ("mount_config", FGS_CFG, 0, fgs_mount_config),

    [FGS_F_NETWORK_CONTROLLER] =
        OBJ("network_controller", FGS_CFG, 0, fgs_network_control),

    /* create only, see above */
    [FGS_F_PACKAGE] =
        STR("package", FGS_SCHEMA_CREATE, FGS_SCHEMA_CREATE,
            FGS_CONSTRAINT_NONE, 0, 0, NULL),

    /* "separated by semicolons (;), the number cannot exceed 5" */
    [FGS_F_PEERING_CIDR] =
        STR("peering_cidr", FGS_CFG, 0, FGS_CONSTRAINT_CIDRS, 0, 5, NULL),

    [FGS_F_PRE_STOP_HANDLER] =
        STR("pre_stop_handler", FGS_CFG, 0, FGS_CONSTRAINT_DOTTED, 0, 0, NULL),

    [FGS_F_PRE_STOP_TIMEOUT] =
        INT("pre_stop_timeout", FGS_CFG, 0, FGS_CONSTRAINT_RANGE, 1, 90),

    /* "Must contain '.'", e.g. com.xxx.demo.Test.restoreHook */
    [FGS_F_RESTORE_HOOK_HANDLER] =
        STR("restore_hook_handler", FGS_CFG, 0, FGS_CONSTRAINT_DOTTED, 0, 0,
            NULL),

    /* needs restore_hook_handler (fgs_schema_rules.c) */
    [FGS_F_RESTORE_HOOK_TIMEOUT] =
        INT("restore_hook_timeout", FGS_CFG, 0, FGS_CONSTRAINT_RANGE, 1, 300),

    /* extended over time, type only */
    [FGS_F_RUNTIME] =
        STR("runtime", FGS_CFG, FGS_CFG, FGS_CONSTRAINT_NONE, 0, 0, NULL),

    /* 0: enabled, 1: disabled */
    [FGS_F_STATUS] =
        INT("status", FGS_CFG, 0, FGS_CONSTRAINT_RANGE, 0, 1),

    /* /config Table 8; /code only in the older edition's example */
    [FGS_F_STRATEGY_CONFIG] =
        OBJ("strategy_config", FGS_ALL, 0, fgs_strategy_config),

    /* 3 to 259200 seconds */
    [FGS_F_TIMEOUT] =
        INT("timeout", FGS_CFG, FGS_CFG, FGS_CONSTRAINT_RANGE, 3, 259200),

    [FGS_F_TYPE] =
        STR("type", FGS_SCHEMA_CREATE, 0, FGS_CONSTRAINT_ENUM, 0, 0,
            fgs_function_types),

    /*
     * "The total length cannot exceed 4 KB": 4096 bytes of the value as
     * the function receives it, that is the UTF-8 bytes after JSON
     * unescaping ("\"" counts one byte, "\u00e9" two).
     */
    [FGS_F_USER_DATA] =
        SECRET("user_data", FGS_CFG, 0, FGS_CONSTRAINT_MAX_BYTES, 0, 4096,
               NULL),

    /*
     * the official SDK's model, not the reference pages: String (the key
     * that encrypts encrypted_user_data; the SDK's config model has no
     * code_encrypt_kms_key_id)
     */
    [FGS_F_USER_DATA_ENCRYPT_KMS_KEY_ID] =
        STR("user_data_encrypt_kms_key_id", FGS_CFG, 0, FGS_CONSTRAINT_NONE,
            0, 0, NULL),

    [FGS_F_XROLE] =
        STR("xrole", FGS_CFG, 0, FGS_CONSTRAINT_NONE, 0, 0, NULL)
};


static fgs_schema_index_t  fgs_schema_function_index;

const fgs_schema_object_t  fgs_schema_function = {
    "the request body", fgs_function_fields,
    sizeof(fgs_function_fields) / sizeof(fgs_function_fields[0]),
    FGS_OBJ_FUNCTION, &fgs_schema_function_index
};


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The API reference check: the reference's own example requests pass;
 * every class of violation is refused with its field path; violations
 * are all collected; no message carries a secret value; base64 edge
 * cases.  Run from the repository root (the examples are in t/data/seeds).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "core/fgs_base64.h"
#include "request/fgs_error.h"
#include "json/fgs_json.h"
#include "schema/fgs_schema.h"
#include "schema/fgs_schema_int.h"


#define CONFIG_HEAD                                                         \
    "{\"func_name\":\"fgsTest\",\"runtime\":\"Node.js20.15\","              \
    "\"timeout\":40,\"handler\":\"index.handler\",\"memory_size\":256"

#define CODE_HEAD                                                           \
    "{\"code_type\":\"inline\",\"func_code\":{\"file\":\"QUJD\"}"


static fgs_arena_t       arena;
static fgs_json_doc_t    doc;
static fgs_violations_t  viols;
static int               check_rc;


/* scans and checks body; returns the schema's result, -100 if no scan */

static int
check_len(fgs_op_e op, const char *body, size_t len)
{
    int  rc;

    fgs_arena_reset(&arena);
    fgs_arena_init(&arena);
    fgs_violations_init(&viols);

    rc = fgs_json_scan(&doc, (const u_char *) body, len, &arena.alloc);
    if (rc != FGS_OK) {
        printf("# scan refused: %s at %zu\n",
               doc.error ? doc.error : "?", doc.error_off);
        check_rc = -100;
        return check_rc;
    }

    check_rc = fgs_schema_validate(&doc, fgs_api_of(op, 0), &viols,
                                   &arena.alloc);

    return check_rc;
}


static int
check(fgs_op_e op, const char *body)
{
    return check_len(op, body, strlen(body));
}


static void
dump(void)
{
    fgs_violation_t  *v;

    for (v = viols.head; v; v = v->next) {
        printf("#   [%s] %s\n", v->field, v->message);
    }
}


/* the violation at field whose message holds part (NULL: any) */

static const fgs_violation_t *
find(const char *field, const char *part)
{
    fgs_violation_t  *v;

    for (v = viols.head; v; v = v->next) {
        if (strcmp(v->field, field) == 0
            && (part == NULL || strstr(v->message, part) != NULL))
        {
            return v;
        }
    }

    return NULL;
}


/* refused, with a violation at field that says part */

static void
refused(fgs_op_e op, const char *body, const char *field, const char *part,
    const char *name)
{
    int  pass;

    check(op, body);

    pass = check_rc == FGS_DECLINED && find(field, part) != NULL;

    if (!ok(pass, "refused: %s (%s)", name, field)) {
        printf("#   rc %d\n", check_rc);
        dump();
    }
}


static void
accepted(fgs_op_e op, const char *body, const char *name)
{
    check(op, body);

    if (!ok(check_rc == FGS_OK && viols.n == 0, "accepted: %s", name)) {
        printf("#   rc %d\n", check_rc);
        dump();
    }
}


static char *
slurp(const char *path, size_t *len)
{
    FILE    *f;
    char    *buf;
    size_t   n;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    buf = malloc(1 << 20);
    if (buf == NULL) {
        fclose(f);
        return NULL;
    }

    n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);

    buf[n] = '\0';
    *len = n;

    return buf;
}


static void
test_examples(void)
{
    char    *body;
    size_t   i, len;

    static const struct {
        const char  *file;
        fgs_op_e     op;
    } examples[] = {
        { "t/data/seeds/code-inline.json", FGS_OP_CODE },
        { "t/data/seeds/code-zip.json", FGS_OP_CODE },
        { "t/data/seeds/config-mount.json", FGS_OP_CONFIG },
        { "t/data/seeds/config-gpu.json", FGS_OP_CONFIG },
        { "t/data/seeds/config-custom-image.json", FGS_OP_CONFIG },
    };

    len = 0;

    ok(fgs_schema_selftest() == NULL, "the reference tables are sound: %s",
       fgs_schema_selftest() ? fgs_schema_selftest() : "yes");

    for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
        body = slurp(examples[i].file, &len);

        if (!ok(body != NULL, "read %s", examples[i].file)) {
            continue;
        }

        check_len(examples[i].op, body, len);

        if (!ok(check_rc == FGS_OK && viols.n == 0,
                "the reference's example %s is accepted as is",
                examples[i].file))
        {
            dump();
        }

        free(body);
    }

    /* the config examples are also valid creations once given the rest */

    accepted(FGS_OP_CREATE,
             CONFIG_HEAD ",\"package\":\"default\",\"code_type\":\"zip\","
             "\"code_filename\":\"index.zip\",\"func_code\":{\"file\":"
             "\"UEsDBA==\"},\"type\":\"v2\",\"depend_version_list\":[]}",
             "create with config and code fields");

    accepted(FGS_OP_CREATE,
             "{\"func_name\":\"img\",\"package\":\"default\",\"runtime\":"
             "\"Custom Image\",\"timeout\":3,\"handler\":\"-\","
             "\"memory_size\":128,\"code_type\":\"Custom-Image-Swr\","
             "\"custom_image\":{\"enabled\":true,\"image\":\"swr/x:1\"}}",
             "create of a custom image function");

    accepted(FGS_OP_CODE,
             "{\"code_type\":\"obs\",\"code_url\":\"https://b.obs.example/"
             "c.zip\",\"func_code\":{},\"depend_list\":[\"d1\"],"
             "\"depend_version_list\":[\"v1\"],\"code_encrypt_kms_key_id\":"
             "\"k\",\"strategy_config\":{\"concurrency\":-1,"
             "\"concurrent_num\":1}}",
             "code from obs with the fields of every edition");

    accepted(FGS_OP_OTHER, "{\"anything\":null}", "other writes: no schema");
}


/* whether key is a name of obj, once folded as look-alikes are */

static int
lookalike(const fgs_schema_object_t *obj, const char *key)
{
    uint32_t     j;
    const char  *a, *b;

    for (j = 0; j < obj->n; j++) {
        a = obj->fields[j].name;
        b = key;

        for ( ;; ) {
            while (*a == '_' || *a == '-') {
                a++;
            }

            while (*b == '_' || *b == '-') {
                b++;
            }

            if ((*a | 0x20) != (*b | 0x20) || *a == '\0' || *b == '\0') {
                break;
            }

            a++;
            b++;
        }

        if (*a == '\0' && *b == '\0') {
            return 1;
        }
    }

    return 0;
}


/*
 * Every name of an object is found as itself, and no near miss of it is:
 * one byte changed at any position (the names are compared as their
 * first and last 8 bytes, and the bytes between), one byte more or less
 * at either end.  pre and post put a key into the object; path is where
 * the key's violation is reported.
 */

static void
lookup_object(const fgs_schema_object_t *obj, const char *pre,
    const char *post, const char *path)
{
    int                        found, missed, tries;
    char                       key[FGS_SCHEMA_MAX_NAME + 2];
    char                       body[1024], field[256];
    size_t                     i, k, n;
    uint32_t                   j;
    const fgs_schema_field_t  *f;

    found = 1;
    missed = 1;
    tries = 0;

    for (j = 0; j < obj->n; j++) {
        f = &obj->fields[j];

        snprintf(body, sizeof(body), "%s\"%s\":0%s", pre, f->name, post);
        snprintf(field, sizeof(field), "%s%s", path, f->name);
        check(FGS_OP_CREATE, body);

        if (find(field, "is not in the FunctionGraph API reference") != NULL
            || find(field, "differs from the documented field") != NULL)
        {
            printf("# %s is not found\n", field);
            found = 0;
        }

        /* k: the kind of near miss; i: the byte it is at */

        for (k = 0; k < 5; k++) {
            for (i = 0; i < (k == 0 ? f->len : 1); i++) {
                n = f->len;
                memcpy(key, f->name, n);

                switch (k) {
                case 0:
                    key[i] = (key[i] >= '0' && key[i] <= '9') ? 'Q' : '7';
                    break;
                case 1:
                    key[n++] = 'q';
                    break;
                case 2:
                    n--;
                    break;
                case 3:
                    memmove(key + 1, key, n++);
                    key[0] = 'q';
                    break;
                default:
                    memmove(key, key + 1, --n);
                    break;
                }

                key[n] = '\0';

                if (lookalike(obj, key)) {
                    continue;
                }

                snprintf(body, sizeof(body), "%s\"%s\":0%s", pre, key, post);
                snprintf(field, sizeof(field), "%s%s", path, key);
                check(FGS_OP_CREATE, body);
                tries++;

                if (check_rc != FGS_DECLINED
                    || find(field, "is not in the FunctionGraph API "
                            "reference") == NULL)
                {
                    printf("# near miss %s is not refused\n", field);
                    dump();
                    missed = 0;
                }
            }
        }
    }

    ok(found, "%s: every field is found by its name", obj->name);
    ok(missed && tries > 0, "%s: %d near misses of its names are refused "
       "as unknown", obj->name, tries);
}


static void
test_lookup(void)
{
    int                         i;
    char                        key[64], body[256];
    const fgs_schema_object_t  *vpc, *mount, *mounts;

    vpc = fgs_schema_function.fields[FGS_F_FUNC_VPC].object;
    mount = fgs_schema_function.fields[FGS_F_MOUNT_CONFIG].object;
    mounts = mount->fields[1].object;

    lookup_object(&fgs_schema_function, "{", "}", "");
    lookup_object(vpc, "{\"func_vpc\":{", "}}", "func_vpc.");
    lookup_object(mounts, "{\"mount_config\":{\"func_mounts\":[{",
                  "}]}}", "mount_config.func_mounts[0].");

    /* keys shorter and longer than any name */

    for (i = 0; i < 40; i += (i < 3 ? 1 : 30)) {
        memset(key, 'k', i);
        key[i] = '\0';
        snprintf(body, sizeof(body), CONFIG_HEAD ",\"%s\":1}", key);

        refused(FGS_OP_CONFIG, body, key, "is not in the FunctionGraph API "
                "reference", "a key shorter or longer than any name");
    }
}


static void
test_types(void)
{
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"gpu_memory\":1024.0}",
            "gpu_memory", "must be a JSON integer, not a number with a "
            "fraction or exponent", "1024.0");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"gpu_memory\":1e3}",
            "gpu_memory", "not a number with a fraction or exponent", "1e3");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"gpu_memory\":\"1024\"}",
            "gpu_memory", "must be a JSON integer, not a string", "\"1024\"");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"ephemeral_storage\":"
            "99999999999999999999}", "ephemeral_storage",
            "does not fit in a 64-bit integer", "past int64");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"status\":-99999999999999999999}",
            "status", "out of range 0..1", "past int64, ranged");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"description\":5}",
            "description", "must be a JSON string, not a number", "string");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"is_stateful_function\":\"true\"}",
            "is_stateful_function", "must be true or false, not a string",
            "boolean");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"custom_image\":[]}",
            "custom_image", "must be a JSON object (CustomImage), not an "
            "array", "object");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"func_vpc\":{\"vpc_id\":\"v\","
            "\"subnet_id\":\"s\",\"security_groups\":[\"a\",1]}}",
            "func_vpc.security_groups[1]", "must be a JSON string, not a "
            "number", "array item");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"dns_config\":{\"dns\":\"8.8.8.8\"}}",
            "dns_config.dns", "must be a JSON array of strings", "array");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"lts_custom_tag\":{\"team\":1}}",
            "lts_custom_tag.team", "must be a JSON string", "map value");
    accepted(FGS_OP_CONFIG, CONFIG_HEAD ",\"lts_custom_tag\":{\"Any_Key\":"
             "\"x\",\"anyKey\":\"y\"}}", "map keys are the user's");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"network_controller\":{"
            "\"trigger_access_vpcs\":[{\"vpc_id\":\"a\"},\"b\"]}}",
            "network_controller.trigger_access_vpcs[1]",
            "must be a JSON object (VpcConfig), not a string",
            "array of objects");

    /* null */
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"description\":null}",
            "description", "is null; omit the field", "null string");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"func_vpc\":null}",
            "func_vpc", "is null", "null object");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"dns_config\":{\"dns\":[null]}}",
            "dns_config.dns[0]", "is null", "null item");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"lts_custom_tag\":{\"a\":null}}",
            "lts_custom_tag.a", "is null", "null map value");
}


/*
 * Three fields of the official SDK's config and create models that the
 * reference pages do not list (fgs_schema_fields.c): accepted with the
 * SDK's types on config and create, refused with another type, and not
 * fields of the /code body.
 */

static void
test_sdk_fields(void)
{
    accepted(FGS_OP_CONFIG, CONFIG_HEAD ",\"gpu_type\":\"nvidia-t4\"}",
             "gpu_type, a String");
    accepted(FGS_OP_CONFIG, CONFIG_HEAD ",\"enable_lts_log\":true}",
             "enable_lts_log, a Boolean");
    accepted(FGS_OP_CONFIG, CONFIG_HEAD ",\"enable_lts_log\":false}",
             "enable_lts_log false");
    accepted(FGS_OP_CONFIG, CONFIG_HEAD ",\"user_data_encrypt_kms_key_id\":"
             "\"5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f\"}",
             "user_data_encrypt_kms_key_id, a String");
    accepted(FGS_OP_CREATE, CONFIG_HEAD ",\"package\":\"default\","
             "\"code_type\":\"inline\",\"gpu_type\":\"nvidia-t4\","
             "\"enable_lts_log\":true,\"user_data_encrypt_kms_key_id\":"
             "\"k\"}", "all three on create");

    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"gpu_type\":1}", "gpu_type",
            "must be a JSON string, not a number", "gpu_type a number");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"gpu_type\":true}", "gpu_type",
            "must be a JSON string", "gpu_type a boolean");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"enable_lts_log\":\"true\"}",
            "enable_lts_log", "must be true or false, not a string",
            "enable_lts_log a string");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"enable_lts_log\":1}",
            "enable_lts_log", "must be true or false, not a number",
            "enable_lts_log a number");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"user_data_encrypt_kms_key_id\":"
            "{}}", "user_data_encrypt_kms_key_id",
            "must be a JSON string, not an object",
            "user_data_encrypt_kms_key_id an object");
    refused(FGS_OP_CREATE, CONFIG_HEAD ",\"package\":\"default\","
            "\"code_type\":\"inline\",\"enable_lts_log\":null}",
            "enable_lts_log", "is null", "enable_lts_log null on create");

    refused(FGS_OP_CODE, CODE_HEAD ",\"gpu_type\":\"nvidia-t4\"}",
            "gpu_type", "is not a field of", "gpu_type on /code");
    refused(FGS_OP_CODE, CODE_HEAD ",\"enable_lts_log\":true}",
            "enable_lts_log", "is not a field of", "enable_lts_log on /code");
    refused(FGS_OP_CODE, CODE_HEAD ",\"user_data_encrypt_kms_key_id\":"
            "\"k\"}", "user_data_encrypt_kms_key_id", "is not a field of",
            "user_data_encrypt_kms_key_id on /code");
}


static void
test_keys(void)
{
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"memorySize\":512}",
            "memorySize", "only in letter case, '_', '-' or look-alike "
            "letters, which backends may read as memory_size; write it "
            "exactly as memory_size", "camel case");
    ok(viols.ambiguous, "a look-alike key makes the body ambiguous "
       "(FGSPOL.4000)");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"Memory_Size\":512}",
            "Memory_Size", "memory_size", "capitals");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"memory-size\":512}",
            "memory-size", "memory_size", "hyphen");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"MEMORYSIZE\":512}",
            "MEMORYSIZE", "write it exactly as memory_size", "no separator");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"memory_\\u017fize\":512}",
            "memory_\xc5\xbfize", "write it exactly as memory_size",
            "long s");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"networ\xe2\x84\xaa_controller\":{}}",
            "networ\xe2\x84\xaa_controller",
            "write it exactly as network_controller", "Kelvin sign");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"\\uff54\\uff49\\uff4d\\uff45"
            "\\uff4f\\uff55\\uff54\":9}",
            "\xef\xbd\x94\xef\xbd\x89\xef\xbd\x8d\xef\xbd\x85\xef\xbd\x8f"
            "\xef\xbd\x95\xef\xbd\x94", "write it exactly as timeout",
            "fullwidth");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"enable_cla\xc3\x9f_isolation\":"
            "true}", "enable_cla\xc3\x9f_isolation",
            "enable_class_isolation", "sharp s");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"func_vpc\":{\"vpc_id\":\"v\","
            "\"subnet_id\":\"s\",\"Subnet_Id\":\"t\"}}",
            "func_vpc.Subnet_Id", "write it exactly as subnet_id",
            "nested look-alike next to the real field");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"mount_config\":{\"mount_user\":"
            "{\"user_id\":1,\"user_group_id\":1},\"func_mounts\":[{"
            "\"mount_type\":\"sfs\",\"mount_resource\":\"r\","
            "\"local_mount_path\":\"/m\"},{\"mount_type\":\"sfs\","
            "\"mount_resource\":\"r\",\"local_mount_path\":\"/n\","
            "\"MountType\":\"ecs\"}]}}",
            "mount_config.func_mounts[1].MountType",
            "write it exactly as mount_type", "look-alike in an array item");

    /*
     * The hash of names: keys of every short length, one byte longer than
     * the longest name, a field's name with its last byte changed (same
     * first byte, last byte position and length as func_code), and the
     * two names that share their first and last bytes and length.
     */
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"t\":1}", "t",
            "is not in the FunctionGraph API reference", "1-byte key");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"ty\":1}", "ty",
            "is not in the FunctionGraph API reference", "2-byte key");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"typ\":1}", "typ",
            "is not in the FunctionGraph API reference", "3-byte key");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"xrolf\":\"a\"}", "xrolf",
            "is not in the FunctionGraph API reference", "last byte off");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"func_nam0\":\"a\"}",
            "func_nam0", "is not in the FunctionGraph API reference",
            "func_name with another last byte");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"user_data_encrypt_kms_key_id_x"
            "xxx\":\"a\"}", "user_data_encrypt_kms_key_id_xxxx",
            "is not in the FunctionGraph API reference",
            "longer than every name");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"user_data_encrypt_kms_kez_id\":"
            "\"a\"}", "user_data_encrypt_kms_kez_id",
            "is not in the FunctionGraph API reference",
            "the longest name with a byte off in its last eight");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"func_code\":{\"file\":\"QUJD\"}}",
            "func_code", "is not a field of PUT", "func_code, next to "
            "func_name in the hash");
    accepted(FGS_OP_CODE, CODE_HEAD ",\"code_filename\":\"index.zip\"}",
             "func_code found next to func_name");

    /* unknown keys, at every level */
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"gpu_vendor\":\"x\"}",
            "gpu_vendor", "is not in the FunctionGraph API reference for PUT "
            "/v2/{project_id}/fgs/functions/{function_urn}/config",
            "unknown top-level key");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"func_vpc\":{\"vpc_id\":\"v\","
            "\"subnet_id\":\"s\",\"foo\":1}}", "func_vpc.foo",
            "no field of FuncVpc has this name", "unknown nested key");
    ok(!viols.ambiguous, "an unknown key that resembles no field is not "
       "ambiguous (FGSPOL.4001)");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"strategy_config\":{"
            "\"concurrency\":1,\"concurrent_num\":1,\"max\":2}}",
            "strategy_config.max", "StrategyConfig", "unknown in strategy");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"code_type\":\"zip\"}",
            "code_type", "is not a field of PUT /v2/{project_id}/fgs/"
            "functions/{function_urn}/config", "code field in config");
    refused(FGS_OP_CODE, CODE_HEAD ",\"func_name\":\"x\"}", "func_name",
            "is not a field of PUT /v2/{project_id}/fgs/functions/"
            "{function_urn}/code", "config field in code");
    refused(FGS_OP_CODE, CODE_HEAD ",\"Code_Type\":\"zip\"}", "Code_Type",
            "write it exactly as code_type", "look-alike in code");
    refused(FGS_OP_CODE, CODE_HEAD ",\"package\":\"default\"}", "package",
            "is not a field of PUT", "create-only field in code");
    refused(FGS_OP_CODE, "{\"code_type\":\"inline\",\"func_code\":{"
            "\"file\":\"\",\"File\":\"QUJD\"}}", "func_code.File",
            "write it exactly as file", "look-alike of func_code.file");

    /* a hostile key cannot break or bloat the field path */
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"a\\nb\\u0001\":1}", "a?b?",
            "not in the FunctionGraph API reference", "control characters");

    check(FGS_OP_CONFIG, CONFIG_HEAD ",\"" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\":1}");
    ok(check_rc == FGS_DECLINED && viols.n == 1
       && strlen(viols.head->field) == 64 + 3
       && strcmp(viols.head->field + 64, "...") == 0,
       "a long key is clipped in the path");
}


static void
test_required(void)
{
    check(FGS_OP_CONFIG, "{\"description\":\"d\"}");
    if (!ok(check_rc == FGS_DECLINED && viols.n == 5
           && find("func_name", "is required by the FunctionGraph API "
                   "reference for PUT")
           && find("runtime", "is required") && find("timeout", "is required")
           && find("handler", "is required")
           && find("memory_size", "is required"),
           "config: the five mandatory fields are each reported"))
    {
        dump();
    }

    check(FGS_OP_CODE, "{}");
    ok(check_rc == FGS_DECLINED && viols.n == 2
       && find("code_type", "is required") && find("func_code", "is required"),
       "code: code_type and func_code are mandatory");

    check(FGS_OP_CREATE, CONFIG_HEAD "}");
    ok(check_rc == FGS_DECLINED && viols.n == 2
       && find("package", "is required by the FunctionGraph API reference "
               "for POST /v2/{project_id}/fgs/functions")
       && find("code_type", "is required"),
       "create: package and code_type are mandatory, func_code is not");

    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"func_vpc\":{\"vpc_id\":\"v\"}}",
            "func_vpc.subnet_id", "is required in FuncVpc", "FuncVpc");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"mount_config\":{"
            "\"func_mounts\":[]}}", "mount_config.mount_user",
            "is required in MountConfig", "MountConfig");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"mount_config\":{\"mount_user\":"
            "{\"user_id\":1},\"func_mounts\":[]}}",
            "mount_config.mount_user.user_group_id", "is required in "
            "MountUser", "MountUser");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"mount_config\":{\"mount_user\":"
            "{\"user_id\":1,\"user_group_id\":1},\"func_mounts\":[{"
            "\"mount_type\":\"sfs\",\"mount_resource\":\"r\","
            "\"local_mount_path\":\"/m\"},{\"mount_resource\":\"r\","
            "\"local_mount_path\":\"/n\"}]}}",
            "mount_config.func_mounts[1].mount_type", "is required in "
            "FuncMount", "FuncMount");
    refused(FGS_OP_CONFIG, CONFIG_HEAD ",\"strategy_config\":{"
            "\"concurrency\":1}}", "strategy_config.concurrent_num",
            "is required in StrategyConfig", "StrategyConfig");
}


static void
test_constraints(void)
{
    char    body[16384], *p;
    size_t  i;

#define CFG(name, value)                                                    \
    "{\"func_name\":\"fgsTest\",\"runtime\":\"Node.js20.15\","              \
    "\"timeout\":40,\"handler\":\"index.handler\",\"memory_size\":256,"     \
    "\"" name "\":" value "}"

    /* func_name */
    refused(FGS_OP_CONFIG, "{\"func_name\":\"\",\"runtime\":\"Go1.x\","
            "\"timeout\":3,\"handler\":\"a.b\",\"memory_size\":128}",
            "func_name", "has 0 characters", "empty func_name");
    refused(FGS_OP_CONFIG, "{\"func_name\":\"a23456789012345678901234567890"
            "1234567890123456789012345678901\",\"runtime\":\"Go1.x\","
            "\"timeout\":3,\"handler\":\"a.b\",\"memory_size\":128}",
            "func_name", "has 61 characters", "61 characters");
    accepted(FGS_OP_CONFIG, "{\"func_name\":\"a23456789012345678901234567890"
             "123456789012345678901234567890\",\"runtime\":\"Go1.x\","
             "\"timeout\":3,\"handler\":\"a.b\",\"memory_size\":128}",
             "60 characters");
    refused(FGS_OP_CONFIG, "{\"func_name\":\"a"
            "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
            "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
            "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
            "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
            "\",\"runtime\":\"Go1.x\",\"timeout\":3,\"handler\":\"a.b\","
            "\"memory_size\":128}", "func_name", "(character 2 is none",
            "61 bytes over 31 characters: counted as characters");
    accepted(FGS_OP_CONFIG, "{\"func_name\":\"a\",\"runtime\":\"Go1.x\","
             "\"timeout\":3,\"handler\":\"a.b\",\"memory_size\":128}",
             "1 character");
    refused(FGS_OP_CONFIG, "{\"func_name\":\"1abc\",\"runtime\":\"Go1.x\","
            "\"timeout\":3,\"handler\":\"a.b\",\"memory_size\":128}",
            "func_name", "must start with a letter", "digit first");
    refused(FGS_OP_CONFIG, "{\"func_name\":\"abc_\",\"runtime\":\"Go1.x\","
            "\"timeout\":3,\"handler\":\"a.b\",\"memory_size\":128}",
            "func_name", "must end with a letter or a digit", "'_' last");
    refused(FGS_OP_CONFIG, "{\"func_name\":\"ab c\",\"runtime\":\"Go1.x\","
            "\"timeout\":3,\"handler\":\"a.b\",\"memory_size\":128}",
            "func_name", "character 3 is none of them", "blank");
    refused(FGS_OP_CONFIG, "{\"func_name\":\"ab\\u00e9\",\"runtime\":"
            "\"Go1.x\",\"timeout\":3,\"handler\":\"a.b\",\"memory_size\":128}",
            "func_name", "may hold only letters", "escaped non-ASCII");

    /* timeout and the other ranges */
    refused(FGS_OP_CONFIG, "{\"func_name\":\"f\",\"runtime\":\"Go1.x\","
            "\"timeout\":2,\"handler\":\"a.b\",\"memory_size\":128}",
            "timeout", "timeout 2 is out of range 3..259200", "timeout 2");
    refused(FGS_OP_CONFIG, "{\"func_name\":\"f\",\"runtime\":\"Go1.x\","
            "\"timeout\":259201,\"handler\":\"a.b\",\"memory_size\":128}",
            "timeout", "259201 is out of range", "timeout 259201");
    accepted(FGS_OP_CONFIG, "{\"func_name\":\"f\",\"runtime\":\"Go1.x\","
             "\"timeout\":259200,\"handler\":\"a.b\",\"memory_size\":128}",
             "timeout 259200");
    refused(FGS_OP_CONFIG, CFG("initializer_timeout", "0"),
            "initializer_timeout", "0 is out of range 1..300", "init 0");
    refused(FGS_OP_CONFIG, CFG("initializer_timeout", "301"),
            "initializer_timeout", "301 is out of range 1..300", "init 301");
    refused(FGS_OP_CONFIG, CFG("pre_stop_timeout", "91"),
            "pre_stop_timeout", "91 is out of range 1..90", "pre-stop 91");
    accepted(FGS_OP_CONFIG, CFG("pre_stop_timeout", "90"), "pre-stop 90");
    refused(FGS_OP_CONFIG, CFG("status", "2"), "status",
            "2 is out of range 0..1", "status 2");
    refused(FGS_OP_CONFIG, CFG("strategy_config",
            "{\"concurrency\":-2,\"concurrent_num\":1}"),
            "strategy_config.concurrency", "-2 is out of range -1..1000",
            "concurrency -2");
    refused(FGS_OP_CONFIG, CFG("strategy_config",
            "{\"concurrency\":1001,\"concurrent_num\":1}"),
            "strategy_config.concurrency", "1001 is out of range",
            "concurrency 1001");
    refused(FGS_OP_CONFIG, CFG("strategy_config",
            "{\"concurrency\":0,\"concurrent_num\":0}"),
            "strategy_config.concurrent_num", "0 is out of range 1..1000",
            "concurrent_num 0");
    refused(FGS_OP_CONFIG, CFG("restore_hook_timeout", "10"),
            "restore_hook_timeout", "needs restore_hook_handler",
            "restore hook timeout alone");
    accepted(FGS_OP_CONFIG, CONFIG_HEAD ",\"restore_hook_handler\":"
             "\"com.x.Demo.restore\",\"restore_hook_timeout\":10}",
             "restore hook");

    /* handlers */
    refused(FGS_OP_CONFIG, "{\"func_name\":\"f\",\"runtime\":\"Go1.x\","
            "\"timeout\":3,\"handler\":\"ab\",\"memory_size\":128}",
            "handler", "has 2 characters; the API reference allows 3 to 128",
            "short handler");
    p = body;
    p += sprintf(p, "{\"func_name\":\"f\",\"runtime\":\"Go1.x\",\"timeout\":"
                 "3,\"memory_size\":128,\"handler\":\"a.");
    for (i = 0; i < 127; i++) {
        *p++ = 'h';
    }
    strcpy(p, "\"}");
    refused(FGS_OP_CONFIG, body, "handler", "has 129 characters",
            "long handler");

    /* bytes are not characters: counted where they may differ */
    refused(FGS_OP_CONFIG, "{\"func_name\":\"f\",\"runtime\":\"Go1.x\","
            "\"timeout\":3,\"handler\":\"\xc3\xa9\xc3\xa9\","
            "\"memory_size\":128}", "handler", "has 2 characters",
            "4 bytes, 2 characters");
    accepted(FGS_OP_CONFIG, "{\"func_name\":\"f\",\"runtime\":\"Go1.x\","
             "\"timeout\":3,\"handler\":\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
             ".\xf0\x9f\x98\x80\",\"memory_size\":128}",
             "13 bytes, 4 characters");
    accepted(FGS_OP_CONFIG, "{\"func_name\":\"f\",\"runtime\":\"Go1.x\","
             "\"timeout\":3,\"handler\":\"a.\xf0\x9f\x98\x80\","
             "\"memory_size\":128}", "6 bytes, 3 characters");
    p = body;
    p += sprintf(p, "{\"func_name\":\"f\",\"runtime\":\"Go1.x\",\"timeout\":"
                 "3,\"memory_size\":128,\"handler\":\"a.");
    for (i = 0; i < 42; i++) {
        p += sprintf(p, "\xc3\xa9");
    }
    strcpy(p, "\"}");
    accepted(FGS_OP_CONFIG, body, "86 bytes over 44 characters");
    refused(FGS_OP_CONFIG, "{\"func_name\":\"f\",\"runtime\":\"Python3.9\","
            "\"timeout\":3,\"handler\":\"index\",\"memory_size\":128}",
            "handler", "must contain a '.'", "handler without '.'");
    accepted(FGS_OP_CONFIG, "{\"func_name\":\"f\",\"runtime\":\"http\","
             "\"timeout\":3,\"handler\":\"bootstrap\",\"memory_size\":128}",
             "http functions start from bootstrap");
    refused(FGS_OP_CONFIG, "{\"func_name\":\"f\",\"runtime\":\"Python3.9\","
            "\"timeout\":3,\"handler\":\"-\",\"memory_size\":128}",
            "handler", "is the handler of custom image functions only",
            "'-' for a non-image function");
    accepted(FGS_OP_CONFIG, "{\"func_name\":\"f\",\"runtime\":\"Custom\","
             "\"timeout\":3,\"handler\":\"-\",\"memory_size\":128,"
             "\"custom_image\":{\"enabled\":true}}",
             "'-' with custom_image.enabled");
    refused(FGS_OP_CONFIG, CFG("initializer_handler", "\"init\""),
            "initializer_handler", "must contain a '.'", "init handler");
    refused(FGS_OP_CONFIG, CFG("initializer_handler", "\"index.init\""),
            "initializer_timeout", "is required when initializer_handler",
            "init handler without timeout");
    accepted(FGS_OP_CONFIG, CONFIG_HEAD ",\"initializer_handler\":"
             "\"index.init\",\"initializer_timeout\":30,"
             "\"pre_stop_handler\":\"\"}", "initializer");
    refused(FGS_OP_CONFIG, CFG("heartbeat_handler", "\"beat\""),
            "heartbeat_handler", "must contain a '.'", "heartbeat");

    /* user_data: 4096 bytes after unescaping */
    p = body;
    p += sprintf(p, CONFIG_HEAD ",\"user_data\":\"");
    for (i = 0; i < 4096; i++) {
        *p++ = 'u';
    }
    strcpy(p, "\"}");
    accepted(FGS_OP_CONFIG, body, "user_data of 4096 bytes");
    strcpy(p, "u\"}");
    refused(FGS_OP_CONFIG, body, "user_data", "is 4097 bytes; the API "
            "reference allows at most 4096", "user_data of 4097 bytes");
    ok(strstr(viols.head->message, "uuuu") == NULL,
       "the user_data value is not in the message");

    p = body;
    p += sprintf(p, CONFIG_HEAD ",\"user_data\":\"");
    for (i = 0; i < 1000; i++) {
        p += sprintf(p, "\\u0041");
    }
    strcpy(p, "\"}");
    accepted(FGS_OP_CONFIG, body, "escaped user_data: 6000 raw bytes, 1000 "
             "once unescaped");

    p = body;
    p += sprintf(p, CONFIG_HEAD ",\"user_data\":\"");
    for (i = 0; i < 1366; i++) {
        p += sprintf(p, "\\u20ac");     /* three bytes each: 4098 */
    }
    strcpy(p, "\"}");
    refused(FGS_OP_CONFIG, body, "user_data", "is 4098 bytes",
            "escaped user_data over 4096 bytes");

    /* peering_cidr */
    accepted(FGS_OP_CONFIG, CFG("peering_cidr",
             "\"10.0.0.0/8;192.168.0.0/16;172.16.0.0/12;0.0.0.0/0;"
             "1.2.3.4/32\""), "five CIDR blocks");
    accepted(FGS_OP_CONFIG, CFG("peering_cidr", "\"\""), "no CIDR block");
    refused(FGS_OP_CONFIG, CFG("peering_cidr",
            "\"10.0.0.0/8;10.1.0.0/16;10.2.0.0/16;10.3.0.0/16;10.4.0.0/16;"
            "10.5.0.0/16\""), "peering_cidr", "more than 5 CIDR blocks",
            "six blocks");
    refused(FGS_OP_CONFIG, CFG("peering_cidr", "\"10.0.0.1/8\""),
            "peering_cidr", "block 1 is not a valid IPv4 CIDR block",
            "host bits set");
    refused(FGS_OP_CONFIG, CFG("peering_cidr", "\"10.0.0.0/8;010.0.0.0/8\""),
            "peering_cidr", "block 2 is not", "leading zero");
    refused(FGS_OP_CONFIG, CFG("peering_cidr", "\"10.0.0.0/33\""),
            "peering_cidr", "block 1", "mask 33");
    refused(FGS_OP_CONFIG, CFG("peering_cidr", "\"256.0.0.0/8\""),
            "peering_cidr", "block 1", "octet 256");
    refused(FGS_OP_CONFIG, CFG("peering_cidr", "\"10.0.0.0/8,10.1.0.0/16\""),
            "peering_cidr", "separated by ';'", "commas");
    refused(FGS_OP_CONFIG, CFG("peering_cidr", "\"10.0.0.0/8;\""),
            "peering_cidr", "block 2", "trailing ';'");
    refused(FGS_OP_CONFIG, CFG("peering_cidr", "\"10.0.0/8\""),
            "peering_cidr", "block 1", "three octets");

    /* mount user ids, a string or an integer in -1..65534 */
    accepted(FGS_OP_CONFIG, CFG("mount_config", "{\"mount_user\":{"
             "\"user_id\":\"1000\",\"user_group_id\":65534},"
             "\"func_mounts\":[]}"), "ids as string and integer");
    refused(FGS_OP_CONFIG, CFG("mount_config", "{\"mount_user\":{"
            "\"user_id\":65535,\"user_group_id\":-1},\"func_mounts\":[]}"),
            "mount_config.mount_user.user_id", "65535 is out of range "
            "-1..65534", "id 65535");
    refused(FGS_OP_CONFIG, CFG("mount_config", "{\"mount_user\":{"
            "\"user_id\":1,\"user_group_id\":\"-2\"},\"func_mounts\":[]}"),
            "mount_config.mount_user.user_group_id", "-2 is out of range",
            "id \"-2\"");
    refused(FGS_OP_CONFIG, CFG("mount_config", "{\"mount_user\":{"
            "\"user_id\":\"01\",\"user_group_id\":1},\"func_mounts\":[]}"),
            "mount_config.mount_user.user_id", "a string of plain digits",
            "id \"01\"");
    refused(FGS_OP_CONFIG, CFG("mount_config", "{\"mount_user\":{"
            "\"user_id\":1.0,\"user_group_id\":1},\"func_mounts\":[]}"),
            "mount_config.mount_user.user_id", "not a number",
            "id 1.0");

    /* mount types */
    refused(FGS_OP_CONFIG, CFG("mount_config", "{\"mount_user\":{"
            "\"user_id\":1,\"user_group_id\":1},\"func_mounts\":[{"
            "\"mount_type\":\"sfs\",\"mount_resource\":\"r\","
            "\"local_mount_path\":\"/m\"},{\"mount_type\":\"nfs\","
            "\"mount_resource\":\"r\",\"local_mount_path\":\"/n\"}]}"),
            "mount_config.func_mounts[1].mount_type",
            "\"nfs\" is not one of sfs, sfsTurbo, ecs", "mount type nfs");
    refused(FGS_OP_CONFIG, CFG("mount_config", "{\"mount_user\":{"
            "\"user_id\":1,\"user_group_id\":1},\"func_mounts\":[{"
            "\"mount_type\":\"ecs\",\"mount_resource\":\"r\","
            "\"local_mount_path\":\"/m\"}]}"),
            "mount_config.func_mounts[0].mount_share_path",
            "is required when mount_type is ecs", "ecs without share path");
    accepted(FGS_OP_CONFIG, CFG("mount_config", "{\"mount_user\":{"
             "\"user_id\":1,\"user_group_id\":1},\"func_mounts\":[{"
             "\"mount_type\":\"ecs\",\"mount_resource\":\"r\","
             "\"mount_share_path\":\"192.168.0.12:/data\","
             "\"local_mount_path\":\"/m\"}]}"), "ecs mount");

    /* code_type and the code's source */
    refused(FGS_OP_CODE, "{\"code_type\":\"tar\",\"func_code\":{}}",
            "code_type", "\"tar\" is not one of inline, zip, obs, jar",
            "code_type tar");
    refused(FGS_OP_CODE, "{\"code_type\":\"Custom-Image-Swr\","
            "\"func_code\":{}}", "code_type", "is not one of",
            "Custom-Image-Swr is for create only");
    refused(FGS_OP_CODE, "{\"code_type\":\"zip\",\"func_code\":{}}",
            "code_filename", "is required when code_type is zip or jar",
            "zip without code_filename");
    refused(FGS_OP_CODE, "{\"code_type\":\"jar\",\"code_filename\":\"\","
            "\"func_code\":{}}", "code_filename", "is empty",
            "jar with an empty code_filename");
    refused(FGS_OP_CODE, "{\"code_type\":\"obs\",\"func_code\":{}}",
            "code_url", "is required when code_type is obs",
            "obs without code_url");
    refused(FGS_OP_CODE, "{\"code_type\":\"inline\",\"code_url\":"
            "\"https://x/y.zip\",\"func_code\":{\"file\":\"\"}}",
            "code_url", "must be blank unless code_type is obs",
            "code_url with inline");
    accepted(FGS_OP_CODE, "{\"code_type\":\"inline\",\"code_url\":\"\","
             "\"func_code\":{\"file\":\"\",\"link\":\"\"}}",
             "blank code_url with inline, default code");
    refused(FGS_OP_CODE, "{\"code_type\":\"zip\",\"code_filename\":"
            "\"a/b.zip\",\"func_code\":{}}", "code_filename",
            "not a path", "code_filename with '/'");
    refused(FGS_OP_CODE, "{\"code_type\":\"zip\",\"code_filename\":"
            "\"index\",\"func_code\":{}}", "code_filename",
            "with its type", "code_filename without type");
    refused(FGS_OP_CREATE, CONFIG_HEAD ",\"package\":\"p\",\"code_type\":"
            "\"inline\",\"type\":\"v3\"}", "type",
            "\"v3\" is not one of v1, v2", "type v3");

    /* an enumeration value that is not plain ASCII is not quoted back */
    refused(FGS_OP_CODE, "{\"code_type\":\"in\\\"line\\n\",\"func_code\":{}}",
            "code_type", "code_type must be one of inline", "odd code_type");

#undef CFG
}


static void
test_collect(void)
{
    int    i;
    char  *big, *p;

    check(FGS_OP_CONFIG, "{\"func_name\":\"9\",\"runtime\":1,\"timeout\":1,"
          "\"memory_size\":1.5,\"handler\":\"x.y\",\"memorySize\":1,"
          "\"func_vpc\":{\"vpc_id\":2},\"bogus\":{}}");
    if (!ok(check_rc == FGS_DECLINED && viols.n == 8
           && find("func_name", "start with a letter")
           && find("runtime", "JSON string")
           && find("timeout", "1 is out of range")
           && find("memory_size", "fraction")
           && find("memorySize", "memory_size")
           && find("func_vpc.vpc_id", "JSON string")
           && find("func_vpc.subnet_id", "required")
           && find("bogus", "not in the FunctionGraph API reference"),
           "every violation is collected, with its path"))
    {
        dump();
    }

    /* a large valid body that breaks the schema only in its last bytes */

    big = malloc(4 << 20);
    if (big == NULL) {
        ok(0, "memory");
        return;
    }

    p = big;
    p += sprintf(p, "{\"code_type\":\"inline\",\"func_code\":{\"file\":\"");
    memset(p, 'A', 3 << 20);
    p += 3 << 20;
    strcpy(p, "\"},\"depend_list\":[\"a\",\"b\",7]}");

    check(FGS_OP_CODE, big);
    ok(check_rc == FGS_DECLINED && viols.n == 1
       && find("depend_list[2]", "must be a JSON string"),
       "a 3 MB body refused for its last bytes only");

    strcpy(p, "\"},\"depend_list\":[\"a\",\"b\",\"c\"]}");
    check(FGS_OP_CODE, big);
    ok(check_rc == FGS_OK && viols.n == 0, "the same body, fixed, passes");

    p[-1] = '=';
    p[-2] = '=';
    p[-3] = 'Q';
    check(FGS_OP_CODE, big);
    ok(check_rc == FGS_OK, "and with padding at the end of 3 MB");

    p[-3] = 'R';
    check(FGS_OP_CODE, big);
    ok(check_rc == FGS_DECLINED
       && find("func_code.file", "unused bits before the '=' padding"),
       "non-canonical padding at the end of 3 MB");

    free(big);

    /* a flood of unknown keys is listed up to a bound */

    big = malloc(64 * 1024);
    if (big == NULL) {
        ok(0, "memory");
        return;
    }

    p = big + sprintf(big, CONFIG_HEAD);

    for (i = 0; i < 150; i++) {
        p += sprintf(p, ",\"k%d\":1", i);
    }

    strcpy(p, "}");

    check(FGS_OP_CONFIG, big);
    ok(check_rc == FGS_DECLINED && viols.n == 100 && viols.dropped == 50
       && find("", "50 more violations of the API reference were found"),
       "150 unknown keys: 100 listed and one that counts the rest");

    /* one more than the bound: the count is singular */

    p = big + sprintf(big, CONFIG_HEAD);

    for (i = 0; i < 101; i++) {
        p += sprintf(p, ",\"k%d\":1", i);
    }

    strcpy(p, "}");

    check(FGS_OP_CONFIG, big);
    ok(check_rc == FGS_DECLINED && viols.n == 100 && viols.dropped == 1
       && find("", "1 more violation of the API reference was found"),
       "101 unknown keys: \"1 more violation ... was found\"");

    /* exactly the bound: no summary */

    p = big + sprintf(big, CONFIG_HEAD);

    for (i = 0; i < 100; i++) {
        p += sprintf(p, ",\"k%d\":1", i);
    }

    strcpy(p, "}");

    check(FGS_OP_CONFIG, big);
    ok(check_rc == FGS_DECLINED && viols.n == 100 && viols.dropped == 0
       && !find("", "more violation"),
       "100 unknown keys: all listed, no summary");

    free(big);
}


static void
test_secrets(void)
{
    fgs_violation_t  *v;
    int               clean;

    check(FGS_OP_CREATE, "{\"func_name\":\"f\",\"package\":\"p\","
          "\"runtime\":\"Go1.x\",\"timeout\":3,\"handler\":\"a.b\","
          "\"memory_size\":128,\"code_type\":\"TOPSECRET-0123456789-"
          "0123456789-0123456789\",\"user_data\":17,"
          "\"encrypted_user_data\":[\"TOPSECRET\"],"
          "\"func_code\":{\"file\":\"TOPSECRET*\"},"
          "\"lts_custom_tag\":{\"t\":{\"TOPSECRET\":1}},"
          "\"extend_config\":{\"TOPSECRET\":\"TOPSECRET\"}}");

    clean = 1;

    for (v = viols.head; v; v = v->next) {
        if (strstr(v->message, "TOPSECRET") || strstr(v->field, "TOPSECRET"))
        {
            clean = 0;
        }
    }

    if (!ok(check_rc == FGS_DECLINED && viols.n == 6 && clean,
           "no message or path quotes a value"))
    {
        dump();
    }
    ok(find("func_code.file", "is not valid base64: it holds a character "
            "outside the alphabet A-Z, a-z, 0-9, '+', '/' (at character 9)")
       != NULL, "bad base64 is reported by position");
}


static void
b64(const char *s, int want, size_t decoded, const char *name)
{
    int                rc;
    fgs_base64_info_t  info;

    rc = fgs_base64_check((const u_char *) s, strlen(s), &info);

    if (!ok(rc == want && (rc != FGS_OK || info.decoded == decoded),
            "base64 %s", name))
    {
        printf("#   rc %d decoded %zu error %s at %zu\n", rc, info.decoded,
               info.error ? info.error : "-", info.error_off);
    }
}


static void
b64json(const char *raw, int want, size_t decoded, const char *name)
{
    int                rc;
    fgs_base64_info_t  info;

    rc = fgs_base64_check_json((const u_char *) raw, strlen(raw), &info);

    if (!ok(rc == want && (rc != FGS_OK || info.decoded == decoded),
            "base64 in JSON %s", name))
    {
        printf("#   rc %d decoded %zu error %s at %zu\n", rc, info.decoded,
               info.error ? info.error : "-", info.error_off);
    }
}


static void
test_base64(void)
{
    int                c, good, bad;
    char               s[8];
    size_t             i;
    u_char            *buf;
    fgs_base64_info_t  info;

    b64("", FGS_OK, 0, "empty");
    b64("QQ==", FGS_OK, 1, "two pads");
    b64("QUI=", FGS_OK, 2, "one pad");
    b64("QUJD", FGS_OK, 3, "no pad");
    b64("QUJDRA==", FGS_OK, 4, "two quanta");
    b64("+/+/", FGS_OK, 3, "'+' and '/'");
    b64("QQ", FGS_DECLINED, 0, "missing padding");
    b64("QUJ", FGS_DECLINED, 0, "missing one pad");
    b64("QR==", FGS_DECLINED, 0, "nonzero bits before two pads");
    b64("QUJ=", FGS_DECLINED, 0, "nonzero bits before one pad");
    b64("Q===", FGS_DECLINED, 0, "three pads");
    b64("====", FGS_DECLINED, 0, "pads only");
    b64("QQ=A", FGS_DECLINED, 0, "data after a pad");
    b64("QQ==QUJD", FGS_DECLINED, 0, "padding in the middle");
    b64("QUJD\n", FGS_DECLINED, 0, "trailing newline");
    b64("QU JD", FGS_DECLINED, 0, "blank");
    b64("QU-_", FGS_DECLINED, 0, "URL-safe alphabet");
    b64("QUJDR", FGS_DECLINED, 0, "length 5");

    fgs_base64_check((const u_char *) "QUJDRE*G", 8, &info);
    ok(info.error_off == 6 && strstr(info.error, "outside the alphabet"),
       "the offset of a bad character");

    fgs_base64_check((const u_char *) "QUJD REVG", 9, &info);
    ok(info.error_off == 4 && strstr(info.error, "whitespace"),
       "whitespace is named");

    /* every byte value at every position of a quantum */

    good = 0;
    bad = 0;

    for (i = 0; i < 4; i++) {
        for (c = 0; c < 256; c++) {
            memcpy(s, "AAAA", 5);
            s[i] = (char) c;

            if (fgs_base64_check((const u_char *) s, 4, &info) == FGS_OK) {
                good++;

            } else {
                bad++;
            }
        }
    }

    /* 64 symbols each; plus '=' in the last two positions ("AA=A" no) */
    is_int(good, 4 * 64 + 1, "exactly the alphabet is accepted (+'AAA=')");
    is_int(bad, 4 * 256 - (4 * 64 + 1), "every other byte is refused");

    /* the same in JSON: escapes stand for what they escape */

    b64json("aHR0cHM6Ly9\\/", FGS_OK, 9, "\\/ is '/'");
    b64json("\\u0051\\u0051\\u003d\\u003D", FGS_OK, 1, "\\u escapes");
    b64json("QUJD\\nREVG", FGS_DECLINED, 0, "\\n is a line break");
    b64json("QUJD\\u00e9", FGS_DECLINED, 0, "non-ASCII escape");
    b64json("QUJD\\\\", FGS_DECLINED, 0, "backslash");
    b64json("QQ\\u003d", FGS_DECLINED, 0, "escaped pad, length 3");

    accepted(FGS_OP_CODE, "{\"code_type\":\"inline\",\"func_code\":{\"file\":"
             "\"aHR0cHM6Ly9\\/\"}}", "a body with \"\\/\" in base64");
    refused(FGS_OP_CODE, "{\"code_type\":\"inline\",\"func_code\":{\"file\":"
            "\"QUJD\\r\\nREVG\"}}", "func_code.file",
            "whitespace or a line break", "a body with \"\\r\\n\"");

    /* a long value: the fast path and its tail agree on every length */

    buf = malloc(4096);
    if (buf == NULL) {
        return;
    }

    memset(buf, 'A', 4096);
    good = 1;

    for (i = 0; i < 300; i++) {
        if (fgs_base64_span(buf, i) != i) {
            good = 0;
        }

        buf[i] = '*';

        if (fgs_base64_span(buf, 300) != i) {
            good = 0;
        }

        buf[i] = 'A';
    }

    ok(good, "fgs_base64_span stops exactly at the first bad byte");

    ok(fgs_base64_check(buf, 4096, &info) == FGS_OK && info.decoded == 3072
       && info.chars == 4096, "4096 characters decode to 3072 bytes");

    free(buf);
}


/* the answer's summary counts the rest, with the plural right */

static void
test_summary(void)
{
    char              *msg;
    fgs_violations_t   v;

    fgs_arena_reset(&arena);
    fgs_arena_init(&arena);
    fgs_violations_init(&v);

    if (fgs_violation_add(&v, &arena.alloc, NULL, "a", "a is wrong")
        != FGS_OK
        || fgs_violation_add(&v, &arena.alloc, NULL, "b", "b is wrong")
           != FGS_OK)
    {
        printf("Bail out! no memory\n");
        exit(2);
    }

    msg = fgs_error_schema_msg(&arena.alloc, &v);
    ok(msg && strstr(msg, ": a is wrong (and 1 more violation, listed in "
                          "violations)") != NULL,
       "one more: \"1 more violation\"");

    if (fgs_violation_add(&v, &arena.alloc, NULL, "c", "c is wrong")
        != FGS_OK)
    {
        printf("Bail out! no memory\n");
        exit(2);
    }

    msg = fgs_error_schema_msg(&arena.alloc, &v);
    ok(msg && strstr(msg, "(and 2 more violations, listed in violations)")
              != NULL,
       "two more: \"2 more violations\"");
    ok(msg && strstr(msg, "problems") == NULL, "no \"problems\"");
}


int
main(void)
{
    fgs_arena_init(&arena);

    test_examples();
    test_lookup();
    test_types();
    test_sdk_fields();
    test_keys();
    test_required();
    test_constraints();
    test_collect();
    test_secrets();
    test_base64();
    test_summary();

    fgs_arena_reset(&arena);

    return done_testing();
}

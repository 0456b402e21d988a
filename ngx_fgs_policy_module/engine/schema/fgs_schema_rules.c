
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The rules of the API reference that tie fields of one object
 * together (handler with runtime and custom_image, code_type with
 * code_filename and code_url, a hook's timeout with its handler,
 * mount_type with mount_share_path).  The walk (fgs_schema.c) calls
 * them once it has seen all members of an object; they are apart from
 * the validation of single values because they read the object as a
 * whole.
 */


#include <string.h>

#include "fgs_schema_int.h"


static void fgs_schema_handler(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found);
static void fgs_schema_code_source(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found);
static inline uint32_t fgs_schema_at(const fgs_schema_found_t *found,
    uint32_t field);
static int fgs_schema_nonempty(fgs_schema_ctx_t *ctx, uint32_t node);
static void fgs_schema_needed(fgs_schema_ctx_t *ctx, uint32_t node,
    uint32_t member, const char *name, const char *when);


/* the rules of the request body that involve more than one field */

void
fgs_schema_function_rules(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found)
{
    uint32_t  n, h;

    if (ctx->opbit & (FGS_SCHEMA_CONFIG | FGS_SCHEMA_CREATE)) {
        fgs_schema_handler(ctx, node, found);

        /* "mandatory when the initialization function is configured" */

        h = fgs_schema_at(found, FGS_F_INITIALIZER_HANDLER);

        if (fgs_schema_nonempty(ctx, h)
            && fgs_schema_at(found, FGS_F_INITIALIZER_TIMEOUT) == FGS_NONE)
        {
            fgs_schema_fail(ctx, node, "initializer_timeout", "is required "
                            "when initializer_handler is set");
        }

        /* "restore_hook_handler must be configured" */

        n = fgs_schema_at(found, FGS_F_RESTORE_HOOK_TIMEOUT);
        h = fgs_schema_at(found, FGS_F_RESTORE_HOOK_HANDLER);

        if (n != FGS_NONE && !fgs_schema_nonempty(ctx, h)) {
            fgs_schema_fail(ctx, n, NULL, "needs restore_hook_handler, "
                            "which is missing or empty");
        }
    }

    if (ctx->opbit & (FGS_SCHEMA_CODE | FGS_SCHEMA_CREATE)) {
        fgs_schema_code_source(ctx, node, found);
    }
}


/*
 * handler: "3 to 128 characters", "in the format of xx.xx and must
 * contain a period (.).  The handler of a custom image function is -."
 * The page's own examples add the exceptions: "bootstrap" for a Custom
 * runtime function; HTTP functions start from a bootstrap file the same
 * way.  So: "-" for a custom image function (runtime "Custom Image" or
 * custom_image.enabled true); otherwise 3 to 128 characters, with a '.'
 * unless the runtime is Custom, Custom Image or http.
 */

static void
fgs_schema_handler(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found)
{
    int        image, bootstrap;
    size_t     chars;
    uint32_t   h, r, ci, en;
    fgs_str_t  handler, runtime;

    h = fgs_schema_at(found, FGS_F_HANDLER);
    r = fgs_schema_at(found, FGS_F_RUNTIME);

    if (h == FGS_NONE || ctx->nodes[h].type != FGS_JSON_STRING
        || fgs_schema_str(ctx, h, &handler) != FGS_OK)
    {
        return;
    }

    image = 0;
    bootstrap = -1;     /* unknown: the runtime is missing or no string */

    if (r != FGS_NONE && ctx->nodes[r].type == FGS_JSON_STRING) {
        if (fgs_schema_str(ctx, r, &runtime) != FGS_OK) {
            return;
        }

        image = fgs_schema_is(&runtime, "Custom Image");
        bootstrap = image || fgs_schema_is(&runtime, "Custom")
                    || fgs_schema_is(&runtime, "http")
                    || fgs_schema_is(&runtime, "HTTP");
    }

    ci = fgs_schema_at(found, FGS_F_CUSTOM_IMAGE);

    if (ci != FGS_NONE) {
        en = fgs_json_child(ctx->doc, ci, "enabled", sizeof("enabled") - 1);

        if (en != FGS_NONE && ctx->nodes[en].type == FGS_JSON_TRUE) {
            image = 1;
        }
    }

    if (fgs_schema_is(&handler, "-")) {
        if (!image) {
            fgs_schema_fail(ctx, h, NULL, "\"-\" is the handler of custom "
                            "image functions only (runtime \"Custom Image\" "
                            "or custom_image.enabled true)");
        }

        return;
    }

    /* 12 to 128 bytes of valid UTF-8 are 3 to 128 characters */

    chars = (handler.len >= 12 && handler.len <= 128)
            ? handler.len : fgs_schema_chars(&handler);

    if (chars < 3 || chars > 128) {
        fgs_schema_fail(ctx, h, NULL, "has %zu characters; the API "
                        "reference allows 3 to 128 (or \"-\" for a custom "
                        "image function)", chars);
        return;
    }

    if (bootstrap == 0 && memchr(handler.data, '.', handler.len) == NULL) {
        fgs_schema_fail(ctx, h, NULL, "must contain a '.' (\"file.function\", "
                        "like index.handler); only the Custom and http "
                        "runtimes and custom images do without");
    }
}


/*
 * code_type and where the code comes from: code_filename "is mandatory
 * only when code_type is set to jar or zip"; "if code_type is set to
 * obs, enter the OBS URL of the function code package.  If code_type is
 * not set to obs, leave this parameter blank."
 */

static void
fgs_schema_code_source(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found)
{
    int        obs;
    uint32_t   t, fn, url;
    fgs_str_t  type;

    t = fgs_schema_at(found, FGS_F_CODE_TYPE);

    if (t == FGS_NONE || ctx->nodes[t].type != FGS_JSON_STRING
        || fgs_schema_str(ctx, t, &type) != FGS_OK)
    {
        return;
    }

    fn = fgs_schema_at(found, FGS_F_CODE_FILENAME);
    url = fgs_schema_at(found, FGS_F_CODE_URL);
    obs = fgs_schema_is(&type, "obs");

    if ((fgs_schema_is(&type, "zip") || fgs_schema_is(&type, "jar"))
        && !fgs_schema_nonempty(ctx, fn))
    {
        fgs_schema_needed(ctx, node, fn, "code_filename",
                          "code_type is zip or jar");
    }

    if (obs && !fgs_schema_nonempty(ctx, url)) {
        fgs_schema_needed(ctx, node, url, "code_url", "code_type is obs");
    }

    if (!obs && fgs_schema_nonempty(ctx, url)) {
        fgs_schema_fail(ctx, url, NULL, "must be blank unless code_type is "
                        "obs; the code would not come from it");
    }
}


/* "mount_share_path ... is mandatory if mount_type is set to ecs" */

void
fgs_schema_func_mount_rules(fgs_schema_ctx_t *ctx, uint32_t node,
    const fgs_schema_found_t *found)
{
    uint32_t   t, sp;
    fgs_str_t  type;

    t = fgs_schema_at(found, FGS_FM_MOUNT_TYPE);

    if (t == FGS_NONE || ctx->nodes[t].type != FGS_JSON_STRING
        || fgs_schema_str(ctx, t, &type) != FGS_OK
        || !fgs_schema_is(&type, "ecs"))
    {
        return;
    }

    sp = fgs_schema_at(found, FGS_FM_MOUNT_SHARE_PATH);

    if (fgs_schema_nonempty(ctx, sp)) {
        return;
    }

    fgs_schema_needed(ctx, node, sp, "mount_share_path",
                      "mount_type is ecs");
}


/* the member of a field, or FGS_NONE when the object has none */

static inline uint32_t
fgs_schema_at(const fgs_schema_found_t *found, uint32_t field)
{
    return (found->seen >> field) & 1 ? found->node[field] : FGS_NONE;
}


/* the node is a string that is not empty */

static int
fgs_schema_nonempty(fgs_schema_ctx_t *ctx, uint32_t node)
{
    return node != FGS_NONE && ctx->nodes[node].type == FGS_JSON_STRING
           && ctx->nodes[node].len > 2;
}


/*
 * A field of node that a rule requires "when" and that is not a string
 * with a value: missing (member FGS_NONE), or empty.  A member of
 * another type has had its type error from the walk already.
 */

static void
fgs_schema_needed(fgs_schema_ctx_t *ctx, uint32_t node, uint32_t member,
    const char *name, const char *when)
{
    if (member == FGS_NONE) {
        fgs_schema_fail(ctx, node, name, "is required when %s", when);

    } else if (ctx->nodes[member].type == FGS_JSON_STRING) {
        fgs_schema_fail(ctx, member, NULL, "is empty; it is required when "
                        "%s", when);
    }
}

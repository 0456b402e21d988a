
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The violations of the API reference as the client reads them: the
 * path of the member ("mount_config.func_mounts[1].mount_type"), the
 * wording of a wrong type, and of an unknown key, with the documented
 * field it looks like once case, '_', '-' and look-alike letters are
 * folded.  Apart from the validation because it runs only for a body
 * that fails, and decides nothing: it says what the validation found.
 */


#include <stdio.h>
#include <string.h>

#include "fgs_schema_int.h"


#define FGS_SCHEMA_PATH_MAX        512
#define FGS_SCHEMA_KEY_CLIP        64


static int fgs_schema_fold_cp(uint32_t cp, u_char *out);
static char *fgs_schema_path(fgs_schema_ctx_t *ctx, uint32_t node,
    const char *member);
static u_char *fgs_schema_put_key(u_char *p, u_char *end, const char *key,
    size_t len);


/*
 * Adds "<path> <message>" with the field path of node (and member, a
 * missing field of node).  Out of memory is remembered and reported by
 * fgs_schema_validate().
 */

void
fgs_schema_fail(fgs_schema_ctx_t *ctx, uint32_t node, const char *member,
    const char *fmt, ...)
{
    char     *path, *msg;
    va_list   args;

    if (ctx->rc != FGS_OK) {
        return;
    }

    /*
     * A body can hold up to FGS_JSON_MAX_NODES members: listing a
     * violation for each would turn a small request into a large error
     * response.  Past FGS_VIOLATIONS_MAX the rest are only counted, with
     * no path built and no message formatted.
     */

    if (fgs_violations_full(ctx->out)) {
        ctx->added++;

        if (fgs_violation_add(ctx->out, ctx->a, NULL, "", "%s", "")
            != FGS_OK)
        {
            ctx->rc = FGS_ERROR;
        }

        return;
    }

    path = fgs_schema_path(ctx, node, member);
    if (path == NULL) {
        ctx->rc = FGS_ERROR;
        return;
    }

    va_start(args, fmt);
    msg = fgs_vsprintf(ctx->a, fmt, args);
    va_end(args);

    if (msg == NULL
        || fgs_violation_add(ctx->out, ctx->a, NULL, path, "%s %s",
                             path[0] ? path : "the body", msg)
           != FGS_OK)
    {
        ctx->rc = FGS_ERROR;
        return;
    }

    ctx->added++;
}


/*
 * "func_vpc.subnet_id", "mount_config.func_mounts[1].mount_type": built
 * from the tape's parent links only when a violation needs it.
 */

static char *
fgs_schema_path(fgs_schema_ctx_t *ctx, uint32_t node, const char *member)
{
    int                     depth, i;
    u_char                 *p, *end;
    uint32_t                chain[FGS_JSON_MAX_DEPTH + 1];
    u_char                  buf[FGS_SCHEMA_PATH_MAX];
    const fgs_json_node_t  *nd;

    depth = 0;

    while (node != 0 && node != FGS_NONE && depth <= FGS_JSON_MAX_DEPTH) {
        chain[depth++] = node;
        node = ctx->nodes[node].parent;
    }

    p = buf;
    end = buf + sizeof(buf) - 4;    /* room for "..." and the NUL */

    for (i = depth - 1; i >= 0 && p < end; i--) {
        nd = &ctx->nodes[chain[i]];

        if (nd->key == NULL) {
            p += snprintf((char *) p, end - p, "[%u]", nd->index);
            p = p < end ? p : end;
            continue;
        }

        if (p != buf) {
            *p++ = '.';
        }

        p = fgs_schema_put_key(p, end, nd->key, nd->key_len);
    }

    if (member && p < end) {
        if (p != buf) {
            *p++ = '.';
        }

        p = fgs_schema_put_key(p, end, member, strlen(member));
    }

    if (p >= end) {
        p = end;
        memcpy(p, "...", 3);
        p += 3;
    }

    return fgs_strdup(ctx->a, (const char *) buf, p - buf);
}


/*
 * A key as a path component: clipped to FGS_SCHEMA_KEY_CLIP bytes at a
 * character boundary, control characters shown as '?', so that a hostile
 * key can neither bloat nor break the error body or the audit log.
 */

static u_char *
fgs_schema_put_key(u_char *p, u_char *end, const char *key, size_t len)
{
    size_t  i, n;
    u_char  c;

    n = len;

    if (n > FGS_SCHEMA_KEY_CLIP) {
        n = FGS_SCHEMA_KEY_CLIP;

        while (n > 0 && ((u_char) key[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    for (i = 0; i < n && p < end; i++) {
        c = (u_char) key[i];
        *p++ = (c < 0x20 || c == 0x7f) ? '?' : c;
    }

    if (n < len) {
        for (i = 0; i < 3 && p < end; i++) {
            *p++ = '.';
        }
    }

    return p;
}


void
fgs_schema_type_error(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, int type)
{
    switch (f->type) {

    case FGS_SCHEMA_INTEGER:
        if (type == FGS_JSON_REAL) {
            fgs_schema_fail(ctx, node, NULL, "must be a JSON integer, not a "
                            "number with a fraction or exponent");
            return;
        }

        fgs_schema_fail(ctx, node, NULL, "must be a JSON integer, not %s",
                        fgs_schema_kind(type));
        return;

    case FGS_SCHEMA_STRING:
        fgs_schema_fail(ctx, node, NULL, "must be a JSON string, not %s",
                        fgs_schema_kind(type));
        return;

    case FGS_SCHEMA_BOOLEAN:
        fgs_schema_fail(ctx, node, NULL, "must be true or false, not %s",
                        fgs_schema_kind(type));
        return;

    case FGS_SCHEMA_OBJECT:
        fgs_schema_fail(ctx, node, NULL, "must be a JSON object (%s), not %s",
                        f->object->name, fgs_schema_kind(type));
        return;

    case FGS_SCHEMA_ARRAY:
        fgs_schema_fail(ctx, node, NULL, "must be a JSON array of %s, not %s",
                        f->item == FGS_SCHEMA_OBJECT ? f->object->name
                        : f->item == FGS_SCHEMA_INTEGER ? "integers"
                        : "strings",
                        fgs_schema_kind(type));
        return;

    case FGS_SCHEMA_MAP:
        fgs_schema_fail(ctx, node, NULL, "must be a JSON object that maps "
                        "names to %s, not %s",
                        f->item == FGS_SCHEMA_OBJECT ? f->object->name
                        : f->item == FGS_SCHEMA_INTEGER ? "integers"
                        : "strings",
                        fgs_schema_kind(type));
        return;

    case FGS_SCHEMA_NUMBER:
        fgs_schema_fail(ctx, node, NULL, "must be a JSON number, not %s",
                        fgs_schema_kind(type));
        return;

    default: /* FGS_SCHEMA_ID */
        fgs_schema_fail(ctx, node, NULL, "must be an integer from %lld to "
                        "%lld, as a JSON integer or a string of plain "
                        "digits, not %s", (long long) f->min,
                        (long long) f->max, fgs_schema_kind(type));
        return;
    }
}


const char *
fgs_schema_kind(int type)
{
    /* the API reference calls every JSON number a number */

    return type == FGS_JSON_INTEGER ? "a number" : fgs_json_kind(type);
}


/* a key that is no field here: a look-alike of one, or simply unknown */

void
fgs_schema_unknown(fgs_schema_ctx_t *ctx, const fgs_schema_object_t *obj,
    uint32_t node)
{
    size_t                     klen, flen;
    uint32_t                   i;
    const fgs_json_node_t     *nd;
    const fgs_schema_field_t  *f;
    u_char                     key[FGS_SCHEMA_MAX_NAME + 1];
    u_char                     name[FGS_SCHEMA_MAX_NAME + 1];

    nd = &ctx->nodes[node];

    klen = fgs_schema_fold((const u_char *) nd->key, nd->key_len, key,
                           sizeof(key));

    for (i = 0; klen <= FGS_SCHEMA_MAX_NAME && i < obj->n; i++) {
        f = &obj->fields[i];

        if (!(f->ops & ctx->opbit)) {
            continue;
        }

        flen = fgs_schema_fold((const u_char *) f->name, f->len, name,
                               sizeof(name));

        if (flen == klen && memcmp(key, name, klen) == 0) {

            /*
             * Two readers may read this key two ways: the body is not
             * one unambiguous object (docs/security.md, "Duplicate
             * keys"), FGSPOL.4000.
             */

            ctx->out->ambiguous = 1;

            fgs_schema_fail(ctx, node, NULL, "differs from the documented "
                            "field %s only in letter case, '_', '-' or "
                            "look-alike letters, which backends may read "
                            "as %s; write it exactly as %s",
                            f->name, f->name, f->name);
            return;
        }
    }

    /*
     * The gateway refuses every field the reference does not define: the
     * backend might act on it, and no policy rule was written for it
     * (unless the policy's unknown_fields audits it).
     */

    ctx->unknown++;

    fgs_schema_fail(ctx, node, NULL, "is not in the FunctionGraph API "
                    "reference for %s (no field of %s has this name); "
                    "remove it", fgs_schema_api(ctx), obj->name);
}


/*
 * The key as a case-insensitive, separator-blind matcher would see it:
 * ASCII letters lowercased, '_' and '-' dropped, and non-ASCII
 * characters that fold or normalize (NFKC) to ASCII letters mapped to
 * them; any other non-ASCII character becomes 0xff, which matches no
 * field.  Returns the folded length, or size when it does not fit.
 */

size_t
fgs_schema_fold(const u_char *p, size_t len, u_char *out, size_t size)
{
    int            n, i;
    u_char         c, buf[4];
    size_t         o;
    uint32_t       cp;
    const u_char  *end;

    end = p + len;
    o = 0;

    while (p < end) {
        c = *p;

        if (c < 0x80) {
            p++;

            if (c == '_' || c == '-') {
                continue;
            }

            if (c >= 'A' && c <= 'Z') {
                c |= 0x20;
            }

            if (o == size) {
                return size;
            }

            out[o++] = c;
            continue;
        }

        /* the scanner passed only valid UTF-8; stay safe regardless */

        if (c >= 0xf0 && end - p >= 4) {
            cp = ((c & 0x07) << 18) | ((p[1] & 0x3f) << 12)
                 | ((p[2] & 0x3f) << 6) | (p[3] & 0x3f);
            p += 4;

        } else if (c >= 0xe0 && end - p >= 3) {
            cp = ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
            p += 3;

        } else if (c >= 0xc0 && end - p >= 2) {
            cp = ((c & 0x1f) << 6) | (p[1] & 0x3f);
            p += 2;

        } else {
            cp = 0xfffd;
            p++;
        }

        n = fgs_schema_fold_cp(cp, buf);

        if (n < 0) {
            buf[0] = 0xff;
            n = 1;
        }

        for (i = 0; i < n; i++) {
            if (o == size) {
                return size;
            }

            out[o++] = buf[i];
        }
    }

    return o;
}


/*
 * What a non-ASCII character folds to in ASCII: the bytes written to out
 * (0 for a dash or low line, dropped like '_' and '-'), or -1.
 */

static int
fgs_schema_fold_cp(uint32_t cp, u_char *out)
{
    static const char  *ligatures[] = {
        "ff", "fi", "fl", "ffi", "ffl", "st", "st"
    };

    size_t  n;

    switch (cp) {

    case 0x00df:        /* sharp s: upper case "SS" */
    case 0x1e9e:
        out[0] = 's';
        out[1] = 's';
        return 2;

    case 0x0130:        /* I with dot above: lower case 'i' */
    case 0x0131:        /* dotless i: upper case 'I' */
        out[0] = 'i';
        return 1;

    case 0x017f:        /* long s: upper case 'S' */
        out[0] = 's';
        return 1;

    case 0x212a:        /* Kelvin sign: lower case 'k' */
        out[0] = 'k';
        return 1;

    case 0x2010:        /* hyphens and low lines, NFKC '-' and '_' */
    case 0x2011:
    case 0xfe33:
    case 0xfe34:
    case 0xfe4d:
    case 0xfe4e:
    case 0xfe4f:
    case 0xfe63:
    case 0xff0d:
    case 0xff3f:
        return 0;
    }

    if (cp >= 0xff21 && cp <= 0xff3a) {         /* fullwidth A-Z */
        out[0] = (u_char) ('a' + cp - 0xff21);
        return 1;
    }

    if (cp >= 0xff41 && cp <= 0xff5a) {         /* fullwidth a-z */
        out[0] = (u_char) ('a' + cp - 0xff41);
        return 1;
    }

    if (cp >= 0xff10 && cp <= 0xff19) {         /* fullwidth digits */
        out[0] = (u_char) ('0' + cp - 0xff10);
        return 1;
    }

    if (cp >= 0x24b6 && cp <= 0x24e9) {         /* circled letters */
        out[0] = (u_char) ('a' + (cp - 0x24b6) % 26);
        return 1;
    }

    if (cp >= 0x1d400 && cp <= 0x1d6a3) {       /* mathematical letters */
        out[0] = (u_char) ('a' + (cp - 0x1d400) % 52 % 26);
        return 1;
    }

    if (cp >= 0x1d7ce && cp <= 0x1d7ff) {       /* mathematical digits */
        out[0] = (u_char) ('0' + (cp - 0x1d7ce) % 10);
        return 1;
    }

    if (cp >= 0xfb00 && cp <= 0xfb06) {         /* ligatures: "ﬁle" */
        n = strlen(ligatures[cp - 0xfb00]);
        memcpy(out, ligatures[cp - 0xfb00], n);
        return (int) n;
    }

    return -1;
}


/* the endpoint as the reference writes it, made once a violation names it */

const char *
fgs_schema_api(fgs_schema_ctx_t *ctx)
{
    char  path[128];

    if (ctx->api_text[0] == '\0') {
        snprintf(ctx->api_text, sizeof(ctx->api_text), "%s %s",
                 fgs_method_name(fgs_apis[ctx->api].method),
                 fgs_api_path(ctx->api, path, sizeof(path)));
    }

    return ctx->api_text;
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The validation of one value against its field's fixed constraint, beyond
 * its JSON type: integer ranges, MountUser ids, func_name, peering CIDR
 * blocks, file names, enumerations, base64 and byte limits.  Each looks
 * at one value only, and is called by the walk (fgs_schema.c) with the
 * value's type already validated; apart from the walk, so that what the
 * reference says of a value reads in one place.
 */


#include <string.h>

#include "core/fgs_base64.h"
#include "fgs_schema_int.h"


#define FGS_SCHEMA_QUOTE_MAX       32


static int fgs_schema_cidr(const u_char *p, const u_char *end);
static int fgs_schema_decimal(const u_char **pp, const u_char *end,
    uint32_t max, uint32_t *out);


void
fgs_schema_integer(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    int64_t  v;

    /*
     * Without a range only the size matters, and up to 18 digits, sign
     * included, always fit in 64 bits.
     */

    if (f->constraint != FGS_CONSTRAINT_RANGE && ctx->nodes[node].len <= 18) {
        return;
    }

    if (fgs_json_int(ctx->doc, node, &v) != FGS_OK) {
        if (f->constraint == FGS_CONSTRAINT_RANGE) {
            fgs_schema_fail(ctx, node, NULL, "is out of range "
                            "%lld..%lld (it does not even fit in 64 bits)",
                            (long long) f->min, (long long) f->max);

        } else {
            fgs_schema_fail(ctx, node, NULL, "does not fit in a 64-bit "
                            "integer");
        }

        return;
    }

    if (f->constraint == FGS_CONSTRAINT_RANGE) {
        fgs_schema_range(ctx, f, node, v);
    }
}


/*
 * MountUser ids: a JSON integer, or a string that holds one in its
 * plain form ("-1", "1000"; not "+1", "01", "-0", " 1" or "1.0").
 */

void
fgs_schema_id(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    int           neg;
    int64_t       v;
    size_t        digits;
    fgs_str_t     s;
    const u_char  *p, *end;

    if (ctx->nodes[node].type == FGS_JSON_INTEGER) {
        fgs_schema_integer(ctx, f, node);
        return;
    }

    if (fgs_schema_str(ctx, node, &s) != FGS_OK) {
        return;
    }

    p = s.data;
    end = s.data + s.len;

    neg = (p < end && *p == '-');
    if (neg) {
        p++;
    }

    digits = end - p;

    if (digits == 0 || digits > 18
        || (*p == '0' && (digits > 1 || neg)))
    {
        goto bad;
    }

    v = 0;

    for ( /* void */ ; p < end; p++) {
        if (*p < '0' || *p > '9') {
            goto bad;
        }

        v = v * 10 + (*p - '0');
    }

    fgs_schema_range(ctx, f, node, neg ? -v : v);
    return;

bad:

    fgs_schema_fail(ctx, node, NULL, "must be an integer from %lld to %lld, "
                    "as a JSON integer or a string of plain digits",
                    (long long) f->min, (long long) f->max);
}


/*
 * func_name: "1 to 60 characters, including letters, digits, underscores
 * (_), and hyphens (-).  It must start with a letter and end with a
 * letter or digit."  A test event's name follows the same pattern with
 * 1 to 25 characters: the lengths are the field's min and max.
 */

void
fgs_schema_func_name(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, fgs_str_t *s)
{
    u_char  c;
    size_t  i, chars;

    /*
     * The scanner passes only valid UTF-8, so min to max bytes hold min
     * to max characters: they are counted only outside that.
     */

    chars = ((int64_t) s->len >= f->min && (int64_t) s->len <= f->max)
            ? s->len : fgs_schema_chars(s);

    if ((int64_t) chars < f->min || (int64_t) chars > f->max) {
        fgs_schema_fail(ctx, node, NULL, "has %zu characters; the API "
                        "reference allows %lld to %lld letters, digits, '_' "
                        "or '-'", chars, (long long) f->min,
                        (long long) f->max);
        return;
    }

    for (i = 0; i < s->len; i++) {
        c = s->data[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '_' || c == '-')
        {
            continue;
        }

        fgs_schema_fail(ctx, node, NULL, "may hold only letters, digits, "
                        "'_' and '-' (character %zu is none of them)",
                        fgs_schema_chars(&(fgs_str_t) { i, s->data }) + 1);
        return;
    }

    c = s->data[0] | 0x20;

    if (c < 'a' || c > 'z') {
        fgs_schema_fail(ctx, node, NULL, "must start with a letter");
        return;
    }

    c = s->data[s->len - 1];

    if (c == '_' || c == '-') {
        fgs_schema_fail(ctx, node, NULL, "must end with a letter or a "
                        "digit");
    }
}


/*
 * peering_cidr: "The blocks are separated by semicolons (;) and the
 * number of blocks cannot exceed 5", "Valid IPv4 CIDR blocks with
 * masks".  A block is a.b.c.d/m in plain decimal (no leading zeros,
 * which some parsers read as octal), m at most 32, and no bits set past
 * the mask (10.0.0.1/8 is an address, not a block).  An empty value
 * means no blocks, as the service returns it for functions without any.
 */

void
fgs_schema_cidrs(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, fgs_str_t *s)
{
    int64_t        n;
    const u_char  *p, *end, *semi;

    if (s->len == 0) {
        return;
    }

    p = s->data;
    end = s->data + s->len;

    for (n = 1; /* void */ ; n++) {
        semi = memchr(p, ';', end - p);

        if (n > f->max) {
            fgs_schema_fail(ctx, node, NULL, "holds more than %lld CIDR "
                            "blocks, the most the API reference allows",
                            (long long) f->max);
            return;
        }

        if (fgs_schema_cidr(p, semi ? semi : end) != FGS_OK) {
            fgs_schema_fail(ctx, node, NULL, "block %lld is not a valid IPv4 "
                            "CIDR block; write up to %lld blocks like "
                            "192.168.0.0/16, separated by ';'",
                            (long long) n, (long long) f->max);
            return;
        }

        if (semi == NULL) {
            return;
        }

        p = semi + 1;
    }
}


static int
fgs_schema_cidr(const u_char *p, const u_char *end)
{
    int       i;
    uint32_t  addr, octet, mask;

    addr = 0;

    for (i = 0; i < 4; i++) {
        if (i > 0) {
            if (p == end || *p != '.') {
                return FGS_DECLINED;
            }

            p++;
        }

        if (fgs_schema_decimal(&p, end, 255, &octet) != FGS_OK) {
            return FGS_DECLINED;
        }

        addr = (addr << 8) | octet;
    }

    if (p == end || *p++ != '/') {
        return FGS_DECLINED;
    }

    if (fgs_schema_decimal(&p, end, 32, &mask) != FGS_OK || p != end) {
        return FGS_DECLINED;
    }

    if (mask < 32 && (addr & (0xffffffffu >> mask)) != 0) {
        return FGS_DECLINED;
    }

    return FGS_OK;
}


/* 1-3 plain decimal digits, no leading zero, at most max */

static int
fgs_schema_decimal(const u_char **pp, const u_char *end, uint32_t max,
    uint32_t *out)
{
    uint32_t       v;
    const u_char  *p, *start;

    p = *pp;
    start = p;
    v = 0;

    while (p < end && *p >= '0' && *p <= '9' && p - start < 3) {
        v = v * 10 + (*p - '0');
        p++;
    }

    if (p == start || (*start == '0' && p - start > 1) || v > max
        || (p < end && *p >= '0' && *p <= '9'))
    {
        return FGS_DECLINED;
    }

    *pp = p;
    *out = v;

    return FGS_OK;
}


/*
 * code_filename: "Name of a function file", the older edition adds
 * "the file name, then the file type": a name like index.zip, not a
 * path.  Empty is allowed here (inline and obs need none); zip and jar
 * require one (fgs_schema_code_source).  At most 255 bytes, the longest
 * file name file systems keep.
 */

void
fgs_schema_filename(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, fgs_str_t *s)
{
    u_char  c;
    size_t  i, dot;

    if (s->len == 0) {
        return;
    }

    if ((int64_t) s->len > f->max) {
        fgs_schema_fail(ctx, node, NULL, "is %zu bytes long; a file name "
                        "has at most %lld", s->len, (long long) f->max);
        return;
    }

    dot = 0;

    for (i = 0; i < s->len; i++) {
        c = s->data[i];

        if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) {
            fgs_schema_fail(ctx, node, NULL, "must be a file name like "
                            "index.zip, not a path (no '/', '\\' or control "
                            "characters)");
            return;
        }

        if (c == '.') {
            dot = i;
        }
    }

    if (dot == 0 || dot == s->len - 1) {
        fgs_schema_fail(ctx, node, NULL, "must be a file name with its type, "
                        "like index.zip or demo.jar");
    }
}


void
fgs_schema_enum(fgs_schema_ctx_t *ctx, uint32_t node, fgs_str_t *s,
    const char *const *values, const char *const *more)
{
    int                 quote;
    size_t              i;
    u_char             *p, *end;
    u_char              list[256];
    const char *const  *v;

    for (v = values; *v; v++) {
        if (fgs_schema_is(s, *v)) {
            return;
        }
    }

    for (v = more; v && *v; v++) {
        if (fgs_schema_is(s, *v)) {
            return;
        }
    }

    p = list;
    end = list + sizeof(list) - 1;

    for (v = values; *v; v++) {
        i = strlen(*v);

        if ((size_t) (end - p) < i + 4) {
            break;
        }

        if (v != values) {
            *p++ = ',';
            *p++ = ' ';
        }

        if (i == 0) {
            /* an empty value the reference's examples send: "" */
            *p++ = '"';
            *p++ = '"';
            continue;
        }

        memcpy(p, *v, i);
        p += i;
    }

    for (v = more; v && *v; v++) {
        i = strlen(*v);

        if ((size_t) (end - p) < i + 2) {
            break;
        }

        *p++ = ',';
        *p++ = ' ';
        memcpy(p, *v, i);
        p += i;
    }

    *p = '\0';

    /* only a short, plain ASCII value is quoted back */

    quote = (s->len <= FGS_SCHEMA_QUOTE_MAX);

    for (i = 0; quote && i < s->len; i++) {
        if (s->data[i] <= 0x20 || s->data[i] >= 0x7f || s->data[i] == '"'
            || s->data[i] == '\\')
        {
            quote = 0;
        }
    }

    if (quote) {
        fgs_schema_fail(ctx, node, NULL, "\"%.*s\" is not one of %s",
                        (int) s->len, s->data, list);

    } else {
        fgs_schema_fail(ctx, node, NULL, "must be one of %s", list);
    }
}


/*
 * func_code.file: canonical base64, straight from the raw bytes of the
 * body.  A string with escapes ("\/" from PHP's json_encode, "\u003d"
 * from Gson) is read as any JSON reader reads it, without a copy.  The
 * part of it that was seen to be alphabet while the body streamed in is
 * not read again.
 */

void
fgs_schema_base64(fgs_schema_ctx_t *ctx, uint32_t node)
{
    int                     rc;
    size_t                  known;
    const u_char           *raw;
    fgs_base64_info_t       info;
    const fgs_json_node_t  *nd;

    nd = &ctx->nodes[node];
    raw = ctx->doc->body + nd->off + 1;
    known = fgs_base64_runs_known(ctx->doc->runs, nd->off + 1);

    rc = fgs_base64_check_known(raw, nd->len - 2, known,
                                (nd->flags & FGS_JSON_ESCAPED) != 0, &info);

    if (rc != FGS_OK) {
        fgs_schema_fail(ctx, node, NULL, "is not valid base64: %s (at "
                        "character %zu)", info.error, info.error_off);
    }
}


/*
 * user_data: unescaping never makes a string longer, so only a raw value
 * over the limit needs the (allocated) unescaped length.
 */

void
fgs_schema_max_bytes(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node)
{
    size_t                  len;
    fgs_str_t               s;
    const fgs_json_node_t  *nd;

    nd = &ctx->nodes[node];
    len = nd->len - 2;

    if ((int64_t) len <= f->max) {
        return;
    }

    if (nd->flags & FGS_JSON_ESCAPED) {
        if (fgs_schema_str(ctx, node, &s) != FGS_OK) {
            return;
        }

        len = s.len;
    }

    if ((int64_t) len > f->max) {
        fgs_schema_fail(ctx, node, NULL, "is %zu bytes; the API reference "
                        "allows at most %lld", len, (long long) f->max);
    }
}


/*
 * The lengths the reference gives its strings ("1-36 characters",
 * "Minimum: 1, Maximum: 64"): characters, that is code points of the
 * unescaped value (the scanner passes only valid UTF-8), not bytes.
 */

void
fgs_schema_length(fgs_schema_ctx_t *ctx, const fgs_schema_field_t *f,
    uint32_t node, fgs_str_t *s)
{
    size_t  chars;

    chars = fgs_schema_chars(s);

    if ((int64_t) chars < f->min || (int64_t) chars > f->max) {
        fgs_schema_fail(ctx, node, NULL, "has %zu characters; the API "
                        "reference allows %lld to %lld", chars,
                        (long long) f->min, (long long) f->max);
    }
}

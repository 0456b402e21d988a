
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What the values of the headers that matter mean (docs/security.md,
 * "One reader of the request"): the body's media type and content
 * coding, and whether an SDK's AK/SK signature covers the body.  The
 * module reads these values from nginx's header list, the audit reads
 * the caller's access key from the same signature parser, and the CLI
 * gives them as options: each value is interpreted here only.
 */


#include <string.h>
#include <strings.h>

#include "fgs_request.h"


static const u_char *fgs_headers_ows(const u_char *p, const u_char *end);
static const u_char *fgs_headers_token(const u_char *p, const u_char *end);
static int fgs_headers_is(const u_char *p, const u_char *end,
    const char *word, size_t len);


/*
 * media-type = type "/" subtype parameters (RFC 9110, 8.3.1), with
 * parameters = *( OWS ";" OWS [ parameter ] ): exactly
 * application/json, case-insensitively, with at most one parameter,
 * charset=utf-8 (the value a token or a quoted string, case-insensitive).
 * Anything else is refused: another type, another charset, another
 * parameter, or text that does not parse.
 */

int
fgs_headers_json_type(const u_char *p, size_t len)
{
    int            charset;
    const u_char  *end, *name, *name_end, *v, *v_end;

    end = p + len;
    p = fgs_headers_ows(p, end);

    if (!fgs_headers_is(p, end, "application/json",
                        sizeof("application/json") - 1))
    {
        return FGS_DECLINED;
    }

    p += sizeof("application/json") - 1;
    charset = 0;

    for ( ;; ) {
        p = fgs_headers_ows(p, end);

        if (p == end) {
            return FGS_OK;
        }

        if (*p++ != ';') {
            /* "application/jsonx", "application/json x" */
            return FGS_DECLINED;
        }

        p = fgs_headers_ows(p, end);

        if (p == end || *p == ';') {
            /* an empty parameter */
            continue;
        }

        name = p;
        name_end = fgs_headers_token(p, end);

        if (name_end == name || name_end == end || *name_end != '=') {
            return FGS_DECLINED;
        }

        if (name_end - name != sizeof("charset") - 1
            || !fgs_headers_is(name, name_end, "charset",
                               sizeof("charset") - 1)
            || charset++)
        {
            return FGS_DECLINED;
        }

        v = name_end + 1;

        if (v < end && *v == '"') {
            v++;
            v_end = v;

            while (v_end < end && *v_end != '"' && *v_end != '\\') {
                v_end++;
            }

            if (v_end == end || *v_end != '"') {
                /* unterminated, or an escape: no form of "utf-8" */
                return FGS_DECLINED;
            }

            p = v_end + 1;

        } else {
            v_end = fgs_headers_token(v, end);
            p = v_end;
        }

        if (v_end - v != sizeof("utf-8") - 1
            || !fgs_headers_is(v, v_end, "utf-8", sizeof("utf-8") - 1))
        {
            return FGS_DECLINED;
        }
    }
}


int
fgs_headers_identity(const u_char *p, size_t len)
{
    const u_char  *end;

    end = p + len;
    p = fgs_headers_ows(p, end);

    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    return (end - p == sizeof("identity") - 1
            && fgs_headers_is(p, end, "identity", sizeof("identity") - 1));
}


int
fgs_headers_unsigned(const u_char *p, size_t len)
{
    return (len == sizeof("UNSIGNED-PAYLOAD") - 1
            && memcmp(p, "UNSIGNED-PAYLOAD", len) == 0);
}


/*
 * "SCHEME Access=AK, SignedHeaders=..., Signature=...": the signing
 * schemes of the official SDKs' core (docs/deployment.md, "AK/SK
 * signing and rewrites"), each a signature over a hash of the body.  The
 * scheme is compared case-insensitively and must be the whole first word
 * (the end of the value, or a space or tab after it).  access_key is the
 * AK when it is 1 to 128 letters and digits, else empty (the audit
 * record then says access_key null); nothing else of the value is kept.
 */

int
fgs_headers_signature(const u_char *p, size_t len, fgs_signature_t *sig)
{
    size_t         n, i;
    const u_char  *end, *ak;

    static const struct {
        const char  *name;
        size_t       len;
        int          sm3;
    } schemes[] = {
        { "SDK-HMAC-SHA256", sizeof("SDK-HMAC-SHA256") - 1, 0 },
        { "SDK-HMAC-SM3", sizeof("SDK-HMAC-SM3") - 1, 1 },
        { "SDK-ECDSA-P256-SHA256", sizeof("SDK-ECDSA-P256-SHA256") - 1, 0 },
        { "SDK-SM2-SM3", sizeof("SDK-SM2-SM3") - 1, 1 }
    };

    memset(sig, 0, sizeof(fgs_signature_t));

    end = p + len;
    p = fgs_headers_ows(p, end);

    for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        n = schemes[i].len;

        if (fgs_headers_is(p, end, schemes[i].name, n)
            && (p + n == end || p[n] == ' ' || p[n] == '\t'))
        {
            break;
        }
    }

    if (i == sizeof(schemes) / sizeof(schemes[0])) {
        return FGS_DECLINED;
    }

    sig->sm3 = schemes[i].sm3;
    p += schemes[i].len;

    /* the parameters, comma-separated */

    while (p < end) {

        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        if ((size_t) (end - p) > sizeof("Access=") - 1
            && memcmp(p, "Access=", sizeof("Access=") - 1) == 0)
        {
            ak = p + sizeof("Access=") - 1;

            for (p = ak; p < end && p - ak <= 128; p++) {
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
                      || (*p >= '0' && *p <= '9')))
                {
                    break;
                }
            }

            if (p > ak && p - ak <= 128
                && (p == end || *p == ',' || *p == ' ' || *p == '\t'))
            {
                sig->access_key.data = ak;
                sig->access_key.len = p - ak;
            }

            return FGS_OK;
        }

        while (p < end && *p != ',') {
            p++;
        }
    }

    return FGS_OK;
}


static const u_char *
fgs_headers_ows(const u_char *p, const u_char *end)
{
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    return p;
}


/* tchar (RFC 9110, 5.6.2) */

static const u_char *
fgs_headers_token(const u_char *p, const u_char *end)
{
    static const char  *tspecials = "!#$%&'*+-.^_`|~";

    while (p < end
           && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
               || (*p >= '0' && *p <= '9')
               || (*p != '\0' && strchr(tspecials, *p) != NULL)))
    {
        p++;
    }

    return p;
}


/* p starts with word (lowercase or as written), in any case */

static int
fgs_headers_is(const u_char *p, const u_char *end, const char *word,
    size_t len)
{
    return ((size_t) (end - p) >= len
            && strncasecmp((const char *) p, word, len) == 0);
}

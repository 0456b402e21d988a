
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What a governed request's headers say about its body
 * (docs/policy-language.md, "What a governed body must be" and "Signed
 * bodies"): its media type, its content coding, whether an AK/SK signature
 * covers it, and whether a header asks the upstream to read another
 * method.  The Authorization header is parsed here only, for the decision
 * and for the audit record's caller alike
 * (ngx_http_fgs_policy_signature()).
 *
 * nginx keeps only the first of several Content-Type headers in
 * r->headers_in.content_type, while an upstream may read the last: the
 * headers are counted here, in one walk over the list, so that two of
 * them can be refused.  (Two Content-Length headers nginx refuses
 * itself.)
 */


#include "ngx_http_fgs_policy_module.h"


static ngx_uint_t ngx_http_fgs_policy_is_identity(ngx_str_t *value);
static ngx_uint_t ngx_http_fgs_policy_is_unsigned(ngx_str_t *value);
static u_char *ngx_http_fgs_policy_ows(u_char *p, u_char *end);
static u_char *ngx_http_fgs_policy_token(u_char *p, u_char *end);


/*
 * nginx has lowercased the name of every request header it read into
 * lowcase_key (HTTP/1 and HTTP/2 alike): names are compared there, to
 * lowercase literals, by length first.  A header that a module added
 * without one is compared case-insensitively.
 */
#define ngx_http_fgs_policy_key_is(h, name)                                  \
    ((h)->key.len == sizeof(name) - 1                                         \
     && ((h)->lowcase_key                                                     \
         ? ngx_memcmp((h)->lowcase_key, name, sizeof(name) - 1) == 0          \
         : ngx_strncasecmp((h)->key.data, (u_char *) name,                    \
                           sizeof(name) - 1) == 0))


void
ngx_http_fgs_policy_read_headers(ngx_http_request_t *r,
    ngx_http_fgs_policy_headers_t *h)
{
    ngx_uint_t                        i, sha256_headers, sha256_signed;
    ngx_uint_t                        sm3_headers, sm3_signed, sha256, sm3;
    ngx_list_part_t                  *part;
    ngx_table_elt_t                  *header, *e;
    ngx_http_fgs_policy_signature_t   sig;

    ngx_memzero(h, sizeof(ngx_http_fgs_policy_headers_t));

    sha256_headers = 0;
    sha256_signed = 0;
    sm3_headers = 0;
    sm3_signed = 0;
    sha256 = 0;
    sm3 = 0;

    part = &r->headers_in.headers.part;
    header = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            header = part->elts;
            i = 0;
        }

        e = &header[i];

        /*
         * The names' lengths tell them apart but for two of 13 bytes:
         * most headers (Host, Accept, a token) are passed over at once.
         */

        switch (e->key.len) {

        case sizeof("content-type") - 1:
            if (ngx_http_fgs_policy_key_is(e, "content-type")) {
                h->content_types++;
            }

            break;

        case sizeof("content-encoding") - 1:
            if (ngx_http_fgs_policy_key_is(e, "content-encoding")
                && h->content_encoding == NULL
                && !ngx_http_fgs_policy_is_identity(&e->value))
            {
                h->content_encoding = e;
            }

            break;

        case sizeof("x-http-method-override") - 1:
        case sizeof("x-method-override") - 1:   /* and x-sdk-content-sm3 */
        case sizeof("x-http-method") - 1:   /* and "authorization" */

            if (ngx_http_fgs_policy_key_is(e, "x-http-method-override")
                || ngx_http_fgs_policy_key_is(e, "x-http-method")
                || ngx_http_fgs_policy_key_is(e, "x-method-override"))
            {
                if (h->method_override == NULL) {
                    h->method_override = e;
                }

            } else if (ngx_http_fgs_policy_key_is(e, "authorization")) {

                /*
                 * nginx refuses a second Authorization header itself
                 * (400 FGSPOL.4000); should two ever reach here, one
                 * that carries a signature makes the body signed.
                 */

                if (ngx_http_fgs_policy_signature(&e->value, &sig)
                    == NGX_OK)
                {
                    h->aksk = 1;

                    if (sig.sm3) {
                        sm3 = 1;

                    } else {
                        sha256 = 1;
                    }
                }

            } else if (ngx_http_fgs_policy_key_is(e, "x-sdk-content-sm3")) {
                sm3_headers++;

                if (!ngx_http_fgs_policy_is_unsigned(&e->value)) {
                    sm3_signed = 1;
                }
            }

            break;

        case sizeof("x-sdk-content-sha256") - 1:
            if (!ngx_http_fgs_policy_key_is(e, "x-sdk-content-sha256")) {
                break;
            }

            sha256_headers++;

            if (!ngx_http_fgs_policy_is_unsigned(&e->value)) {
                sha256_signed = 1;
            }

            break;

        default:
            break;
        }
    }

    /*
     * The signers that hash with SHA-256 declare an unsigned body in
     * X-Sdk-Content-Sha256, those that hash with SM3 in
     * X-Sdk-Content-Sm3: the header of each scheme used must be there,
     * and every one of either kind must say so, or the body counts as
     * signed.
     */

    h->unsigned_payload = (!sha256_signed && !sm3_signed
                           && (!sha256 || sha256_headers)
                           && (!sm3 || sm3_headers));
}


/*
 * media-type = type "/" subtype parameters (RFC 9110, 8.3.1), with
 * parameters = *( OWS ";" OWS [ parameter ] ): exactly
 * application/json, case-insensitively, with at most one parameter,
 * charset=utf-8 (the value a token or a quoted string, case-insensitive).
 * Anything else is refused: another type, another charset, another
 * parameter, or text that does not parse.
 */

ngx_int_t
ngx_http_fgs_policy_json_type(ngx_str_t *value)
{
    u_char      *p, *end, *name, *name_end, *v, *v_end;
    ngx_uint_t   charset;

    p = value->data;
    end = value->data + value->len;

    p = ngx_http_fgs_policy_ows(p, end);

    /* as every client writes it, or in another case */

    if ((size_t) (end - p) < sizeof("application/json") - 1
        || (ngx_memcmp(p, "application/json", sizeof("application/json") - 1)
            != 0
            && ngx_strncasecmp(p, (u_char *) "application/json",
                               sizeof("application/json") - 1)
               != 0))
    {
        return NGX_DECLINED;
    }

    p += sizeof("application/json") - 1;
    charset = 0;

    for ( ;; ) {
        p = ngx_http_fgs_policy_ows(p, end);

        if (p == end) {
            return NGX_OK;
        }

        if (*p++ != ';') {
            /* "application/jsonx", "application/json x" */
            return NGX_DECLINED;
        }

        p = ngx_http_fgs_policy_ows(p, end);

        if (p == end || *p == ';') {
            /* an empty parameter */
            continue;
        }

        name = p;
        name_end = ngx_http_fgs_policy_token(p, end);

        if (name_end == name || name_end == end || *name_end != '=') {
            return NGX_DECLINED;
        }

        if (name_end - name != sizeof("charset") - 1
            || ngx_strncasecmp(name, (u_char *) "charset",
                               sizeof("charset") - 1)
               != 0
            || charset++)
        {
            return NGX_DECLINED;
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
                return NGX_DECLINED;
            }

            p = v_end + 1;

        } else {
            v_end = ngx_http_fgs_policy_token(v, end);
            p = v_end;
        }

        if (v_end - v != sizeof("utf-8") - 1
            || ngx_strncasecmp(v, (u_char *) "utf-8", sizeof("utf-8") - 1)
               != 0)
        {
            return NGX_DECLINED;
        }
    }
}


/*
 * Any segment named "fgs", in any case, or any percent-encoding: a
 * request that may be under /v2/{project_id}/fgs/ for some reader.  Only
 * decides whether a method-override header is refused on a target the
 * target check let pass (a read or an invocation).
 */

ngx_uint_t
ngx_http_fgs_policy_in_fgs_path(const fgs_str_t *path)
{
    const u_char  *p, *end, *seg;

    p = path->data;
    end = path->data + path->len;
    seg = p;

    for ( ;; ) {

        if (p == end || *p == '/') {
            if (p - seg == 3
                && (seg[0] | 0x20) == 'f'
                && (seg[1] | 0x20) == 'g'
                && (seg[2] | 0x20) == 's')
            {
                return 1;
            }

            if (p == end) {
                return 0;
            }

            seg = p + 1;

        } else if (*p == '%') {
            return 1;
        }

        p++;
    }
}


static ngx_uint_t
ngx_http_fgs_policy_is_identity(ngx_str_t *value)
{
    u_char  *p, *end;

    p = ngx_http_fgs_policy_ows(value->data, value->data + value->len);
    end = value->data + value->len;

    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    return (end - p == sizeof("identity") - 1
            && ngx_strncasecmp(p, (u_char *) "identity",
                               sizeof("identity") - 1)
               == 0);
}


static ngx_uint_t
ngx_http_fgs_policy_is_unsigned(ngx_str_t *value)
{
    return (value->len == sizeof("UNSIGNED-PAYLOAD") - 1
            && ngx_strncmp(value->data, "UNSIGNED-PAYLOAD",
                           sizeof("UNSIGNED-PAYLOAD") - 1)
               == 0);
}


/*
 * "SCHEME Access=AK, SignedHeaders=..., Signature=...": the signing
 * schemes of the official SDKs' core (docs/deployment.md, "AK/SK signing
 * and rewrites"), each a signature over a hash of the body.  The scheme is
 * compared case-insensitively and must be the whole first word (the end of
 * the value, or a space or tab after it): NGX_OK for a signature,
 * NGX_DECLINED for anything else.  sig->access_key is the AK when it is 1
 * to 128 letters and digits, else empty (the audit record then says
 * access_key null); nothing else of the value is kept.
 */

ngx_int_t
ngx_http_fgs_policy_signature(ngx_str_t *value,
    ngx_http_fgs_policy_signature_t *sig)
{
    u_char      *p, *end, *ak;
    size_t       len;
    ngx_uint_t   i;

    static const struct {
        ngx_str_t   name;
        ngx_uint_t  sm3;
    } schemes[] = {
        { ngx_string("SDK-HMAC-SHA256"), 0 },
        { ngx_string("SDK-HMAC-SM3"), 1 },
        { ngx_string("SDK-ECDSA-P256-SHA256"), 0 },
        { ngx_string("SDK-SM2-SM3"), 1 }
    };

    ngx_memzero(sig, sizeof(ngx_http_fgs_policy_signature_t));

    p = ngx_http_fgs_policy_ows(value->data, value->data + value->len);
    end = value->data + value->len;

    for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        len = schemes[i].name.len;

        if ((size_t) (end - p) >= len
            && ngx_strncasecmp(p, schemes[i].name.data, len) == 0
            && (p + len == end || p[len] == ' ' || p[len] == '\t'))
        {
            break;
        }
    }

    if (i == sizeof(schemes) / sizeof(schemes[0])) {
        return NGX_DECLINED;
    }

    sig->sm3 = schemes[i].sm3;
    p += schemes[i].name.len;

    /* the parameters, comma-separated */

    while (p < end) {

        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        if ((size_t) (end - p) > sizeof("Access=") - 1
            && ngx_strncmp(p, "Access=", sizeof("Access=") - 1) == 0)
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

            return NGX_OK;
        }

        while (p < end && *p != ',') {
            p++;
        }
    }

    return NGX_OK;
}


static u_char *
ngx_http_fgs_policy_ows(u_char *p, u_char *end)
{
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    return p;
}


/* tchar (RFC 9110, 5.6.2) */

static u_char *
ngx_http_fgs_policy_token(u_char *p, u_char *end)
{
    static const char  *tspecials = "!#$%&'*+-.^_`|~";

    while (p < end
           && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
               || (*p >= '0' && *p <= '9')
               || (*p != '\0' && ngx_strchr(tspecials, *p) != NULL)))
    {
        p++;
    }

    return p;
}

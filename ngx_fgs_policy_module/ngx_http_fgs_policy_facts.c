
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The facts of a request that the engine decides on, read from nginx's
 * request into an fgs_request_t (engine/request/fgs_request.h): its raw
 * method and target, the settings that govern it, and what its headers
 * say about its body: its media type, its content coding, whether an
 * AK/SK signature covers it, and whether a header asks the upstream to
 * read another method.  The values are interpreted by the engine
 * (fgs_headers.c), for the decision and for the audit record alike.
 *
 * nginx keeps only the first of several Content-Type headers in
 * r->headers_in.content_type, while an upstream may read the last: the
 * headers are counted here, in one walk over the list, so that two of
 * them can be refused.  (Two Content-Length headers nginx refuses
 * itself.)
 */


#include "ngx_http_fgs_policy_facts.h"


static void ngx_http_fgs_policy_read_headers(ngx_http_request_t *r,
    fgs_request_t *rq);


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


/*
 * The raw request target: r->unparsed_uri, or for an absolute-form
 * target of HTTP/1.x ("PUT http://host/v2/... HTTP/1.1", where nginx sets
 * schema_start and keeps only the path in unparsed_uri) the whole of it,
 * so that the target check sees and refuses that form.  HTTP/2 has no
 * absolute form (:path) and never sets schema_start.  flcf NULL: the
 * request alone, without the settings, for an error of nginx's.
 */

void
ngx_http_fgs_policy_read_facts(ngx_http_request_t *r,
    ngx_http_fgs_policy_loc_conf_t *flcf, fgs_request_t *rq)
{
    u_char  *start, *end;

    ngx_memzero(rq, sizeof(fgs_request_t));

    start = r->unparsed_uri.data;
    end = r->unparsed_uri.data + r->unparsed_uri.len;

    if (r->schema_start && r->schema_start < start) {
        start = r->schema_start;
    }

    rq->method.data = r->method_name.data;
    rq->method.len = r->method_name.len;
    rq->target.data = start;
    rq->target.len = end - start;
    rq->content_length = r->headers_in.content_length_n;

    ngx_http_fgs_policy_read_headers(r, rq);

    if (flcf == NULL) {
        return;
    }

    rq->policy = flcf->file->policy;
    rq->mode = (fgs_mode_e) flcf->mode;
    rq->max_body_size = flcf->max_body_size;
    rq->now = ngx_time();

    /*
     * "changes" cost as much as the scan of the body: made only where a
     * record will carry them (an error of nginx's on a request the
     * module did not decide has no body's changes anyway)
     */
    rq->no_changes = (flcf->audit_log == NULL);

#if (NGX_HTTP_V3)
    rq->http3 = (r->http_version == NGX_HTTP_VERSION_30);
#endif
}


static void
ngx_http_fgs_policy_read_headers(ngx_http_request_t *r, fgs_request_t *rq)
{
    ngx_uint_t        i, sha256_headers, sha256_signed;
    ngx_uint_t        sm3_headers, sm3_signed, sha256, sm3;
    fgs_signature_t   sig;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *header, *e;

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

        case sizeof("content-type") - 1:    /* and "x-auth-token" */
            if (ngx_http_fgs_policy_key_is(e, "content-type")) {
                if (rq->content_types++ == 0) {
                    rq->content_type.data = e->value.data;
                    rq->content_type.len = e->value.len;
                }

            } else if (ngx_http_fgs_policy_key_is(e, "x-auth-token")) {

                /* two are ambiguous: the engine refuses them */

                if (rq->auth_tokens++ == 0) {
                    rq->auth_token.data = e->value.data;
                    rq->auth_token.len = e->value.len;
                }
            }

            break;

        case sizeof("content-encoding") - 1:    /* and x-security-token */
            if (ngx_http_fgs_policy_key_is(e, "content-encoding")
                && rq->content_encoding.len == 0
                && !fgs_headers_identity(e->value.data, e->value.len))
            {
                rq->content_encoding.data = e->value.data;
                rq->content_encoding.len = e->value.len;

            } else if (ngx_http_fgs_policy_key_is(e, "x-security-token")) {
                rq->security_tokens++;
            }

            break;

        case sizeof("x-http-method-override") - 1:
        case sizeof("x-method-override") - 1:   /* and x-sdk-content-sm3 */
        case sizeof("x-http-method") - 1:   /* and "authorization" */

            if (ngx_http_fgs_policy_key_is(e, "x-http-method-override")
                || ngx_http_fgs_policy_key_is(e, "x-http-method")
                || ngx_http_fgs_policy_key_is(e, "x-method-override"))
            {
                if (rq->method_override.len == 0) {
                    rq->method_override.data = e->key.data;
                    rq->method_override.len = e->key.len;
                }

            } else if (ngx_http_fgs_policy_key_is(e, "authorization")) {

                /*
                 * nginx refuses a second Authorization header itself
                 * (400 FGSPOL.4000); should two ever reach here, the
                 * engine refuses them as ambiguous (401 FGSPOL.4010),
                 * and one that carries a signature makes the body
                 * signed.
                 */

                rq->authorizations++;

                if (fgs_headers_signature(e->value.data, e->value.len, &sig)
                    == FGS_OK)
                {
                    if (!rq->aksk) {
                        rq->access_key = sig.access_key;
                    }

                    rq->aksk = 1;

                    if (sig.sm3) {
                        sm3 = 1;

                    } else {
                        sha256 = 1;
                    }
                }

            } else if (ngx_http_fgs_policy_key_is(e, "x-sdk-content-sm3")) {
                sm3_headers++;

                if (!fgs_headers_unsigned(e->value.data, e->value.len)) {
                    sm3_signed = 1;
                }
            }

            break;

        case sizeof("x-sdk-content-sha256") - 1:
            if (!ngx_http_fgs_policy_key_is(e, "x-sdk-content-sha256")) {
                break;
            }

            sha256_headers++;

            if (!fgs_headers_unsigned(e->value.data, e->value.len)) {
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

    rq->unsigned_payload = (!sha256_signed && !sm3_signed
                            && (!sha256 || sha256_headers)
                            && (!sm3 || sm3_headers));
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Who a request of "eval" and "test" comes from (docs/policy-language.md,
 * "Principals"): an identity given whole ("--identity
 * user=ci-bot,domain=acme", a test case's "identity" object), or the
 * credential headers of a request (--headers FILE, a case's "headers"),
 * which the engine reads exactly as the module reads nginx's: the same
 * signature parser, the same token decoder, the same refusal of
 * ambiguous credentials.
 */


#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fgs_cli.h"


static int fgs_cli_identity_set(fgs_identity_t *id, const char *key,
    size_t klen, const char *val, size_t vlen);
static int fgs_cli_header(fgs_cli_request_t *rq, const char *name,
    size_t nlen, const u_char *val, size_t vlen);


/* "key=value,key=value": access_key, user, user_id, domain, ... */

int
fgs_cli_parse_identity(const char *spec, fgs_identity_t *id, char *err,
    size_t errlen)
{
    const char  *p, *end, *eq;

    memset(id, 0, sizeof(fgs_identity_t));

    for (p = spec; *p; p = *end ? end + 1 : end) {
        end = strchr(p, ',');
        end = end ? end : p + strlen(p);
        eq = memchr(p, '=', end - p);

        if (end - p == sizeof("temporary") - 1
            && strncmp(p, "temporary", end - p) == 0)
        {
            id->temporary = 1;
            continue;
        }

        if (eq == NULL || eq == p || eq + 1 == end
            || fgs_cli_identity_set(id, p, eq - p, eq + 1, end - eq - 1)
               != FGS_OK)
        {
            snprintf(err, errlen, "--identity takes key=value pairs "
                     "separated by commas: access_key, user, user_id, "
                     "domain, domain_id, agency (and \"temporary\")");
            return FGS_DECLINED;
        }
    }

    if (id->claims.access_key.len) {
        id->type = FGS_IDENTITY_AKSK;

    } else if (id->claims.user_name.len || id->claims.user_id.len
               || id->claims.domain_name.len || id->claims.domain_id.len
               || id->claims.agency.len)
    {
        id->type = FGS_IDENTITY_TOKEN;
        id->decoded = 1;
        memcpy(id->token_sha256, "0000000000000000", 17);
    }

    return FGS_OK;
}


/* a test case's "identity": {"access_key": ..., "user": ..., ...} */

int
fgs_cli_identity_json(json_t *obj, fgs_identity_t *id, char *err,
    size_t errlen)
{
    json_t      *v;
    const char  *key;

    memset(id, 0, sizeof(fgs_identity_t));

    if (!json_is_object(obj)) {
        snprintf(err, errlen, "\"identity\" is an object");
        return FGS_DECLINED;
    }

    json_object_foreach(obj, key, v) {

        if (strcmp(key, "temporary") == 0 && json_is_boolean(v)) {
            id->temporary = json_is_true(v);
            continue;
        }

        if (!json_is_string(v)
            || fgs_cli_identity_set(id, key, strlen(key),
                                    json_string_value(v),
                                    json_string_length(v))
               != FGS_OK)
        {
            snprintf(err, errlen, "\"identity\" has access_key, user, "
                     "user_id, domain, domain_id and agency, each a "
                     "string, and temporary");
            return FGS_DECLINED;
        }
    }

    return fgs_cli_parse_identity("", id, err, errlen) == FGS_OK
           ? FGS_OK : FGS_DECLINED;
}


static int
fgs_cli_identity_set(fgs_identity_t *id, const char *key, size_t klen,
    const char *val, size_t vlen)
{
    size_t       i;
    fgs_str_t   *s;

    static const struct {
        const char  *name;
        size_t       off;
    } keys[] = {
        { "access_key", offsetof(fgs_claims_t, access_key) },
        { "user", offsetof(fgs_claims_t, user_name) },
        { "user_id", offsetof(fgs_claims_t, user_id) },
        { "domain", offsetof(fgs_claims_t, domain_name) },
        { "domain_id", offsetof(fgs_claims_t, domain_id) },
        { "agency", offsetof(fgs_claims_t, agency) }
    };

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strlen(keys[i].name) == klen
            && strncmp(keys[i].name, key, klen) == 0)
        {
            s = (fgs_str_t *) ((u_char *) &id->claims + keys[i].off);
            s->data = (const u_char *) val;
            s->len = vlen;
            return FGS_OK;
        }
    }

    return FGS_DECLINED;
}


/*
 * A file of "Name: value" lines (a captured request's headers): the
 * credentials and the body's signing headers are taken, others ignored.
 * The lines stay in memory as long as the request.
 */

int
fgs_cli_read_headers(const char *path, fgs_cli_request_t *rq, char *err,
    size_t errlen)
{
    size_t   len;
    u_char  *data, *p, *end, *eol, *colon, *v, *ve;

    data = fgs_cli_read_file(path, &len, err, errlen);
    if (data == NULL) {
        return FGS_DECLINED;
    }

    rq->header_data = data;
    end = data + len;

    for (p = data; p < end; p = eol + 1) {
        eol = memchr(p, '\n', end - p);
        eol = eol ? eol : end;

        colon = memchr(p, ':', eol - p);
        if (colon == NULL) {
            continue;
        }

        for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++) {
            /* void */
        }

        for (ve = eol; ve > v && (ve[-1] == '\r' || ve[-1] == ' '
                                  || ve[-1] == '\t'); ve--)
        {
            /* void */
        }

        if (fgs_cli_header(rq, (const char *) p, colon - p, v, ve - v)
            != FGS_OK)
        {
            snprintf(err, errlen, "%s: out of memory", path);
            return FGS_DECLINED;
        }
    }

    return FGS_OK;
}


/* one header, by name, case-insensitively; also for a case's "headers" */

int
fgs_cli_add_header(fgs_cli_request_t *rq, const char *name, const char *val)
{
    return fgs_cli_header(rq, name, strlen(name), (const u_char *) val,
                          strlen(val));
}


static int
fgs_cli_header(fgs_cli_request_t *rq, const char *name, size_t nlen,
    const u_char *val, size_t vlen)
{
    fgs_signature_t  sig;

#define fgs_cli_is(n)                                                        \
    (nlen == sizeof(n) - 1 && strncasecmp(name, n, nlen) == 0)

    if (fgs_cli_is("X-Auth-Token")) {
        if (rq->auth_tokens++ == 0) {
            rq->auth_token.data = val;
            rq->auth_token.len = vlen;
        }

    } else if (fgs_cli_is("Authorization")) {
        rq->authorizations++;

        if (fgs_headers_signature(val, vlen, &sig) == FGS_OK) {
            if (!rq->aksk) {
                rq->access_key = sig.access_key;
            }

            rq->aksk = 1;
        }

    } else if (fgs_cli_is("X-Security-Token")) {
        rq->security_tokens++;

    } else if (fgs_cli_is("X-Sdk-Content-Sha256")
               || fgs_cli_is("X-Sdk-Content-Sm3"))
    {
        rq->unsigned_payload = fgs_headers_unsigned(val, vlen);
    }

#undef fgs_cli_is

    return FGS_OK;
}

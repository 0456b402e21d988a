
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * An IAM token read without a network call (fgs_identity.h): base64 of
 * the DER of a CMS SignedData whose content is the token JSON.  Nothing
 * is verified: FunctionGraph verifies the token itself, and refuses a
 * forged one.  The content is scanned by the engine's strict scanner;
 * only strings of the documented shape are read ("token": {"user":
 * {"id", "name", "domain": {"id", "name"}}, "domain", "project":
 * {"id", "name"}, "assumed_by": {"user": {"id", "name"}}, "expires_at"}).
 */


#include <string.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "fgs_identity.h"
#include "core/fgs_sha256.h"
#include "json/fgs_json.h"


static int fgs_identity_base64(const u_char *src, size_t len, u_char *out,
    size_t *olen);
static int fgs_identity_content(const u_char *der, size_t len,
    fgs_str_t *out, fgs_alloc_t *a);
static int fgs_identity_json(fgs_identity_t *id, const fgs_str_t *json,
    time_t now, fgs_alloc_t *a);
static int fgs_identity_get(const fgs_json_doc_t *doc, uint32_t obj,
    const char *key, fgs_str_t *out, fgs_alloc_t *a);
static uint32_t fgs_identity_obj(const fgs_json_doc_t *doc, uint32_t obj,
    const char *key);


int
fgs_identity_token_hash(fgs_identity_t *id)
{
    char  hex[FGS_SHA256_HEX_LEN + 1];

    if (id->type != FGS_IDENTITY_TOKEN || id->token_sha256[0] != '\0') {
        return FGS_OK;
    }

    if (fgs_sha256_hex(id->token.data, id->token.len, hex) != FGS_OK) {
        return FGS_ERROR;
    }

    memcpy(id->token_sha256, hex, FGS_IDENTITY_HASH_LEN);
    id->token_sha256[FGS_IDENTITY_HASH_LEN] = '\0';

    return FGS_OK;
}


int
fgs_identity_token(const u_char *token, size_t len, time_t now,
    fgs_identity_t *id, fgs_alloc_t *a)
{
    int         rc;
    size_t      dlen;
    u_char     *der;
    fgs_str_t   json;

    memset(id, 0, sizeof(fgs_identity_t));
    id->type = FGS_IDENTITY_TOKEN;
    id->token.data = token;
    id->token.len = len;

    while (len && (token[0] == ' ' || token[0] == '\t')) {
        token++;
        len--;
    }

    while (len && (token[len - 1] == ' ' || token[len - 1] == '\t')) {
        len--;
    }

    /*
     * CMS signed data is a DER SEQUENCE: its first byte, 0x30, is 'M' in
     * base64.  Anything else is no IAM token, and is not decoded.
     */

    if (len < 4 || len > FGS_IDENTITY_MAX_TOKEN || token[0] != 'M') {
        return FGS_DECLINED;
    }

    der = a->alloc(a->data, len / 4 * 3 + 3);
    if (der == NULL) {
        return FGS_ERROR;
    }

    if (fgs_identity_base64(token, len, der, &dlen) != FGS_OK) {
        return FGS_DECLINED;
    }

    rc = fgs_identity_content(der, dlen, &json, a);
    if (rc != FGS_OK) {
        return rc;
    }

    rc = fgs_identity_json(id, &json, now, a);
    if (rc != FGS_OK) {
        /* what was read of a token that does not parse is not kept */
        memset(&id->claims, 0, sizeof(fgs_claims_t));
        return rc;
    }

    id->decoded = 1;

    return FGS_OK;
}


/*
 * Base64 in the standard alphabet, '-' read as '/' (the form IAM tokens
 * travel in), with or without "=" padding; anything else is refused.
 */

static int
fgs_identity_base64(const u_char *src, size_t len, u_char *out, size_t *olen)
{
    int        c;
    size_t     i, n, pad;
    uint32_t   acc;

    pad = 0;

    while (len && src[len - 1] == '=' && pad < 2) {
        len--;
        pad++;
    }

    if ((len + pad) % 4 != 0 && pad) {
        return FGS_DECLINED;
    }

    if (len % 4 == 1) {
        return FGS_DECLINED;
    }

    acc = 0;
    n = 0;

    for (i = 0; i < len; i++) {
        c = src[i];

        if (c >= 'A' && c <= 'Z') {
            c -= 'A';

        } else if (c >= 'a' && c <= 'z') {
            c = c - 'a' + 26;

        } else if (c >= '0' && c <= '9') {
            c = c - '0' + 52;

        } else if (c == '+') {
            c = 62;

        } else if (c == '/' || c == '-') {
            c = 63;

        } else {
            return FGS_DECLINED;
        }

        acc = (acc << 6) | (uint32_t) c;

        if (i % 4 == 3) {
            out[n++] = (u_char) (acc >> 16);
            out[n++] = (u_char) (acc >> 8);
            out[n++] = (u_char) acc;
            acc = 0;
        }
    }

    switch (len % 4) {

    case 2:
        out[n++] = (u_char) (acc >> 4);
        break;

    case 3:
        out[n++] = (u_char) (acc >> 10);
        out[n++] = (u_char) (acc >> 2);
        break;

    default:
        break;
    }

    *olen = n;

    return FGS_OK;
}


/* the signed content of a CMS SignedData of id-data, copied into a */

static int
fgs_identity_content(const u_char *der, size_t len, fgs_str_t *out,
    fgs_alloc_t *a)
{
    int                   rc;
    u_char               *p;
    const u_char         *in;
    CMS_ContentInfo      *cms;
    ASN1_OCTET_STRING   **content;

    in = der;

    cms = d2i_CMS_ContentInfo(NULL, &in, (long) len);
    if (cms == NULL) {
        /*
         * the thread's OpenSSL error queue is shared with nginx's TLS: a
         * token that does not parse must leave nothing in it
         */
        ERR_clear_error();
        return FGS_DECLINED;
    }

    rc = FGS_DECLINED;

    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed
        || OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data)
    {
        goto done;
    }

    content = CMS_get0_content(cms);

    if (content == NULL || *content == NULL
        || ASN1_STRING_length(*content) <= 0)
    {
        /* a detached signature carries no token */
        goto done;
    }

    p = a->alloc(a->data, ASN1_STRING_length(*content));
    if (p == NULL) {
        rc = FGS_ERROR;
        goto done;
    }

    memcpy(p, ASN1_STRING_get0_data(*content), ASN1_STRING_length(*content));

    out->data = p;
    out->len = ASN1_STRING_length(*content);
    rc = FGS_OK;

done:

    CMS_ContentInfo_free(cms);
    ERR_clear_error();

    return rc;
}


/* the token JSON: FGS_DECLINED unless it is {"token": {...}} */

static int
fgs_identity_json(fgs_identity_t *id, const fgs_str_t *json, time_t now,
    fgs_alloc_t *a)
{
    int             rc;
    size_t          i;
    uint32_t        tok, user, dom, proj, by;
    fgs_str_t       exp, name;
    fgs_json_doc_t  doc;

    rc = fgs_json_scan(&doc, json->data, json->len, a);
    if (rc != FGS_OK) {
        return rc;
    }

    tok = fgs_identity_obj(&doc, 0, "token");

    if (tok == FGS_NONE) {
        return FGS_DECLINED;
    }

    user = fgs_identity_obj(&doc, tok, "user");

    if (user == FGS_NONE) {
        return FGS_DECLINED;
    }

    if (fgs_identity_get(&doc, user, "id", &id->claims.user_id, a)
        != FGS_OK
        || fgs_identity_get(&doc, user, "name", &id->claims.user_name, a)
           != FGS_OK)
    {
        return FGS_ERROR;
    }

    /* the domain: the user's, else the token's scope, else the project's */

    proj = fgs_identity_obj(&doc, tok, "project");
    dom = fgs_identity_obj(&doc, user, "domain");

    if (dom == FGS_NONE) {
        dom = fgs_identity_obj(&doc, tok, "domain");
    }

    if (dom == FGS_NONE && proj != FGS_NONE) {
        dom = fgs_identity_obj(&doc, proj, "domain");
    }

    if ((dom != FGS_NONE
         && (fgs_identity_get(&doc, dom, "id", &id->claims.domain_id, a)
             != FGS_OK
             || fgs_identity_get(&doc, dom, "name", &id->claims.domain_name,
                                 a)
                != FGS_OK))
        || (proj != FGS_NONE
            && (fgs_identity_get(&doc, proj, "id", &id->project_id, a)
                != FGS_OK
                || fgs_identity_get(&doc, proj, "name", &id->project_name,
                                    a)
                   != FGS_OK)))
    {
        return FGS_ERROR;
    }

    /*
     * An agency token: "user" is the agency, named
     * "DOMAIN/AGENCY", and "assumed_by" the user who assumed it.
     */

    by = fgs_identity_obj(&doc, tok, "assumed_by");

    if (by != FGS_NONE) {
        by = fgs_identity_obj(&doc, by, "user");
    }

    if (by != FGS_NONE) {
        if (fgs_identity_get(&doc, by, "id", &id->assumed_by_id, a) != FGS_OK
            || fgs_identity_get(&doc, by, "name", &id->assumed_by_name, a)
               != FGS_OK)
        {
            return FGS_ERROR;
        }

        name = id->claims.user_name;

        for (i = name.len; i > 0 && name.data[i - 1] != '/'; i--) {
            /* void */
        }

        id->claims.agency.data = name.data + i;
        id->claims.agency.len = name.len - i;
    }

    if (fgs_identity_get(&doc, tok, "expires_at", &exp, a) != FGS_OK) {
        return FGS_ERROR;
    }

    if (exp.len
        && fgs_policy_parse_time(exp.data, exp.len, &id->expires) == FGS_OK)
    {
        id->expired = (now >= id->expires);
    }

    return FGS_OK;
}


/* a string member of obj, at most FGS_IDENTITY_MAX_NAME bytes; else empty */

static int
fgs_identity_get(const fgs_json_doc_t *doc, uint32_t obj, const char *key,
    fgs_str_t *out, fgs_alloc_t *a)
{
    uint32_t  n;

    out->data = NULL;
    out->len = 0;

    n = fgs_json_child(doc, obj, key, strlen(key));

    if (n == FGS_NONE || doc->nodes[n].type != FGS_JSON_STRING) {
        return FGS_OK;
    }

    if (fgs_json_string(doc, n, a, out) != FGS_OK) {
        return FGS_ERROR;
    }

    if (out->len > FGS_IDENTITY_MAX_NAME) {
        out->data = NULL;
        out->len = 0;
    }

    return FGS_OK;
}


static uint32_t
fgs_identity_obj(const fgs_json_doc_t *doc, uint32_t obj, const char *key)
{
    uint32_t  n;

    n = fgs_json_child(doc, obj, key, strlen(key));

    if (n == FGS_NONE || doc->nodes[n].type != FGS_JSON_OBJECT) {
        return FGS_NONE;
    }

    return n;
}

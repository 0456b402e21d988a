
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Who sent a request, from the credentials FunctionGraph itself verifies
 * (docs/security.md, "Identities"): the access key of an SDK signature,
 * or what an IAM token says of its user.  The gateway verifies neither:
 * it reads them without a network call, and a forged claim gets no
 * change made, as FunctionGraph refuses the credential.
 *
 * An IAM token (X-Auth-Token) is PKCS#7/CMS signed data, base64 of DER
 * in the standard alphabet or with '-' for '/'; its signed content is
 * the token JSON of IAM's token response ({"token": {"expires_at",
 * "user", "domain", "project", "roles", "assumed_by", ...}}).
 * fgs_identity_token() reads it with libcrypto and the engine's JSON
 * scanner; a token that does not decode is known by its hash only.
 *
 * The one header of the identity stage: the request stage, the audit
 * and the CLI read identities through it.
 */


#ifndef _FGS_IDENTITY_H_INCLUDED_
#define _FGS_IDENTITY_H_INCLUDED_


#include <time.h>

#include "core/fgs_common.h"
#include "policy/fgs_policy.h"


#define FGS_IDENTITY_MAX_TOKEN   (128 * 1024)  /* bytes of an X-Auth-Token
                                                  that are decoded */
#define FGS_IDENTITY_MAX_NAME    128           /* bytes kept of a name */
#define FGS_IDENTITY_HASH_LEN    16            /* hex digits of a token's
                                                  SHA-256 */


typedef enum {
    FGS_IDENTITY_NONE = 0,
    FGS_IDENTITY_AKSK,          /* an SDK signature's access key */
    FGS_IDENTITY_TOKEN          /* an X-Auth-Token */
} fgs_identity_type_e;


typedef struct {
    fgs_identity_type_e      type;

    /* access_key; for a token user, domain and agency */
    fgs_claims_t             claims;

    fgs_str_t                project_id;    /* a project-scoped token */
    fgs_str_t                project_name;
    fgs_str_t                assumed_by_id;     /* an agency token: the */
    fgs_str_t                assumed_by_name;   /* user who assumed it */

    char                     token_sha256[FGS_IDENTITY_HASH_LEN + 1];
                                            /* empty until
                                               fgs_identity_token_hash() */
    fgs_str_t                token;         /* the token as sent */
    time_t                   expires;       /* 0: not known */

    uint64_t                 principals;    /* fgs_policy_principals() */

    unsigned                 decoded:1;     /* the token was read */
    unsigned                 temporary:1;   /* AK/SK with X-Security-Token */
    unsigned                 expired:1;     /* expires_at had passed */
} fgs_identity_t;


/*
 * An X-Auth-Token value: its hash prefix always, and what its signed
 * content says when it decodes.  now tells whether it has expired.
 * Memory (the decoded content and the strings) comes from a.  Returns
 * FGS_OK when it decoded, FGS_DECLINED when it did not (the identity is
 * then the token's hash alone), FGS_ERROR when memory ran out.
 */
int fgs_identity_token(const u_char *token, size_t len, time_t now,
    fgs_identity_t *id, fgs_alloc_t *a);

/*
 * The token's hash prefix, made when something will show it (an audit
 * record, $fgs_policy_identity): a SHA-256 per request is not spent on
 * requests that nothing records.  FGS_OK, or FGS_ERROR.
 */
int fgs_identity_token_hash(fgs_identity_t *id);

/*
 * The label of an identity for logs ($fgs_policy_identity): "ak:AK",
 * "user:DOMAIN/NAME", "agency:DOMAIN/AGENCY", "token:HASH" or "none",
 * each name cut at FGS_IDENTITY_MAX_NAME bytes; only letters, digits and
 * "-_.@/" are kept, others become '?'.  Writes at most size bytes with
 * the NUL; returns the length.
 */
size_t fgs_identity_label(const fgs_identity_t *id, char *buf, size_t size);


#endif /* _FGS_IDENTITY_H_INCLUDED_ */

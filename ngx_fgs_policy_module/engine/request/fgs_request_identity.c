
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Who sent a governed request (docs/security.md, "Identities"): the one
 * credential FunctionGraph will verify, read as fgs_identity.h says, and
 * the policy's principals it belongs to.  A request with more than one
 * (an X-Auth-Token and an SDK signature, two tokens, two Authorization
 * headers) is ambiguous: the policy could decide for one caller while
 * FunctionGraph acts for the other, so it is refused, never forwarded.
 */


#include <string.h>

#include "fgs_request.h"


int
fgs_request_identity(const fgs_request_t *rq, fgs_identity_t *id,
    fgs_alloc_t *a)
{
    int  rc, ambiguous;

    ambiguous = (rq->auth_tokens > 1 || rq->authorizations > 1
                 || rq->security_tokens > 1
                 || (rq->auth_tokens && rq->aksk));

    if (rq->identity != NULL) {
        /* given whole: "fgs-policy eval --identity" */
        *id = *rq->identity;

    } else if (rq->aksk) {
        memset(id, 0, sizeof(fgs_identity_t));

        id->type = FGS_IDENTITY_AKSK;
        id->claims.access_key.data = rq->access_key.data;
        id->claims.access_key.len = rq->access_key.len;
        id->temporary = (rq->security_tokens > 0);

    } else if (rq->auth_tokens && rq->auth_token.data != NULL) {
        rc = fgs_identity_token(rq->auth_token.data, rq->auth_token.len,
                                rq->now, id, a);
        if (rc == FGS_ERROR
            || (rq->record_changes && fgs_identity_token_hash(id) != FGS_OK))
        {
            return FGS_ERROR;
        }

    } else {
        memset(id, 0, sizeof(fgs_identity_t));
    }

    id->principals = 0;

    if (rq->policy != NULL && !ambiguous) {
        id->principals = fgs_policy_principals(rq->policy, &id->claims);
    }

    return ambiguous ? FGS_DECLINED : FGS_OK;
}

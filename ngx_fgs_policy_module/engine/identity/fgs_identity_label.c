
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * An identity as one short label for access logs ($fgs_policy_identity,
 * docs/directives.md, "Variables"): a name a log line can hold without
 * quoting, never a credential.
 */


#include <string.h>

#include "fgs_identity.h"


static char *fgs_identity_put(char *p, char *end, const u_char *s,
    size_t len);


size_t
fgs_identity_label(const fgs_identity_t *id, char *buf, size_t size)
{
    char             *p, *end;
    const char       *kind;
    const fgs_str_t  *name;

    if (size == 0) {
        return 0;
    }

    p = buf;
    end = buf + size - 1;

    switch (id->type) {

    case FGS_IDENTITY_AKSK:
        p = fgs_identity_put(p, end, (const u_char *) "ak:", 3);
        p = fgs_identity_put(p, end, id->claims.access_key.data,
                             id->claims.access_key.len);
        break;

    case FGS_IDENTITY_TOKEN:

        if (!id->decoded || id->claims.user_name.len == 0) {
            p = fgs_identity_put(p, end, (const u_char *) "token:", 6);
            p = fgs_identity_put(p, end, (const u_char *) id->token_sha256,
                                 strlen(id->token_sha256));
            break;
        }

        /* an agency's user name is already "DOMAIN/AGENCY" */

        kind = id->claims.agency.len ? "agency:" : "user:";
        name = &id->claims.user_name;

        p = fgs_identity_put(p, end, (const u_char *) kind, strlen(kind));

        if (id->claims.agency.len == 0 && id->claims.domain_name.len) {
            p = fgs_identity_put(p, end, id->claims.domain_name.data,
                                 id->claims.domain_name.len);
            p = fgs_identity_put(p, end, (const u_char *) "/", 1);
        }

        p = fgs_identity_put(p, end, name->data, name->len);
        break;

    default:
        p = fgs_identity_put(p, end, (const u_char *) "none", 4);
        break;
    }

    *p = '\0';

    return p - buf;
}


static char *
fgs_identity_put(char *p, char *end, const u_char *s, size_t len)
{
    size_t  i;

    if (len > FGS_IDENTITY_MAX_NAME) {
        len = FGS_IDENTITY_MAX_NAME;
    }

    for (i = 0; i < len && p < end; i++) {
        *p++ = ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
                || (s[i] >= '0' && s[i] <= '9')
                || (s[i] != '\0' && strchr("-_.@/:", s[i]) != NULL))
               ? (char) s[i] : '?';
    }

    return p;
}

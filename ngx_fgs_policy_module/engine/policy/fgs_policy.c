
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * A compiled policy as its users see it: what it holds, what its
 * operator should be told about it, and its release.  The load
 * (load/fgs_policy_load.c) builds it; nothing here reads the file.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fgs_policy_int.h"


void
fgs_policy_free(fgs_policy_t *policy)
{
    if (policy == NULL) {
        return;
    }

    fgs_regex_free_all(policy);

    if (policy->mctx != NULL) {
        pcre2_match_context_free(policy->mctx);
    }

    if (policy->jit_stack != NULL) {
        pcre2_jit_stack_free(policy->jit_stack);
    }

    fgs_arena_reset(&policy->arena);
    free(policy);
}


const char *
fgs_policy_sha256(const fgs_policy_t *policy)
{
    return policy->sha256;
}


fgs_mode_e
fgs_policy_mode(const fgs_policy_t *policy)
{
    return policy->mode;
}


fgs_other_writes_e
fgs_policy_other_writes(const fgs_policy_t *policy)
{
    return policy->other_writes;
}


int
fgs_policy_unknown_audit(const fgs_policy_t *policy)
{
    return policy->unknown_audit;
}


uint32_t
fgs_policy_nrules(const fgs_policy_t *policy)
{
    return policy->nrules;
}


uint32_t
fgs_policy_nexceptions(const fgs_policy_t *policy)
{
    return policy->nexceptions;
}


const char *
fgs_policy_exception(const fgs_policy_t *policy, uint32_t i,
    time_t *expires)
{
    if (i >= policy->nexceptions) {
        return NULL;
    }

    if (expires != NULL) {
        *expires = policy->exceptions[i].expires;
    }

    return policy->exceptions[i].id;
}


const char *
fgs_policy_waiver(const fgs_policy_t *policy, uint32_t i, uint32_t j,
    const char **rule, time_t *expires)
{
    const fgs_exception_t  *e;

    if (i >= policy->nrules || j >= policy->rules[i].nexceptions) {
        return NULL;
    }

    e = policy->rules[i].exceptions[j];

    *rule = policy->rules[i].id;
    *expires = e->expires;

    return e->id;
}


time_t
fgs_policy_warn_window(const fgs_policy_t *policy)
{
    return policy->warn_window;
}


uint32_t
fgs_policy_warnings(const fgs_policy_t *policy, time_t now,
    fgs_policy_warn_pt warn, void *data)
{
    char                    when[32], msg[256];
    time_t                  left;
    uint32_t                i, n;
    const fgs_exception_t  *exc;

    n = 0;

    for (i = 0; i < policy->nexceptions; i++) {
        exc = &policy->exceptions[i];
        fgs_policy_format_time(exc->expires, when, sizeof(when));

        if (exc->expires <= now) {
            snprintf(msg, sizeof(msg), "exception %s expired at %s: it "
                     "waives nothing; renew its \"expires\" or remove it",
                     exc->id, when);

        } else if (exc->expires - now <= policy->warn_window) {
            left = (exc->expires - now + 86399) / 86400;

            snprintf(msg, sizeof(msg), "exception %s expires at %s, in %ld "
                     "day%s (expiry_warning_days: %ld)", exc->id, when,
                     (long) left, (left == 1) ? "" : "s",
                     (long) (policy->warn_window / 86400));

        } else {
            continue;
        }

        n++;

        if (warn != NULL) {
            warn(data, exc->id, msg);
        }
    }

    return n;
}


const char *
fgs_policy_decision_name(fgs_decision_e decision)
{
    static const char  *names[] = {
        "allow", "rewrite", "audit", "deny", "error"
    };

    if ((unsigned) decision >= sizeof(names) / sizeof(names[0])) {
        return "error";
    }

    return names[decision];
}


/*
 * The principals that name the caller (docs/policy-language.md,
 * "Principals"): a name or id compared byte for byte with each list.
 * At most 64 principals of a few entries each, once per request.
 */

uint64_t
fgs_policy_principals(const fgs_policy_t *policy, const fgs_claims_t *claims)
{
    uint32_t                i, k, j, nwant;
    uint64_t                mask;
    const fgs_str_t        *want[2], *v;
    const fgs_principal_t  *p;

    mask = 0;

    for (i = 0; i < policy->nprincipals; i++) {
        p = &policy->principals[i];

        for (k = 0; k < FGS_PRINCIPAL_KINDS; k++) {

            switch (k) {

            case FGS_PRINCIPAL_ACCESS_KEYS:
                want[0] = &claims->access_key;
                nwant = 1;
                break;

            case FGS_PRINCIPAL_USERS:
                want[0] = &claims->user_name;
                nwant = 1;
                break;

            case FGS_PRINCIPAL_USER_IDS:
                want[0] = &claims->user_id;
                nwant = 1;
                break;

            case FGS_PRINCIPAL_DOMAINS:
                want[0] = &claims->domain_id;
                want[1] = &claims->domain_name;
                nwant = 2;
                break;

            default: /* FGS_PRINCIPAL_AGENCIES */
                want[0] = &claims->agency;
                nwant = 1;
                break;
            }

            for (j = 0; j < p->n[k]; j++) {
                v = &p->values[k][j];

                if ((want[0]->len && want[0]->len == v->len
                     && memcmp(want[0]->data, v->data, v->len) == 0)
                    || (nwant == 2 && want[1]->len
                        && want[1]->len == v->len
                        && memcmp(want[1]->data, v->data, v->len) == 0))
                {
                    mask |= (uint64_t) 1 << i;
                    goto next;
                }
            }
        }

    next:

        continue;
    }

    return mask;
}


const char *
fgs_policy_principal_name(const fgs_policy_t *policy, uint32_t i)
{
    return i < policy->nprincipals ? policy->principals[i].name : NULL;
}

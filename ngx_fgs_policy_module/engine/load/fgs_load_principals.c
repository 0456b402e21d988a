
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * A policy's "principals" (docs/policy-language.md, "Principals"): named
 * groups of callers, each a set of lists of the identities that belong
 * to it, and the "principal" and "not_principal" of a match, which name
 * them.  A match that names a principal the file does not define fails
 * the load: a typo must not scope a rule to nobody.
 */


#include <stdio.h>
#include <string.h>

#include "fgs_load_int.h"


static int fgs_load_principal(fgs_load_t *ld, fgs_principal_t *p,
    const char *name, json_t *obj);


static const char  *fgs_principal_kinds[] = {
    "access_keys", "users", "user_ids", "domains", "agencies"
};


int
fgs_load_principals(fgs_load_t *ld, json_t *obj)
{
    size_t         i;
    json_t        *v;
    const char    *name;
    fgs_policy_t  *policy;

    policy = ld->policy;

    if (!json_is_object(obj)) {
        return fgs_load_fail(ld, "principals", "must be an object of name "
                             "-> {\"access_keys\": [...], \"users\": [...], "
                             "\"user_ids\": [...], \"domains\": [...], "
                             "\"agencies\": [...]}");
    }

    if (json_object_size(obj) > FGS_POLICY_MAX_PRINCIPALS) {
        return fgs_load_fail(ld, "principals", "at most %d principals",
                             FGS_POLICY_MAX_PRINCIPALS);
    }

    policy->nprincipals = (uint32_t) json_object_size(obj);
    policy->principals = ld->a->alloc(ld->a->data, (policy->nprincipals + 1)
                                                   * sizeof(fgs_principal_t));
    if (policy->principals == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    memset(policy->principals, 0,
           (policy->nprincipals + 1) * sizeof(fgs_principal_t));

    i = 0;

    json_object_foreach(obj, name, v) {
        if (fgs_load_principal(ld, &policy->principals[i++], name, v)
            != FGS_OK)
        {
            return FGS_DECLINED;
        }
    }

    return FGS_OK;
}


static int
fgs_load_principal(fgs_load_t *ld, fgs_principal_t *p, const char *name,
    json_t *obj)
{
    char         field[128];
    size_t       i, k;
    json_t      *list, *v;
    const char  *key, *s;

    snprintf(field, sizeof(field), "principals.%.64s", name);

    if (!fgs_load_id_ok(name, strlen(name))) {
        return fgs_load_fail(ld, field, "a principal's name is 1 to 64 "
                             "letters, digits, \"_\", \".\" or \"-\"");
    }

    p->name = fgs_strdup(ld->a, name, strlen(name));
    if (p->name == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    if (!json_is_object(obj) || json_object_size(obj) == 0) {
        return fgs_load_fail(ld, field, "must be an object with "
                             "access_keys, users, user_ids, domains or "
                             "agencies, each a list of names or ids");
    }

    json_object_foreach(obj, key, list) {

        for (k = 0; k < FGS_PRINCIPAL_KINDS; k++) {
            if (strcmp(key, fgs_principal_kinds[k]) == 0) {
                break;
            }
        }

        snprintf(field, sizeof(field), "principals.%.64s.%.16s", name, key);

        if (k == FGS_PRINCIPAL_KINDS) {
            return fgs_load_fail(ld, field, "unknown key \"%.32s\"; a "
                                 "principal has access_keys, users, "
                                 "user_ids, domains and agencies", key);
        }

        if (!json_is_array(list) || json_array_size(list) == 0) {
            return fgs_load_fail(ld, field, "must be a non-empty list of "
                                 "strings");
        }

        p->n[k] = (uint32_t) json_array_size(list);
        p->values[k] = ld->a->alloc(ld->a->data, p->n[k] * sizeof(fgs_str_t));
        if (p->values[k] == NULL) {
            return fgs_load_fail(ld, NULL, "out of memory");
        }

        json_array_foreach(list, i, v) {
            s = json_string_value(v);

            if (s == NULL || json_string_length(v) == 0
                || json_string_length(v) > 128)
            {
                return fgs_load_fail(ld, field, "must be a list of "
                                     "strings of 1 to 128 bytes");
            }

            p->values[k][i].data = (u_char *) fgs_strdup(ld->a, s,
                                                 json_string_length(v));
            p->values[k][i].len = json_string_length(v);

            if (p->values[k][i].data == NULL) {
                return fgs_load_fail(ld, NULL, "out of memory");
            }
        }
    }

    return FGS_OK;
}


/* "principal": ["ci"], "not_principal": [...]: a mask of the principals */

int
fgs_load_principal_names(fgs_load_t *ld, json_t *v, const char *field,
    uint64_t *mask)
{
    size_t         i;
    json_t        *name;
    uint32_t       j;
    const char    *s;
    fgs_policy_t  *policy;

    policy = ld->policy;

    if (!json_is_array(v) || json_array_size(v) == 0) {
        return fgs_load_fail(ld, field, "must be a non-empty list of the "
                             "names of principals");
    }

    *mask = 0;

    json_array_foreach(v, i, name) {
        s = json_string_value(name);

        if (s == NULL) {
            return fgs_load_fail(ld, field, "must be a list of the names of "
                                 "principals");
        }

        for (j = 0; j < policy->nprincipals; j++) {
            if (strcmp(policy->principals[j].name, s) == 0) {
                break;
            }
        }

        if (j == policy->nprincipals) {
            return fgs_load_fail(ld, field, "no principal is named "
                                 "\"%.64s\"; define it in the policy's "
                                 "\"principals\"", s);
        }

        *mask |= (uint64_t) 1 << j;
    }

    return FGS_OK;
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The paths of a policy, at load time: each parsed into its keys and
 * "[*]"s, marked secret when it names a field whose value is never
 * echoed, and its first key numbered among the policy's root keys, which
 * evaluation finds in one pass over a body (policy/fgs_policy_path.c).
 */


#include <string.h>

#include "fgs_load_int.h"


static int fgs_load_path_parse(fgs_path_t *path, const char *text,
    size_t len, fgs_alloc_t *a, const char **error);
static int fgs_load_path_secret(const fgs_path_t *path);
static void fgs_load_root_keys_of(fgs_policy_t *policy, fgs_check_t *checks,
    uint32_t n);
static void fgs_load_root_key(fgs_policy_t *policy, fgs_path_t *path);
static uint32_t fgs_load_root_intern(fgs_policy_t *policy, const char *key,
    uint32_t key_len);


/*
 * fields whose values are never echoed (docs/security.md, "Redaction of
 * secrets in logs")
 */
static const char  *fgs_secret_paths[][3] = {
    { "user_data", NULL, NULL },
    { "encrypted_user_data", NULL, NULL },
    { "func_code", "file", NULL }
};


/*
 * A path of a check or a mutation, parsed once; a mutation names one
 * field, so only checks may have "[*]" (wildcard_ok).
 */

int
fgs_load_path(fgs_load_t *ld, fgs_path_t *path, const char *text,
    const char *field, int wildcard_ok)
{
    int          rc;
    const char  *error;

    rc = fgs_load_path_parse(path, text, strlen(text), ld->a, &error);

    if (rc == FGS_ERROR) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    if (rc != FGS_OK) {
        return fgs_load_fail(ld, field, "bad path \"%.100s\": %s", text,
                             error);
    }

    if (path->wildcard && !wildcard_ok) {
        return fgs_load_fail(ld, field, "bad path \"%.100s\": a mutation "
                             "names one field; \"[*]\" is for checks", text);
    }

    return FGS_OK;
}


static int
fgs_load_path_parse(fgs_path_t *path, const char *text, size_t len,
    fgs_alloc_t *a, const char **error)
{
    char            *copy;
    size_t           i, start;
    uint32_t         n;
    fgs_path_seg_t   segs[FGS_POLICY_MAX_SEGS];

    n = 0;
    i = 0;
    path->wildcard = 0;

    if (len == 0) {
        *error = "empty path";
        return FGS_DECLINED;
    }

    copy = fgs_strdup(a, text, len);
    if (copy == NULL) {
        return FGS_ERROR;
    }

    for ( ;; ) {

        /* a key */

        start = i;

        while (i < len
               && ((copy[i] >= 'a' && copy[i] <= 'z')
                   || (copy[i] >= 'A' && copy[i] <= 'Z')
                   || (copy[i] >= '0' && copy[i] <= '9')
                   || copy[i] == '_' || copy[i] == '-'))
        {
            i++;
        }

        if (i == start) {
            *error = "a path is keys of letters, digits, \"_\" and \"-\" "
                     "joined by \".\", each optionally followed by \"[*]\"";
            return FGS_DECLINED;
        }

        if (i - start > FGS_POLICY_MAX_KEY) {
            *error = "a key of a path is longer than 64 bytes";
            return FGS_DECLINED;
        }

        if (n == FGS_POLICY_MAX_SEGS) {
            *error = "a path has more than 16 parts";
            return FGS_DECLINED;
        }

        segs[n].key = copy + start;
        segs[n].key_len = (uint32_t) (i - start);
        n++;

        /* "[*]" for every element, possibly nested */

        while (i < len && copy[i] == '[') {
            if (len - i < 3 || copy[i + 1] != '*' || copy[i + 2] != ']') {
                *error = "only \"[*]\" (every element) may follow a key";
                return FGS_DECLINED;
            }

            if (n == FGS_POLICY_MAX_SEGS) {
                *error = "a path has more than 16 parts";
                return FGS_DECLINED;
            }

            segs[n].key = NULL;
            segs[n].key_len = 0;
            n++;
            path->wildcard = 1;
            i += 3;
        }

        if (i == len) {
            break;
        }

        if (copy[i] != '.') {
            *error = "a path is keys of letters, digits, \"_\" and \"-\" "
                     "joined by \".\", each optionally followed by \"[*]\"";
            return FGS_DECLINED;
        }

        i++;
    }

    /* the keys are NUL-terminated in place: '.' and '[' become NUL */
    path->text = fgs_strdup(a, text, len);
    path->segs = a->alloc(a->data, n * sizeof(fgs_path_seg_t));

    if (path->text == NULL || path->segs == NULL) {
        return FGS_ERROR;
    }

    for (i = 0; i < len; i++) {
        if (copy[i] == '.' || copy[i] == '[') {
            copy[i] = '\0';
        }
    }

    memcpy(path->segs, segs, n * sizeof(fgs_path_seg_t));
    path->nsegs = n;
    path->root_key = 0;
    path->secret = fgs_load_path_secret(path);

    return FGS_OK;
}


static int
fgs_load_path_secret(const fgs_path_t *path)
{
    size_t       i, k;
    uint32_t     s;
    const char  *key;

    for (i = 0; i < sizeof(fgs_secret_paths) / sizeof(fgs_secret_paths[0]);
         i++)
    {
        k = 0;

        for (s = 0; s < path->nsegs; s++) {
            if (path->segs[s].key == NULL) {
                continue;
            }

            key = fgs_secret_paths[i][k];

            if (k == 3 || key == NULL
                || strlen(key) != path->segs[s].key_len
                || memcmp(key, path->segs[s].key, path->segs[s].key_len)
                   != 0)
            {
                break;
            }

            k++;
        }

        if (s == path->nsegs && (k == 3 || fgs_secret_paths[i][k] == NULL))
        {
            return 1;
        }
    }

    return 0;
}


/*
 * The top-level keys of every path of checks and mutations
 * (and those of a create's match) are numbered, so that a request's body
 * is searched for all of them in one pass over its root's members.  A
 * policy with more distinct keys than FGS_POLICY_ROOT_KEYS searches for
 * the rest member by member.
 */

void
fgs_load_root_keys(fgs_policy_t *policy)
{
    uint32_t     i, j;
    fgs_rule_t  *rule;

    policy->nroot_keys = 0;
    memset(policy->root_hash, 0, sizeof(policy->root_hash));

    /* FGS_ROOT_KEY_FUNC_NAME, FGS_ROOT_KEY_PACKAGE */
    (void) fgs_load_root_intern(policy, "func_name", sizeof("func_name") - 1);
    (void) fgs_load_root_intern(policy, "package", sizeof("package") - 1);

    for (i = 0; i < policy->nrules; i++) {
        rule = &policy->rules[i];

        fgs_load_root_keys_of(policy, rule->when, rule->nwhen);
        fgs_load_root_keys_of(policy, rule->checks, rule->nchecks);

        for (j = 0; j < rule->nmuts; j++) {
            fgs_load_root_key(policy, &rule->muts[j].path);
        }
    }
}


static void
fgs_load_root_keys_of(fgs_policy_t *policy, fgs_check_t *checks,
    uint32_t n)
{
    uint32_t  i;

    for (i = 0; i < n; i++) {
        fgs_load_root_key(policy, &checks[i].path);
    }
}


static void
fgs_load_root_key(fgs_policy_t *policy, fgs_path_t *path)
{
    path->root_key = (path->nsegs > 0 && path->segs[0].key != NULL)
                     ? fgs_load_root_intern(policy, path->segs[0].key,
                                            path->segs[0].key_len)
                     : 0;
}


/* 1 + the index of key among the root keys, 0 when they are full */

static uint32_t
fgs_load_root_intern(fgs_policy_t *policy, const char *key, uint32_t key_len)
{
    uint32_t         h, k;
    fgs_root_key_t  *rk;

    k = fgs_path_find(policy, key, key_len);

    if (k != 0) {
        return k;
    }

    h = fgs_path_hash(key, key_len);

    if (policy->nroot_keys == FGS_POLICY_ROOT_KEYS) {
        return 0;
    }

    rk = &policy->root_keys[policy->nroot_keys++];
    rk->key = key;
    rk->key_len = key_len;
    rk->next = policy->root_hash[h];
    policy->root_hash[h] = policy->nroot_keys;

    return policy->nroot_keys;
}

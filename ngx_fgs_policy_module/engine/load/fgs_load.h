
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Loading the organisation's policy (docs/policy-language.md): the file
 * read once, hashed, parsed by jansson, every key held to the policy
 * language and every path and check to the FunctionGraph API reference,
 * and compiled into what evaluation reads (policy/fgs_policy.h).  Runs
 * at configuration time (nginx -t, start, reload) and in the CLI, never
 * on the request path.
 */


#ifndef _FGS_LOAD_H_INCLUDED_
#define _FGS_LOAD_H_INCLUDED_


#include "policy/fgs_policy.h"


/* why a policy did not load: every string is malloc()ed, see below */
typedef struct {
    char           *file;
    char           *rule;       /* rule or exception id, or NULL */
    char           *field;      /* the offending key, or NULL */
    char           *message;
} fgs_policy_error_t;


/*
 * Loads and compiles the policy file.  Returns NULL with err filled when
 * it does not load (bad JSON, unknown key, bad regex, duplicate id,
 * unknown check, ...).  The policy is malloc()ed; fgs_policy_free()
 * releases it; fgs_policy_error_free() releases err's strings.
 */
fgs_policy_t *fgs_policy_load(const char *path, fgs_policy_error_t *err);
void fgs_policy_error_free(fgs_policy_error_t *err);

/*
 * For the unit tests of the rewrite and path mechanics, which use fields
 * of any shape: the same load, but neither a mutation nor a check is
 * held to the API reference.  The gateway and the CLI never load a
 * policy this way.
 */
fgs_policy_t *fgs_policy_load_any_shape(const char *path,
    fgs_policy_error_t *err);


#endif /* _FGS_LOAD_H_INCLUDED_ */

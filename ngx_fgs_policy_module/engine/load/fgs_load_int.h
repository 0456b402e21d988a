
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What the files of the load share: the state of loading one policy
 * file, and the functions each offers the others.  Private to load/: the
 * stages above include fgs_load.h only.  The load builds the compiled
 * policy that evaluation reads, so it reads the policy stage's own types
 * and uses its helpers (policy/fgs_policy_int.h); evaluation never calls
 * into the load.
 *
 * Within load/, from the bottom: fgs_load_error.c; fgs_load_values.c,
 * fgs_load_paths.c, fgs_load_locate.c, fgs_load_schema_mutations.c,
 * fgs_load_schema_checks.c; fgs_load_checks.c, fgs_load_mutations.c;
 * fgs_load_rules.c; fgs_policy_load.c (and, for the unit tests only,
 * fgs_policy_load_any_shape.c).  Each calls only files below it.
 */


#ifndef _FGS_LOAD_INT_H_INCLUDED_
#define _FGS_LOAD_INT_H_INCLUDED_


#include <jansson.h>

#include "fgs_load.h"
#include "policy/fgs_policy_int.h"


/* the state of loading a policy file */

typedef struct {
    fgs_policy_t            *policy;
    fgs_alloc_t             *a;             /* the policy's arena */
    fgs_policy_error_t      *err;
    const char              *file;
    const char              *rule;          /* id, or "rules[3]" */
    char                     rule_buf[96];
    json_t                  *lists;         /* the file's named lists, or
                                               NULL */
    unsigned                 any_shape:1;   /* neither checks nor
                                               mutations held to the API
                                               reference */
} fgs_load_t;


/* fgs_policy_load.c */
fgs_policy_t *fgs_load_policy(const char *path, fgs_policy_error_t *err,
    unsigned any_shape);

/* fgs_load_error.c */
int fgs_load_fail(fgs_load_t *ld, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__ ((format (printf, 3, 4)))
#endif
    ;

/* fgs_load_values.c */
json_t *fgs_load_values(fgs_load_t *ld, json_t *v, const char *field);
int fgs_load_pattern(fgs_load_t *ld, json_t *v, const char *field,
    fgs_regex_t **re);
int fgs_load_list(fgs_load_t *ld, const char *field, json_t *v,
    fgs_scalar_t **list, uint32_t *n, const char **text);
int fgs_load_number(fgs_load_t *ld, const char *field, json_t *v,
    long double *num, const char **text);
int fgs_load_limit(fgs_load_t *ld, const char *field, json_t *v,
    uint64_t *limit);

/* fgs_load_paths.c */
int fgs_load_path(fgs_load_t *ld, fgs_path_t *path, const char *text,
    const char *field, int wildcard_ok);
void fgs_load_root_keys(fgs_policy_t *policy);

/* fgs_load_locate.c */
void fgs_load_locate(fgs_load_t *ld, const u_char *p, size_t len, size_t pos,
    char *field, size_t field_len);

/*
 * fgs_load_schema_mutations.c and fgs_load_schema_checks.c: a rule held
 * to the FunctionGraph API reference.
 *
 * fgs_load_schema_mutations() returns FGS_OK when no mutation of the
 * rule can turn a body that conforms to the API reference into one that
 * does not, for any operation the rule applies to; otherwise it fails
 * the load naming the rule, the mutation's path and why (FGS_DECLINED).
 *
 * fgs_load_schema_checks() returns FGS_OK when every path of the rule's
 * "check" and "when" names a field of the body of each operation the
 * rule is for, and each check can apply to the field's documented type;
 * otherwise it fails the load naming the rule, the path, and the fix
 * (the closest documented name of a misspelt one).
 */
int fgs_load_schema_mutations(fgs_load_t *ld, const fgs_rule_t *rule);
int fgs_load_schema_checks(fgs_load_t *ld, const fgs_rule_t *rule);

/* fgs_load_checks.c: a rule's "check" or "when" (what) */
int fgs_load_checks(fgs_load_t *ld, json_t *obj, const char *what,
    fgs_check_t **out, uint32_t *n);

/* fgs_load_mutations.c */
int fgs_load_mutations(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj);
int fgs_load_value_empty(fgs_load_t *ld);

/* fgs_load_rules.c */
int fgs_load_rules(fgs_load_t *ld, json_t *rules);

/* fgs_load_principals.c */
int fgs_load_principals(fgs_load_t *ld, json_t *obj);
int fgs_load_principal_names(fgs_load_t *ld, json_t *v, const char *field,
    uint64_t *mask);
int fgs_load_exceptions(fgs_load_t *ld, json_t *list);
int fgs_load_mode(fgs_load_t *ld, json_t *v, fgs_mode_e *mode);
int fgs_load_id_ok(const char *id, size_t len);


#endif /* _FGS_LOAD_INT_H_INCLUDED_ */

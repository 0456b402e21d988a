
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The load-time proof that a rule's mutations keep a body valid against
 * the FunctionGraph API reference (fgs_policy_load_schema.c).
 */


#ifndef _FGS_POLICY_LOAD_SCHEMA_H_INCLUDED_
#define _FGS_POLICY_LOAD_SCHEMA_H_INCLUDED_


#include "policy/fgs_policy_int.h"


/*
 * Returns FGS_OK when no mutation of the rule can turn a body that
 * conforms to the API reference into one that does not, for any
 * operation the rule applies to; otherwise fails the load naming the
 * rule, the mutation's path and why (FGS_DECLINED).
 */
int fgs_load_mutations_schema(fgs_load_t *ld, const fgs_rule_t *rule);

/*
 * Returns FGS_OK when every path of the rule's "check" and "when" names
 * a field of the body of each operation the rule is for, and each check
 * can apply to the field's documented type; otherwise fails the load
 * naming the rule, the path, and the fix (the closest documented name
 * of a misspelt one).
 */
int fgs_load_checks_schema(fgs_load_t *ld, const fgs_rule_t *rule);


#endif /* _FGS_POLICY_LOAD_SCHEMA_H_INCLUDED_ */

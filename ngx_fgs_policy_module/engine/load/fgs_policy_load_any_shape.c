
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs_policy_load_any_shape() (load/fgs_load.h): the load, but neither a
 * mutation nor a check held to the API reference (fgs_load_schema_*.c),
 * for the unit tests of the rewrite and path mechanics, which use fields
 * of any shape.  The gateway and the CLI never load a policy this way,
 * and the module does not link this file.
 */


#include "fgs_load_int.h"


fgs_policy_t *
fgs_policy_load_any_shape(const char *path, fgs_policy_error_t *err)
{
    return fgs_load_policy(path, err, 1);
}

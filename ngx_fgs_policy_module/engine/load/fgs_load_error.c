
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The first error of a load, as the operator reads it: the file, the rule
 * or exception, the field and one sentence (nginx -t, the error log,
 * fgs-policy check).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fgs_load_int.h"


static char *fgs_load_strdup(const char *s);

/*
 * Records the first error: file, rule (or exception) and field, each
 * malloc()ed for the caller (nginx prints them after the pool is gone).
 * Returns FGS_DECLINED for "return fgs_load_fail(...)".
 */

int
fgs_load_fail(fgs_load_t *ld, const char *field, const char *fmt, ...)
{
    int      n;
    char    *msg;
    va_list  args;

    if (ld->err->message != NULL) {
        return FGS_DECLINED;
    }

    va_start(args, fmt);
    n = vsnprintf(NULL, 0, fmt, args);
    va_end(args);

    msg = malloc(n > 0 ? (size_t) n + 1 : 1);

    if (msg != NULL) {
        va_start(args, fmt);
        vsnprintf(msg, (size_t) n + 1, fmt, args);
        va_end(args);
    }

    ld->err->message = msg ? msg : fgs_load_strdup("out of memory");
    ld->err->file = fgs_load_strdup(ld->file);
    ld->err->rule = ld->rule ? fgs_load_strdup(ld->rule) : NULL;
    ld->err->field = field ? fgs_load_strdup(field) : NULL;

    fgs_oneline(ld->err->message);
    fgs_oneline(ld->err->rule);
    fgs_oneline(ld->err->field);

    return FGS_DECLINED;
}


static char *
fgs_load_strdup(const char *s)
{
    char    *p;
    size_t   len;

    len = strlen(s);

    p = malloc(len + 1);
    if (p != NULL) {
        memcpy(p, s, len + 1);
    }

    return p;
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What every stage of the engine uses and that is no subject of its own:
 * the names of the operations, and strings made in an fgs_alloc_t.
 */


#include <stdio.h>
#include <string.h>


#include "fgs_common.h"


static const char *fgs_op_names[FGS_OP_COUNT] = {
    "none", "code", "config", "create", "import", "delete", "version",
    "alias", "trigger", "async_config", "max_instances",
    "reserved_instances", "tracing", "event", "tags", "dependency",
    "application", "workflow", "workflow_execution", "vpc_endpoint",
    "snapshot", "collect", "lts_log", "async_status_log", "cancel", "other"
};


const char *
fgs_op_name(fgs_op_e op)
{
    if ((unsigned) op >= FGS_OP_COUNT) {
        return "none";
    }

    return fgs_op_names[op];
}


fgs_op_e
fgs_op_by_name(const char *name, size_t len)
{
    uint32_t  op;

    for (op = FGS_OP_CODE; op < FGS_OP_COUNT; op++) {
        if (strlen(fgs_op_names[op]) == len
            && memcmp(fgs_op_names[op], name, len) == 0)
        {
            return (fgs_op_e) op;
        }
    }

    return FGS_OP_NONE;
}


char *
fgs_strdup(fgs_alloc_t *a, const char *s, size_t len)
{
    char  *p;

    p = a->alloc(a->data, len + 1);
    if (p == NULL) {
        return NULL;
    }

    memcpy(p, s, len);
    p[len] = '\0';

    return p;
}


char *
fgs_sprintf(fgs_alloc_t *a, const char *fmt, ...)
{
    char     *p;
    va_list   args;

    va_start(args, fmt);
    p = fgs_vsprintf(a, fmt, args);
    va_end(args);

    return p;
}


char *
fgs_vsprintf(fgs_alloc_t *a, const char *fmt, va_list args)
{
    int       n;
    char     *p;
    va_list   copy;

    va_copy(copy, args);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);

    if (n < 0) {
        return NULL;
    }

    p = a->alloc(a->data, (size_t) n + 1);
    if (p == NULL) {
        return NULL;
    }

    vsnprintf(p, (size_t) n + 1, fmt, args);

    return p;
}


/*
 * The strings given, up to a NULL, joined into one: messages that are
 * only put together, without the cost of a printf.
 */

char *
fgs_strcat(fgs_alloc_t *a, ...)
{
    char        *s, *p;
    size_t       len;
    va_list      args;
    const char  *part;

    len = 0;

    va_start(args, a);

    while ((part = va_arg(args, const char *)) != NULL) {
        len += strlen(part);
    }

    va_end(args);

    s = a->alloc(a->data, len + 1);
    if (s == NULL) {
        return NULL;
    }

    p = s;

    va_start(args, a);

    while ((part = va_arg(args, const char *)) != NULL) {
        len = strlen(part);
        memcpy(p, part, len);
        p += len;
    }

    va_end(args);

    *p = '\0';

    return s;
}


/*
 * Errors and violations are printed on one line (nginx -t, the error
 * log, fgs-policy check and eval), but they may quote the policy file:
 * jansson's text quotes the token it stopped at ("near '<0x01>'"), a key
 * cut by a raw newline is a field, a pattern may hold "\n".  Control
 * bytes become '?'.  Here, in core, because both the load (its errors)
 * and evaluation (its violations) need it.
 */

void
fgs_oneline(char *s)
{
    u_char  *p;

    if (s == NULL) {
        return;
    }

    for (p = (u_char *) s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            *p = '?';
        }
    }
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The body of every error the gateway returns (DESIGN section 7):
 *
 *   {"error_code":"FGSPOL.4030","error_msg":"...","request_id":"...",
 *    "violations":[{"rule":"...","field":"...","message":"..."}]}
 *
 * Shared by the nginx module and the CLI.  Every string is JSON-escaped,
 * so nothing a request carries can break out of its string or start a
 * new line.  "violations" is always present (empty when there are
 * none); "rule" is null for a violation of the API reference, which no
 * policy rule raised.
 */


#ifndef _FGS_ERROR_H_INCLUDED_
#define _FGS_ERROR_H_INCLUDED_


#include "fgs_common.h"


typedef struct {
    const char              *error_code;    /* "FGSPOL.4030" */
    const char              *error_msg;     /* one sentence */
    fgs_str_t                request_id;
    const fgs_violation_t   *violations;    /* a list, or NULL */
} fgs_error_t;


/* the exact size of the body fgs_error_write() writes */
size_t fgs_error_len(const fgs_error_t *e);

/* writes the body (one line, ending with '\n'); returns its end */
u_char *fgs_error_write(u_char *dst, const fgs_error_t *e);


#endif /* _FGS_ERROR_H_INCLUDED_ */


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * A body with an evaluation's edits applied, into one buffer: for the CLI
 * and the tests, which show or scan the forwarded body.  The module
 * streams the edits over the body's own buffers instead
 * (ngx_http_fgs_policy_body.c), so this file is not linked into it.
 */


#include <string.h>

#include "fgs_policy.h"


size_t
fgs_edits_apply(const u_char *body, size_t len, const fgs_edit_t *edits,
    uint32_t nedits, u_char *out)
{
    size_t    pos, n;
    uint32_t  i;

    pos = 0;
    n = 0;

    for (i = 0; i < nedits; i++) {
        memcpy(out + n, body + pos, edits[i].off - pos);
        n += edits[i].off - pos;

        if (edits[i].data_len) {
            memcpy(out + n, edits[i].data, edits[i].data_len);
            n += edits[i].data_len;
        }

        pos = edits[i].off + edits[i].len;
    }

    memcpy(out + n, body + pos, len - pos);

    return n + len - pos;
}

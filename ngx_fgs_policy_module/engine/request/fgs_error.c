
/*
 * Copyright (C) ngx_fgs_policy_module authors
 */


#include <string.h>

#include "fgs_error.h"
#include "json/fgs_json.h"


static size_t fgs_error_run(u_char *dst, const fgs_error_t *e);
static size_t fgs_error_literal(u_char *dst, const char *s, size_t len);
static size_t fgs_error_string(u_char *dst, const u_char *s, size_t len);


#define fgs_error_lit(dst, s)  fgs_error_literal(dst, s, sizeof(s) - 1)


size_t
fgs_error_len(const fgs_error_t *e)
{
    return fgs_error_run(NULL, e);
}


u_char *
fgs_error_write(u_char *dst, const fgs_error_t *e)
{
    return dst + fgs_error_run(dst, e);
}


/*
 * One walk for both: it counts when dst is NULL, so that the length and
 * the body can never disagree.
 */

static size_t
fgs_error_run(u_char *dst, const fgs_error_t *e)
{
    size_t                  n;
    const char             *s;
    const fgs_violation_t  *v;

#define fgs_error_at()  (dst ? dst + n : NULL)

    n = fgs_error_lit(dst, "{\"error_code\":");

    s = e->error_code ? e->error_code : "FGSPOL.5000";
    n += fgs_error_string(fgs_error_at(), (const u_char *) s, strlen(s));

    n += fgs_error_lit(fgs_error_at(), ",\"error_msg\":");

    s = e->error_msg ? e->error_msg : "";
    n += fgs_error_string(fgs_error_at(), (const u_char *) s, strlen(s));

    n += fgs_error_lit(fgs_error_at(), ",\"request_id\":");
    n += fgs_error_string(fgs_error_at(), e->request_id.data,
                          e->request_id.len);

    n += fgs_error_lit(fgs_error_at(), ",\"violations\":[");

    for (v = e->violations; v; v = v->next) {

        n += fgs_error_lit(fgs_error_at(), "{\"rule\":");

        if (v->rule) {
            n += fgs_error_string(fgs_error_at(), (const u_char *) v->rule,
                                  strlen(v->rule));

        } else {
            n += fgs_error_lit(fgs_error_at(), "null");
        }

        n += fgs_error_lit(fgs_error_at(), ",\"field\":");

        s = v->field ? v->field : "";
        n += fgs_error_string(fgs_error_at(), (const u_char *) s, strlen(s));

        n += fgs_error_lit(fgs_error_at(), ",\"message\":");

        s = v->message ? v->message : "";
        n += fgs_error_string(fgs_error_at(), (const u_char *) s, strlen(s));

        n += v->next ? fgs_error_lit(fgs_error_at(), "},")
                     : fgs_error_lit(fgs_error_at(), "}");
    }

    n += fgs_error_lit(fgs_error_at(), "]}\n");

#undef fgs_error_at

    return n;
}


static size_t
fgs_error_literal(u_char *dst, const char *s, size_t len)
{
    if (dst) {
        memcpy(dst, s, len);
    }

    return len;
}


/* a JSON string with its quotes */

static size_t
fgs_error_string(u_char *dst, const u_char *s, size_t len)
{
    size_t  n;

    if (dst == NULL) {
        return fgs_json_escape_len(s, len) + 2;
    }

    *dst = '"';
    n = fgs_json_escape(dst + 1, s, len) - dst;
    dst[n] = '"';

    return n + 1;
}


char *
fgs_error_scan_msg(fgs_alloc_t *a, const fgs_json_doc_t *doc)
{
    return fgs_sprintf(a, "the body is not one strict JSON object: %s "
                       "(at byte %zu)", doc->error ? doc->error : "refused",
                       doc->error_off);
}


/*
 * "the body does not conform to the FunctionGraph API reference: <first
 * problem> (and N more violations, listed in violations)", "(and 1 more
 * violation, ...)" for one; the schema's messages begin with the field
 * they are about.
 */

char *
fgs_error_schema_msg(fgs_alloc_t *a, const fgs_violations_t *v)
{
    const char  *what;

    what = v->ambiguous ? "the body has a key that readers may take for a "
                          "documented field"
                        : "the body does not conform to the FunctionGraph "
                          "API reference";

    if (v->head == NULL) {
        return fgs_sprintf(a, "%s", what);
    }

    if (v->n + v->dropped <= 1) {
        return fgs_sprintf(a, "%s: %s", what, v->head->message);
    }

    if (v->dropped == 0) {
        return fgs_sprintf(a, "%s: %s (and %u more violation%s, listed in "
                           "violations)", what, v->head->message,
                           (unsigned) (v->n - 1), (v->n == 2) ? "" : "s");
    }

    /* FGS_VIOLATIONS_MAX listed, and how many more were found */

    return fgs_sprintf(a, "%s: %s (and %u more violations; violations "
                       "lists %u of them)", what, v->head->message,
                       (unsigned) (v->n + v->dropped - 1),
                       (unsigned) (v->n - 1));
}


const char *
fgs_error_schema_code(const fgs_violations_t *v)
{
    return v->ambiguous ? "FGSPOL.4000" : "FGSPOL.4001";
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Lists of violations (fgs_common.h): the scanner's caller, the schema
 * and the policy add to them; past FGS_VIOLATIONS_MAX a violation is only
 * counted, per rule, and summarised when the list is closed.
 */


#include <string.h>

#include "fgs_common.h"


static int fgs_violations_count(fgs_violations_t *v, fgs_alloc_t *a,
    const char *rule, uint32_t n);


void
fgs_violations_init(fgs_violations_t *v)
{
    v->head = NULL;
    v->tail = &v->head;
    v->n = 0;
    v->dropped = 0;
    v->more = NULL;
    v->ambiguous = 0;
    v->closed = 0;
}


int
fgs_violations_full(const fgs_violations_t *v)
{
    return v->n >= FGS_VIOLATIONS_MAX;
}


int
fgs_violation_add(fgs_violations_t *v, fgs_alloc_t *a, const char *rule,
    const char *field, const char *fmt, ...)
{
    va_list            args;
    fgs_violation_t   *vi;

    if (fgs_violations_full(v)) {
        return fgs_violations_count(v, a, rule, 1);
    }

    vi = a->alloc(a->data, sizeof(fgs_violation_t));
    if (vi == NULL) {
        return FGS_ERROR;
    }

    va_start(args, fmt);
    vi->message = fgs_vsprintf(a, fmt, args);
    va_end(args);

    if (vi->message == NULL) {
        return FGS_ERROR;
    }

    vi->rule = rule;
    vi->field = field ? field : "";
    vi->next = NULL;
    vi->more = 0;

    *v->tail = vi;
    v->tail = &vi->next;
    v->n++;

    return FGS_OK;
}


/*
 * n more of rule, not listed.  A rule's violations come one after the
 * other, so the most recent summary is nearly always the one; the list
 * holds one per rule (a policy's rules bound it).
 */

static int
fgs_violations_count(fgs_violations_t *v, fgs_alloc_t *a, const char *rule,
    uint32_t n)
{
    fgs_violation_t  *m;

    v->dropped += n;

    for (m = v->more; m; m = m->next) {
        if (m->rule == rule
            || (m->rule && rule && strcmp(m->rule, rule) == 0))
        {
            m->more += n;
            return FGS_OK;
        }
    }

    m = a->alloc(a->data, sizeof(fgs_violation_t));
    if (m == NULL) {
        return FGS_ERROR;
    }

    m->rule = rule;
    m->field = "";
    m->message = NULL;
    m->more = n;
    m->next = v->more;
    v->more = m;

    return FGS_OK;
}


int
fgs_violations_append(fgs_violations_t *dst, fgs_violations_t *src,
    fgs_alloc_t *a)
{
    fgs_violation_t  *vi, *next;

    for (vi = src->head; vi; vi = next) {
        next = vi->next;

        if (fgs_violations_full(dst)) {
            if (fgs_violations_count(dst, a, vi->rule, 1) != FGS_OK) {
                return FGS_ERROR;
            }

            continue;
        }

        vi->next = NULL;
        *dst->tail = vi;
        dst->tail = &vi->next;
        dst->n++;
    }

    for (vi = src->more; vi; vi = vi->next) {
        if (fgs_violations_count(dst, a, vi->rule, vi->more) != FGS_OK) {
            return FGS_ERROR;
        }
    }

    fgs_violations_init(src);

    return FGS_OK;
}


int
fgs_violations_trim(fgs_violations_t *v, uint32_t keep, fgs_alloc_t *a)
{
    uint32_t          i;
    fgs_violation_t  *vi, **link;

    link = &v->head;

    for (i = 0; i < keep && *link; i++) {
        link = &(*link)->next;
    }

    for (vi = *link; vi; vi = vi->next) {
        if (fgs_violations_count(v, a, vi->rule, 1) != FGS_OK) {
            return FGS_ERROR;
        }

        v->n--;
    }

    *link = NULL;
    v->tail = link;

    return FGS_OK;
}


int
fgs_violations_copy(fgs_violations_t *v, fgs_alloc_t *a)
{
    fgs_violation_t   *vi, *c, **tail;

    tail = &v->head;

    for (vi = v->head; vi; vi = vi->next) {
        c = a->alloc(a->data, sizeof(fgs_violation_t));
        if (c == NULL) {
            return FGS_ERROR;
        }

        *c = *vi;

        c->field = fgs_strdup(a, vi->field, strlen(vi->field));
        c->message = fgs_strdup(a, vi->message, strlen(vi->message));

        if (c->field == NULL || c->message == NULL) {
            return FGS_ERROR;
        }

        /* a rule id is the policy's, which outlives every request */

        *tail = c;
        tail = &c->next;
    }

    *tail = NULL;
    v->tail = tail;

    /* summaries to come would be in the old memory: close first */
    v->more = NULL;

    return FGS_OK;
}


int
fgs_violations_close(fgs_violations_t *v, fgs_alloc_t *a, const char *what)
{
    fgs_violation_t  *m, *next, *rev;

    if (v->closed) {
        return FGS_OK;
    }

    v->closed = 1;

    /* in the order the rules were first counted */

    rev = NULL;

    for (m = v->more; m; m = next) {
        next = m->next;
        m->next = rev;
        rev = m;
    }

    v->more = NULL;

    for (m = rev; m; m = next) {
        next = m->next;

        if (m->rule) {
            m->message = fgs_sprintf(a, "%u more violation%s of rule %s "
                                     "%s found and not listed; fix the "
                                     "ones above first", m->more,
                                     m->more == 1 ? "" : "s", m->rule,
                                     m->more == 1 ? "was" : "were");

        } else {
            m->message = fgs_sprintf(a, "%u more violation%s of %s %s "
                                     "found and not listed; fix the ones "
                                     "above first", m->more,
                                     m->more == 1 ? "" : "s", what,
                                     m->more == 1 ? "was" : "were");
        }

        if (m->message == NULL) {
            return FGS_ERROR;
        }

        m->next = NULL;
        *v->tail = m;
        v->tail = &m->next;
    }

    return FGS_OK;
}

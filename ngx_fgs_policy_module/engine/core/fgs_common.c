
/*
 * Copyright (C) ngx_fgs_policy_module authors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fgs_common.h"


#define FGS_ARENA_BLOCK_SIZE  (64 * 1024)
#define FGS_ALIGN             16


struct fgs_arena_block_s {
    fgs_arena_block_t   *next;
    size_t               size;
    size_t               used;
    /* the block's memory follows, aligned */
};


static void *fgs_arena_alloc(void *data, size_t size);
static void fgs_arena_free(void *data, void *p);
static int fgs_violations_count(fgs_violations_t *v, fgs_alloc_t *a,
    const char *rule, uint32_t n);


static const char *fgs_op_names[] = {
    "none", "code", "config", "create", "other"
};


const char *
fgs_op_name(fgs_op_e op)
{
    if ((unsigned) op >= sizeof(fgs_op_names) / sizeof(fgs_op_names[0])) {
        return "none";
    }

    return fgs_op_names[op];
}


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


void
fgs_arena_init(fgs_arena_t *arena)
{
    arena->alloc.alloc = fgs_arena_alloc;
    arena->alloc.data = arena;
    arena->alloc.free = fgs_arena_free;
    arena->blocks = NULL;
}


void
fgs_arena_reset(fgs_arena_t *arena)
{
    fgs_arena_block_t  *b, *next;

    for (b = arena->blocks; b; b = next) {
        next = b->next;
        free(b);
    }

    arena->blocks = NULL;
}


static void *
fgs_arena_alloc(void *data, size_t size)
{
    size_t              hdr, bsize;
    fgs_arena_t        *arena = data;
    fgs_arena_block_t  *b;

    hdr = (sizeof(fgs_arena_block_t) + FGS_ALIGN - 1) & ~(FGS_ALIGN - 1);
    size = (size + FGS_ALIGN - 1) & ~(size_t) (FGS_ALIGN - 1);

    b = arena->blocks;

    if (b == NULL || b->size - b->used < size) {
        bsize = size > FGS_ARENA_BLOCK_SIZE ? size : FGS_ARENA_BLOCK_SIZE;

        b = malloc(hdr + bsize);
        if (b == NULL) {
            return NULL;
        }

        b->size = bsize;
        b->used = 0;
        b->next = arena->blocks;
        arena->blocks = b;
    }

    b->used += size;

    return (u_char *) b + hdr + b->used - size;
}


/*
 * An allocation larger than a block has a block of its own, which goes
 * at once; anything else stays until fgs_arena_reset().  So the unit
 * tests and the fuzzers, under the sanitizers, see the scanner give its
 * outgrown arrays back as the module does.
 */

static void
fgs_arena_free(void *data, void *p)
{
    size_t              hdr;
    fgs_arena_t        *arena = data;
    fgs_arena_block_t  *b, **link;

    hdr = (sizeof(fgs_arena_block_t) + FGS_ALIGN - 1) & ~(FGS_ALIGN - 1);

    for (link = &arena->blocks; *link; link = &(*link)->next) {
        b = *link;

        if ((u_char *) b + hdr == (u_char *) p
            && b->size > FGS_ARENA_BLOCK_SIZE)
        {
            *link = b->next;
            free(b);
            return;
        }
    }
}

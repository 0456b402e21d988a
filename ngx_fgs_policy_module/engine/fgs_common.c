
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
    v->ambiguous = 0;
}


int
fgs_violation_add(fgs_violations_t *v, fgs_alloc_t *a, const char *rule,
    const char *field, const char *fmt, ...)
{
    va_list            args;
    fgs_violation_t   *vi;

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

    *v->tail = vi;
    v->tail = &vi->next;
    v->n++;

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


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs_arena_t: the region allocator over malloc() of the CLI, the unit
 * tests, the fuzzers and the benches (fgs_common.h).
 */


#include <stdlib.h>

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

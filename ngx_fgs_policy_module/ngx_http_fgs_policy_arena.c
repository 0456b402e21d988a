
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The memory the policy engine works in for one request: bump allocation
 * from blocks that a worker keeps for the next request.
 *
 * Taking this memory from the request's pool cost an extra pool block,
 * malloc()ed and freed with every governed request.  With a few requests
 * in flight that pushed glibc's heap top over its trim threshold again
 * and again: the heap was given back to the kernel and faulted in anew,
 * about a page fault per request, which cost more than all the checks.
 * Blocks that stay with the worker make the module's memory use steady.
 *
 * A request has two arenas (docs/performance.md, "Memory"): one for what
 * the scan and the checks work in (the tape, key tables, unescaped copies),
 * released as soon as the decision is made, and one for what lives until
 * the response (the violations listed, the edits, the messages).
 * Allocations larger than half a block are malloc()ed one by one and freed
 * with their arena, so that a large tape does not stay in the request's
 * pool until the request ends.
 *
 * The free list holds no request state: a block belongs to one request
 * from the allocation that takes it to the cleanup of that request's
 * pool, like nginx's own free lists of connections and buffers.  Under
 * AddressSanitizer a block in the free list is poisoned, so a pointer
 * kept past its request is still caught.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_fgs_policy_arena.h"


#if defined(__SANITIZE_ADDRESS__)
#define NGX_HTTP_FGS_POLICY_ASAN  1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NGX_HTTP_FGS_POLICY_ASAN  1
#endif
#endif

#if (NGX_HTTP_FGS_POLICY_ASAN)
#include <sanitizer/asan_interface.h>
#define ngx_http_fgs_policy_poison(p, n)    ASAN_POISON_MEMORY_REGION(p, n)
#define ngx_http_fgs_policy_unpoison(p, n)  ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define ngx_http_fgs_policy_poison(p, n)
#define ngx_http_fgs_policy_unpoison(p, n)
#endif


/* a block, its header included: a multiple of 16, so its end is aligned */
#define NGX_HTTP_FGS_POLICY_BLOCK_SIZE  8192

/* larger allocations (a big body's tape) are malloc()ed one by one */
#define NGX_HTTP_FGS_POLICY_ARENA_LARGE  (NGX_HTTP_FGS_POLICY_BLOCK_SIZE / 2)

/* at most this many free blocks are kept per worker: 512 KB */
#define NGX_HTTP_FGS_POLICY_BLOCKS_KEPT  64


struct ngx_http_fgs_policy_block_s {
    ngx_http_fgs_policy_block_t  *next;
};


/* blocks are 16-aligned, and so is the data after the header */
#define ngx_http_fgs_policy_block_header                                     \
    ngx_align(sizeof(ngx_http_fgs_policy_block_t), 16)
#define ngx_http_fgs_policy_block_data(b)                                    \
    ((u_char *) (b) + ngx_http_fgs_policy_block_header)
#define ngx_http_fgs_policy_block_room                                       \
    (NGX_HTTP_FGS_POLICY_BLOCK_SIZE - ngx_http_fgs_policy_block_header)


static ngx_http_fgs_policy_block_t *ngx_http_fgs_policy_block_take(
    ngx_pool_t *pool);


/* the worker's free blocks */
static ngx_http_fgs_policy_block_t  *ngx_http_fgs_policy_free_blocks;
static ngx_uint_t                    ngx_http_fgs_policy_nfree_blocks;


void *
ngx_http_fgs_policy_arena_alloc(void *data, size_t size)
{
    ngx_http_fgs_policy_arena_t *arena = data;

    u_char                       *p;
    ngx_http_fgs_policy_block_t  *b;

    if (arena->end) {
        p = ngx_align_ptr(arena->pos, 16);

        if (p <= arena->end && size <= (size_t) (arena->end - p)) {
            arena->pos = p + size;
            return p;
        }
    }

    if (size > NGX_HTTP_FGS_POLICY_ARENA_LARGE) {
        b = ngx_memalign(16, ngx_http_fgs_policy_block_header + size,
                         arena->pool->log);
        if (b == NULL) {
            return NULL;
        }

        b->next = arena->large;
        arena->large = b;

        return ngx_http_fgs_policy_block_data(b);
    }

    b = ngx_http_fgs_policy_block_take(arena->pool);
    if (b == NULL) {
        return NULL;
    }

    b->next = arena->blocks;
    arena->blocks = b;

    p = ngx_http_fgs_policy_block_data(b);
    arena->pos = p + size;
    arena->end = p + ngx_http_fgs_policy_block_room;

    return p;
}


void
ngx_http_fgs_policy_arena_free(void *data, void *p)
{
    ngx_http_fgs_policy_arena_t *arena = data;

    ngx_http_fgs_policy_block_t  *b, **link;

    /* the scan frees what it outgrew, one of few: the list is short */

    for (link = &arena->large; *link; link = &(*link)->next) {
        b = *link;

        if (ngx_http_fgs_policy_block_data(b) == (u_char *) p) {
            *link = b->next;
            ngx_free(b);
            return;
        }
    }
}


static ngx_http_fgs_policy_block_t *
ngx_http_fgs_policy_block_take(ngx_pool_t *pool)
{
    ngx_http_fgs_policy_block_t  *b;

    b = ngx_http_fgs_policy_free_blocks;

    if (b) {
        ngx_http_fgs_policy_unpoison(b, NGX_HTTP_FGS_POLICY_BLOCK_SIZE);
        ngx_http_fgs_policy_free_blocks = b->next;
        ngx_http_fgs_policy_nfree_blocks--;
        return b;
    }

    return ngx_memalign(16, NGX_HTTP_FGS_POLICY_BLOCK_SIZE, pool->log);
}


void
ngx_http_fgs_policy_arena_release(ngx_http_fgs_policy_arena_t *arena)
{
    ngx_http_fgs_policy_block_t  *b, *next;

    for (b = arena->blocks; b; b = next) {
        next = b->next;

        if (ngx_http_fgs_policy_nfree_blocks
            >= NGX_HTTP_FGS_POLICY_BLOCKS_KEPT)
        {
            ngx_free(b);
            continue;
        }

        b->next = ngx_http_fgs_policy_free_blocks;
        ngx_http_fgs_policy_free_blocks = b;
        ngx_http_fgs_policy_nfree_blocks++;

        ngx_http_fgs_policy_poison(b, NGX_HTTP_FGS_POLICY_BLOCK_SIZE);
    }

    for (b = arena->large; b; b = next) {
        next = b->next;
        ngx_free(b);
    }

    arena->blocks = NULL;
    arena->large = NULL;
    arena->pos = NULL;
    arena->end = NULL;
}


/*
 * The list head is in this module's data, which nginx unloads with the
 * cycle: without this the blocks would outlive the only pointer to them.
 */

void
ngx_http_fgs_policy_arena_free_kept(void)
{
    ngx_http_fgs_policy_block_t  *b;

    while (ngx_http_fgs_policy_free_blocks) {
        b = ngx_http_fgs_policy_free_blocks;
        ngx_http_fgs_policy_unpoison(b, NGX_HTTP_FGS_POLICY_BLOCK_SIZE);

        ngx_http_fgs_policy_free_blocks = b->next;
        ngx_free(b);
    }

    ngx_http_fgs_policy_nfree_blocks = 0;
}


void *
ngx_http_fgs_policy_pool_alloc(void *data, size_t size)
{
    return ngx_palloc(data, size);
}

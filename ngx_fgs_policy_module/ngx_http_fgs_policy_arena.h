
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The memory the policy engine works in for one request.
 */


#ifndef _NGX_HTTP_FGS_POLICY_ARENA_H_INCLUDED_
#define _NGX_HTTP_FGS_POLICY_ARENA_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef struct ngx_http_fgs_policy_block_s  ngx_http_fgs_policy_block_t;


typedef struct {
    ngx_pool_t                   *pool;     /* the request's, for its log */
    u_char                       *pos;      /* free room in the current */
    u_char                       *end;      /* block */
    ngx_http_fgs_policy_block_t  *blocks;   /* taken by this request */
    ngx_http_fgs_policy_block_t  *large;    /* allocations larger than
                                               half a block, each its own */
} ngx_http_fgs_policy_arena_t;


/*
 * An fgs_alloc_t function (data is the arena): memory aligned to 16
 * bytes, valid until ngx_http_fgs_policy_arena_release().
 */
void *ngx_http_fgs_policy_arena_alloc(void *data, size_t size);

/*
 * An fgs_alloc_t free function: a large allocation is freed at once, a
 * small one stays in its block until the arena is released.
 */
void ngx_http_fgs_policy_arena_free(void *data, void *p);

/*
 * Gives the arena's blocks back (and frees its large allocations): at the
 * decision for the scan's arena, from the request pool's cleanup for the
 * request's; the arena can be used again after it.
 */
void ngx_http_fgs_policy_arena_release(ngx_http_fgs_policy_arena_t *arena);

/*
 * An fgs_alloc_t function over a pool (data is the pool): for the few
 * small allocations of a decision made before a request has a context.
 */
void *ngx_http_fgs_policy_pool_alloc(void *data, size_t size);

/* frees the blocks the worker keeps, when it exits */
void ngx_http_fgs_policy_arena_free_kept(void);


#endif /* _NGX_HTTP_FGS_POLICY_ARENA_H_INCLUDED_ */


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The request id of a governed request ($request_id), made cheaply, and
 * the headers that carry it on every governed answer.
 */


#include "ngx_http_fgs_policy_request_id.h"

/* after nginx's headers, so that nginx's feature macros are in force */
#include <openssl/rand.h>


static uint64_t ngx_http_fgs_policy_siphash(const uint64_t key[2],
    uint64_t m);


/*
 * Request ids: 16 bytes, as nginx's $request_id, but not one RAND_bytes()
 * call per request (about 10,000 instructions, more than the policy's
 * evaluation): SipHash-2-4, keyed once per worker with 16 bytes of
 * RAND_bytes(), of a per-worker counter, twice.  Without the key the ids
 * are as unpredictable as random ones; with a counter no two of a worker
 * are alike.  The key is drawn as each worker starts
 * (ngx_http_fgs_policy_request_id_init()), so no two workers share one.
 */

static uint64_t    ngx_http_fgs_policy_id_key[2];
static uint64_t    ngx_http_fgs_policy_id_count;
static ngx_uint_t  ngx_http_fgs_policy_id_keyed;


ngx_int_t
ngx_http_fgs_policy_request_id_init(ngx_cycle_t *cycle)
{
    ngx_http_fgs_policy_id_count = 0;
    ngx_http_fgs_policy_id_keyed =
        (RAND_bytes((u_char *) ngx_http_fgs_policy_id_key,
                    sizeof(ngx_http_fgs_policy_id_key))
         == 1);

    if (!ngx_http_fgs_policy_id_keyed) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "fgs_policy: no randomness for the request ids' key: "
                      "governed requests get nginx's own $request_id");
    }

    return NGX_OK;
}


ngx_http_variable_value_t *
ngx_http_fgs_policy_request_id(ngx_http_request_t *r)
{
    u_char                           *id;
    uint64_t                          n, half[2];
    ngx_http_variable_value_t        *vv;
    ngx_http_fgs_policy_main_conf_t  *fmcf;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_fgs_policy_module);

    if (fmcf->request_id_index == NGX_ERROR) {
        return NULL;
    }

    vv = &r->variables[fmcf->request_id_index];

    if (vv->valid || vv->not_found) {
        /* made already (by us, nginx or a log): the request keeps it */
        return vv;
    }

    if (!ngx_http_fgs_policy_id_keyed) {
        /* nginx's own way, one RAND_bytes() for this request */
        return ngx_http_get_indexed_variable(r, fmcf->request_id_index);
    }

    id = ngx_pnalloc(r->pool, 32);
    if (id == NULL) {
        return NULL;
    }

    n = ngx_http_fgs_policy_id_count++;

    half[0] = ngx_http_fgs_policy_siphash(ngx_http_fgs_policy_id_key, 2 * n);
    half[1] = ngx_http_fgs_policy_siphash(ngx_http_fgs_policy_id_key,
                                          2 * n + 1);

    ngx_hex_dump(id, (u_char *) half, 16);

    vv->len = 32;
    vv->valid = 1;
    vv->no_cacheable = 0;
    vv->not_found = 0;
    vv->data = id;

    return vv;
}


#define ngx_http_fgs_policy_rotl(x, b)  (((x) << (b)) | ((x) >> (64 - (b))))

#define ngx_http_fgs_policy_sipround(v0, v1, v2, v3)                         \
    v0 += v1; v1 = ngx_http_fgs_policy_rotl(v1, 13); v1 ^= v0;               \
    v0 = ngx_http_fgs_policy_rotl(v0, 32);                                   \
    v2 += v3; v3 = ngx_http_fgs_policy_rotl(v3, 16); v3 ^= v2;               \
    v0 += v3; v3 = ngx_http_fgs_policy_rotl(v3, 21); v3 ^= v0;               \
    v2 += v1; v1 = ngx_http_fgs_policy_rotl(v1, 17); v1 ^= v2;               \
    v2 = ngx_http_fgs_policy_rotl(v2, 32)


/* SipHash-2-4 of one 64-bit word (8 bytes of message) */

static uint64_t
ngx_http_fgs_policy_siphash(const uint64_t key[2], uint64_t m)
{
    uint64_t  v0, v1, v2, v3, b;

    v0 = key[0] ^ 0x736f6d6570736575ULL;
    v1 = key[1] ^ 0x646f72616e646f6dULL;
    v2 = key[0] ^ 0x6c7967656e657261ULL;
    v3 = key[1] ^ 0x7465646279746573ULL;

    v3 ^= m;
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    v0 ^= m;

    b = (uint64_t) 8 << 56;

    v3 ^= b;
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    v0 ^= b;

    v2 ^= 0xff;
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);
    ngx_http_fgs_policy_sipround(v0, v1, v2, v3);

    return v0 ^ v1 ^ v2 ^ v3;
}


/*
 * Adds "name: $request_id" to the answer; *value is the id, or NULL when
 * the variable has none.
 */

ngx_int_t
ngx_http_fgs_policy_id_header(ngx_http_request_t *r, ngx_str_t *name,
    ngx_http_variable_value_t **value)
{
    ngx_table_elt_t            *h;
    ngx_http_variable_value_t  *vv;

    *value = NULL;

    vv = ngx_http_fgs_policy_request_id(r);

    if (vv == NULL || vv->not_found) {
        return NGX_OK;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    h->key = *name;
    h->value.len = vv->len;
    h->value.data = vv->data;

    *value = vv;

    return NGX_OK;
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What a scan holds (README, Memory): the node array and the duplicate-
 * key tables grow by doubling and give back what they outgrow through
 * fgs_alloc_t's free, so that the scan holds one of each.  An allocator
 * that counts the bytes live and their peak shows it for the shapes that
 * cost most: 65,000 values in an array, 65,000 keys in one object.
 * Without the frees, the live bytes at the end would be about twice the
 * last array and table.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fgs_json.h"


typedef struct chunk_s  chunk_t;

struct chunk_s {
    size_t     size;
    chunk_t   *prev;
    chunk_t   *next;
    size_t     pad;            /* the data after it stays 16-aligned */
};


typedef struct {
    size_t     live;
    size_t     peak;
    size_t     frees;
    chunk_t   *chunks;         /* what is live, to free at the end */
} counter_t;


static void *count_alloc(void *data, size_t size);
static void count_free(void *data, void *p);
static void count_reset(counter_t *c);
static void check(const char *name, const char *body, uint32_t values,
    size_t keys_bytes);
static char *dense(int keys, uint32_t n);


/* each allocation carries its size and its links in front of it */

static void *
count_alloc(void *data, size_t size)
{
    counter_t  *c = data;
    chunk_t    *h;

    h = malloc(sizeof(chunk_t) + size);
    if (h == NULL) {
        return NULL;
    }

    h->size = size;
    h->prev = NULL;
    h->next = c->chunks;

    if (c->chunks) {
        c->chunks->prev = h;
    }

    c->chunks = h;
    c->live += size;

    if (c->live > c->peak) {
        c->peak = c->live;
    }

    return h + 1;
}


static void
count_free(void *data, void *p)
{
    counter_t  *c = data;
    chunk_t    *h;

    h = (chunk_t *) p - 1;

    if (h->prev) {
        h->prev->next = h->next;

    } else {
        c->chunks = h->next;
    }

    if (h->next) {
        h->next->prev = h->prev;
    }

    c->live -= h->size;
    c->frees++;
    free(h);
}


static void
count_reset(counter_t *c)
{
    chunk_t  *h, *next;

    for (h = c->chunks; h; h = next) {
        next = h->next;
        free(h);
    }

    c->chunks = NULL;
}


static char *
dense(int keys, uint32_t n)
{
    char      *body, *p;
    uint32_t   i;

    body = malloc(64 + (size_t) n * 16);
    if (body == NULL) {
        printf("Bail out! no memory\n");
        exit(1);
    }

    p = body + sprintf(body, keys ? "{" : "{\"xs\":[");

    for (i = 0; i < n; i++) {
        if (keys) {
            p += sprintf(p, "%s\"k%05u\":1", i ? "," : "", i);

        } else {
            p += sprintf(p, "%s1", i ? "," : "");
        }
    }

    strcpy(p, keys ? "}" : "]}");

    return body;
}


static void
check(const char *name, const char *body, uint32_t values,
    size_t keys_bytes)
{
    int              rc;
    size_t           nodes, len, bound;
    counter_t        c;
    fgs_alloc_t      a;
    fgs_json_doc_t   doc;

    memset(&c, 0, sizeof(c));
    a.alloc = count_alloc;
    a.data = &c;
    a.free = count_free;

    len = strlen(body);
    rc = fgs_json_scan(&doc, (const u_char *) body, len, &a);

    is_int(rc, FGS_OK, "%s: scanned", name);
    ok(doc.n == values + 1, "%s: %u values", name, values);

    /*
     * One array of the next power of two nodes (40 bytes each), a key
     * table of 4 slots of 8 bytes per member rounded to a power of two,
     * the keys, and the first block: what is live at the end.  The peak
     * adds the array and table they replaced (half their size).
     */

    nodes = 64;

    while (nodes < values + 1) {
        nodes *= 2;
    }

    bound = (nodes + 1) * sizeof(fgs_json_node_t) + keys_bytes
            + 64 * 1024;

    ok(c.frees > 0, "%s: outgrown copies given back (%zu)", name, c.frees);
    ok(c.live <= bound, "%s: %zu bytes held at the end, at most %zu",
       name, c.live, bound);
    ok(c.peak <= bound + bound / 2,
       "%s: at most %zu bytes at the peak (%zu), the body %zu", name,
       bound + bound / 2, c.peak, len);

    count_reset(&c);
}


int
main(void)
{
    char  *body;

    /* the array and its elements */

    body = dense(0, 65000);
    check("65,000 values in an array", body, 65001, 0);
    free(body);

    /* the keys' copies, and their table: 262,144 slots of 8 bytes */

    body = dense(1, 65000);
    check("65,000 keys in one object", body, 65000,
          65000 * 8 + 262144 * 8);
    free(body);

    return done_testing();
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What a scan holds (docs/performance.md, "Memory").  The values a body may
 * hold depend on its length (fgs_json_max_values(): one per 16 bytes, at
 * least 4,096, at most 65,536), the node array grows to that cap and no
 * further, and the node array and the duplicate-key tables give back what
 * they outgrow through fgs_alloc_t's free.  So, whatever the body's shape,
 * the scan's memory at its peak (the node arrays, key tables and key
 * copies) stays within 8 times the body and 256 KB, whether the body is
 * accepted or refused for its values.  An allocator that counts the bytes
 * live and their peak shows it for the shapes that cost most: values of one
 * byte in an array, short keys in one object, objects of 33 members in an
 * array (the fewest that get a key table, of 128 slots: the most table per
 * member), each at the cap and one value over it, and bodies under 64 KB,
 * which hold 4,096 values whatever their length.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "json/fgs_json.h"


#define PEAK_BODIES   8                 /* the bound: 8 x the body ... */
#define PEAK_EXTRA    (256 * 1024)      /* ... and 256 KB */


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


typedef enum {
    SHAPE_VALUES = 0,          /* {"xs":[1,1,...]} */
    SHAPE_KEYS,                /* {"k00000":1,...} */
    SHAPE_NESTED               /* {"xs":[{"k00":1,...,"k32":1},...]} */
} shape_e;


static void *count_alloc(void *data, size_t size);
static void count_free(void *data, void *p);
static void count_reset(counter_t *c);
static char *body_new(shape_e shape, uint32_t values, size_t len,
    size_t *out_len);
static void check(const char *name, shape_e shape, uint32_t values,
    size_t len, int want);


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


/*
 * A body of the shape with exactly "values" values (the root included),
 * its last container closed, then spaces up to len bytes (if it is
 * shorter): what the body holds is the same whatever its length, and
 * its length sets the cap.
 */

static char *
body_new(shape_e shape, uint32_t values, size_t len, size_t *out_len)
{
    char      *body, *p;
    size_t     size, used;
    uint32_t   i, left, m, obj;

    size = 64 + (size_t) values * 12 + len;

    body = malloc(size);
    if (body == NULL) {
        printf("Bail out! no memory\n");
        exit(1);
    }

    switch (shape) {

    case SHAPE_VALUES:

        /* the root, xs, values - 2 ones */

        p = body + sprintf(body, "{\"xs\":[");

        for (i = 0; i < values - 2; i++) {
            p += sprintf(p, "%s1", i ? "," : "");
        }

        p += sprintf(p, "]}");
        break;

    case SHAPE_KEYS:

        /* the root and values - 1 members */

        p = body + sprintf(body, "{");

        for (i = 0; i < values - 1; i++) {
            p += sprintf(p, "%s\"k%05u\":1", i ? "," : "", i);
        }

        p += sprintf(p, "}");
        break;

    default: /* SHAPE_NESTED */

        /* the root, xs, then objects of 33 members, the last shorter */

        p = body + sprintf(body, "{\"xs\":[");
        left = values - 2;
        obj = 0;

        while (left) {
            p += sprintf(p, "%s{", obj++ ? "," : "");
            left--;

            for (m = 0; m < 33 && left; m++, left--) {
                p += sprintf(p, "%s\"k%02u\":1", m ? "," : "", m);
            }

            p += sprintf(p, "}");
        }

        p += sprintf(p, "]}");
        break;
    }

    used = p - body;

    if (used < len) {
        memset(p, ' ', len - used);
        used = len;
    }

    *out_len = used;

    return body;
}


/*
 * Scans a body of "values" values padded to len bytes and checks the
 * outcome (FGS_OK or FGS_DECLINED for its values) and the memory.
 */

static void
check(const char *name, shape_e shape, uint32_t values, size_t len,
    int want)
{
    int              rc;
    char            *body;
    size_t           bound;
    counter_t        c;
    fgs_alloc_t      a;
    fgs_json_doc_t   doc;

    body = body_new(shape, values, len, &len);

    memset(&c, 0, sizeof(c));
    a.alloc = count_alloc;
    a.data = &c;
    a.free = count_free;

    rc = fgs_json_scan(&doc, (const u_char *) body, len, &a);

    if (want == FGS_OK) {
        is_int(rc, FGS_OK, "%s: %u values in %zu bytes pass", name,
               values, len);
        is_int(doc.n, values, "%s: %u nodes", name, values);

    } else {
        is_int(rc, FGS_DECLINED, "%s: %u values in %zu bytes refused",
               name, values, len);
        ok(doc.error && strstr(doc.error, "more JSON values than a "
                               "FunctionGraph request can"),
           "%s: for its values (%s)", name, doc.error ? doc.error : "");
    }

    bound = PEAK_BODIES * len + PEAK_EXTRA;

    ok(c.peak <= bound, "%s: at most %zu bytes at the peak: %zu, %.2f "
       "times the body of %zu", name, bound, c.peak,
       (double) c.peak / len, len);

    /*
     * An array of values holds one node array at the end, of the nodes
     * it needs, and the first block: without the frees it would hold
     * every array it went through, about twice as much.
     */

    if (want == FGS_OK && shape == SHAPE_VALUES && values > 8192) {
        ok(c.frees > 0, "%s: outgrown copies given back (%zu)", name,
           c.frees);
        ok(c.live <= (values + 1) * sizeof(fgs_json_node_t) + 16 * 1024,
           "%s: %zu bytes held at the end: one node array", name, c.live);
    }

    count_reset(&c);
    free(body);
}


int
main(void)
{
    uint32_t  v;
    size_t    len;

    /* the caps the bound rests on */

    is_int(fgs_json_max_values(0), FGS_JSON_MIN_VALUES, "an empty body: "
           "the least cap");
    is_int(fgs_json_max_values(64 * 1024 - 1), FGS_JSON_MIN_VALUES,
           "under 64 KB: the least cap");
    is_int(fgs_json_max_values(320 * 1024), 20480, "320 KB: 20,480");
    is_int(fgs_json_max_values(1024 * 1024), FGS_JSON_MAX_NODES,
           "1 MB: 65,536");
    is_int(fgs_json_max_values(100 * 1024 * 1024), FGS_JSON_MAX_NODES,
           "100 MB: no more");

    /*
     * At the cap and one value over it, for a body of 320 KB (20,480
     * values) and one of 1 MB (65,536, the most any body holds)
     */

    for (len = 320 * 1024; len <= 1024 * 1024; len += 704 * 1024) {
        v = fgs_json_max_values(len);

        check("value-dense at the cap", SHAPE_VALUES, v, len, FGS_OK);
        check("value-dense over the cap", SHAPE_VALUES, v + 1, len,
              FGS_DECLINED);
        check("key-dense at the cap", SHAPE_KEYS, v, len, FGS_OK);
        check("key-dense over the cap", SHAPE_KEYS, v + 1, len,
              FGS_DECLINED);
        check("nested at the cap", SHAPE_NESTED, v, len, FGS_OK);
        check("nested over the cap", SHAPE_NESTED, v + 1, len,
              FGS_DECLINED);
    }

    /* unpadded: as dense as it gets, refused once past 4,096 values */

    check("65,000 values in an array", SHAPE_VALUES, 65000, 0,
          FGS_DECLINED);
    check("65,000 keys in one object", SHAPE_KEYS, 65000, 0, FGS_DECLINED);
    check("65,000 values in objects", SHAPE_NESTED, 65000, 0,
          FGS_DECLINED);

    /* under 64 KB: 4,096 values whatever the length, and no more */

    check("small, value-dense", SHAPE_VALUES, FGS_JSON_MIN_VALUES, 0,
          FGS_OK);
    check("small, value-dense, over", SHAPE_VALUES, FGS_JSON_MIN_VALUES + 1,
          0, FGS_DECLINED);
    check("small, key-dense", SHAPE_KEYS, FGS_JSON_MIN_VALUES, 0, FGS_OK);
    check("small, key-dense, over", SHAPE_KEYS, FGS_JSON_MIN_VALUES + 1, 0,
          FGS_DECLINED);
    check("small, nested", SHAPE_NESTED, FGS_JSON_MIN_VALUES, 0, FGS_OK);
    check("small, nested, over", SHAPE_NESTED, FGS_JSON_MIN_VALUES + 1, 0,
          FGS_DECLINED);
    check("a few values", SHAPE_KEYS, 40, 0, FGS_OK);

    return done_testing();
}

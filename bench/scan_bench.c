
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The request path's CPU cost per body, without nginx: fgs_json_scan()
 * and fgs_schema_validate() on a 20 MB /code body (inline code, base64 of
 * random bytes) and on a ~1 KB /config body, plus the base64 check alone.
 * The /code body is scanned twice: as it stands, and as the module scans
 * it, with the runs of base64 alphabet that fgs_base64_runs_feed() found
 * while it streamed in (that search is measured on its own, in the 16 KB
 * buffers nginx reads a body in).
 * Both bodies must be accepted, or the program exits 1.  Every
 * measurement runs for about FGS_BENCH_SECONDS (default 1.5) seconds.
 *
 *   make bench-scan        (build/bench/scan_bench)
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fgs_base64.h"
#include "json/fgs_json.h"
#include "schema/fgs_schema.h"


#define CODE_BYTES   (15 * 1024 * 1024)     /* 20 MB once in base64 */
#define POOL_SIZE    (16 * 1024 * 1024)


/*
 * A bump allocator rewound after each request, like an nginx request
 * pool, so that malloc() does not weigh on the small body.
 */

typedef struct {
    u_char     *start;
    size_t      used;
    size_t      size;
} pool_t;


typedef struct {
    const char     *name;
    const u_char   *body;
    size_t          len;
    fgs_op_e        op;
    const fgs_base64_runs_t  *runs;     /* or NULL */
} body_t;


static void *pool_alloc(void *data, size_t size);
static double now(void);
static u_char *make_code_body(size_t *len);
static u_char *make_config_body(size_t *len);
static int run_once(const body_t *b, int schema);
static double measure(const body_t *b, int schema, long *iterations);
static double measure_base64(const u_char *s, size_t len, long *iterations);
static double measure_runs(const body_t *b, fgs_base64_runs_t *runs,
    long *iterations);


static pool_t       pool;
static fgs_alloc_t  alloc = { pool_alloc, &pool, NULL };
static double       seconds = 1.5;


int
main(void)
{
    long         n;
    double       t;
    size_t       code_len, config_len;
    u_char      *code, *config, *file;
    const char  *env;
    body_t       big, small, streamed;

    static fgs_base64_runs_t  runs;

    env = getenv("FGS_BENCH_SECONDS");
    if (env && atof(env) > 0 && atof(env) <= 10) {
        seconds = atof(env);
    }

    pool.start = malloc(POOL_SIZE);
    pool.size = POOL_SIZE;

    code = make_code_body(&code_len);
    config = make_config_body(&config_len);

    if (pool.start == NULL || code == NULL || config == NULL) {
        fprintf(stderr, "scan_bench: out of memory\n");
        return 1;
    }

    big.name = "/code";
    big.body = code;
    big.len = code_len;
    big.op = FGS_OP_CODE;

    small.name = "/config";
    small.body = config;
    small.len = config_len;
    small.op = FGS_OP_CONFIG;
    small.runs = NULL;

    big.runs = NULL;

    if (run_once(&big, 1) != FGS_OK || run_once(&small, 1) != FGS_OK) {
        return 1;
    }

    printf("scan_bench: %.1f s per measurement\n", seconds);

    t = measure(&big, 1, &n);
    printf("%-8s %9zu bytes  scan+schema  %8.1f MB/s  (%.2f ms per body, "
           "%ld runs)\n", big.name, big.len, big.len / t / 1e6, t * 1e3, n);

    t = measure(&big, 0, &n);
    printf("%-8s %9zu bytes  scan only    %8.1f MB/s  (%.2f ms per body)\n",
           big.name, big.len, big.len / t / 1e6, t * 1e3);

    t = measure_runs(&big, &runs, &n);
    printf("%-8s %9zu bytes  runs feed    %8.1f MB/s  (%.2f ms per body)\n",
           big.name, big.len, big.len / t / 1e6, t * 1e3);

    streamed = big;
    streamed.runs = &runs;

    t = measure(&streamed, 1, &n);
    printf("%-8s %9zu bytes  with runs    %8.0f ns per body  (scan+schema, "
           "the runs known: their bytes are not read)\n",
           big.name, big.len, t * 1e9);

    t = measure(&small, 1, &n);
    printf("%-8s %9zu bytes  scan+schema  %8.0f ns per body  (%.2f us, "
           "%.1f MB/s, %ld runs)\n", small.name, small.len, t * 1e9, t * 1e6,
           small.len / t / 1e6, n);

    t = measure(&small, 0, &n);
    printf("%-8s %9zu bytes  scan only    %8.0f ns per body\n",
           small.name, small.len, t * 1e9);

    /* the value of func_code.file: after the last '"file":"' */

    file = (u_char *) strstr((char *) code, "\"file\":\"") + 8;

    t = measure_base64(file, CODE_BYTES / 3 * 4, &n);
    printf("base64   %9u bytes  validation   %8.1f MB/s  (%.2f ms)\n",
           CODE_BYTES / 3 * 4, CODE_BYTES / 3 * 4 / t / 1e6, t * 1e3);

    free(code);
    free(config);
    free(pool.start);

    return 0;
}


static void *
pool_alloc(void *data, size_t size)
{
    void    *p;
    pool_t  *pl = data;

    size = (size + 15) & ~(size_t) 15;

    if (pl->size - pl->used < size) {
        return NULL;
    }

    p = pl->start + pl->used;
    pl->used += size;

    return p;
}


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static u_char *
make_code_body(size_t *len)
{
    u_char       *body, *p, *raw;
    size_t        i;
    uint32_t      x, v;

    static const char  head[] =
        "{\"code_type\":\"inline\",\"code_filename\":\"index.zip\","
        "\"func_code\":{\"file\":\"";
    static const char  tail[] = "\"}}";
    static const char  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    raw = malloc(CODE_BYTES);
    body = malloc(sizeof(head) + CODE_BYTES / 3 * 4 + sizeof(tail));

    if (raw == NULL || body == NULL) {
        free(raw);
        free(body);
        return NULL;
    }

    /* xorshift: incompressible, like a real zip */

    x = 2463534242u;

    for (i = 0; i < CODE_BYTES; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        raw[i] = (u_char) x;
    }

    p = body;
    memcpy(p, head, sizeof(head) - 1);
    p += sizeof(head) - 1;

    for (i = 0; i < CODE_BYTES; i += 3) {
        v = (raw[i] << 16) | (raw[i + 1] << 8) | raw[i + 2];
        *p++ = alphabet[v >> 18];
        *p++ = alphabet[(v >> 12) & 63];
        *p++ = alphabet[(v >> 6) & 63];
        *p++ = alphabet[v & 63];
    }

    memcpy(p, tail, sizeof(tail) - 1);
    p += sizeof(tail) - 1;

    free(raw);

    *len = p - body;

    return body;
}


/* what an SDK sends to change a production function's settings */

static u_char *
make_config_body(size_t *len)
{
    u_char  *body;

    static const char  config[] =
        "{\n"
        "  \"func_name\": \"prod-billing-export\",\n"
        "  \"runtime\": \"Python3.10\",\n"
        "  \"timeout\": 120,\n"
        "  \"handler\": \"index.handler\",\n"
        "  \"memory_size\": 1024,\n"
        "  \"description\": \"Exports the daily billing records to OBS "
        "and notifies the finance team\",\n"
        "  \"user_data\": \"{\\\"REGION\\\":\\\"ap-southeast-1\\\","
        "\\\"BUCKET\\\":\\\"corp-billing-exports\\\",\\\"LOG_LEVEL\\\":"
        "\\\"info\\\"}\",\n"
        "  \"xrole\": \"fgs-billing-agency\",\n"
        "  \"app_xrole\": \"fgs-billing-exec\",\n"
        "  \"func_vpc\": {\n"
        "    \"vpc_name\": \"prod-vpc\",\n"
        "    \"vpc_id\": \"vpc-0a1b2c\",\n"
        "    \"subnet_name\": \"prod-subnet-apps\",\n"
        "    \"subnet_id\": \"3c1f8e2a-51b7-4d6e-9a0c-7f2b1d4e6a90\",\n"
        "    \"cidr\": \"192.168.0.0/24\",\n"
        "    \"gateway\": \"192.168.0.1\",\n"
        "    \"security_groups\": [\"sg-0f1e2d3c\", \"sg-4b5a6978\"]\n"
        "  },\n"
        "  \"strategy_config\": {\n"
        "    \"concurrency\": 100,\n"
        "    \"concurrent_num\": 10\n"
        "  },\n"
        "  \"initializer_handler\": \"index.init\",\n"
        "  \"initializer_timeout\": 30,\n"
        "  \"ephemeral_storage\": 512,\n"
        "  \"enterprise_project_id\": \"0\",\n"
        "  \"log_config\": {\n"
        "    \"group_name\": \"fgs-prod\",\n"
        "    \"group_id\": \"8d6c1a0e-2f4b-4c9d-a1e3-5b7f9d0c2e4a\",\n"
        "    \"stream_name\": \"billing-export\",\n"
        "    \"stream_id\": \"1e3c5a7b-9d0f-4b2d-8e6a-0c4f2b6d8a1e\"\n"
        "  },\n"
        "  \"enable_dynamic_memory\": false,\n"
        "  \"is_stateful_function\": false,\n"
        "  \"code_encrypt_kms_key_id\": "
        "\"5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f\"\n"
        "}\n";

    body = malloc(sizeof(config) - 1);
    if (body == NULL) {
        return NULL;
    }

    memcpy(body, config, sizeof(config) - 1);
    *len = sizeof(config) - 1;

    return body;
}


/* one request: scan, then (schema) the API reference check */

static int
run_once(const body_t *b, int schema)
{
    int               rc;
    fgs_json_doc_t    doc;
    fgs_violations_t  v;
    fgs_violation_t  *vi;

    pool.used = 0;

    rc = fgs_json_scan_runs(&doc, b->body, b->len, b->runs, &alloc);
    if (rc != FGS_OK) {
        fprintf(stderr, "scan_bench: %s body refused by the scanner: %s\n",
                b->name, rc == FGS_DECLINED ? doc.error : "no memory");
        return FGS_ERROR;
    }

    if (!schema) {
        return FGS_OK;
    }

    fgs_violations_init(&v);

    rc = fgs_schema_validate(&doc, fgs_api_of(b->op, 0), &v, &alloc);
    if (rc != FGS_OK) {
        fprintf(stderr, "scan_bench: %s body refused by the schema:\n",
                b->name);

        for (vi = v.head; vi; vi = vi->next) {
            fprintf(stderr, "  %s: %s\n", vi->field, vi->message);
        }

        return FGS_ERROR;
    }

    return FGS_OK;
}


/* mean seconds per body over rounds of about 20 ms */

static double
measure(const body_t *b, int schema, long *iterations)
{
    long    n, total, batch;
    double  start, t0, t, spent;

    total = 0;
    batch = 1;
    spent = 0;
    start = now();

    do {
        t0 = now();

        for (n = 0; n < batch; n++) {
            if (run_once(b, schema) != FGS_OK) {
                exit(1);
            }
        }

        t = now() - t0;
        spent += t;
        total += batch;

        if (t < 0.02 && batch < (1L << 24)) {
            batch *= 2;
        }

    } while (now() - start < seconds);

    *iterations = total;

    return spent / total;
}


static double
measure_base64(const u_char *s, size_t len, long *iterations)
{
    long               total;
    double             start;
    fgs_base64_info_t  info;

    total = 0;
    start = now();

    do {
        if (fgs_base64_check(s, len, &info) != FGS_OK
            || info.decoded != CODE_BYTES)
        {
            fprintf(stderr, "scan_bench: the base64 value is refused\n");
            exit(1);
        }

        total++;

    } while (now() - start < seconds);

    *iterations = total;

    return (now() - start) / total;
}


/* the body fed in 16 KB buffers, as nginx reads it */

static double
measure_runs(const body_t *b, fgs_base64_runs_t *runs, long *iterations)
{
    long    total;
    size_t  off, n;
    double  start;

    total = 0;
    start = now();

    do {
        fgs_base64_runs_init(runs);

        for (off = 0; off < b->len; off += n) {
            n = (b->len - off < 16384) ? b->len - off : 16384;
            fgs_base64_runs_feed(runs, b->body + off, n);
        }

        fgs_base64_runs_end(runs);
        total++;

    } while (now() - start < seconds);

    *iterations = total;

    return (now() - start) / total;
}

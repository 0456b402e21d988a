
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Counters of governed requests and the "fgs_policy_metrics" location
 * that serves them in the Prometheus text format (version 0.0.4):
 *
 *   fgs_policy_requests_total{operation,decision}
 *   fgs_policy_violations_total{rule,mode}       requests in which the
 *                                                rule found a violation
 *   fgs_policy_rewrites_total{rule}              requests it rewrote
 *   fgs_policy_waivers_total{rule}               requests an exception
 *                                                waived it for
 *   fgs_policy_errors_total{error_code}          the gateway's own errors
 *   fgs_policy_audit_write_failures_total
 *   fgs_policy_reload_failures_total             configurations that
 *                                                failed to load on a
 *                                                reload
 *   fgs_policy_last_reload_successful            gauge: 1 or 0
 *   fgs_policy_exception_expiry_timestamp_seconds{policy,rule,exception}
 *                                                gauge: when each
 *                                                exception of the loaded
 *                                                policies expires
 *   fgs_policy_build_info{version,jansson,pcre2,openssl}   gauge: 1
 *
 * A reload that fails is seen by the master only: a cleanup of the new
 * configuration's pool, which nginx destroys when the configuration
 * does not load, counts it in the zone of the configuration that keeps
 * running (found in ngx_cycle by its name and this module's tag), unless
 * init_module marked the new one loaded.  The exceptions are read from
 * the policies of the worker's own configuration at each scrape.
 *
 * The counters live in one shared memory zone with a fixed name and this
 * module's tag: every worker adds to the same numbers, and a reload that
 * keeps the zone's size (it is fixed) gets the same zone back from nginx,
 * counters and all.  The zone exists when a policy file is loaded or the
 * metrics location is configured.
 *
 * Rule ids and error codes are not known in advance: each has a slot in
 * an open-addressing table in the zone, found by its CRC32.  A slot, once
 * taken, never changes its name, so counting takes no lock: a lookup
 * that finds the name adds with one atomic instruction.  Only taking a
 * new slot locks the zone's slab mutex.  A table is never filled past
 * three quarters; names beyond that (a policy with hundreds of rules
 * swapped many times) count in the table's overflow slot, shown as
 * "(other)", which no rule id or error code can be.
 */


#include "ngx_http_fgs_policy_metrics.h"
#include "ngx_http_fgs_policy_ctx.h"
#include "core/fgs_version.h"


#define NGX_HTTP_FGS_POLICY_METRICS_OPS        FGS_OP_COUNT
#define NGX_HTTP_FGS_POLICY_METRICS_DECISIONS  5   /* fgs_decision_e */

#define NGX_HTTP_FGS_POLICY_METRICS_RULES      512
#define NGX_HTTP_FGS_POLICY_METRICS_CODES      64

/* rule ids are [A-Za-z0-9_.-]{1,64}; error codes are "FGSPOL.<digits>" */
#define NGX_HTTP_FGS_POLICY_METRICS_NAME_LEN   64

/* what a slot counts */
#define NGX_HTTP_FGS_POLICY_METRICS_ENFORCED   0   /* rules: violations */
#define NGX_HTTP_FGS_POLICY_METRICS_AUDITED    1   /* rules: in audit mode */
#define NGX_HTTP_FGS_POLICY_METRICS_REWRITES   2
#define NGX_HTTP_FGS_POLICY_METRICS_WAIVERS    3
#define NGX_HTTP_FGS_POLICY_METRICS_ERRORS     0   /* codes */
#define NGX_HTTP_FGS_POLICY_METRICS_NCOUNTS    4

/* the distinct rules counted per request without a second pass */
#define NGX_HTTP_FGS_POLICY_METRICS_SEEN       32


typedef struct {
    ngx_atomic_t              key;      /* 0: free; the name's CRC32 | 1,
                                           stored after the name */
    ngx_atomic_t              count[NGX_HTTP_FGS_POLICY_METRICS_NCOUNTS];
    size_t                    len;
    u_char                    name[NGX_HTTP_FGS_POLICY_METRICS_NAME_LEN];
} ngx_http_fgs_policy_metrics_slot_t;


typedef struct {
    ngx_http_fgs_policy_metrics_slot_t  *slots;     /* n, then overflow */
    ngx_uint_t                n;
    ngx_uint_t                used;     /* under the slab mutex */
} ngx_http_fgs_policy_metrics_table_t;


typedef struct {
    ngx_atomic_t              requests[NGX_HTTP_FGS_POLICY_METRICS_OPS]
                                      [NGX_HTTP_FGS_POLICY_METRICS_DECISIONS];
    ngx_atomic_t              audit_failures;
    ngx_atomic_t              reload_failures;
    ngx_atomic_t              reload_ok;    /* the last load: 1 loaded,
                                               0 failed */

    ngx_http_fgs_policy_metrics_table_t  rules;
    ngx_http_fgs_policy_metrics_table_t  codes;
} ngx_http_fgs_policy_metrics_sh_t;


/* the counters and both tables: all the zone holds */
#define NGX_HTTP_FGS_POLICY_METRICS_SIZE                                      \
    (sizeof(ngx_http_fgs_policy_metrics_sh_t)                                 \
     + (NGX_HTTP_FGS_POLICY_METRICS_RULES + 1                                 \
        + NGX_HTTP_FGS_POLICY_METRICS_CODES + 1)                              \
       * sizeof(ngx_http_fgs_policy_metrics_slot_t))


/* a slot as read for one scrape */
typedef struct {
    ngx_atomic_uint_t         count[NGX_HTTP_FGS_POLICY_METRICS_NCOUNTS];
    size_t                    len;
    u_char                    name[NGX_HTTP_FGS_POLICY_METRICS_NAME_LEN];
} ngx_http_fgs_policy_metrics_row_t;


/* one per-name counter family of the output */
typedef struct {
    const char               *name;
    const char               *help;
    const char               *label;
    const char               *extra;    /* more labels, or "" */
    ngx_uint_t                index;    /* into count[] */
    ngx_uint_t                codes;    /* of the codes table */
} ngx_http_fgs_policy_metrics_family_t;


static ngx_shm_zone_t *ngx_http_fgs_policy_metrics_zone(ngx_conf_t *cf);
static ngx_int_t ngx_http_fgs_policy_metrics_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_int_t ngx_http_fgs_policy_metrics_header_filter(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_fgs_policy_metrics_log_handler(
    ngx_http_request_t *r);
static void ngx_http_fgs_policy_metrics_count(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx);
static ngx_http_fgs_policy_metrics_sh_t *ngx_http_fgs_policy_metrics_sh(
    ngx_http_fgs_policy_main_conf_t *fmcf);
static void ngx_http_fgs_policy_metrics_rules(
    ngx_http_fgs_policy_metrics_sh_t *sh, ngx_slab_pool_t *shpool,
    fgs_violation_t *vi, fgs_rule_note_t *note, ngx_uint_t index);
static void ngx_http_fgs_policy_metrics_add(
    ngx_http_fgs_policy_metrics_table_t *t, ngx_slab_pool_t *shpool,
    const u_char *name, size_t len, ngx_uint_t index);
static ngx_http_fgs_policy_metrics_slot_t *ngx_http_fgs_policy_metrics_find(
    ngx_http_fgs_policy_metrics_table_t *t, ngx_uint_t key,
    const u_char *name, size_t len);
static void ngx_http_fgs_policy_metrics_conf_cleanup(void *data);
static ngx_http_fgs_policy_metrics_sh_t *
    ngx_http_fgs_policy_metrics_running(void);
static ngx_int_t ngx_http_fgs_policy_metrics_handler(ngx_http_request_t *r);
static size_t ngx_http_fgs_policy_metrics_waivers_size(
    ngx_http_fgs_policy_main_conf_t *fmcf);
static u_char *ngx_http_fgs_policy_metrics_waivers(u_char *p, u_char *last,
    ngx_http_fgs_policy_main_conf_t *fmcf);
static ngx_int_t ngx_http_fgs_policy_metrics_snapshot(ngx_pool_t *pool,
    ngx_http_fgs_policy_metrics_table_t *t, ngx_array_t *rows);
static int ngx_libc_cdecl ngx_http_fgs_policy_metrics_cmp(const void *one,
    const void *two);
static u_char *ngx_http_fgs_policy_metrics_family(u_char *p, u_char *last,
    ngx_http_fgs_policy_metrics_family_t *f, ngx_array_t *rows);
static u_char *ngx_http_fgs_policy_metrics_escape(u_char *p, u_char *last,
    const u_char *s, size_t len);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


static ngx_str_t  ngx_http_fgs_policy_metrics_name =
    ngx_string("fgs_policy_metrics");

static ngx_str_t  ngx_http_fgs_policy_metrics_type =
    ngx_string("text/plain; version=0.0.4; charset=utf-8");


/* the label of each operation (fgs_op_e) and decision (fgs_decision_e) */

static const char  *ngx_http_fgs_policy_metrics_decisions[] = {
    "allow", "rewrite", "audit", "deny", "error"
};


static ngx_http_fgs_policy_metrics_family_t
    ngx_http_fgs_policy_metrics_families[] = {

    { "fgs_policy_violations_total",
      "Governed requests in which a policy rule found a violation, by rule "
      "and mode (enforce: the request was denied; audit: it was forwarded "
      "and reported).", "rule", ",mode=\"enforce\"",
      NGX_HTTP_FGS_POLICY_METRICS_ENFORCED, 0 },

    { "fgs_policy_violations_total", NULL, "rule", ",mode=\"audit\"",
      NGX_HTTP_FGS_POLICY_METRICS_AUDITED, 0 },

    { "fgs_policy_rewrites_total",
      "Governed requests forwarded with a body that a policy rule "
      "rewrote, by rule.", "rule", "",
      NGX_HTTP_FGS_POLICY_METRICS_REWRITES, 0 },

    { "fgs_policy_waivers_total",
      "Governed requests for which a live exception switched a policy rule "
      "off, by rule.", "rule", "",
      NGX_HTTP_FGS_POLICY_METRICS_WAIVERS, 0 },

    { "fgs_policy_errors_total",
      "Error responses the gateway answered itself, by error_code.",
      "error_code", "",
      NGX_HTTP_FGS_POLICY_METRICS_ERRORS, 1 },

    { NULL, NULL, NULL, NULL, 0, 0 }
};


/*
 * A line of a per-name family is at most this long: the family's name,
 * the label with its value (escaped: twice the name at most), the extra
 * label, the value and the newline.
 */

#define NGX_HTTP_FGS_POLICY_METRICS_LINE                                      \
    (64 + 2 * NGX_HTTP_FGS_POLICY_METRICS_NAME_LEN + 32 + NGX_ATOMIC_T_LEN)

/* the fixed part: the HELP and TYPE lines and the request counters */
#define NGX_HTTP_FGS_POLICY_METRICS_FIXED                                     \
    (8192 + NGX_HTTP_FGS_POLICY_METRICS_OPS                                   \
            * NGX_HTTP_FGS_POLICY_METRICS_DECISIONS                           \
            * NGX_HTTP_FGS_POLICY_METRICS_LINE)


ngx_int_t
ngx_http_fgs_policy_metrics_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt              *h;
    ngx_http_core_main_conf_t        *cmcf;
    ngx_http_fgs_policy_main_conf_t  *fmcf;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_fgs_policy_module);

    if (fmcf->files.nelts == 0 && fmcf->metrics_zone == NULL) {
        return NGX_OK;
    }

    fmcf->metrics_zone = ngx_http_fgs_policy_metrics_zone(cf);
    if (fmcf->metrics_zone == NULL) {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_fgs_policy_metrics_log_handler;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_fgs_policy_metrics_header_filter;

    return NGX_OK;
}


char *
ngx_http_fgs_policy_metrics(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t         *clcf;
    ngx_http_fgs_policy_main_conf_t  *fmcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler == ngx_http_fgs_policy_metrics_handler) {
        return "is duplicate";
    }

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_fgs_policy_module);

    fmcf->metrics_zone = ngx_http_fgs_policy_metrics_zone(cf);
    if (fmcf->metrics_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    clcf->handler = ngx_http_fgs_policy_metrics_handler;

    return NGX_CONF_OK;
}


/*
 * The zone's size depends only on the layout above, so that every reload
 * asks for the same size and nginx hands the old zone over.
 */

static ngx_shm_zone_t *
ngx_http_fgs_policy_metrics_zone(ngx_conf_t *cf)
{
    size_t           size;
    ngx_shm_zone_t  *shm_zone;

    /* and the slab allocator's own pages and headers */

    size = ngx_align(NGX_HTTP_FGS_POLICY_METRICS_SIZE, ngx_pagesize)
           + 8 * ngx_pagesize;

    shm_zone = ngx_shared_memory_add(cf, &ngx_http_fgs_policy_metrics_name,
                                     size, &ngx_http_fgs_policy_module);
    if (shm_zone == NULL) {
        return NULL;
    }

    shm_zone->init = ngx_http_fgs_policy_metrics_init_zone;

    return shm_zone;
}


static ngx_int_t
ngx_http_fgs_policy_metrics_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_fgs_policy_metrics_sh_t *osh = data;

    ngx_slab_pool_t                   *shpool;
    ngx_http_fgs_policy_metrics_sh_t  *sh;

    if (osh) {
        /* a reload: the previous cycle's zone, with its counters */
        shm_zone->data = osh;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, NGX_HTTP_FGS_POLICY_METRICS_SIZE);
    if (sh == NULL) {
        return NGX_ERROR;
    }

    sh->rules.slots = (ngx_http_fgs_policy_metrics_slot_t *) (sh + 1);
    sh->rules.n = NGX_HTTP_FGS_POLICY_METRICS_RULES;

    sh->codes.slots = sh->rules.slots + NGX_HTTP_FGS_POLICY_METRICS_RULES + 1;
    sh->codes.n = NGX_HTTP_FGS_POLICY_METRICS_CODES;

    shpool->data = sh;
    shm_zone->data = sh;

    return NGX_OK;
}


/*
 * A request counts when its response header goes out: the decision, and
 * any error of the gateway's, are final then, and a client that has its
 * answer finds it counted in the next scrape, whichever worker serves
 * that.  The count is taken once the header filters below this one have
 * returned, not before calling them: the error filter, which notes the
 * code the gateway answered with (and makes the context of a request
 * that nginx refused before this module saw it), has run by then
 * whether nginx placed it above or below this filter, so the order in
 * which the two are added does not matter.  No byte of the body has
 * been sent by then (a header-only answer, to HEAD or with a 204, may
 * be).  A request that never gets an answer (the client went away)
 * counts in the log phase.
 */

static ngx_int_t
ngx_http_fgs_policy_metrics_header_filter(ngx_http_request_t *r)
{
    ngx_int_t                   rc;
    ngx_http_fgs_policy_ctx_t  *ctx;

    rc = ngx_http_next_header_filter(r);

    if (r == r->main) {
        ctx = ngx_http_fgs_policy_get_ctx(r);

        if (ctx != NULL && !ctx->counted) {
            ngx_http_fgs_policy_metrics_count(r, ctx);
        }
    }

    return rc;
}


static ngx_int_t
ngx_http_fgs_policy_metrics_log_handler(ngx_http_request_t *r)
{
    ngx_http_fgs_policy_ctx_t  *ctx;

    if (r != r->main) {
        return NGX_OK;
    }

    ctx = ngx_http_fgs_policy_get_ctx(r);

    if (ctx != NULL && !ctx->counted) {
        ngx_http_fgs_policy_metrics_count(r, ctx);
    }

    return NGX_OK;
}


static ngx_http_fgs_policy_metrics_sh_t *
ngx_http_fgs_policy_metrics_sh(ngx_http_fgs_policy_main_conf_t *fmcf)
{
    if (fmcf == NULL || fmcf->metrics_zone == NULL) {
        return NULL;
    }

    return fmcf->metrics_zone->data;
}


/*
 * Counts one governed request: its operation and decision, the error
 * code the gateway answered with, and the rules that found violations,
 * rewrote or were waived, and marks the context counted.
 */

static void
ngx_http_fgs_policy_metrics_count(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx)
{
    ngx_uint_t                         op, decision;
    ngx_slab_pool_t                   *shpool;
    ngx_http_fgs_policy_main_conf_t   *fmcf;
    ngx_http_fgs_policy_metrics_sh_t  *sh;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_fgs_policy_module);

    sh = ngx_http_fgs_policy_metrics_sh(fmcf);
    if (sh == NULL) {
        return;
    }

    ctx->counted = 1;

    shpool = (ngx_slab_pool_t *) fmcf->metrics_zone->shm.addr;

    if (ctx->sent_code) {
        ngx_http_fgs_policy_metrics_add(&sh->codes, shpool,
                                        (const u_char *) ctx->sent_code,
                                        ngx_strlen(ctx->sent_code),
                                        NGX_HTTP_FGS_POLICY_METRICS_ERRORS);
    }

    /*
     * A read or an invocation is not governed even when it met an error
     * of nginx's (its context exists for the JSON error only); a request
     * that was never decided (refused by nginx, or the client went away
     * while sending the body) was not forwarded: an error.
     */

    if (!ngx_http_fgs_policy_decided(ctx) && ctx->verdict.op == FGS_OP_NONE) {
        return;
    }

    op = ctx->verdict.op;
    decision = ngx_http_fgs_policy_decided(ctx) ? ctx->verdict.decision
                                                : FGS_DECISION_ERROR;

    if (op >= NGX_HTTP_FGS_POLICY_METRICS_OPS
        || decision >= NGX_HTTP_FGS_POLICY_METRICS_DECISIONS)
    {
        return;
    }

    (void) ngx_atomic_fetch_add(&sh->requests[op][decision], 1);

    if (!ctx->verdict.evaluated) {
        return;
    }

    /* most requests break no rule: no list to walk, not even a call */

    if (ctx->verdict.eval.violations.head) {
        ngx_http_fgs_policy_metrics_rules(sh, shpool,
                                   ctx->verdict.eval.violations.head, NULL,
                                   NGX_HTTP_FGS_POLICY_METRICS_ENFORCED);
    }

    if (ctx->verdict.eval.audited.head) {
        ngx_http_fgs_policy_metrics_rules(sh, shpool,
                                   ctx->verdict.eval.audited.head, NULL,
                                   NGX_HTTP_FGS_POLICY_METRICS_AUDITED);
    }

    if (ctx->verdict.eval.rewrites) {
        ngx_http_fgs_policy_metrics_rules(sh, shpool,
                                   NULL, ctx->verdict.eval.rewrites,
                                   NGX_HTTP_FGS_POLICY_METRICS_REWRITES);
    }

    if (ctx->verdict.eval.waived) {
        ngx_http_fgs_policy_metrics_rules(sh, shpool,
                                   NULL, ctx->verdict.eval.waived,
                                   NGX_HTTP_FGS_POLICY_METRICS_WAIVERS);
    }
}


void
ngx_http_fgs_policy_metrics_audit_failure(void)
{
    ngx_http_fgs_policy_main_conf_t   *fmcf;
    ngx_http_fgs_policy_metrics_sh_t  *sh;

    /* the cycle a worker serves, whichever configuration it is */

    fmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_fgs_policy_module);

    sh = ngx_http_fgs_policy_metrics_sh(fmcf);

    if (sh != NULL) {
        (void) ngx_atomic_fetch_add(&sh->audit_failures, 1);
    }
}


/*
 * Adds one to the counter of every distinct rule in a list of
 * violations (or of notes): a rule counts once per request however many
 * fields it found wrong.  A rule's entries are adjacent in the engine's
 * lists, but that is not relied upon for the first rules seen.
 */

static void
ngx_http_fgs_policy_metrics_rules(ngx_http_fgs_policy_metrics_sh_t *sh,
    ngx_slab_pool_t *shpool, fgs_violation_t *vi, fgs_rule_note_t *note,
    ngx_uint_t index)
{
    ngx_uint_t   i, n;
    const char  *rule, *seen[NGX_HTTP_FGS_POLICY_METRICS_SEEN];

    n = 0;

    for ( ;; ) {

        if (vi) {
            rule = vi->rule;
            vi = vi->next;

        } else if (note) {
            rule = note->rule;
            note = note->next;

        } else {
            return;
        }

        if (rule == NULL) {
            continue;
        }

        for (i = 0; i < n; i++) {
            if (seen[i] == rule || ngx_strcmp(seen[i], rule) == 0) {
                break;
            }
        }

        if (i < n) {
            continue;
        }

        if (n < NGX_HTTP_FGS_POLICY_METRICS_SEEN) {
            seen[n++] = rule;

        } else if (ngx_strcmp(seen[n - 1], rule) == 0) {
            continue;

        } else {
            seen[n - 1] = rule;
        }

        ngx_http_fgs_policy_metrics_add(&sh->rules, shpool,
                                        (const u_char *) rule,
                                        ngx_strlen(rule), index);
    }
}


static void
ngx_http_fgs_policy_metrics_add(ngx_http_fgs_policy_metrics_table_t *t,
    ngx_slab_pool_t *shpool, const u_char *name, size_t len,
    ngx_uint_t index)
{
    ngx_uint_t                           key, i, probes;
    ngx_http_fgs_policy_metrics_slot_t  *s;

    if (len == 0 || len > NGX_HTTP_FGS_POLICY_METRICS_NAME_LEN) {
        s = &t->slots[t->n];
        goto count;
    }

    key = ngx_crc32_short((u_char *) name, len) | 1;

    s = ngx_http_fgs_policy_metrics_find(t, key, name, len);

    if (s != NULL) {
        goto count;
    }

    /*
     * A new name: under the mutex, look again (another worker may have
     * just taken a slot for it) and take the first free one.  The name
     * is written before the key that makes the slot visible.
     */

    ngx_shmtx_lock(&shpool->mutex);

    s = ngx_http_fgs_policy_metrics_find(t, key, name, len);

    if (s == NULL) {

        if (t->used >= t->n / 4 * 3) {
            s = &t->slots[t->n];

        } else {
            i = key % t->n;

            for (probes = 0; probes < t->n; probes++) {
                if (t->slots[i].key == 0) {
                    break;
                }

                i = (i + 1) % t->n;
            }

            s = &t->slots[i];

            ngx_memcpy(s->name, name, len);
            s->len = len;

            ngx_memory_barrier();

            s->key = key;
            t->used++;
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);

count:

    (void) ngx_atomic_fetch_add(&s->count[index], 1);
}


/* the slot of the name, or NULL when it has none yet; takes no lock */

static ngx_http_fgs_policy_metrics_slot_t *
ngx_http_fgs_policy_metrics_find(ngx_http_fgs_policy_metrics_table_t *t,
    ngx_uint_t key, const u_char *name, size_t len)
{
    ngx_uint_t                           i, probes;
    ngx_atomic_uint_t                    k;
    ngx_http_fgs_policy_metrics_slot_t  *s;

    i = key % t->n;

    for (probes = 0; probes < t->n; probes++) {
        s = &t->slots[i];
        k = s->key;

        if (k == 0) {
            return NULL;
        }

        if (k == key) {

            /* the name was stored before the key: read it after */

            ngx_memory_barrier();

            if (s->len == len && ngx_memcmp(s->name, name, len) == 0) {
                return s;
            }
        }

        i = (i + 1) % t->n;
    }

    return NULL;
}


ngx_int_t
ngx_http_fgs_policy_metrics_conf(ngx_conf_t *cf,
    ngx_http_fgs_policy_main_conf_t *fmcf)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_fgs_policy_metrics_conf_cleanup;
    cln->data = fmcf;

    return NGX_OK;
}


void
ngx_http_fgs_policy_metrics_loaded(ngx_cycle_t *cycle)
{
    ngx_http_fgs_policy_main_conf_t   *fmcf;
    ngx_http_fgs_policy_metrics_sh_t  *sh;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_fgs_policy_module);
    if (fmcf == NULL) {
        return;
    }

    fmcf->loaded = 1;

    sh = ngx_http_fgs_policy_metrics_sh(fmcf);

    if (sh != NULL) {
        sh->reload_ok = 1;
    }
}


/*
 * The pool of a configuration is destroyed when the configuration fails
 * to load, or later, when a newer one replaced it (then it was loaded).
 * Only the master reloads; its ngx_cycle is still the running
 * configuration when a new one fails.
 */

static void
ngx_http_fgs_policy_metrics_conf_cleanup(void *data)
{
    ngx_http_fgs_policy_main_conf_t *fmcf = data;

    ngx_http_fgs_policy_metrics_sh_t  *sh;

    if (fmcf->loaded || ngx_process != NGX_PROCESS_MASTER) {
        return;
    }

    sh = ngx_http_fgs_policy_metrics_running();

    if (sh != NULL) {
        (void) ngx_atomic_fetch_add(&sh->reload_failures, 1);
        sh->reload_ok = 0;
    }
}


/* the counters of the running configuration, or NULL when it has none */

static ngx_http_fgs_policy_metrics_sh_t *
ngx_http_fgs_policy_metrics_running(void)
{
    ngx_uint_t        i;
    ngx_shm_zone_t   *zone;
    ngx_list_part_t  *part;

    part = (ngx_list_part_t *) &ngx_cycle->shared_memory.part;
    zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            zone = part->elts;
            i = 0;
        }

        if (zone[i].tag == &ngx_http_fgs_policy_module
            && zone[i].shm.name.len == ngx_http_fgs_policy_metrics_name.len
            && ngx_strncmp(zone[i].shm.name.data,
                           ngx_http_fgs_policy_metrics_name.data,
                           ngx_http_fgs_policy_metrics_name.len)
               == 0)
        {
            return zone[i].data;
        }
    }
}


static ngx_int_t
ngx_http_fgs_policy_metrics_handler(ngx_http_request_t *r)
{
    u_char                               *p, *last;
    size_t                                size;
    ngx_int_t                             rc;
    ngx_buf_t                            *b;
    ngx_uint_t                            op, d;
    ngx_chain_t                           out;
    ngx_array_t                           rules, codes;
    ngx_http_fgs_policy_main_conf_t      *fmcf;
    ngx_http_fgs_policy_metrics_sh_t     *sh;
    ngx_http_fgs_policy_metrics_family_t *f;
    fgs_version_libs_t                    libs;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_fgs_policy_module);

    sh = ngx_http_fgs_policy_metrics_sh(fmcf);
    if (sh == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_fgs_policy_metrics_snapshot(r->pool, &sh->rules, &rules)
        != NGX_OK
        || ngx_http_fgs_policy_metrics_snapshot(r->pool, &sh->codes, &codes)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    size = NGX_HTTP_FGS_POLICY_METRICS_FIXED
           + (rules.nelts * (NGX_HTTP_FGS_POLICY_METRICS_NCOUNTS)
              + codes.nelts)
             * NGX_HTTP_FGS_POLICY_METRICS_LINE
           + ngx_http_fgs_policy_metrics_waivers_size(fmcf);

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = b->pos;
    last = b->end;

    p = ngx_slprintf(p, last,
                     "# HELP fgs_policy_requests_total Governed FunctionGraph "
                     "requests, by operation and decision.\n"
                     "# TYPE fgs_policy_requests_total counter\n");

    for (op = 0; op < NGX_HTTP_FGS_POLICY_METRICS_OPS; op++) {
        for (d = 0; d < NGX_HTTP_FGS_POLICY_METRICS_DECISIONS; d++) {

            /* a request whose operation is not known is an error */

            if (op == FGS_OP_NONE && d != FGS_DECISION_ERROR) {
                continue;
            }

            p = ngx_slprintf(p, last, "fgs_policy_requests_total"
                             "{operation=\"%s\",decision=\"%s\"} %uA\n",
                             op == FGS_OP_NONE ? "unknown"
                                               : fgs_op_name(op),
                             ngx_http_fgs_policy_metrics_decisions[d],
                             sh->requests[op][d]);
        }
    }

    for (f = ngx_http_fgs_policy_metrics_families; f->name; f++) {
        p = ngx_http_fgs_policy_metrics_family(p, last, f,
                                               f->codes ? &codes : &rules);
    }

    p = ngx_slprintf(p, last,
                     "# HELP fgs_policy_audit_write_failures_total Audit "
                     "records that could not be written.\n"
                     "# TYPE fgs_policy_audit_write_failures_total counter\n"
                     "fgs_policy_audit_write_failures_total %uA\n",
                     sh->audit_failures);

    p = ngx_slprintf(p, last,
                     "# HELP fgs_policy_reload_failures_total Reloads whose "
                     "configuration did not load (a policy that does not "
                     "load, among others): the previous configuration and "
                     "policy keep serving.\n"
                     "# TYPE fgs_policy_reload_failures_total counter\n"
                     "fgs_policy_reload_failures_total %uA\n"
                     "# HELP fgs_policy_last_reload_successful Whether the "
                     "last configuration nginx tried to load, at start or "
                     "on a reload, loaded (1) or not (0).\n"
                     "# TYPE fgs_policy_last_reload_successful gauge\n"
                     "fgs_policy_last_reload_successful %uA\n",
                     sh->reload_failures, sh->reload_ok);

    p = ngx_http_fgs_policy_metrics_waivers(p, last, fmcf);

    fgs_version_libs(&libs);

    p = ngx_slprintf(p, last,
                     "# HELP fgs_policy_build_info The module's version "
                     "and the versions of the libraries it runs with.\n"
                     "# TYPE fgs_policy_build_info gauge\n"
                     "fgs_policy_build_info{version=\"" FGS_VERSION "\","
                     "jansson=\"%s\",pcre2=\"%s\",openssl=\"%s\"} 1\n",
                     libs.jansson, libs.pcre2, libs.openssl);

    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;
    r->headers_out.content_type = ngx_http_fgs_policy_metrics_type;
    r->headers_out.content_type_len = ngx_http_fgs_policy_metrics_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * Copies every taken slot (and the overflow slot when it counted
 * anything) into rows, sorted by name, so that one scrape reads each
 * counter once and prints names in a stable order.
 */

static ngx_int_t
ngx_http_fgs_policy_metrics_snapshot(ngx_pool_t *pool,
    ngx_http_fgs_policy_metrics_table_t *t, ngx_array_t *rows)
{
    ngx_uint_t                           i, j, any;
    ngx_http_fgs_policy_metrics_row_t   *row;
    ngx_http_fgs_policy_metrics_slot_t  *s;

    if (ngx_array_init(rows, pool, 16,
                       sizeof(ngx_http_fgs_policy_metrics_row_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i <= t->n; i++) {
        s = &t->slots[i];

        if (i < t->n) {
            if (s->key == 0) {
                continue;
            }

            ngx_memory_barrier();

        } else {
            any = 0;

            for (j = 0; j < NGX_HTTP_FGS_POLICY_METRICS_NCOUNTS; j++) {
                any |= (s->count[j] != 0);
            }

            if (!any) {
                continue;
            }
        }

        row = ngx_array_push(rows);
        if (row == NULL) {
            return NGX_ERROR;
        }

        for (j = 0; j < NGX_HTTP_FGS_POLICY_METRICS_NCOUNTS; j++) {
            row->count[j] = s->count[j];
        }

        if (i < t->n) {
            row->len = ngx_min(s->len, NGX_HTTP_FGS_POLICY_METRICS_NAME_LEN);
            ngx_memcpy(row->name, s->name, row->len);

        } else {
            row->len = sizeof("(other)") - 1;
            ngx_memcpy(row->name, "(other)", row->len);
        }
    }

    ngx_qsort(rows->elts, rows->nelts,
              sizeof(ngx_http_fgs_policy_metrics_row_t),
              ngx_http_fgs_policy_metrics_cmp);

    return NGX_OK;
}


static int ngx_libc_cdecl
ngx_http_fgs_policy_metrics_cmp(const void *one, const void *two)
{
    const ngx_http_fgs_policy_metrics_row_t  *a = one;
    const ngx_http_fgs_policy_metrics_row_t  *b = two;

    int  rc;

    rc = ngx_memcmp(a->name, b->name, ngx_min(a->len, b->len));

    if (rc != 0) {
        return rc;
    }

    return (a->len > b->len) - (a->len < b->len);
}


/*
 * The HELP and TYPE lines (once per family name: a family printed in
 * two parts has no help on the second) and one line per name whose
 * counter is not zero: a counter that never moved is not a series yet.
 */

static u_char *
ngx_http_fgs_policy_metrics_family(u_char *p, u_char *last,
    ngx_http_fgs_policy_metrics_family_t *f, ngx_array_t *rows)
{
    ngx_uint_t                          i;
    ngx_http_fgs_policy_metrics_row_t  *row;

    if (f->help) {
        p = ngx_slprintf(p, last, "# HELP %s %s\n# TYPE %s counter\n",
                         f->name, f->help, f->name);
    }

    row = rows->elts;

    for (i = 0; i < rows->nelts; i++) {

        if (row[i].count[f->index] == 0) {
            continue;
        }

        p = ngx_slprintf(p, last, "%s{%s=\"", f->name, f->label);
        p = ngx_http_fgs_policy_metrics_escape(p, last, row[i].name,
                                               row[i].len);
        p = ngx_slprintf(p, last, "\"%s} %uA\n", f->extra,
                         row[i].count[f->index]);
    }

    return p;
}


/* a label value as the text format wants it: \\, \" and \n escaped */

static u_char *
ngx_http_fgs_policy_metrics_escape(u_char *p, u_char *last, const u_char *s,
    size_t len)
{
    u_char  c;

    while (len-- && p < last) {
        c = *s++;

        if (c == '\\' || c == '"' || c == '\n') {
            if (last - p < 2) {
                break;
            }

            *p++ = '\\';
            *p++ = (c == '\n') ? 'n' : c;
            continue;
        }

        *p++ = c;
    }

    return p;
}


/*
 * The exceptions of every policy file of the configuration, one line
 * per rule each waives, with its expiry as Unix time.  Labels: the
 * policy file, the rule and the exception (a file's ids are unique).
 */

#define NGX_HTTP_FGS_POLICY_METRICS_WAIVER                                    \
    "fgs_policy_exception_expiry_timestamp_seconds"

static size_t
ngx_http_fgs_policy_metrics_waivers_size(
    ngx_http_fgs_policy_main_conf_t *fmcf)
{
    size_t                       size;
    time_t                       expires;
    uint32_t                     i, j;
    ngx_uint_t                   k;
    const char                  *rule, *id;
    ngx_http_fgs_policy_file_t  *file;

    size = 0;
    file = fmcf->files.elts;

    for (k = 0; k < fmcf->files.nelts; k++) {
        for (i = 0; i < fgs_policy_nrules(file[k].policy); i++) {
            for (j = 0; /* void */ ; j++) {
                id = fgs_policy_waiver(file[k].policy, i, j, &rule,
                                       &expires);
                if (id == NULL) {
                    break;
                }

                /* each label value escaped: at most twice its length */

                size += sizeof(NGX_HTTP_FGS_POLICY_METRICS_WAIVER)
                        + sizeof("{policy=\"\",rule=\"\",exception=\"\"} \n")
                        + 2 * (file[k].file.len + ngx_strlen(rule)
                               + ngx_strlen(id))
                        + NGX_TIME_T_LEN;
            }
        }
    }

    return size + 512;      /* HELP and TYPE */
}


static u_char *
ngx_http_fgs_policy_metrics_waivers(u_char *p, u_char *last,
    ngx_http_fgs_policy_main_conf_t *fmcf)
{
    time_t                       expires;
    uint32_t                     i, j;
    ngx_uint_t                   k;
    const char                  *rule, *id;
    ngx_http_fgs_policy_file_t  *file;

    p = ngx_slprintf(p, last,
                     "# HELP " NGX_HTTP_FGS_POLICY_METRICS_WAIVER
                     " When each exception of the loaded policies expires "
                     "(Unix time), by policy file, rule waived and "
                     "exception.\n"
                     "# TYPE " NGX_HTTP_FGS_POLICY_METRICS_WAIVER
                     " gauge\n");

    file = fmcf->files.elts;

    for (k = 0; k < fmcf->files.nelts; k++) {
        for (i = 0; i < fgs_policy_nrules(file[k].policy); i++) {
            for (j = 0; /* void */ ; j++) {
                id = fgs_policy_waiver(file[k].policy, i, j, &rule,
                                       &expires);
                if (id == NULL) {
                    break;
                }

                p = ngx_slprintf(p, last,
                                 NGX_HTTP_FGS_POLICY_METRICS_WAIVER
                                 "{policy=\"");
                p = ngx_http_fgs_policy_metrics_escape(p, last,
                                                       file[k].file.data,
                                                       file[k].file.len);
                p = ngx_slprintf(p, last, "\",rule=\"");
                p = ngx_http_fgs_policy_metrics_escape(p, last,
                                                       (u_char *) rule,
                                                       ngx_strlen(rule));
                p = ngx_slprintf(p, last, "\",exception=\"");
                p = ngx_http_fgs_policy_metrics_escape(p, last,
                                                       (u_char *) id,
                                                       ngx_strlen(id));
                p = ngx_slprintf(p, last, "\"} %T\n", expires);
            }
        }
    }

    return p;
}

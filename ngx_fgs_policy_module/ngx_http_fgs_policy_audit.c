
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The audit records of governed requests (docs/audit.md):
 *
 *   fgs_policy_audit_log PATH [buffer=SIZE] [flush=TIME] [best_effort]
 *                        | syslog:server=... [best_effort] | off;
 *   fgs_policy_audit_fail closed | open;
 *
 * fgs_policy_audit_log may be given more than once in a context (a file
 * and a collector, say): every record goes to each destination, and
 * each destination has its own chains.  A destination declared
 * "best_effort" gets every record too, but the guarantee below does not
 * rest on it: a collector that is down then costs its records, counted and
 * logged, not the gateway's service (docs/audit.md, "What
 * fgs_policy_audit_fail guarantees").
 *
 * Every governed request gets one "request" record, written in the log
 * phase, when the status sent to the client and the upstream's answer
 * (or that there was none) are known: allowed, rewritten, audited and
 * denied requests, those refused before the policy (by this module or
 * by nginx) and other writes.
 *
 * With "fgs_policy_audit_fail closed" (the default) a request that is
 * about to be forwarded first gets an "intent" record, made in
 * PRECONTENT right after the decision, before any content handler,
 * mirror or try_files can send it on.  The request waits there until
 * the intent is written: in a file, with the intents of the other
 * requests decided in the same turn of the worker's event loop, in one
 * write() at the end of that turn (docs/audit.md, "Buffering").  When
 * that write fails (at any of the destinations) the request is refused
 * with 503 FGSPOL.5030 and nothing is forwarded: no change reaches
 * FunctionGraph without a record of it having been accepted by every
 * destination beforehand (every one not declared best_effort).
 * With "open" there is no intent: the request goes on whatever happens
 * to its record, and a record that cannot be written is an alert.
 * Request records wait in a file's buffer (buffer=, flush=).
 *
 * What a record never holds: tokens (only the first 16 hex digits of an
 * X-Auth-Token's SHA-256), signatures, the body (only its size and
 * SHA-256), header values other than the access key of an AK/SK
 * signature, the query string.  Violation messages never quote
 * user_data, encrypted_user_data or func_code.file (the engine sees to
 * it).
 */


#include "ngx_http_fgs_policy_audit.h"
#include "ngx_http_fgs_policy_audit_body.h"
#include "ngx_http_fgs_policy_audit_log.h"
#include "ngx_http_fgs_policy_ctx.h"
#include "ngx_http_fgs_policy_request_id.h"


/* what the audit keeps of a request, for its intent and its record */
struct ngx_http_fgs_policy_audit_req_s {
    ngx_http_fgs_policy_audit_body_t  body;

    fgs_identity_t            identity;
    char                      body_sha256[FGS_SHA256_HEX_LEN + 1];
    char                      forwarded_sha256[FGS_SHA256_HEX_LEN + 1];
    unsigned                  known:1;      /* identity and hashes */
    unsigned                  body_hashed:1;
    unsigned                  forwarded_hashed:1;
    ngx_http_request_t       *request;
    ngx_queue_t               queue;        /* while its intent waits */

    /* where the intent went, one per destination */
    ngx_http_fgs_policy_audit_mark_t  *marks;
    ngx_uint_t                nmarks;

    unsigned                  waiting:1;    /* for the commit */
    unsigned                  refused:1;    /* its intent was lost */
    unsigned                  intent:1;     /* the intent is written */
    unsigned                  done:1;       /* the record is written */
};


static ngx_int_t ngx_http_fgs_policy_audit_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_fgs_policy_audit_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_http_fgs_policy_audit_req_t *ngx_http_fgs_policy_audit_req(
    ngx_http_request_t *r, ngx_http_fgs_policy_ctx_t *ctx);
static void ngx_http_fgs_policy_audit_identity(ngx_http_request_t *r,
    ngx_http_fgs_policy_audit_req_t *ar);
static ngx_int_t ngx_http_fgs_policy_audit_hashes(
    ngx_http_fgs_policy_ctx_t *ctx, ngx_http_fgs_policy_audit_req_t *ar);
static ngx_int_t ngx_http_fgs_policy_audit_record(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_http_fgs_policy_loc_conf_t *flcf,
    ngx_http_fgs_policy_audit_req_t *ar, fgs_audit_kind_e kind);
static void ngx_http_fgs_policy_audit_outcome(ngx_http_request_t *r,
    fgs_audit_record_t *rec);
static void ngx_http_fgs_policy_audit_upstream_id(ngx_http_request_t *r,
    fgs_audit_record_t *rec);
static ngx_int_t ngx_http_fgs_policy_audit_wait(ngx_http_request_t *r,
    ngx_http_fgs_policy_audit_req_t *ar);
static void ngx_http_fgs_policy_audit_post_commit(ngx_http_request_t *r);
static void ngx_http_fgs_policy_audit_commit_handler(ngx_event_t *ev);
static void ngx_http_fgs_policy_audit_wait_cleanup(void *data);


static ngx_http_request_body_filter_pt   ngx_http_next_request_body_filter;


/*
 * This worker's requests whose intents wait for the commit, an event
 * posted for the end of the turn of the event loop that decided them,
 * and the destinations of the configuration.
 */
static ngx_queue_t   ngx_http_fgs_policy_audit_waiting;
static ngx_event_t   ngx_http_fgs_policy_audit_commit_ev;
static ngx_array_t  *ngx_http_fgs_policy_audit_commit_logs;


static ngx_conf_enum_t  ngx_http_fgs_policy_audit_fails[] = {
    { ngx_string("closed"), NGX_HTTP_FGS_POLICY_AUDIT_CLOSED },
    { ngx_string("open"), NGX_HTTP_FGS_POLICY_AUDIT_OPEN },
    { ngx_null_string, 0 }
};


char *
ngx_http_fgs_policy_audit_set_log(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_fgs_policy_loc_conf_t *flcf = conf;

    size_t                             buffer;
    ssize_t                            size;
    ngx_str_t                         *value, s;
    ngx_msec_t                         flush;
    ngx_uint_t                         i, best_effort;
    ngx_http_fgs_policy_audit_log_t   *al, **alp;
    ngx_http_fgs_policy_main_conf_t   *fmcf;

    value = cf->args->elts;

    best_effort = 0;
    buffer = NGX_CONF_UNSET_SIZE;
    flush = NGX_CONF_UNSET_MSEC;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strcmp(value[i].data, "best_effort") == 0 && !best_effort) {
            best_effort = 1;
            continue;
        }

        if (ngx_strncmp(value[i].data, "buffer=", 7) == 0
            && buffer == NGX_CONF_UNSET_SIZE)
        {
            s.len = value[i].len - 7;
            s.data = value[i].data + 7;

            size = ngx_parse_size(&s);

            if (size == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid buffer size \"%V\"", &s);
                return NGX_CONF_ERROR;
            }

            buffer = (size_t) size;
            continue;
        }

        if (ngx_strncmp(value[i].data, "flush=", 6) == 0
            && flush == NGX_CONF_UNSET_MSEC)
        {
            s.len = value[i].len - 6;
            s.data = value[i].data + 6;

            flush = ngx_parse_time(&s, 0);

            if (flush == (ngx_msec_t) NGX_ERROR || flush == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid flush time \"%V\"", &s);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": the parameters are "
                           "\"best_effort\", \"buffer=\" and \"flush=\", "
                           "each at most once", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (ngx_strcmp(value[1].data, "off") == 0) {

        if (cf->args->nelts > 2) {
            return "off takes no parameter";
        }

        if (flcf->audit_log != NGX_CONF_UNSET_PTR) {
            return "off cannot be combined with another "
                   "fgs_policy_audit_log here";
        }

        flcf->audit_log = NULL;

        return NGX_CONF_OK;
    }

    if (flcf->audit_log == NULL) {
        return "cannot follow fgs_policy_audit_log off here";
    }

    if (flcf->audit_log == NGX_CONF_UNSET_PTR) {
        flcf->audit_log = ngx_array_create(cf->pool, 2,
                                   sizeof(ngx_http_fgs_policy_audit_log_t *));
        if (flcf->audit_log == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_fgs_policy_module);

    al = ngx_http_fgs_policy_audit_log_add(cf, &fmcf->audit_logs, &value[1],
                                           best_effort, buffer, flush);
    if (al == NULL) {
        return NGX_CONF_ERROR;
    }

    alp = flcf->audit_log->elts;

    for (i = 0; i < flcf->audit_log->nelts; i++) {
        if (alp[i] == al) {
            return "is duplicate";
        }
    }

    alp = ngx_array_push(flcf->audit_log);
    if (alp == NULL) {
        return NGX_CONF_ERROR;
    }

    *alp = al;

    return NGX_CONF_OK;
}


char *
ngx_http_fgs_policy_audit_set_fail(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_command_t  c;

    c = *cmd;
    c.post = ngx_http_fgs_policy_audit_fails;

    return ngx_conf_set_enum_slot(cf, &c, conf);
}


/*
 * "closed" promises that no change is forwarded before a destination
 * accepted its record: with only best_effort destinations nothing would
 * keep that promise, and a configuration that says it is refused.
 */

char *
ngx_http_fgs_policy_audit_merge_check(ngx_conf_t *cf,
    ngx_http_fgs_policy_loc_conf_t *flcf)
{
    ngx_uint_t                         i;
    ngx_http_fgs_policy_audit_log_t  **alp;

    if (flcf->audit_log == NULL
        || flcf->audit_fail != NGX_HTTP_FGS_POLICY_AUDIT_CLOSED)
    {
        return NGX_CONF_OK;
    }

    alp = flcf->audit_log->elts;

    for (i = 0; i < flcf->audit_log->nelts; i++) {
        if (ngx_http_fgs_policy_audit_log_required(alp[i])) {
            return NGX_CONF_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"fgs_policy_audit_fail closed\" needs an audit "
                       "destination that is not best_effort, such as a "
                       "local file");

    return NGX_CONF_ERROR;
}


/*
 * The intent has no handler of its own: the module's PRECONTENT handler
 * calls it after the policy's (ngx_http_fgs_policy_audit_intent()).
 * Neither the log-phase handler nor the request body filter depends on
 * where the module's other handlers and filters stand: the record is
 * written once all is known, and the hash takes the body's buffers
 * whether or not the module's check of the body's size saw them first.
 */

ngx_int_t
ngx_http_fgs_policy_audit_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_fgs_policy_audit_handler;

    ngx_http_next_request_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_fgs_policy_audit_body_filter;

    return NGX_OK;
}


/*
 * Called right after the policy's PRECONTENT handler declined, in every
 * location a decided request passes through (again after an internal
 * redirect, when the intent is already written): the decision is known
 * then, and nothing (a content handler, mirror, try_files) can have
 * forwarded the request yet.
 */

ngx_int_t
ngx_http_fgs_policy_audit_intent(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ngx_http_fgs_policy_ctx_t        *ctx;
    ngx_http_fgs_policy_audit_req_t  *ar;

    if (r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_fgs_policy_get_ctx(r);

    if (ctx == NULL || ctx->state != NGX_HTTP_FGS_POLICY_FORWARDED
        || ctx->conf == NULL
        || ctx->conf->audit_log == NULL
        || ctx->conf->audit_fail != NGX_HTTP_FGS_POLICY_AUDIT_CLOSED
        || (ctx->audit && ctx->audit->intent))
    {
        return NGX_DECLINED;
    }

    ar = ngx_http_fgs_policy_audit_req(r, ctx);

    if (ar == NULL) {
        return ngx_http_fgs_policy_internal_error(r, ctx,
                                     "no memory for the audit record");
    }

    if (ar->waiting) {
        /* the phases ran again before the commit: it resumes them */
        return NGX_AGAIN;
    }

    if (ar->refused) {
        goto refused;
    }

    rc = ngx_http_fgs_policy_audit_record(r, ctx, ctx->conf, ar,
                                          FGS_AUDIT_INTENT);

    if (rc == NGX_AGAIN) {
        return ngx_http_fgs_policy_audit_wait(r, ar);
    }

    if (rc != NGX_OK) {
        goto refused;
    }

    ar->intent = 1;

    return NGX_DECLINED;

refused:

    return ngx_http_fgs_policy_reject(r, ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
               "FGSPOL.5030",
               "the audit record of this change could not be written, so "
               "it was not forwarded; retry later, and tell the gateway's "
               "operator if it persists", NULL);
}


/*
 * The intent waits in its files' buffers: the request waits with it,
 * for the commit at the end of this turn of the event loop, which
 * writes the intents of every request decided in the turn together and
 * then resumes their phases (docs/audit.md, "Buffering").  Should the
 * request go first (the connection closes), the pool's cleanup takes it
 * out of the queue.
 */

static ngx_int_t
ngx_http_fgs_policy_audit_wait(ngx_http_request_t *r,
    ngx_http_fgs_policy_audit_req_t *ar)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        /* the intent is written with the next commit; this request not */
        ar->refused = 1;
        return ngx_http_fgs_policy_audit_intent(r);
    }

    cln->handler = ngx_http_fgs_policy_audit_wait_cleanup;
    cln->data = ar;

    ar->request = r;
    ar->waiting = 1;

    ngx_queue_insert_tail(&ngx_http_fgs_policy_audit_waiting, &ar->queue);

    r->write_event_handler = ngx_http_core_run_phases;

    return NGX_AGAIN;
}


/* the commit of the intents that wait, posted once per turn */

static void
ngx_http_fgs_policy_audit_post_commit(ngx_http_request_t *r)
{
    ngx_event_t                      *ev;
    ngx_http_fgs_policy_main_conf_t  *fmcf;

    ev = &ngx_http_fgs_policy_audit_commit_ev;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_fgs_policy_module);
    ngx_http_fgs_policy_audit_commit_logs = fmcf->audit_logs;

    if (ev->handler == NULL) {
        ngx_queue_init(&ngx_http_fgs_policy_audit_waiting);
        ev->handler = ngx_http_fgs_policy_audit_commit_handler;
    }

    if (!ev->posted) {
        ev->log = ngx_cycle->log;
        ngx_post_event(ev, &ngx_posted_events);
    }
}


/*
 * The end of the turn: the intents that wait are written, and each
 * request that waited goes on when every destination of its own that
 * carries the guarantee took its intent, or is refused (503
 * FGSPOL.5030) when one lost it.  Its phases resume from the module's
 * PRECONTENT handler, through its connection's write event.
 */

static void
ngx_http_fgs_policy_audit_commit_handler(ngx_event_t *ev)
{
    ngx_uint_t                         i;
    ngx_queue_t                       *q;
    ngx_array_t                       *logs;
    ngx_http_request_t                *r;
    ngx_http_fgs_policy_ctx_t         *ctx;
    ngx_http_fgs_policy_audit_req_t   *ar;
    ngx_http_fgs_policy_audit_log_t  **alp;

    logs = ngx_http_fgs_policy_audit_commit_logs;

    ngx_http_fgs_policy_audit_log_commit(logs, ev->log);

    while (!ngx_queue_empty(&ngx_http_fgs_policy_audit_waiting)) {
        q = ngx_queue_head(&ngx_http_fgs_policy_audit_waiting);
        ngx_queue_remove(q);

        ar = ngx_queue_data(q, ngx_http_fgs_policy_audit_req_t, queue);
        ar->waiting = 0;

        r = ar->request;
        ctx = ngx_http_fgs_policy_get_ctx(r);

        alp = ctx->conf->audit_log->elts;

        for (i = 0; i < ctx->conf->audit_log->nelts; i++) {
            if (ngx_http_fgs_policy_audit_log_required(alp[i])
                && ngx_http_fgs_policy_audit_log_lost(alp[i]))
            {
                ar->refused = 1;
                break;
            }
        }

        ar->intent = !ar->refused;

        ngx_post_event(r->connection->write, &ngx_posted_events);
    }

    ngx_http_fgs_policy_audit_log_committed(logs);
}


/* a request that goes while its intent waits: out of the queue */

static void
ngx_http_fgs_policy_audit_wait_cleanup(void *data)
{
    ngx_http_fgs_policy_audit_req_t  *ar = data;

    if (ar->waiting) {
        ngx_queue_remove(&ar->queue);
        ar->waiting = 0;
    }
}


/*
 * The log phase: the record of every governed request, including those
 * refused before the policy.  A context that the error filter made for
 * a read or an invocation (no operation, never decided) is no governed
 * request.
 */

static ngx_int_t
ngx_http_fgs_policy_audit_handler(ngx_http_request_t *r)
{
    ngx_http_fgs_policy_ctx_t        *ctx;
    ngx_http_fgs_policy_loc_conf_t   *flcf;
    ngx_http_fgs_policy_audit_req_t  *ar;

    if (r != r->main) {
        return NGX_OK;
    }

    ctx = ngx_http_fgs_policy_get_ctx(r);

    if (ctx == NULL
        || (ctx->state == NGX_HTTP_FGS_POLICY_SEEN
            && ctx->verdict.op == FGS_OP_NONE)
        || (ctx->audit && ctx->audit->done))
    {
        return NGX_OK;
    }

    /* the settings that decided it; nginx's own errors: the location's */

    flcf = ctx->conf ? ctx->conf
                     : ngx_http_get_module_loc_conf(r,
                                                    ngx_http_fgs_policy_module);

    if (flcf->audit_log == NULL) {
        return NGX_OK;
    }

    ar = ngx_http_fgs_policy_audit_req(r, ctx);

    if (ar == NULL) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "fgs_policy: no memory for the audit record");
        return NGX_OK;
    }

    ar->done = 1;

    (void) ngx_http_fgs_policy_audit_record(r, ctx, flcf, ar,
                                            FGS_AUDIT_REQUEST);

    return NGX_OK;
}


/*
 * The body of a governed request that is audited, hashed as it arrives
 * (ngx_http_fgs_policy_audit_body.c).
 */

static ngx_int_t
ngx_http_fgs_policy_audit_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_http_fgs_policy_ctx_t        *ctx;
    ngx_http_fgs_policy_audit_req_t  *ar;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fgs_policy_module);

    if (ctx == NULL || ctx->state != NGX_HTTP_FGS_POLICY_READING
        || ctx->conf == NULL || ctx->conf->audit_log == NULL)
    {
        return ngx_http_next_request_body_filter(r, in);
    }

    ar = ngx_http_fgs_policy_audit_req(r, ctx);
    if (ar == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_fgs_policy_audit_body_update(r, &ar->body, in);

    return ngx_http_next_request_body_filter(r, in);
}


/* what the audit keeps of the request: made once, for both records */

static ngx_http_fgs_policy_audit_req_t *
ngx_http_fgs_policy_audit_req(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx)
{
    if (ctx->audit == NULL) {
        ctx->audit = ngx_pcalloc(ctx->request->pool,
                                 sizeof(ngx_http_fgs_policy_audit_req_t));
    }

    return ctx->audit;
}


/*
 * The caller, as the engine read it when it governed the request
 * (engine/request/fgs_request_identity.c); read here from the same facts
 * for a request nginx refused before the module governed it.  No header
 * value but an access key, and a token's hash prefix, is kept.
 */

static void
ngx_http_fgs_policy_audit_identity(ngx_http_request_t *r,
    ngx_http_fgs_policy_audit_req_t *ar)
{
    ngx_http_fgs_policy_ctx_t  *ctx;

    ctx = ngx_http_fgs_policy_get_ctx(r);

    if (ctx == NULL) {
        return;
    }

    if (ctx->verdict.identified) {
        ar->identity = ctx->verdict.identity;
        return;
    }

    if (fgs_request_identity(&ctx->facts, &ar->identity, &ctx->alloc)
        == FGS_ERROR)
    {
        ngx_memzero(&ar->identity, sizeof(fgs_identity_t));
    }
}


/*
 * body_sha256 and, for a rewritten body, forwarded_sha256, once the body
 * is read whole.
 */

static ngx_int_t
ngx_http_fgs_policy_audit_hashes(ngx_http_fgs_policy_ctx_t *ctx,
    ngx_http_fgs_policy_audit_req_t *ar)
{
    fgs_eval_t  *eval;

    if (ctx->body == NULL) {
        /* not read whole */
        return NGX_OK;
    }

    if (ngx_http_fgs_policy_audit_body_sha256(&ar->body, ctx->body,
                                              ctx->body_len, ar->body_sha256)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ar->body_hashed = 1;

    eval = &ctx->verdict.eval;

    if (ctx->verdict.decision != FGS_DECISION_REWRITE || eval->nedits == 0
        || ctx->forwarded_len == 0)
    {
        return NGX_OK;
    }

    if (ngx_http_fgs_policy_audit_body_edited_sha256(&ar->body, ctx->body,
                                    ctx->body_len, eval->edits, eval->nedits,
                                    ar->forwarded_sha256,
                                    ctx->request->connection->log)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ar->forwarded_hashed = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_fgs_policy_audit_record(ngx_http_request_t *r,
    ngx_http_fgs_policy_ctx_t *ctx, ngx_http_fgs_policy_loc_conf_t *flcf,
    ngx_http_fgs_policy_audit_req_t *ar, fgs_audit_kind_e kind)
{
    u_char                           *p;
    ngx_int_t                         rc, rv;
    ngx_uint_t                        i, wait;
    ngx_time_t                       *tp;
    fgs_policy_t                     *policy;
    fgs_audit_record_t                rec;
    ngx_http_variable_value_t        *vv;
    ngx_http_fgs_policy_audit_log_t **alp;

    /* the caller and the hashes, once the body is decided */

    if (!ar->known) {
        ngx_http_fgs_policy_audit_identity(r, ar);

        if (ngx_http_fgs_policy_audit_hashes(ctx, ar) != NGX_OK) {
            return NGX_ERROR;
        }

        ar->known = 1;
    }

    ngx_memzero(&rec, sizeof(fgs_audit_record_t));

    tp = ngx_timeofday();

    rec.kind = kind;
    rec.sec = tp->sec;
    rec.msec = tp->msec;

    vv = ngx_http_fgs_policy_request_id(r);

    if (vv && !vv->not_found) {
        rec.request_id.data = vv->data;
        rec.request_id.len = vv->len;
    }

    rec.client.data = r->connection->addr_text.data;
    rec.client.len = r->connection->addr_text.len;
    rec.method.data = r->method_name.data;
    rec.method.len = r->method_name.len;

    /* the target as decided on, without its query */

    if (ctx->verdict.target.path.len) {
        rec.uri = ctx->verdict.target.path;

    } else {
        rec.uri.data = r->unparsed_uri.data;
        p = ngx_strlchr(r->unparsed_uri.data,
                        r->unparsed_uri.data + r->unparsed_uri.len, '?');
        rec.uri.len = (p ? p : r->unparsed_uri.data + r->unparsed_uri.len)
                      - r->unparsed_uri.data;
    }

    rec.op = ctx->verdict.op;
    rec.project_id = ctx->verdict.target.project_id;
    rec.function_urn = ctx->verdict.target.urn;

    rec.identity = &ar->identity;
    rec.changes = ctx->verdict.changes;
    rec.changes_cut = ctx->verdict.changes_cut;

    rec.decision = ngx_http_fgs_policy_decided(ctx) ? ctx->verdict.decision
                                                    : FGS_DECISION_ERROR;

    policy = flcf->file ? flcf->file->policy : NULL;

    rec.mode = (fgs_mode_e) flcf->mode;

    if (rec.mode == FGS_MODE_UNSET && policy) {
        rec.mode = fgs_policy_mode(policy);
    }

    rec.policy_sha256 = policy ? fgs_policy_sha256(policy) : NULL;
    rec.policy = policy;

    /* the error the client got: this module's, or nginx's */

    rec.error_code = ctx->sent_code ? ctx->sent_code : ctx->err_code;

    if (ctx->err_code && rec.error_code
        && ngx_strcmp(rec.error_code, ctx->err_code) == 0)
    {
        rec.error_msg = ctx->err_msg;
    }

    if (ctx->verdict.evaluated) {
        rec.violations = ctx->verdict.eval.violations.head;
        rec.audited = ctx->verdict.eval.audited.head;
        rec.waived = ctx->verdict.eval.waived;
        rec.rewrites = ctx->verdict.eval.rewrites;

    } else {
        rec.violations = ctx->err_violations;
    }

    rec.body_bytes = ar->body_hashed ? (int64_t) ctx->body_len : -1;
    rec.body_sha256 = ar->body_hashed ? ar->body_sha256 : NULL;
    rec.forwarded_sha256 = ar->forwarded_hashed ? ar->forwarded_sha256
                                                : NULL;

    if (kind == FGS_AUDIT_REQUEST) {
        ngx_http_fgs_policy_audit_outcome(r, &rec);
    }

    /*
     * every destination, even after one failed: NGX_ERROR if any that
     * carries the guarantee did, else NGX_AGAIN if the intent waits in
     * one of them for the commit (posted whenever one waits)
     */

    rc = NGX_OK;
    wait = 0;
    alp = flcf->audit_log->elts;

    if (kind == FGS_AUDIT_INTENT && ar->marks == NULL) {
        /*
         * where the intent goes in each destination; should there be no
         * memory for it, the request records are written whole
         */

        ar->marks = ngx_pcalloc(r->pool, flcf->audit_log->nelts
                                * sizeof(ngx_http_fgs_policy_audit_mark_t));
        ar->nmarks = ar->marks ? flcf->audit_log->nelts : 0;
    }

    for (i = 0; i < flcf->audit_log->nelts; i++) {

        /*
         * A request record refers to its intent where the file holds the
         * intent whole, earlier in the same run of the chain: the same
         * destinations in the same order (the settings that decided the
         * request write both records)
         */

        if (kind == FGS_AUDIT_REQUEST) {
            rec.intent_seq = (i < ar->nmarks)
                ? ngx_http_fgs_policy_audit_log_intent(alp[i], &ar->marks[i])
                : 0;
        }

        rv = ngx_http_fgs_policy_audit_write(alp[i], &rec,
                                             r->connection->log);

        if (kind == FGS_AUDIT_INTENT && i < ar->nmarks) {
            if (rv == NGX_OK || rv == NGX_AGAIN) {
                ngx_http_fgs_policy_audit_log_mark(alp[i], &ar->marks[i]);

            } else {
                ar->marks[i].seq = 0;
            }
        }

        if (rv == NGX_AGAIN) {
            wait = 1;

            if (ngx_http_fgs_policy_audit_log_required(alp[i])
                && rc == NGX_OK)
            {
                rc = NGX_AGAIN;
            }

        } else if (rv != NGX_OK
                   && ngx_http_fgs_policy_audit_log_required(alp[i]))
        {
            rc = NGX_ERROR;
        }
    }

    if (wait) {
        ngx_http_fgs_policy_audit_post_commit(r);
    }

    return rc;
}


/*
 * The status sent to the client (as $status has it) and the upstream's:
 * that of the last attempt that got a response header.  "forwarded":
 * the upstream was tried at all; with no answer it was not reached, or
 * failed (connect error, time-out, an invalid header).
 */

static void
ngx_http_fgs_policy_audit_outcome(ngx_http_request_t *r,
    fgs_audit_record_t *rec)
{
    ngx_uint_t                  i;
    ngx_http_upstream_state_t  *state;

    if (r->err_status) {
        rec->status = r->err_status;

    } else if (r->headers_out.status) {
        rec->status = r->headers_out.status;

    } else if (r->http_version == NGX_HTTP_VERSION_9) {
        rec->status = 9;
    }

    if (r->upstream_states == NULL || r->upstream_states->nelts == 0) {
        return;
    }

    rec->forwarded = 1;

    ngx_http_fgs_policy_audit_upstream_id(r, rec);

    state = r->upstream_states->elts;

    for (i = r->upstream_states->nelts; i > 0; i--) {
        if (state[i - 1].status
            && state[i - 1].header_time != (ngx_msec_t) -1)
        {
            rec->upstream_status = state[i - 1].status;
            break;
        }
    }
}


/*
 * FunctionGraph's own id of the request, from its answer's X-Request-Id
 * (docs/audit.md, "A record"), so that a record joins the provider's
 * traces: 1 to 64 letters, digits, '-', '_' or '.', else none.
 */

static void
ngx_http_fgs_policy_audit_upstream_id(ngx_http_request_t *r,
    fgs_audit_record_t *rec)
{
    u_char            c;
    ngx_uint_t        i, j;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    if (r->upstream == NULL) {
        return;
    }

    part = &r->upstream->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len != sizeof("X-Request-Id") - 1
            || ngx_strncasecmp(h[i].key.data, (u_char *) "X-Request-Id",
                               sizeof("X-Request-Id") - 1) != 0)
        {
            continue;
        }

        if (h[i].value.len == 0 || h[i].value.len > 64) {
            return;
        }

        for (j = 0; j < h[i].value.len; j++) {
            c = h[i].value.data[j];

            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || (c >= '0' && c <= '9') || c == '-' || c == '_'
                  || c == '.'))
            {
                return;
            }
        }

        rec->upstream_request_id.data = h[i].value.data;
        rec->upstream_request_id.len = h[i].value.len;

        return;
    }
}

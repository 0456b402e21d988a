
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Helpers of the policy engine's unit tests: a policy from a string, a
 * request evaluated as the gateway does it (scan, evaluate), the
 * rewritten body materialised, scanned again and checked.
 */


#ifndef _TEST_POLICY_H_INCLUDED_
#define _TEST_POLICY_H_INCLUDED_


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "core/fgs_common.h"
#include "json/fgs_json.h"
#include "policy/fgs_policy.h"
#include "policy/fgs_policy_int.h"
#include "load/fgs_load.h"
#include "schema/fgs_schema.h"


#define TP_PROJECT  "0123456789abcdef0123456789abcdef"

/* 2026-11-23T10:00:00Z */
#define TP_NOW      ((time_t) 1795428000)


typedef struct {
    fgs_arena_t         arena;
    fgs_target_t        target;
    fgs_json_doc_t      doc;
    fgs_eval_input_t    in;
    fgs_eval_t          out;
    int                 rc;
    char               *body;       /* the forwarded body, NUL-terminated */
    size_t              len;
} tp_req_t;


#define TP_UNUSED  __attribute__ ((unused))


static TP_UNUSED char  tp_path[64];


/*
 * Writes text to a temporary file and loads it, as the gateway does or,
 * for the tests of the rewrite mechanics on fields of any shape, without
 * checking mutations against the API reference.
 */

static TP_UNUSED fgs_policy_t *
tp_load_as(const char *text, fgs_policy_error_t *err, int any_shape)
{
    int            fd;
    size_t         len;
    fgs_policy_t  *p;

    snprintf(tp_path, sizeof(tp_path), "/tmp/fgs-policy-test-XXXXXX");

    fd = mkstemp(tp_path);
    if (fd < 0) {
        perror("mkstemp");
        exit(2);
    }

    len = strlen(text);

    if (write(fd, text, len) != (ssize_t) len) {
        perror("write");
        exit(2);
    }

    close(fd);

    p = any_shape ? fgs_policy_load_any_shape(tp_path, err)
                  : fgs_policy_load(tp_path, err);
    unlink(tp_path);

    return p;
}


static TP_UNUSED fgs_policy_t *
tp_load(const char *text, fgs_policy_error_t *err)
{
    return tp_load_as(text, err, 0);
}


static TP_UNUSED fgs_policy_t *
tp_load_any_shape(const char *text, fgs_policy_error_t *err)
{
    return tp_load_as(text, err, 1);
}


/* a policy that must load: the test stops here if it does not */

static TP_UNUSED fgs_policy_t *
tp_policy_as(const char *text, int any_shape)
{
    fgs_policy_t        *p;
    fgs_policy_error_t   err;

    p = tp_load_as(text, &err, any_shape);

    if (p == NULL) {
        printf("Bail out! a test policy does not load: %s: %s: %s\n",
               err.rule ? err.rule : "-", err.field ? err.field : "-",
               err.message);
        fgs_policy_error_free(&err);
        exit(2);
    }

    return p;
}


static TP_UNUSED fgs_policy_t *
tp_policy(const char *text)
{
    return tp_policy_as(text, 0);
}


/* the same for the tests of the rewrite mechanics (tp_load_any_shape) */

static TP_UNUSED fgs_policy_t *
tp_policy_any_shape(const char *text)
{
    return tp_policy_as(text, 1);
}


static TP_UNUSED void
tp_target(fgs_target_t *t, fgs_op_e op, const char *package,
    const char *name, const char *version)
{
    memset(t, 0, sizeof(fgs_target_t));

    t->op = op;
    t->project_id.data = (u_char *) TP_PROJECT;
    t->project_id.len = 32;
    t->package.data = (u_char *) package;
    t->package.len = strlen(package);
    t->name.data = (u_char *) name;
    t->name.len = strlen(name);
    t->version.data = (u_char *) version;
    t->version.len = strlen(version);
    t->path.data = (u_char *) "/v2/" TP_PROJECT "/fgs/triggers";
    t->path.len = strlen((char *) t->path.data);
}


/*
 * Evaluates body for op on function "name" (package "default", no
 * version); r->body is the forwarded body when forwarded.  Returns
 * r->rc (fgs_policy_eval's); a body that does not scan bails out.
 */

static TP_UNUSED int
tp_eval_in(tp_req_t *r, const fgs_policy_t *p, fgs_op_e op,
    const char *name, const char *body, fgs_mode_e mode, time_t now,
    int signed_body)
{
    memset(r, 0, sizeof(tp_req_t));
    fgs_arena_init(&r->arena);

    tp_target(&r->target, op, "default", name, "");

    r->in.op = op;
    r->in.target = &r->target;
    r->in.mode = mode;
    r->in.now = now;
    r->in.signed_body = signed_body;

    if (body != NULL) {
        if (fgs_json_scan(&r->doc, (const u_char *) body, strlen(body),
                          &r->arena.alloc)
            != FGS_OK)
        {
            printf("Bail out! a test body does not scan: %s: %s\n",
                   r->doc.error ? r->doc.error : "-", body);
            exit(2);
        }

        r->in.doc = &r->doc;
    }

    r->rc = fgs_policy_eval(p, &r->in, &r->out, &r->arena.alloc);

    if (r->rc == FGS_OK && body != NULL
        && r->out.decision != FGS_DECISION_DENY)
    {
        r->body = r->arena.alloc.alloc(r->arena.alloc.data,
                                       r->out.new_len + 1);
        r->len = fgs_edits_apply((const u_char *) body, strlen(body),
                                 r->out.edits, r->out.nedits,
                                 (u_char *) r->body);
        r->body[r->len] = '\0';
    }

    return r->rc;
}


static TP_UNUSED int
tp_eval(tp_req_t *r, const fgs_policy_t *p, fgs_op_e op, const char *name,
    const char *body)
{
    return tp_eval_in(r, p, op, name, body, FGS_MODE_UNSET, TP_NOW, 0);
}


static TP_UNUSED void
tp_done(tp_req_t *r)
{
    fgs_arena_reset(&r->arena);
}


/* the violation of rule on field, or NULL */

static TP_UNUSED const fgs_violation_t *
tp_find(const fgs_violations_t *v, const char *rule, const char *field)
{
    const fgs_violation_t  *vi;

    for (vi = v->head; vi; vi = vi->next) {
        if ((rule == NULL || (vi->rule && strcmp(vi->rule, rule) == 0))
            && (field == NULL || strcmp(vi->field, field) == 0))
        {
            return vi;
        }
    }

    return NULL;
}


static TP_UNUSED int
tp_notes(const fgs_rule_note_t *n)
{
    int  i;

    for (i = 0; n; n = n->next) {
        i++;
    }

    return i;
}


/*
 * The forwarded body scanned again: FGS_OK when it is one strict JSON
 * object (and, with op, conforms to the API reference).
 */

static TP_UNUSED int
tp_rescan(tp_req_t *r, fgs_json_doc_t *doc, fgs_op_e op)
{
    fgs_violations_t  v;

    if (r->body == NULL
        || fgs_json_scan(doc, (u_char *) r->body, r->len, &r->arena.alloc)
           != FGS_OK)
    {
        return FGS_DECLINED;
    }

    if (op == FGS_OP_NONE) {
        return FGS_OK;
    }

    fgs_violations_init(&v);

    if (fgs_schema_validate(doc, fgs_api_of(op, 0), &v, &r->arena.alloc)
        != FGS_OK)
    {
        printf("# schema: %s: %s\n", v.head ? v.head->field : "",
               v.head ? v.head->message : "");
        return FGS_DECLINED;
    }

    return FGS_OK;
}


/* the raw text of the value at a dotted path of a scanned doc, or NULL */

static TP_UNUSED char *
tp_raw(tp_req_t *r, const fgs_json_doc_t *doc, const char *path)
{
    char         key[64];
    size_t       n;
    uint32_t     node;
    const char  *dot;

    node = 0;

    while (*path) {
        dot = strchr(path, '.');
        n = dot ? (size_t) (dot - path) : strlen(path);
        memcpy(key, path, n);
        key[n] = '\0';

        if (doc->nodes[node].type != FGS_JSON_OBJECT) {
            return NULL;
        }

        node = fgs_json_child(doc, node, key, n);
        if (node == FGS_NONE) {
            return NULL;
        }

        path += n + (dot != NULL);
    }

    return fgs_strdup(&r->arena.alloc,
                      (const char *) doc->body + doc->nodes[node].off,
                      doc->nodes[node].len);
}


/* whether the rules that applied are exactly the comma-separated list */

static TP_UNUSED int
tp_applied(const tp_req_t *r, const char *list)
{
    char                    buf[256];
    size_t                  n;
    const fgs_rule_note_t  *a;

    n = 0;
    buf[0] = '\0';

    for (a = r->out.applied; a; a = a->next) {
        n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "",
                      a->rule);
    }

    if (strcmp(buf, list) != 0) {
        printf("#   applied: \"%s\", expected \"%s\"\n", buf, list);
        return 0;
    }

    return 1;
}


#endif /* _TEST_POLICY_H_INCLUDED_ */

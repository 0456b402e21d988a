
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What the subcommands share: reading files, loading a policy with its
 * error printed as FILE: RULE: FIELD: MESSAGE, and a decision as JSON.
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fgs_cli.h"


static json_t *fgs_cli_str(const char *s);
static json_t *fgs_cli_identity_out(const fgs_cli_result_t *res);
static json_t *fgs_cli_principals_out(const fgs_cli_result_t *res);


/* the whole file, malloc()ed (plus a NUL), or NULL with err set */

u_char *
fgs_cli_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE         *f;
    size_t        n;
    u_char       *buf;
    struct stat   st;

    f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }

    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        snprintf(err, errlen, "%s: not a regular file", path);
        return NULL;
    }

    buf = malloc((size_t) st.st_size + 1);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }

    n = fread(buf, 1, (size_t) st.st_size + 1, f);

    if (ferror(f) || n != (size_t) st.st_size) {
        fclose(f);
        free(buf);
        snprintf(err, errlen, "%s: cannot read it whole", path);
        return NULL;
    }

    fclose(f);

    buf[n] = '\0';
    *len = n;

    return buf;
}


/*
 * Standard input, whole, malloc()ed (plus a NUL), for "eval -"; at most
 * limit bytes (the gateway's own bound on a body is larger than any
 * FunctionGraph accepts, so a larger input is a mistake).
 */

u_char *
fgs_cli_read_stdin(size_t *len, size_t limit, char *err, size_t errlen)
{
    size_t   n, size;
    u_char  *buf, *p;

    size = 65536;
    n = 0;

    buf = malloc(size + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "standard input: out of memory");
        return NULL;
    }

    for ( ;; ) {
        if (n == size) {
            if (size >= limit) {
                free(buf);
                snprintf(err, errlen, "standard input: larger than %zu "
                         "bytes", limit);
                return NULL;
            }

            size *= 2;

            p = realloc(buf, size + 1);
            if (p == NULL) {
                free(buf);
                snprintf(err, errlen, "standard input: out of memory");
                return NULL;
            }

            buf = p;
        }

        n += fread(buf + n, 1, size - n, stdin);

        if (ferror(stdin)) {
            free(buf);
            snprintf(err, errlen, "standard input: %s", strerror(errno));
            return NULL;
        }

        if (feof(stdin)) {
            break;
        }
    }

    buf[n] = '\0';
    *len = n;

    return buf;
}


fgs_policy_t *
fgs_cli_load_policy(const char *path)
{
    fgs_policy_t        *policy;
    fgs_policy_error_t   err;

    policy = fgs_policy_load(path, &err);

    if (policy == NULL) {
        fprintf(stderr, "%s: %s%s%s%s%s\n",
                err.file ? err.file : path,
                err.rule ? err.rule : "", err.rule ? ": " : "",
                err.field ? err.field : "", err.field ? ": " : "",
                err.message ? err.message : "out of memory");
        fgs_policy_error_free(&err);
    }

    return policy;
}


/*
 * {"decision": ..., "status": ..., "error_code": ..., "error_msg": ...,
 *  "violations": [...], "audited": [...], "rewrites": [...],
 *  "waived": [...], "applied": [...], "body": "..."}
 */

/* the caller as $fgs_policy_identity labels it */

static json_t *
fgs_cli_identity_out(const fgs_cli_result_t *res)
{
    char  label[2 * FGS_IDENTITY_MAX_NAME + 16];

    if (!res->verdict.identified) {
        return json_null();
    }

    (void) fgs_identity_label(&res->verdict.identity, label, sizeof(label));

    return json_string(label);
}


static json_t *
fgs_cli_principals_out(const fgs_cli_result_t *res)
{
    json_t      *a;
    uint32_t     i;
    const char  *name;

    a = json_array();

    for (i = 0; a != NULL && res->policy != NULL
                && i < FGS_POLICY_MAX_PRINCIPALS; i++)
    {
        if (!(res->verdict.identity.principals & ((uint64_t) 1 << i))) {
            continue;
        }

        name = fgs_policy_principal_name(res->policy, i);

        if (name != NULL && json_array_append_new(a, json_string(name)) != 0)
        {
            json_decref(a);
            return NULL;
        }
    }

    return a;
}


json_t *
fgs_cli_result_json(const fgs_cli_result_t *res, int with_body)
{
    int                   rc;
    json_t               *o, *applied;
    fgs_rule_note_t      *n;
    const fgs_verdict_t  *vd;

    vd = &res->verdict;

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    rc = json_object_set_new(o, "decision",
                             json_string(
                                 fgs_policy_decision_name(vd->decision)));
    rc |= json_object_set_new(o, "identity", fgs_cli_identity_out(res));
    rc |= json_object_set_new(o, "principals", fgs_cli_principals_out(res));
    rc |= json_object_set_new(o, "status", json_integer(vd->status));
    rc |= json_object_set_new(o, "error_code", fgs_cli_str(vd->error_code));
    rc |= json_object_set_new(o, "error_msg", fgs_cli_str(vd->error_msg));

    if (!vd->evaluated) {
        rc |= json_object_set_new(o, "violations",
                                  fgs_cli_violations_json(&vd->reference));
        rc |= json_object_set_new(o, "audited", json_array());
        rc |= json_object_set_new(o, "rewrites", json_array());
        rc |= json_object_set_new(o, "waived", json_array());
        rc |= json_object_set_new(o, "applied", json_array());

    } else {
        rc |= json_object_set_new(o, "violations",
                                  fgs_cli_violations_json(
                                      &vd->eval.violations));
        rc |= json_object_set_new(o, "audited",
                                  fgs_cli_violations_json(&vd->eval.audited));
        rc |= json_object_set_new(o, "rewrites",
                                  fgs_cli_notes_json(vd->eval.rewrites,
                                                     "action"));
        rc |= json_object_set_new(o, "waived",
                                  fgs_cli_notes_json(vd->eval.waived,
                                                     "exception"));

        applied = json_array();
        rc |= json_object_set_new(o, "applied", applied);

        for (n = vd->eval.applied; applied && n; n = n->next) {
            rc |= json_array_append_new(applied, json_string(n->rule));
        }
    }

    if (with_body && vd->decision == FGS_DECISION_REWRITE) {
        rc |= json_object_set_new(o, "body",
                                  json_stringn((const char *) res->forwarded,
                                               res->forwarded_len));
    }

    if (rc != 0) {
        json_decref(o);
        return NULL;
    }

    return o;
}


json_t *
fgs_cli_violations_json(const fgs_violations_t *v)
{
    json_t                 *a, *o;
    const fgs_violation_t  *vi;

    a = json_array();

    for (vi = v->head; a && vi; vi = vi->next) {
        o = json_pack("{s:o, s:o, s:o}",
                      "rule", fgs_cli_str(vi->rule),
                      "field", fgs_cli_str(vi->field),
                      "message", fgs_cli_str(vi->message));

        if (o == NULL || json_array_append_new(a, o) != 0) {
            json_decref(a);
            return NULL;
        }
    }

    return a;
}


/* rewrites: {rule, field, action}; waivers: {rule, exception} */

json_t *
fgs_cli_notes_json(const fgs_rule_note_t *n, const char *what)
{
    json_t  *a, *o;

    a = json_array();

    for ( /* void */ ; a && n; n = n->next) {
        if (strcmp(what, "exception") == 0) {
            o = json_pack("{s:o, s:o}", "rule", fgs_cli_str(n->rule),
                          "exception", fgs_cli_str(n->action));

        } else {
            o = json_pack("{s:o, s:o, s:o}", "rule", fgs_cli_str(n->rule),
                          "field", fgs_cli_str(n->field),
                          "action", fgs_cli_str(n->action));
        }

        if (o == NULL || json_array_append_new(a, o) != 0) {
            json_decref(a);
            return NULL;
        }
    }

    return a;
}


/* a string, null for NULL; text that is not UTF-8 is marked, not lost */

static json_t *
fgs_cli_str(const char *s)
{
    json_t  *j;

    if (s == NULL) {
        return json_null();
    }

    j = json_string(s);

    return j ? j : json_string("(not UTF-8)");
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs-policy test POLICY CASES_DIR: the policy's own unit tests.  Every
 * *.json file of CASES_DIR is a case (format: conf/policy.tests/
 * README.md): a request and what the gateway must decide, down to the
 * violations, waivers and rewrites, and the fields of the forwarded body,
 * which is scanned again and checked against the API reference.
 *
 * A test tool that passes without testing is worse than none: the run
 * fails on any case that does not match, on a case file that is
 * malformed, on a file that is neither a case, a body a case reads nor
 * the README (a misnamed case would be skipped silently), and on a
 * directory without any case.  Output is TAP, one line per file.
 */


#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fgs_cli.h"
#include "fgs_schema.h"


#define FGS_CASE_MAX_FILES  4096


/* a file of the directory */
typedef struct {
    char                *name;
    json_t              *json;          /* a case that parsed */
    char                 error[256];    /* a case that did not */
    unsigned             is_case:1;
    unsigned             is_body:1;     /* a case's body_file */
} fgs_case_file_t;


/* the run of one case */
typedef struct {
    const char          *dir;
    const char          *name;
    json_t              *json;
    json_t              *expect;
    char                 problems[4096];
    size_t               len;
    unsigned             failed:1;
} fgs_case_t;


/* one expected or actual entry: "rule" or "rule:detail" */
typedef struct {
    const char          *rule;
    const char          *detail;        /* field, or exception id */
    const char          *message;
    unsigned             used:1;
} fgs_entry_t;


static size_t fgs_case_scan_dir(const char *dir, fgs_case_file_t *files);
static void fgs_case_mark_bodies(fgs_case_file_t *files, size_t n);
static int fgs_case_run(const fgs_policy_t *policy, fgs_case_t *c);
static int fgs_case_request(fgs_case_t *c, fgs_cli_request_t *rq,
    u_char **body);
static void fgs_case_compare(fgs_case_t *c, const fgs_cli_result_t *res);
static void fgs_case_list(fgs_case_t *c, const char *key, fgs_entry_t *got,
    size_t ngot, const char *what);
static fgs_entry_t *fgs_case_violations(const fgs_violations_t *v,
    size_t *n);
static fgs_entry_t *fgs_case_notes(const fgs_rule_note_t *notes, int waivers,
    size_t *n);
static void fgs_case_body(fgs_case_t *c, const fgs_cli_result_t *res,
    fgs_op_e op);
static json_t *fgs_case_lookup(json_t *root, const char *path);
static int fgs_case_keys(fgs_case_t *c, json_t *obj, const char *what,
    const char *const *keys);
static void fgs_case_problem(fgs_case_t *c, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
static int fgs_case_cmp(const void *a, const void *b);


static const char *const  fgs_case_top_keys[] = {
    "description", "op", "urn", "project", "now", "mode", "signed", "body",
    "body_file", "expect", NULL
};

static const char *const  fgs_case_expect_keys[] = {
    "decision", "status", "error_code", "error_msg_contains", "violations",
    "audited", "waived", "rewrites", "fields", "absent", NULL
};


int
fgs_cli_test(int argc, char **argv)
{
    size_t            n, i, t, ncases, nfailed;
    const char       *desc;
    fgs_case_t        c;
    fgs_policy_t     *policy;
    fgs_case_file_t  *files, *f;

    if (argc != 2) {
        fprintf(stderr, "usage: fgs-policy test POLICY CASES_DIR\n");
        return FGS_CLI_USAGE;
    }

    files = calloc(FGS_CASE_MAX_FILES, sizeof(fgs_case_file_t));
    if (files == NULL) {
        fprintf(stderr, "fgs-policy test: out of memory\n");
        return FGS_CLI_FAILED;
    }

    policy = fgs_cli_load_policy(argv[0]);
    if (policy == NULL) {
        free(files);
        return FGS_CLI_FAILED;
    }

    n = fgs_case_scan_dir(argv[1], files);
    fgs_case_mark_bodies(files, n);

    /* the plan: every file but the README and the bodies cases read */

    t = 0;
    ncases = 0;

    for (i = 0; i < n; i++) {
        t += !files[i].is_body;
        ncases += files[i].is_case;
    }

    printf("1..%zu\n", t);

    t = 0;
    nfailed = 0;

    for (i = 0; i < n; i++) {
        f = &files[i];

        if (f->is_body) {
            continue;
        }

        t++;

        if (!f->is_case) {
            printf("not ok %zu - %s: neither a case (*.json), a body file a "
                   "case reads, nor the README: it would be skipped\n",
                   t, f->name);
            nfailed++;
            continue;
        }

        if (f->json == NULL) {
            printf("not ok %zu - %s: malformed: %s\n", t, f->name, f->error);
            nfailed++;
            continue;
        }

        memset(&c, 0, sizeof(fgs_case_t));
        c.dir = argv[1];
        c.name = f->name;
        c.json = f->json;

        desc = json_string_value(json_object_get(f->json, "description"));

        if (fgs_case_run(policy, &c) != FGS_OK || c.failed) {
            printf("not ok %zu - %s%s%s\n%s", t, f->name, desc ? ": " : "",
                   desc ? desc : "", c.problems);
            nfailed++;

        } else {
            printf("ok %zu - %s%s%s\n", t, f->name, desc ? ": " : "",
                   desc ? desc : "");
        }
    }

    for (i = 0; i < n; i++) {
        json_decref(files[i].json);
        free(files[i].name);
    }

    free(files);
    fgs_policy_free(policy);

    if (n == FGS_CASE_MAX_FILES) {
        printf("# %s has more than %d files: not all were read\n", argv[1],
               FGS_CASE_MAX_FILES - 1);
        return FGS_CLI_FAILED;
    }

    if (ncases == 0) {
        printf("# %s has no case (*.json): nothing was tested\n", argv[1]);
        return FGS_CLI_FAILED;
    }

    if (nfailed) {
        printf("# %zu of %zu failed\n", nfailed, t);
        return FGS_CLI_FAILED;
    }

    printf("# all %zu cases passed\n", ncases);

    return 0;
}


/* the files of dir, sorted; each *.json parsed */

static size_t
fgs_case_scan_dir(const char *dir, fgs_case_file_t *files)
{
    DIR             *d;
    char             path[4096];
    size_t           n, i, len;
    json_error_t     jerr;
    struct dirent   *e;

    d = opendir(dir);
    if (d == NULL) {
        printf("# cannot open %s\n", dir);
        return 0;
    }

    n = 0;

    while (n < FGS_CASE_MAX_FILES && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0
            || strcmp(e->d_name, "README.md") == 0
            || strcmp(e->d_name, "README") == 0)
        {
            continue;
        }

        files[n].name = strdup(e->d_name);
        if (files[n].name == NULL) {
            break;
        }

        n++;
    }

    closedir(d);

    qsort(files, n, sizeof(fgs_case_file_t), fgs_case_cmp);

    for (i = 0; i < n; i++) {
        len = strlen(files[i].name);

        if (len <= 5 || strcmp(files[i].name + len - 5, ".json") != 0) {
            continue;
        }

        files[i].is_case = 1;

        snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
        files[i].json = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);

        if (files[i].json == NULL) {
            snprintf(files[i].error, sizeof(files[i].error),
                     "line %d: %s", jerr.line, jerr.text);

        } else if (!json_is_object(files[i].json)) {
            json_decref(files[i].json);
            files[i].json = NULL;
            snprintf(files[i].error, sizeof(files[i].error),
                     "a case is a JSON object");
        }
    }

    return n;
}


/* the files that cases read as raw bodies are not cases themselves */

static void
fgs_case_mark_bodies(fgs_case_file_t *files, size_t n)
{
    size_t       i, k;
    const char  *body;

    for (i = 0; i < n; i++) {
        if (files[i].json == NULL) {
            continue;
        }

        body = json_string_value(json_object_get(files[i].json, "body_file"));

        for (k = 0; body != NULL && k < n; k++) {
            if (!files[k].is_case && strcmp(files[k].name, body) == 0) {
                files[k].is_body = 1;
            }
        }
    }
}


static int
fgs_case_run(const fgs_policy_t *policy, fgs_case_t *c)
{
    int                 rc;
    char                err[512];
    u_char             *body;
    fgs_arena_t         arena;
    fgs_cli_result_t    res;
    fgs_cli_request_t   rq;

    if (fgs_case_keys(c, c->json, "case", fgs_case_top_keys) != FGS_OK) {
        return FGS_OK;
    }

    c->expect = json_object_get(c->json, "expect");

    if (!json_is_object(c->expect)
        || !json_is_string(json_object_get(c->expect, "decision")))
    {
        fgs_case_problem(c, "malformed: \"expect\" must be an object with "
                         "at least \"decision\"");
        return FGS_OK;
    }

    if (fgs_case_keys(c, c->expect, "expect", fgs_case_expect_keys)
        != FGS_OK)
    {
        return FGS_OK;
    }

    body = NULL;

    if (fgs_case_request(c, &rq, &body) != FGS_OK) {
        free(body);
        return FGS_OK;
    }

    fgs_arena_init(&arena);

    rc = fgs_cli_run(policy, &rq, &res, &arena.alloc, err, sizeof(err));

    if (rc != FGS_OK) {
        fgs_case_problem(c, "the request cannot be made: %s", err);

    } else {
        fgs_case_compare(c, &res);
        fgs_case_body(c, &res, rq.op);
    }

    fgs_arena_reset(&arena);
    free(body);

    return FGS_OK;
}


/* the request of the case; *body is malloc()ed */

static int
fgs_case_request(fgs_case_t *c, fgs_cli_request_t *rq, u_char **body)
{
    char         err[512], path[4096];
    json_t      *v, *b, *bf;
    size_t       len;
    const char  *s;

    memset(rq, 0, sizeof(fgs_cli_request_t));

    s = json_string_value(json_object_get(c->json, "op"));

    if (s == NULL || fgs_cli_parse_op(s, &rq->op) != FGS_OK) {
        fgs_case_problem(c, "malformed: \"op\" is code, config, create or "
                         "other");
        return FGS_DECLINED;
    }

    v = json_object_get(c->json, "urn");
    rq->urn = json_string_value(v);

    if (v != NULL && rq->urn == NULL) {
        fgs_case_problem(c, "malformed: \"urn\" must be a string");
        return FGS_DECLINED;
    }

    v = json_object_get(c->json, "project");
    rq->project = json_string_value(v);

    if (v != NULL && rq->project == NULL) {
        fgs_case_problem(c, "malformed: \"project\" must be a string");
        return FGS_DECLINED;
    }

    v = json_object_get(c->json, "now");

    if ((v != NULL && !json_is_string(v))
        || fgs_cli_parse_now(json_string_value(v), &rq->now) != FGS_OK)
    {
        fgs_case_problem(c, "malformed: \"now\" must be an RFC 3339 "
                         "date-time");
        return FGS_DECLINED;
    }

    v = json_object_get(c->json, "mode");

    if (v != NULL
        && (!json_is_string(v)
            || fgs_cli_parse_mode(json_string_value(v), &rq->mode)
               != FGS_OK))
    {
        fgs_case_problem(c, "malformed: \"mode\" is enforce or audit");
        return FGS_DECLINED;
    }

    v = json_object_get(c->json, "signed");

    if (v != NULL && !json_is_boolean(v)) {
        fgs_case_problem(c, "malformed: \"signed\" is true or false");
        return FGS_DECLINED;
    }

    rq->signed_body = json_is_true(v);

    b = json_object_get(c->json, "body");
    bf = json_object_get(c->json, "body_file");

    if (b != NULL && bf != NULL) {
        fgs_case_problem(c, "malformed: give \"body\" or \"body_file\", not "
                         "both");
        return FGS_DECLINED;
    }

    if (b != NULL) {
        if (!json_is_object(b)) {
            fgs_case_problem(c, "malformed: \"body\" must be an object "
                             "(use \"body_file\" for anything else)");
            return FGS_DECLINED;
        }

        *body = (u_char *) json_dumps(b, JSON_COMPACT);

        if (*body == NULL) {
            fgs_case_problem(c, "out of memory");
            return FGS_DECLINED;
        }

        rq->body = *body;
        rq->len = strlen((char *) *body);

    } else if (bf != NULL) {
        if (!json_is_string(bf) || strchr(json_string_value(bf), '/')) {
            fgs_case_problem(c, "malformed: \"body_file\" is the name of a "
                             "file next to the case");
            return FGS_DECLINED;
        }

        snprintf(path, sizeof(path), "%s/%s", c->dir, json_string_value(bf));

        *body = fgs_cli_read_file(path, &len, err, sizeof(err));

        if (*body == NULL) {
            fgs_case_problem(c, "malformed: %s", err);
            return FGS_DECLINED;
        }

        rq->body = *body;
        rq->len = len;

    } else if (rq->op != FGS_OP_OTHER) {
        fgs_case_problem(c, "malformed: a %s case needs \"body\" or "
                         "\"body_file\"", fgs_op_name(rq->op));
        return FGS_DECLINED;
    }

    return FGS_OK;
}


static void
fgs_case_compare(fgs_case_t *c, const fgs_cli_result_t *res)
{
    json_t       *v;
    size_t        n;
    const char   *s;
    fgs_entry_t  *got;

    s = json_string_value(json_object_get(c->expect, "decision"));

    if (strcmp(s, fgs_decision_name(res->decision)) != 0) {
        fgs_case_problem(c, "decision: expected %s, got %s%s%s", s,
                         fgs_decision_name(res->decision),
                         res->error_msg ? ": " : "",
                         res->error_msg ? res->error_msg : "");
    }

    v = json_object_get(c->expect, "status");

    if (v != NULL
        && (!json_is_integer(v) || json_integer_value(v) != res->status))
    {
        fgs_case_problem(c, "status: expected %s, got %d",
                         json_is_integer(v) ? "another" : "an integer",
                         res->status);
    }

    v = json_object_get(c->expect, "error_code");

    if (v != NULL
        && (!json_is_string(v) || res->error_code == NULL
            || strcmp(json_string_value(v), res->error_code) != 0))
    {
        fgs_case_problem(c, "error_code: expected %s, got %s",
                         json_is_string(v) ? json_string_value(v) : "a string",
                         res->error_code ? res->error_code : "none");
    }

    v = json_object_get(c->expect, "error_msg_contains");

    if (v != NULL
        && (!json_is_string(v) || res->error_msg == NULL
            || strstr(res->error_msg, json_string_value(v)) == NULL))
    {
        fgs_case_problem(c, "error_msg: expected it to contain \"%s\", got "
                         "\"%s\"",
                         json_is_string(v) ? json_string_value(v) : "?",
                         res->error_msg ? res->error_msg : "");
    }

    /* lists: exact, order aside; an absent list expects none */

    got = fgs_case_violations(res->evaluated ? &res->eval.violations
                                             : &res->schema, &n);
    fgs_case_list(c, "violations", got, n, "violation");
    free(got);

    if (res->evaluated) {
        got = fgs_case_violations(&res->eval.audited, &n);
        fgs_case_list(c, "audited", got, n, "audited violation");
        free(got);

        got = fgs_case_notes(res->eval.waived, 1, &n);
        fgs_case_list(c, "waived", got, n, "waiver");
        free(got);

        got = fgs_case_notes(res->eval.rewrites, 0, &n);
        fgs_case_list(c, "rewrites", got, n, "rewrite");
        free(got);

    } else {
        fgs_case_list(c, "audited", NULL, 0, "audited violation");
        fgs_case_list(c, "waived", NULL, 0, "waiver");
        fgs_case_list(c, "rewrites", NULL, 0, "rewrite");
    }
}


/*
 * Matches the expected entries ("rule" or "rule:detail") with what the
 * engine gave: "rule:detail" entries first, so that a bare "rule" cannot
 * take the entry a precise one needs.
 */

static void
fgs_case_list(fgs_case_t *c, const char *key, fgs_entry_t *got, size_t ngot,
    const char *what)
{
    int          pass;
    json_t      *list, *e;
    size_t       i, k, rlen;
    const char  *s, *colon;

    list = json_object_get(c->expect, key);

    if (list != NULL && !json_is_array(list)) {
        fgs_case_problem(c, "malformed: expect.%s must be a list", key);
        return;
    }

    for (pass = 0; list != NULL && pass < 2; pass++) {
        json_array_foreach(list, i, e) {
            s = json_string_value(e);

            if (s == NULL) {
                if (pass == 0) {
                    fgs_case_problem(c, "malformed: expect.%s lists strings "
                                     "\"rule\" or \"rule:detail\"", key);
                }

                continue;
            }

            colon = strchr(s, ':');

            if ((colon != NULL) != (pass == 0)) {
                continue;
            }

            rlen = colon ? (size_t) (colon - s) : strlen(s);

            for (k = 0; k < ngot; k++) {
                if (!got[k].used && strlen(got[k].rule) == rlen
                    && strncmp(got[k].rule, s, rlen) == 0
                    && (colon == NULL
                        || (got[k].detail != NULL
                            && strcmp(got[k].detail, colon + 1) == 0)))
                {
                    got[k].used = 1;
                    break;
                }
            }

            if (k == ngot) {
                fgs_case_problem(c, "missing %s %s", what, s);
            }
        }
    }

    for (k = 0; k < ngot; k++) {
        if (!got[k].used) {
            fgs_case_problem(c, "unexpected %s %s:%s%s%s%s", what,
                             got[k].rule, got[k].detail ? got[k].detail : "",
                             got[k].message ? " (" : "",
                             got[k].message ? got[k].message : "",
                             got[k].message ? ")" : "");
        }
    }
}


/* a violation without a rule is the API reference's: "schema" */

static fgs_entry_t *
fgs_case_violations(const fgs_violations_t *v, size_t *n)
{
    size_t                  i;
    fgs_entry_t            *e;
    const fgs_violation_t  *vi;

    e = calloc(v->n + 1, sizeof(fgs_entry_t));
    i = 0;

    for (vi = v->head; e != NULL && vi != NULL; vi = vi->next) {
        e[i].rule = vi->rule ? vi->rule : "schema";
        e[i].detail = vi->field;
        e[i].message = vi->message;
        i++;
    }

    *n = i;

    return e;
}


static fgs_entry_t *
fgs_case_notes(const fgs_rule_note_t *notes, int waivers, size_t *n)
{
    size_t                  i;
    fgs_entry_t            *e;
    const fgs_rule_note_t  *note;

    i = 0;

    for (note = notes; note; note = note->next) {
        i++;
    }

    e = calloc(i + 1, sizeof(fgs_entry_t));
    i = 0;

    for (note = notes; e != NULL && note != NULL; note = note->next) {
        e[i].rule = note->rule;
        e[i].detail = waivers ? note->action : note->field;
        e[i].message = waivers ? NULL : note->action;
        i++;
    }

    *n = i;

    return e;
}


/*
 * The forwarded body: scanned again and checked against the API
 * reference when the policy rewrote it, then its fields compared with
 * "fields" and "absent".
 */

static void
fgs_case_body(fgs_case_t *c, const fgs_cli_result_t *res, fgs_op_e op)
{
    int                rc;
    json_t            *fields, *absent, *root, *v, *got;
    size_t             i;
    const char        *path;
    fgs_arena_t        arena;
    json_error_t       jerr;
    fgs_json_doc_t     doc;
    fgs_violations_t   schema;

    fields = json_object_get(c->expect, "fields");
    absent = json_object_get(c->expect, "absent");

    if ((fields != NULL && !json_is_object(fields))
        || (absent != NULL && !json_is_array(absent)))
    {
        fgs_case_problem(c, "malformed: expect.fields is an object of path "
                         "-> value, expect.absent a list of paths");
        return;
    }

    if (res->forwarded == NULL) {
        if (fields != NULL || absent != NULL) {
            fgs_case_problem(c, "no body is forwarded, so expect.fields and "
                             "expect.absent cannot hold");
        }

        return;
    }

    if (res->decision == FGS_DECISION_REWRITE) {
        fgs_arena_init(&arena);
        fgs_violations_init(&schema);

        rc = fgs_json_scan(&doc, res->forwarded, res->forwarded_len,
                           &arena.alloc);

        if (rc != FGS_OK) {
            fgs_case_problem(c, "the rewritten body does not scan: %s",
                             rc == FGS_DECLINED && doc.error ? doc.error
                                                             : "no memory");

        } else if (fgs_schema_check(&doc, op, &schema, &arena.alloc)
                   != FGS_OK)
        {
            fgs_case_problem(c, "the rewritten body breaks the API "
                             "reference: %s: %s",
                             schema.head ? schema.head->field : "",
                             schema.head ? schema.head->message : "no memory");
        }

        fgs_arena_reset(&arena);
    }

    if (fields == NULL && absent == NULL) {
        return;
    }

    root = json_loadb((const char *) res->forwarded, res->forwarded_len,
                      JSON_REJECT_DUPLICATES, &jerr);

    if (root == NULL) {
        fgs_case_problem(c, "the forwarded body does not parse: %s",
                         jerr.text);
        return;
    }

    json_object_foreach(fields, path, v) {
        got = fgs_case_lookup(root, path);

        if (got == NULL || !json_equal(got, v)) {
            char  *want, *have;

            want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            have = got ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY)
                       : NULL;

            fgs_case_problem(c, "field %s: expected %s, got %s", path,
                             want ? want : "?", have ? have : "nothing");
            free(want);
            free(have);
        }
    }

    json_array_foreach(absent, i, v) {
        if (!json_is_string(v)) {
            fgs_case_problem(c, "malformed: expect.absent lists paths");
            continue;
        }

        if (fgs_case_lookup(root, json_string_value(v)) != NULL) {
            fgs_case_problem(c, "field %s: expected absent, but it is there",
                             json_string_value(v));
        }
    }

    json_decref(root);
}


/* "func_vpc.vpc_id": dotted keys of objects */

static json_t *
fgs_case_lookup(json_t *root, const char *path)
{
    char        key[256];
    size_t      n;
    const char *dot;

    while (root != NULL && *path) {
        dot = strchr(path, '.');
        n = dot ? (size_t) (dot - path) : strlen(path);

        if (n >= sizeof(key)) {
            return NULL;
        }

        memcpy(key, path, n);
        key[n] = '\0';

        root = json_is_object(root) ? json_object_get(root, key) : NULL;
        path += n + (dot != NULL);
    }

    return root;
}


static int
fgs_case_keys(fgs_case_t *c, json_t *obj, const char *what,
    const char *const *keys)
{
    json_t             *v;
    const char         *key;
    const char *const  *k;

    json_object_foreach(obj, key, v) {
        for (k = keys; *k; k++) {
            if (strcmp(*k, key) == 0) {
                break;
            }
        }

        if (*k == NULL) {
            fgs_case_problem(c, "malformed: unknown key \"%s\" in the %s",
                             key, what);
            return FGS_DECLINED;
        }
    }

    return FGS_OK;
}


/* a TAP diagnostic line under the case's "not ok" */

static void
fgs_case_problem(fgs_case_t *c, const char *fmt, ...)
{
    int      n;
    va_list  args;

    c->failed = 1;

    if (c->len + 8 >= sizeof(c->problems)) {
        return;
    }

    memcpy(c->problems + c->len, "#   ", 4);
    c->len += 4;

    va_start(args, fmt);
    n = vsnprintf(c->problems + c->len, sizeof(c->problems) - c->len - 1,
                  fmt, args);
    va_end(args);

    if (n < 0) {
        n = 0;
    }

    c->len += (size_t) n;

    if (c->len > sizeof(c->problems) - 2) {
        c->len = sizeof(c->problems) - 2;
    }

    c->problems[c->len++] = '\n';
    c->problems[c->len] = '\0';
}


static int
fgs_case_cmp(const void *a, const void *b)
{
    return strcmp(((const fgs_case_file_t *) a)->name,
                  ((const fgs_case_file_t *) b)->name);
}

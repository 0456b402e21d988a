
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
 * directory without any case.  Output is TAP, one line per file, or one
 * JSON object, or JUnit XML (--format); --run REGEX selects cases by
 * file name; --coverage lists each rule, check and exception that no
 * case exercised, and --coverage-min N fails the run when fewer than N
 * percent of the rules were.
 *
 * Exercised: a rule, when a case applied it (its scope and "when" held
 * and no exception waived it); a check, when a case failed it (so the
 * suite shows it can deny); an exception, when it waived a rule.
 */


#include <dirent.h>
#include <stdio.h>
#define PCRE2_CODE_UNIT_WIDTH  8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "fgs_cli.h"
#include "schema/fgs_schema.h"


#define FGS_CASE_MAX_FILES  4096


/* a file of the directory */
typedef struct {
    char                *name;
    json_t              *json;          /* a case that parsed */
    char                 error[256];    /* a case that did not */
    unsigned             is_case:1;
    unsigned             is_body:1;     /* a case's body_file */
} fgs_case_file_t;


/* what the cases exercised: one flag per rule, check and exception */
typedef struct {
    uint32_t             nrules;
    uint32_t             nexceptions;
    uint8_t             *rules;
    uint8_t            **checks;        /* by rule, by check */
    uint32_t            *nchecks;
    uint8_t             *exceptions;
} fgs_case_cover_t;


/* the outcome of one file, for the report */
typedef struct {
    const char          *name;
    const char          *description;
    char                *problems;      /* malloc()ed, "" when it passed */
    unsigned             failed:1;
} fgs_case_outcome_t;


typedef enum {
    FGS_CASE_TAP = 0,
    FGS_CASE_JSON,
    FGS_CASE_JUNIT
} fgs_case_format_e;


/* the run of one case */
typedef struct {
    fgs_case_cover_t    *cover;
    const char          *dir;
    const char          *name;
    json_t              *json;
    json_t              *expect;
    char                 problems[4096];
    size_t               len;
    fgs_identity_t       identity;      /* the case's "identity" */
    unsigned             failed:1;
} fgs_case_t;


/* one expected or actual entry: "rule" or "rule:detail" */
typedef struct {
    const char          *rule;
    const char          *detail;        /* field, or exception id */
    const char          *message;
    unsigned             used:1;
} fgs_entry_t;


/* what the command line asks for */
typedef struct {
    const char          *policy_path;
    const char          *dir;
    const char          *run;           /* --run PATTERN, or NULL */
    fgs_case_format_e    format;
    long                 min;           /* --coverage-min, or -1 */
    unsigned             coverage:1;
} fgs_case_args_t;


static int fgs_case_args(int argc, char **argv, fgs_case_args_t *a,
    int *code);
static void fgs_case_file(const fgs_policy_t *policy, const char *dir,
    fgs_case_file_t *f, fgs_case_cover_t *cover, fgs_case_outcome_t *out,
    size_t *ncases);
static size_t fgs_case_scan_dir(const char *dir, fgs_case_file_t *files);
static void fgs_case_mark_bodies(fgs_case_file_t *files, size_t n);
static int fgs_case_run(const fgs_policy_t *policy, fgs_case_t *c);
static void fgs_case_principals(fgs_case_t *c, json_t *want,
    const fgs_verdict_t *vd, const fgs_policy_t *policy);
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
static int fgs_case_cover_init(fgs_case_cover_t *cv,
    const fgs_policy_t *policy);
static void fgs_case_cover_free(fgs_case_cover_t *cv);
static void fgs_case_cover(fgs_case_cover_t *cv, const fgs_policy_t *policy,
    const fgs_cli_result_t *res);
static unsigned fgs_case_cover_report(fgs_case_cover_t *cv,
    const fgs_policy_t *policy, json_t *json, FILE *f);
static void fgs_case_report(fgs_case_format_e format, const char *policy,
    const char *dir, fgs_case_outcome_t *out, size_t n, json_t *coverage,
    int cover_line, unsigned percent, long min);
static void fgs_case_xml(FILE *f, const char *s);


static const char *const  fgs_case_top_keys[] = {
    "description", "op", "method", "path", "urn", "project", "now", "mode",
    "signed", "body", "body_file", "identity", "headers", "expect", NULL
};

static const char *const  fgs_case_expect_keys[] = {
    "decision", "status", "error_code", "error_msg_contains", "violations",
    "audited", "waived", "rewrites", "fields", "absent", "principals", NULL
};


int
fgs_cli_test(int argc, char **argv)
{
    int                  rc, err;
    size_t               n, k, no, ncases, nfailed;
    json_t              *coverage;
    unsigned             percent;
    PCRE2_SIZE           eoff;
    fgs_policy_t        *policy;
    pcre2_code          *re;
    fgs_case_args_t      a;
    fgs_case_file_t     *files, *f;
    pcre2_match_data    *md;
    fgs_case_cover_t     cover;
    fgs_case_outcome_t  *out;

    if (fgs_case_args(argc, argv, &a, &rc) != FGS_OK) {
        return rc;
    }

    re = NULL;
    md = NULL;

    if (a.run != NULL) {
        re = pcre2_compile((PCRE2_SPTR) a.run, PCRE2_ZERO_TERMINATED,
                           PCRE2_UTF, &err, &eoff, NULL);
        md = re ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;

        if (md == NULL) {
            fprintf(stderr, "fgs-policy test: --run \"%s\" is no PCRE2 "
                    "pattern (at offset %zu)\n", a.run, (size_t) eoff);
            pcre2_code_free(re);
            return FGS_CLI_USAGE;
        }
    }

    files = calloc(FGS_CASE_MAX_FILES, sizeof(fgs_case_file_t));
    out = calloc(FGS_CASE_MAX_FILES, sizeof(fgs_case_outcome_t));
    policy = (files && out) ? fgs_cli_load_policy(a.policy_path) : NULL;

    if (policy == NULL || fgs_case_cover_init(&cover, policy) != FGS_OK) {
        if (files == NULL || out == NULL || policy != NULL) {
            fprintf(stderr, "fgs-policy test: out of memory\n");
        }

        free(files);
        free(out);
        fgs_policy_free(policy);
        pcre2_match_data_free(md);
        pcre2_code_free(re);
        return FGS_CLI_FAILED;
    }

    n = fgs_case_scan_dir(a.dir, files);
    fgs_case_mark_bodies(files, n);

    no = 0;
    ncases = 0;
    nfailed = 0;

    for (k = 0; k < n; k++) {
        f = &files[k];

        if (f->is_body) {
            continue;
        }

        /* --run: the files it names, every one of them checked as usual */

        if (re != NULL
            && pcre2_match(re, (PCRE2_SPTR) f->name, strlen(f->name), 0, 0,
                           md, NULL)
               < 0)
        {
            continue;
        }

        fgs_case_file(policy, a.dir, f, &cover, &out[no], &ncases);
        nfailed += out[no].failed;
        no++;
    }

    coverage = NULL;
    percent = 100;

    if (a.coverage) {
        coverage = json_object();
        percent = fgs_case_cover_report(&cover, policy, coverage,
                                        (a.format == FGS_CASE_TAP) ? stdout
                                                                   : NULL);
        if (a.min >= 0 && percent < (unsigned) a.min) {
            nfailed++;
        }
    }

    fgs_case_report(a.format, a.policy_path, a.dir, out, no, coverage,
                    a.min >= 0, percent, a.min);

    rc = 0;

    if (n == FGS_CASE_MAX_FILES) {
        fprintf(stderr, "fgs-policy test: %s has more than %d files: not "
                "all were read\n", a.dir, FGS_CASE_MAX_FILES - 1);
        rc = FGS_CLI_FAILED;

    } else if (ncases == 0) {
        fprintf(stderr, "fgs-policy test: %s: no case%s%s%s: nothing was "
                "tested\n", a.dir, a.run ? " matches --run \"" : " (*.json)",
                a.run ? a.run : "", a.run ? "\"" : "");
        rc = FGS_CLI_FAILED;

    } else if (nfailed) {
        rc = FGS_CLI_FAILED;
    }

    for (k = 0; k < n; k++) {
        json_decref(files[k].json);
        free(files[k].name);
    }

    for (k = 0; k < no; k++) {
        free(out[k].problems);
    }

    json_decref(coverage);
    free(files);
    free(out);
    fgs_case_cover_free(&cover);
    fgs_policy_free(policy);
    pcre2_match_data_free(md);
    pcre2_code_free(re);

    return rc;
}


/* FGS_OK to go on, or FGS_DECLINED with the exit code in *code */

static int
fgs_case_args(int argc, char **argv, fgs_case_args_t *a, int *code)
{
    int          i;
    char        *end;
    const char  *opt;

    memset(a, 0, sizeof(fgs_case_args_t));
    a->format = FGS_CASE_TAP;
    a->min = -1;

    *code = FGS_CLI_USAGE;

    for (i = 0; i < argc; i++) {
        opt = argv[i];

        if (fgs_cli_is_help(opt)) {
            fgs_cli_help("test", stdout);
            *code = 0;
            return FGS_DECLINED;
        }

        if (strcmp(opt, "--coverage") == 0) {
            a->coverage = 1;
            continue;
        }

        if (opt[0] == '-' && opt[1] == '-') {
            if (i + 1 == argc) {
                fprintf(stderr, "fgs-policy test: %s needs a value\n", opt);
                fgs_cli_help("test", stderr);
                return FGS_DECLINED;
            }

            i++;

            if (strcmp(opt, "--run") == 0) {
                a->run = argv[i];
                continue;
            }

            if (strcmp(opt, "--format") == 0) {
                if (strcmp(argv[i], "tap") == 0) {
                    a->format = FGS_CASE_TAP;
                    continue;
                }

                if (strcmp(argv[i], "json") == 0) {
                    a->format = FGS_CASE_JSON;
                    continue;
                }

                if (strcmp(argv[i], "junit") == 0) {
                    a->format = FGS_CASE_JUNIT;
                    continue;
                }
            }

            if (strcmp(opt, "--coverage-min") == 0) {
                a->min = strtol(argv[i], &end, 10);

                if (end != argv[i] && *end == '\0'
                    && a->min >= 0 && a->min <= 100)
                {
                    a->coverage = 1;
                    continue;
                }
            }

            fprintf(stderr, "fgs-policy test: bad option %s %s\n", opt,
                    argv[i]);
            fgs_cli_help("test", stderr);
            return FGS_DECLINED;
        }

        if (a->policy_path == NULL) {
            a->policy_path = opt;

        } else if (a->dir == NULL) {
            a->dir = opt;

        } else {
            fgs_cli_help("test", stderr);
            return FGS_DECLINED;
        }
    }

    if (a->dir == NULL) {
        fgs_cli_help("test", stderr);
        return FGS_DECLINED;
    }

    return FGS_OK;
}


/* one file of the directory: a case run and checked, or a problem */

static void
fgs_case_file(const fgs_policy_t *policy, const char *dir,
    fgs_case_file_t *f, fgs_case_cover_t *cover, fgs_case_outcome_t *out,
    size_t *ncases)
{
    fgs_case_t  c;

    memset(&c, 0, sizeof(fgs_case_t));
    c.cover = cover;
    c.dir = dir;
    c.name = f->name;
    c.json = f->json;

    out->name = f->name;

    if (!f->is_case) {
        fgs_case_problem(&c, "neither a case (*.json), a body file a case "
                         "reads, nor the README: it would be skipped");

    } else if (f->json == NULL) {
        fgs_case_problem(&c, "malformed: %s", f->error);

    } else {
        (*ncases)++;
        out->description = json_string_value(json_object_get(f->json,
                                                             "description"));

        if (fgs_case_run(policy, &c) != FGS_OK) {
            fgs_case_problem(&c, "the case could not be run");
        }
    }

    out->failed = c.failed;
    out->problems = strdup(c.problems);

    if (out->problems == NULL) {
        out->failed = 1;
    }
}


/*
 * The outcomes as TAP (coverage lines were printed already), one JSON
 * object, or JUnit XML; with --coverage-min, one more test: the rules'
 * coverage against the minimum.
 */

static void
fgs_case_report(fgs_case_format_e format, const char *policy,
    const char *dir, fgs_case_outcome_t *out, size_t n, json_t *coverage,
    int cover_line, unsigned percent, long min)
{
    char        *dump, *p, *q, line[160];
    json_t      *o, *cases, *one, *probs;
    size_t       i, nfailed;
    unsigned     cover_ok;

    nfailed = 0;

    for (i = 0; i < n; i++) {
        nfailed += out[i].failed;
    }

    cover_ok = !cover_line || percent >= (unsigned) min;

    if (cover_line) {
        snprintf(line, sizeof(line), "rule coverage %u%% (at least %ld%%)",
                 percent, min);
    }

    if (format == FGS_CASE_TAP) {
        printf("1..%zu\n", n + (cover_line ? 1 : 0));

        for (i = 0; i < n; i++) {
            printf("%s %zu - %s%s%s\n%s", out[i].failed ? "not ok" : "ok",
                   i + 1, out[i].name, out[i].description ? ": " : "",
                   out[i].description ? out[i].description : "",
                   out[i].problems ? out[i].problems : "");
        }

        if (cover_line) {
            printf("%s %zu - %s\n", cover_ok ? "ok" : "not ok", n + 1, line);
        }

        if (nfailed || !cover_ok) {
            printf("# %zu of %zu failed\n", nfailed + !cover_ok,
                   n + (cover_line ? 1 : 0));

        } else if (n) {
            printf("# all %zu cases passed\n", n);
        }

        return;
    }

    if (format == FGS_CASE_JSON) {
        o = json_object();
        cases = json_array();

        for (i = 0; o && cases && i < n; i++) {
            one = json_object();
            probs = json_array();

            /* each problem is a line "#   ..." */

            for (p = out[i].problems; probs && p && *p; p = q) {
                q = strchr(p, '\n');
                q = q ? q : p + strlen(p);

                if (strncmp(p, "#   ", 4) == 0) {
                    p += 4;
                }

                json_array_append_new(probs, json_stringn(p, q - p));
                q += (*q == '\n');
            }

            json_object_set_new(one, "name", json_string(out[i].name));
            json_object_set_new(one, "description",
                                out[i].description
                                ? json_string(out[i].description)
                                : json_null());
            json_object_set_new(one, "ok", json_boolean(!out[i].failed));
            json_object_set_new(one, "problems", probs);
            json_array_append_new(cases, one);
        }

        json_object_set_new(o, "policy", json_string(policy));
        json_object_set_new(o, "cases_dir", json_string(dir));
        json_object_set_new(o, "cases", cases);
        json_object_set_new(o, "passed", json_integer(n - nfailed));
        json_object_set_new(o, "failed", json_integer(nfailed));

        if (coverage != NULL) {
            if (cover_line) {
                json_object_set_new(coverage, "min_percent",
                                    json_integer(min));
                json_object_set_new(coverage, "ok", json_boolean(cover_ok));
            }

            json_object_set(o, "coverage", coverage);
        }

        dump = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
        json_decref(o);

        if (dump == NULL) {
            fprintf(stderr, "fgs-policy test: out of memory\n");
            return;
        }

        printf("%s\n", dump);
        free(dump);

        return;
    }

    /* JUnit XML: one testsuite, a testcase per file */

    printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    printf("<testsuites>\n<testsuite name=\"");
    fgs_case_xml(stdout, policy);
    printf("\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
           n + (cover_line ? 1 : 0), nfailed + !cover_ok);

    for (i = 0; i < n; i++) {
        printf("  <testcase classname=\"");
        fgs_case_xml(stdout, dir);
        printf("\" name=\"");
        fgs_case_xml(stdout, out[i].name);

        if (!out[i].failed) {
            printf("\"/>\n");
            continue;
        }

        printf("\">\n    <failure message=\"the case does not pass\">");
        fgs_case_xml(stdout, out[i].problems ? out[i].problems : "");
        printf("</failure>\n  </testcase>\n");
    }

    if (cover_line) {
        printf("  <testcase classname=\"coverage\" name=\"");
        fgs_case_xml(stdout, line);
        printf("\"%s\n", cover_ok ? "/>" : ">");

        if (!cover_ok) {
            printf("    <failure message=\"too few rules exercised\"/>\n"
                   "  </testcase>\n");
        }
    }

    if (coverage != NULL) {
        dump = json_dumps(coverage, JSON_INDENT(2));

        if (dump != NULL) {
            printf("  <system-out>");
            fgs_case_xml(stdout, dump);
            printf("</system-out>\n");
            free(dump);
        }
    }

    printf("</testsuite>\n</testsuites>\n");
}


/* text for XML: escaped, and no byte XML 1.0 forbids */

static void
fgs_case_xml(FILE *f, const char *s)
{
    for ( /* void */ ; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\n':
        case '\t':
            fputc(*s, f);
            break;
        default:
            fputc(((unsigned char) *s < 0x20 || *s == 0x7f) ? '?' : *s, f);
            break;
        }
    }
}


static int
fgs_case_cover_init(fgs_case_cover_t *cv, const fgs_policy_t *policy)
{
    uint32_t  i, j;

    memset(cv, 0, sizeof(fgs_case_cover_t));

    cv->nrules = fgs_policy_nrules(policy);
    cv->nexceptions = fgs_policy_nexceptions(policy);

    cv->rules = calloc(cv->nrules + 1, 1);
    cv->checks = calloc(cv->nrules + 1, sizeof(uint8_t *));
    cv->nchecks = calloc(cv->nrules + 1, sizeof(uint32_t));
    cv->exceptions = calloc(cv->nexceptions + 1, 1);

    if (cv->rules == NULL || cv->checks == NULL || cv->nchecks == NULL
        || cv->exceptions == NULL)
    {
        fgs_case_cover_free(cv);
        return FGS_ERROR;
    }

    for (i = 0; i < cv->nrules; i++) {
        for (j = 0; fgs_policy_rule_check(policy, i, j); j++) {
            /* count */
        }

        cv->nchecks[i] = j;
        cv->checks[i] = calloc(j + 1, 1);

        if (cv->checks[i] == NULL) {
            fgs_case_cover_free(cv);
            return FGS_ERROR;
        }
    }

    return FGS_OK;
}


static void
fgs_case_cover_free(fgs_case_cover_t *cv)
{
    uint32_t  i;

    for (i = 0; cv->checks != NULL && i < cv->nrules; i++) {
        free(cv->checks[i]);
    }

    free(cv->rules);
    free(cv->checks);
    free(cv->nchecks);
    free(cv->exceptions);

    memset(cv, 0, sizeof(fgs_case_cover_t));
}


/* what one evaluated request exercised */

static void
fgs_case_cover(fgs_case_cover_t *cv, const fgs_policy_t *policy,
    const fgs_cli_result_t *res)
{
    uint32_t                i, j;
    const char             *id, *path, *exc;
    const fgs_violation_t  *v;
    const fgs_rule_note_t  *n;
    const fgs_verdict_t    *vd;

    vd = &res->verdict;

    if (!vd->evaluated) {
        return;
    }

    for (i = 0; i < cv->nrules; i++) {
        id = fgs_policy_rule_id(policy, i);

        for (n = vd->eval.applied; n != NULL; n = n->next) {
            if (strcmp(n->rule, id) == 0) {
                cv->rules[i] = 1;
            }
        }

        for (j = 0; j < cv->nchecks[i]; j++) {
            path = fgs_policy_rule_check(policy, i, j);

            for (v = vd->eval.violations.head; v != NULL; v = v->next) {
                if (v->rule && strcmp(v->rule, id) == 0
                    && fgs_policy_field_of(path, v->field))
                {
                    cv->checks[i][j] = 1;
                }
            }

            for (v = vd->eval.audited.head; v != NULL; v = v->next) {
                if (v->rule && strcmp(v->rule, id) == 0
                    && fgs_policy_field_of(path, v->field))
                {
                    cv->checks[i][j] = 1;
                }
            }
        }
    }

    for (n = vd->eval.waived; n != NULL; n = n->next) {
        for (i = 0; (exc = fgs_policy_exception(policy, i, NULL)); i++) {
            if (n->action != NULL && strcmp(n->action, exc) == 0) {
                cv->exceptions[i] = 1;
            }
        }
    }
}


/*
 * What no case exercised: into json (rules, checks, exceptions, the
 * rules' percentage), and as TAP comments on f when given.  Returns the
 * percentage of rules exercised, rounded down.
 */

static unsigned
fgs_case_cover_report(fgs_case_cover_t *cv, const fgs_policy_t *policy,
    json_t *json, FILE *f)
{
    char         name[256];
    json_t      *rules, *checks, *excs;
    uint32_t     i, j, covered, nchecks, cchecks, cexc;
    unsigned     percent;
    const char  *id;

    rules = json_array();
    checks = json_array();
    excs = json_array();
    covered = 0;
    nchecks = 0;
    cchecks = 0;
    cexc = 0;

    for (i = 0; i < cv->nrules; i++) {
        id = fgs_policy_rule_id(policy, i);

        if (cv->rules[i]) {
            covered++;

        } else {
            json_array_append_new(rules, json_string(id));

            if (f != NULL) {
                fprintf(f, "# not covered: rule %s: no case applies it\n",
                        id);
            }
        }

        for (j = 0; j < cv->nchecks[i]; j++) {
            nchecks++;

            if (cv->checks[i][j]) {
                cchecks++;
                continue;
            }

            snprintf(name, sizeof(name), "%s:%s", id,
                     fgs_policy_rule_check(policy, i, j));
            json_array_append_new(checks, json_string(name));

            if (f != NULL) {
                fprintf(f, "# not covered: check %s: no case fails it\n",
                        name);
            }
        }
    }

    for (i = 0; (id = fgs_policy_exception(policy, i, NULL)); i++) {
        if (cv->exceptions[i]) {
            cexc++;
            continue;
        }

        json_array_append_new(excs, json_string(id));

        if (f != NULL) {
            fprintf(f, "# not covered: exception %s: no case it waives\n",
                    id);
        }
    }

    percent = cv->nrules ? (unsigned) (covered * 100 / cv->nrules) : 100;

    if (f != NULL) {
        fprintf(f, "# coverage: rules %u/%u (%u%%), checks %u/%u, "
                "exceptions %u/%u\n", covered, cv->nrules, percent, cchecks,
                nchecks, cexc, cv->nexceptions);
    }

    json_object_set_new(json, "rules_percent", json_integer(percent));
    json_object_set_new(json, "rules_covered", json_integer(covered));
    json_object_set_new(json, "rules_total", json_integer(cv->nrules));
    json_object_set_new(json, "checks_covered", json_integer(cchecks));
    json_object_set_new(json, "checks_total", json_integer(nchecks));
    json_object_set_new(json, "exceptions_covered", json_integer(cexc));
    json_object_set_new(json, "exceptions_total",
                        json_integer(cv->nexceptions));
    json_object_set_new(json, "uncovered_rules", rules);
    json_object_set_new(json, "uncovered_checks", checks);
    json_object_set_new(json, "uncovered_exceptions", excs);

    return percent;
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
        fprintf(stderr, "fgs-policy test: cannot open %s\n", dir);
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
        fgs_case_cover(c->cover, policy, &res);
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
    json_t      *v, *b, *bf, *h;
    size_t       len;
    const char  *s, *key;

    memset(rq, 0, sizeof(fgs_cli_request_t));

    s = json_string_value(json_object_get(c->json, "op"));

    if (s == NULL || fgs_cli_parse_op(s, &rq->op) != FGS_OK) {
        fgs_case_problem(c, "malformed: \"op\" is an operation (code, "
                         "config, create, trigger, ..., other)");
        return FGS_DECLINED;
    }

    s = json_string_value(json_object_get(c->json, "method"));

    if (s != NULL && fgs_cli_parse_method(s, &rq->method) != FGS_OK) {
        fgs_case_problem(c, "malformed: \"method\" is POST, PUT or DELETE");
        return FGS_DECLINED;
    }

    rq->path = json_string_value(json_object_get(c->json, "path"));

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

    /* who: an identity given whole, or credential headers */

    v = json_object_get(c->json, "identity");

    if (v != NULL) {
        if (fgs_cli_identity_json(v, &c->identity, err, sizeof(err))
            != FGS_OK)
        {
            fgs_case_problem(c, "malformed: %s", err);
            return FGS_DECLINED;
        }

        rq->identity = &c->identity;
    }

    v = json_object_get(c->json, "headers");

    if (v != NULL) {
        if (!json_is_object(v) || rq->identity != NULL) {
            fgs_case_problem(c, "malformed: \"headers\" is an object of "
                             "name -> value, and not given with "
                             "\"identity\"");
            return FGS_DECLINED;
        }

        json_object_foreach(v, key, h) {
            if (!json_is_string(h)) {
                fgs_case_problem(c, "malformed: header %s is a string",
                                 key);
                return FGS_DECLINED;
            }

            (void) fgs_cli_add_header(rq, key, json_string_value(h));
        }
    }

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

    } else if (rq->op != FGS_OP_OTHER
               && fgs_request_takes_body(fgs_cli_api(rq)))
    {
        fgs_case_problem(c, "malformed: a %s case needs \"body\" or "
                         "\"body_file\"", fgs_op_name(rq->op));
        return FGS_DECLINED;
    }

    return FGS_OK;
}


static void
fgs_case_compare(fgs_case_t *c, const fgs_cli_result_t *res)
{
    json_t               *v;
    size_t                n;
    const char           *s;
    fgs_entry_t          *got;
    const fgs_verdict_t  *vd;

    vd = &res->verdict;

    s = json_string_value(json_object_get(c->expect, "decision"));

    if (strcmp(s, fgs_policy_decision_name(vd->decision)) != 0) {
        fgs_case_problem(c, "decision: expected %s, got %s%s%s", s,
                         fgs_policy_decision_name(vd->decision),
                         vd->error_msg ? ": " : "",
                         vd->error_msg ? vd->error_msg : "");
    }

    v = json_object_get(c->expect, "status");

    if (v != NULL
        && (!json_is_integer(v) || json_integer_value(v) != vd->status))
    {
        fgs_case_problem(c, "status: expected %s, got %d",
                         json_is_integer(v) ? "another" : "an integer",
                         vd->status);
    }

    v = json_object_get(c->expect, "error_code");

    if (v != NULL
        && (!json_is_string(v) || vd->error_code == NULL
            || strcmp(json_string_value(v), vd->error_code) != 0))
    {
        fgs_case_problem(c, "error_code: expected %s, got %s",
                         json_is_string(v) ? json_string_value(v) : "a string",
                         vd->error_code ? vd->error_code : "none");
    }

    v = json_object_get(c->expect, "error_msg_contains");

    if (v != NULL
        && (!json_is_string(v) || vd->error_msg == NULL
            || strstr(vd->error_msg, json_string_value(v)) == NULL))
    {
        fgs_case_problem(c, "error_msg: expected it to contain \"%s\", got "
                         "\"%s\"",
                         json_is_string(v) ? json_string_value(v) : "?",
                         vd->error_msg ? vd->error_msg : "");
    }

    /* the principals the caller belongs to, in the policy's order */

    v = json_object_get(c->expect, "principals");

    if (v != NULL) {
        fgs_case_principals(c, v, vd, res->policy);
    }

    /* lists: exact, order aside; an absent list expects none */

    got = fgs_case_violations(vd->evaluated ? &vd->eval.violations
                                             : &vd->reference, &n);
    fgs_case_list(c, "violations", got, n, "violation");
    free(got);

    if (vd->evaluated) {
        got = fgs_case_violations(&vd->eval.audited, &n);
        fgs_case_list(c, "audited", got, n, "audited violation");
        free(got);

        got = fgs_case_notes(vd->eval.waived, 1, &n);
        fgs_case_list(c, "waived", got, n, "waiver");
        free(got);

        got = fgs_case_notes(vd->eval.rewrites, 0, &n);
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
    int                   rc;
    json_t               *fields, *absent, *root, *v, *got;
    size_t                i;
    const char           *path;
    fgs_arena_t           arena;
    json_error_t          jerr;
    fgs_json_doc_t        doc;
    fgs_violations_t      schema;
    const fgs_verdict_t  *vd;

    vd = &res->verdict;

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

    if (vd->decision == FGS_DECISION_REWRITE) {
        fgs_arena_init(&arena);
        fgs_violations_init(&schema);

        rc = fgs_json_scan(&doc, res->forwarded, res->forwarded_len,
                           &arena.alloc);

        if (rc != FGS_OK) {
            fgs_case_problem(c, "the rewritten body does not scan: %s",
                             rc == FGS_DECLINED && doc.error ? doc.error
                                                             : "no memory");

        } else if (fgs_schema_validate(&doc, vd->target.api, &schema,
                                       &arena.alloc)
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


/* "principals": ["ci", ...]: exactly these, in the policy's order */

static void
fgs_case_principals(fgs_case_t *c, json_t *want, const fgs_verdict_t *vd,
    const fgs_policy_t *policy)
{
    char         got[512], exp[512];
    size_t       i, n, m;
    json_t      *v;
    uint32_t     k;
    const char  *name;

    n = 0;
    got[0] = '\0';

    for (k = 0; k < FGS_POLICY_MAX_PRINCIPALS; k++) {
        name = (vd->identity.principals & ((uint64_t) 1 << k))
               ? fgs_policy_principal_name(policy, k) : NULL;

        if (name != NULL && n < sizeof(got)) {
            n += snprintf(got + n, sizeof(got) - n, "%s%s", n ? "," : "",
                          name);
        }
    }

    m = 0;
    exp[0] = '\0';

    json_array_foreach(want, i, v) {
        if (json_is_string(v) && m < sizeof(exp)) {
            m += snprintf(exp + m, sizeof(exp) - m, "%s%s", m ? "," : "",
                          json_string_value(v));
        }
    }

    if (!json_is_array(want) || strcmp(got, exp) != 0) {
        fgs_case_problem(c, "principals: expected [%s], got [%s]", exp, got);
    }
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * A rule's checks (and its "when") on the view of the body: each check's
 * path walked to every value it reaches, one per element for "[*]", and
 * the check applied to each value, with the violation it produces: the
 * field, the offending value (never for a secret field, never what a
 * not_pattern found) and how to comply.  The field's name and the quoted
 * value are made only when a check fails: a value that passes costs no
 * allocation.
 *
 * Absent values pass every check but "required"; null is "not set" in
 * the API, so it fails "required", is "set" for "forbidden" (an explicit
 * null still names the field) and passes the value checks.
 */


#include <stddef.h>
#include <string.h>

#include "fgs_policy_int.h"
#include "core/fgs_base64.h"


/* one check on one value */
typedef struct {
    const fgs_check_t      *c;
    fgs_view_t              v;
    int                     type;
    const uint32_t         *index;
    fgs_check_sink_t       *sink;
    fgs_str_t               s;          /* a string's unescaped value */
    char                   *field;      /* made on failure */
    char                   *echo;       /* made on failure: " VALUE", or
                                           "" for a secret or an object
                                           a mutation makes up */
} fgs_checking_t;


static int fgs_check_walk(const fgs_check_t *check, fgs_view_t root,
    fgs_check_sink_t *sink);
static int fgs_check_walk_seg(const fgs_check_t *check, uint32_t seg,
    fgs_view_t v, uint32_t *index, uint32_t nindex, fgs_check_sink_t *sink);
static int fgs_check_value(const fgs_check_t *c, fgs_view_t v,
    const uint32_t *index, fgs_check_sink_t *sink);
static int fgs_check_added(fgs_check_sink_t *sink, int rc);
static int fgs_check_quote(fgs_checking_t *ck);
static int fgs_check_in(const fgs_scalar_t *list, uint32_t n,
    const fgs_json_doc_t *doc, uint32_t node, const fgs_str_t *s);
static int fgs_check_lists(fgs_checking_t *ck);
static int fgs_check_patterns(fgs_checking_t *ck);
static int fgs_check_number(fgs_checking_t *ck);
static int fgs_check_length(fgs_checking_t *ck);
static int fgs_check_decoded(fgs_checking_t *ck);


/*
 * A check that fails: a violation of the sink's rule, its message
 * formatted once; for a "when" (no out), only FGS_DECLINED.
 */
#define fgs_check_fail(sink, field, ...)                                     \
    ((sink)->failed = 1,                                                     \
     ((sink)->out == NULL)                                                   \
     ? FGS_DECLINED                                                          \
     : fgs_check_added((sink),                                               \
                       fgs_violation_add((sink)->out, (sink)->ctx->a,        \
                                         (sink)->rule, (field),              \
                                         __VA_ARGS__)))


#define FGS_CHECK_STRING  (FGS_CHECK_IN | FGS_CHECK_NOT_IN                   \
                           | FGS_CHECK_PATTERN | FGS_CHECK_NOT_PATTERN        \
                           | FGS_CHECK_MAX_LENGTH)


int
fgs_check_all(const fgs_check_t *checks, uint32_t n, fgs_view_t root,
    fgs_check_sink_t *sink)
{
    int                      rc;
    uint32_t                 i, node, seg;
    fgs_view_t               v;
    const fgs_check_t       *c;
    const fgs_eval_ctx_t    *ctx;

    ctx = sink->ctx;

    for (i = 0; i < n; i++) {
        c = &checks[i];

        /*
         * The common case: a path without "[*]" in the body as the
         * scanner read it (no mutation below the root), its first key
         * found already by fgs_path_index_body().  An absent value
         * passes every check but "required".
         */

        if (!c->path.wildcard && c->path.root_key != 0
            && root.doc == ctx->in->doc && root.node == 0
            && (root.patch == NULL || root.patch->children == NULL))
        {
            node = ctx->root_nodes[c->path.root_key - 1];
            seg = 1;

            if (c->path.nsegs > 1 && node != FGS_NONE) {
                node = fgs_path_tape(root.doc, node, &c->path, &seg);
            }

            if (node == FGS_NONE && !(c->has & FGS_CHECK_REQUIRED)) {
                continue;
            }

            v.doc = (node != FGS_NONE) ? root.doc : NULL;
            v.node = node;
            v.patch = NULL;

            rc = fgs_check_value(c, v, NULL, sink);

        } else {
            rc = fgs_check_walk(c, root, sink);
        }

        if (rc != FGS_OK) {
            return rc;
        }
    }

    return FGS_OK;
}


/*
 * Applies check to every value its path reaches in the view from root:
 * one for a plain path (possibly absent), one per element for "[*]".
 * Returns FGS_OK, FGS_DECLINED when a "when" sink already failed, or
 * FGS_ERROR.
 */

static int
fgs_check_walk(const fgs_check_t *check, fgs_view_t root,
    fgs_check_sink_t *sink)
{
    uint32_t                 seg, node, index[FGS_POLICY_MAX_SEGS];
    fgs_view_t               v;
    const fgs_path_seg_t    *s;
    const fgs_json_doc_t    *doc;

    doc = sink->ctx->in->doc;

    if (check->path.root_key == 0 || root.doc != doc || root.node != 0) {
        return fgs_check_walk_seg(check, 0, root, index, 0, sink);
    }

    /* the first key: found in the pass over the body's root */

    s = &check->path.segs[0];
    node = sink->ctx->root_nodes[check->path.root_key - 1];

    if (root.patch == NULL || root.patch->children == NULL) {
        v.doc = (node != FGS_NONE) ? doc : NULL;
        v.node = node;
        v.patch = NULL;

    } else {
        v = fgs_view_over(root, node, s->key, s->key_len);
    }

    /* below a member that no mutation touches, the view is the tape */

    seg = 1;

    if (v.patch == NULL) {
        node = fgs_path_tape(doc, v.node, &check->path, &seg);
        v.doc = (node != FGS_NONE) ? doc : NULL;
        v.node = node;
    }

    if (seg == check->path.nsegs) {
        /* the common case: a plain path, no "[*]" */
        return fgs_check_value(check, v, index, sink);
    }

    return fgs_check_walk_seg(check, seg, v, index, 0, sink);
}


static int
fgs_check_walk_seg(const fgs_check_t *check, uint32_t seg, fgs_view_t v,
    uint32_t *index, uint32_t nindex, fgs_check_sink_t *sink)
{
    int                     rc, type;
    char                   *field;
    uint32_t                i, child;
    fgs_view_t              e;
    const fgs_path_seg_t   *s;

    /* the keys up to the next "[*]" */

    for ( ;; ) {
        if (seg == check->path.nsegs) {
            return fgs_check_value(check, v, index, sink);
        }

        s = &check->path.segs[seg];

        if (s->key == NULL) {
            break;
        }

        v = fgs_view_step(v, s->key, s->key_len);
        seg++;
    }

    /* "[*]": every element; an absent or null array has none */

    type = fgs_view_type(v);

    if (type == 0 || type == FGS_JSON_NULL) {
        return FGS_OK;
    }

    if (type != FGS_JSON_ARRAY) {
        if (sink->out == NULL) {
            /* a "when": it does not hold, no need to say why */
            sink->failed = 1;
            return FGS_DECLINED;
        }

        field = fgs_path_field(&check->path, seg, index, sink->ctx->a);
        if (field == NULL) {
            return FGS_ERROR;
        }

        return fgs_check_fail(sink, field, "%s is %s %s, not an array",
                              field,
                              type == FGS_JSON_OBJECT
                              || type == FGS_JSON_INTEGER ? "an" : "a",
                              fgs_json_type_name(type));
    }

    /* arrays are never patched inside: elements are tape nodes */

    e.doc = v.doc;
    e.patch = NULL;
    child = v.node + 1;

    for (i = 0; i < v.doc->nodes[v.node].count; i++) {
        e.node = child;
        index[nindex] = i;

        rc = fgs_check_walk_seg(check, seg + 1, e, index, nindex + 1, sink);
        if (rc != FGS_OK) {
            return rc;
        }

        child = v.doc->nodes[child].next;
    }

    return FGS_OK;
}


/*
 * After fgs_check_fail() added a violation, its message formatted once:
 * a pattern that the message quotes may hold a control byte, which
 * fgs_oneline() turns into '?' in place.
 */

static int
fgs_check_added(fgs_check_sink_t *sink, int rc)
{
    fgs_violation_t  *last;

    if (rc != FGS_OK || sink->out->dropped) {
        /* once one is only counted, none is listed after it */
        return rc;
    }

    last = (fgs_violation_t *) ((u_char *) sink->out->tail
                                - offsetof(fgs_violation_t, next));

    fgs_oneline((char *) last->message);

    return FGS_OK;
}


static int
fgs_check_value(const fgs_check_t *c, fgs_view_t v, const uint32_t *index,
    fgs_check_sink_t *sink)
{
    int                     rc, type;
    fgs_checking_t          ck;
    const fgs_json_node_t  *nd;

    /* a value of the tape, the common case, without a call */
    type = (v.node != FGS_NONE) ? v.doc->nodes[v.node].type
                                : fgs_view_type(v);

    if (!(c->has & FGS_CHECK_REQUIRED) && (type == 0 || type == FGS_JSON_NULL)
        && !((c->has & FGS_CHECK_FORBIDDEN) && type == FGS_JSON_NULL)
        && !((c->has & FGS_CHECK_TYPE) && type == FGS_JSON_NULL))
    {
        /* the common case of an optional field that is not set */
        return FGS_OK;
    }

    ck.c = c;
    ck.v = v;
    ck.type = type;
    ck.index = index;
    ck.sink = sink;
    ck.s.data = NULL;
    ck.s.len = 0;
    ck.field = NULL;
    ck.echo = NULL;

    if ((c->has & FGS_CHECK_REQUIRED) && (type == 0 || type == FGS_JSON_NULL))
    {
        rc = fgs_check_quote(&ck);

        return rc != FGS_OK ? rc
               : fgs_check_fail(sink, ck.field, "%s is %s but required%s%s",
                                ck.field, type ? "null" : "missing",
                                c->in_text ? "; set it to one of " : "",
                                c->in_text ? c->in_text : "");
    }

    if (type == 0) {
        return FGS_OK;
    }

    if (c->has & FGS_CHECK_FORBIDDEN) {
        rc = fgs_check_quote(&ck);
        if (rc != FGS_OK) {
            return rc;
        }

        if (type == FGS_JSON_NULL) {
            return fgs_check_fail(sink, ck.field, "%s must not be set, not "
                                  "even to null; remove it", ck.field);
        }

        if (ck.echo[0] == '\0' || type == FGS_JSON_OBJECT
            || type == FGS_JSON_ARRAY)
        {
            return fgs_check_fail(sink, ck.field, "%s must not be set; "
                                  "remove it", ck.field);
        }

        return fgs_check_fail(sink, ck.field, "%s is set to%s but must not "
                              "be set; remove it", ck.field, ck.echo);
    }

    if ((c->has & FGS_CHECK_TYPE) && !(c->types & (1u << type))) {
        rc = fgs_check_quote(&ck);

        return rc != FGS_OK ? rc
               : fgs_check_fail(sink, ck.field, "%s is %s; it must be %s",
                                ck.field, fgs_json_kind(type),
                                c->types_text);
    }

    if (type == FGS_JSON_NULL) {
        return FGS_OK;
    }

    /* the unescaped string, once, for every check that reads it */

    if (type == FGS_JSON_STRING && (c->has & FGS_CHECK_STRING)) {
        nd = &v.doc->nodes[v.node];

        if (!(nd->flags & FGS_JSON_ESCAPED)) {
            /* the common case, without a call: the bytes as they are */
            ck.s.data = v.doc->body + nd->off + 1;
            ck.s.len = nd->len - 2;

        } else if (fgs_json_string(v.doc, v.node, sink->ctx->a, &ck.s)
                   != FGS_OK)
        {
            return FGS_ERROR;
        }
    }

    rc = fgs_check_lists(&ck);

    if (rc == FGS_OK) {
        rc = fgs_check_patterns(&ck);
    }

    if (rc == FGS_OK) {
        rc = fgs_check_number(&ck);
    }

    if (rc == FGS_OK) {
        rc = fgs_check_length(&ck);
    }

    if (rc == FGS_OK) {
        rc = fgs_check_decoded(&ck);
    }

    return rc;
}


/*
 * Called where a check fails, before the violation is added: makes the
 * field's name and the quoted value, once.  A "when" needs neither: it
 * only learns that it does not hold (FGS_DECLINED).
 */

static int
fgs_check_quote(fgs_checking_t *ck)
{
    char         *echo;
    fgs_alloc_t  *a;

    if (ck->sink->out == NULL) {
        ck->sink->failed = 1;
        return FGS_DECLINED;
    }

    if (ck->field != NULL) {
        return FGS_OK;
    }

    if (fgs_violations_full(ck->sink->out)) {
        /*
         * The violation is only counted (FGS_VIOLATIONS_MAX): no name
         * and no quote are made for it, so that a check over every
         * element of a large array costs no memory per element.
         */
        ck->field = "";
        ck->echo = "";
        return FGS_OK;
    }

    a = ck->sink->ctx->a;

    ck->field = fgs_path_field(&ck->c->path, ck->c->path.nsegs, ck->index,
                               a);
    if (ck->field == NULL) {
        return FGS_ERROR;
    }

    if (ck->v.node == FGS_NONE || ck->c->path.secret) {
        ck->echo = "";
        return FGS_OK;
    }

    echo = fgs_value_echo(ck->v.doc, ck->v.node, a);
    if (echo == NULL) {
        return FGS_ERROR;
    }

    ck->echo = fgs_strcat(a, " ", echo, NULL);

    return ck->echo ? FGS_OK : FGS_ERROR;
}


static int
fgs_check_lists(fgs_checking_t *ck)
{
    int                 rc;
    const fgs_check_t  *c;

    c = ck->c;

    if ((c->has & FGS_CHECK_IN)
        && (ck->v.node == FGS_NONE
            || !fgs_check_in(c->in, c->nin, ck->v.doc, ck->v.node, &ck->s)))
    {
        rc = fgs_check_quote(ck);
        if (rc != FGS_OK) {
            return rc;
        }

        rc = fgs_check_fail(ck->sink, ck->field,
                            "%s%s is not allowed; use one of %s", ck->field,
                            ck->echo, c->in_text);
        if (rc != FGS_OK) {
            return rc;
        }
    }

    if ((c->has & FGS_CHECK_NOT_IN) && ck->v.node != FGS_NONE
        && fgs_check_in(c->not_in, c->nnot_in, ck->v.doc, ck->v.node, &ck->s))
    {
        rc = fgs_check_quote(ck);
        if (rc != FGS_OK) {
            return rc;
        }

        /* for a secret, the list would tell the value */
        if (ck->echo[0] == '\0') {
            return fgs_check_fail(ck->sink, ck->field, "%s holds a value "
                                  "that this policy denies", ck->field);
        }

        return fgs_check_fail(ck->sink, ck->field, "%s%s is not allowed: it "
                              "must not be one of %s", ck->field, ck->echo,
                              c->not_in_text);
    }

    return FGS_OK;
}


/* whether the value at node (s: its unescaped string) is in list */

static int
fgs_check_in(const fgs_scalar_t *list, uint32_t n, const fgs_json_doc_t *doc,
    uint32_t node, const fgs_str_t *s)
{
    int           type;
    uint32_t      i;
    long double   num;

    type = doc->nodes[node].type;

    if (type == FGS_JSON_INTEGER || type == FGS_JSON_REAL) {
        if (fgs_value_number(doc, node, &num) != FGS_OK) {
            return 0;
        }

        for (i = 0; i < n; i++) {
            if (list[i].type == FGS_JSON_INTEGER && list[i].num == num) {
                return 1;
            }
        }

        return 0;
    }

    for (i = 0; i < n; i++) {
        if (list[i].type != type) {
            continue;
        }

        if (type != FGS_JSON_STRING
            || (list[i].str.len == s->len
                && memcmp(list[i].str.data, s->data, s->len) == 0))
        {
            return 1;
        }
    }

    return 0;
}


static int
fgs_check_patterns(fgs_checking_t *ck)
{
    int                  rc;
    fgs_regex_result_e   m;
    const fgs_check_t   *c;

    c = ck->c;

    if (c->has & FGS_CHECK_PATTERN) {

        /* an allowlist: what is not a matching string fails */

        m = (ck->type == FGS_JSON_STRING)
            ? fgs_regex_match_utf8(c->pattern, ck->s.data, ck->s.len)
            : FGS_REGEX_NOMATCH;

        if (m == FGS_REGEX_FAILED && ck->sink->out == NULL) {
            /* a "when" that cannot be decided holds: fail closed */
            m = FGS_REGEX_MATCH;
        }

        if (m != FGS_REGEX_MATCH) {
            rc = fgs_check_quote(ck);
            if (rc != FGS_OK) {
                return rc;
            }

            if (ck->type != FGS_JSON_STRING) {
                rc = fgs_check_fail(ck->sink, ck->field, "%s is %s, not a "
                                    "string that matches %s", ck->field,
                                    fgs_json_kind(ck->type),
                                    c->pattern->source);

            } else if (m == FGS_REGEX_FAILED) {
                rc = fgs_check_fail(ck->sink, ck->field, "%s could not be "
                                    "matched against %s (pattern match "
                                    "failed)", ck->field, c->pattern->source);

            } else {
                rc = fgs_check_fail(ck->sink, ck->field, "%s%s does not "
                                    "match %s; use a value that does",
                                    ck->field, ck->echo, c->pattern->source);
            }

            if (rc != FGS_OK) {
                return rc;
            }
        }
    }

    /*
     * A denylist, typically a scan for secrets: neither the value nor
     * what matched is ever quoted.  Only strings can hold what it finds.
     */

    if (!(c->has & FGS_CHECK_NOT_PATTERN) || ck->type != FGS_JSON_STRING) {
        return FGS_OK;
    }

    m = fgs_regex_match_utf8(c->not_pattern, ck->s.data, ck->s.len);

    if (m == FGS_REGEX_NOMATCH
        || (m == FGS_REGEX_FAILED && ck->sink->out == NULL))
    {
        return FGS_OK;
    }

    rc = fgs_check_quote(ck);
    if (rc != FGS_OK) {
        return rc;
    }

    if (m == FGS_REGEX_FAILED) {
        return fgs_check_fail(ck->sink, ck->field, "%s could not be matched "
                              "against %s (pattern match failed)", ck->field,
                              c->not_pattern->source);
    }

    return fgs_check_fail(ck->sink, ck->field, "%s matches the forbidden "
                          "pattern %s; remove what matches", ck->field,
                          c->not_pattern->source);
}


static int
fgs_check_number(fgs_checking_t *ck)
{
    int                 rc;
    long double         num;
    const fgs_check_t  *c;

    c = ck->c;

    if (!(c->has & (FGS_CHECK_MIN | FGS_CHECK_MAX))) {
        return FGS_OK;
    }

    if (ck->type != FGS_JSON_INTEGER && ck->type != FGS_JSON_REAL) {
        rc = fgs_check_quote(ck);

        return rc != FGS_OK ? rc
               : fgs_check_fail(ck->sink, ck->field, "%s is %s, not a "
                                "number", ck->field, fgs_json_kind(ck->type));
    }

    if (fgs_value_number(ck->v.doc, ck->v.node, &num) != FGS_OK) {
        rc = fgs_check_quote(ck);

        return rc != FGS_OK ? rc
               : fgs_check_fail(ck->sink, ck->field, "%s is a number out of "
                                "range", ck->field);
    }

    if ((c->has & FGS_CHECK_MIN) && num < c->min) {
        rc = fgs_check_quote(ck);

        if (rc == FGS_OK) {
            rc = fgs_check_fail(ck->sink, ck->field, "%s%s is below the "
                                "minimum %s; use at least %s", ck->field,
                                ck->echo, c->min_text, c->min_text);
        }

        if (rc != FGS_OK) {
            return rc;
        }
    }

    if ((c->has & FGS_CHECK_MAX) && num > c->max) {
        rc = fgs_check_quote(ck);

        return rc != FGS_OK ? rc
               : fgs_check_fail(ck->sink, ck->field, "%s%s is above the "
                                "maximum %s; use at most %s", ck->field,
                                ck->echo, c->max_text, c->max_text);
    }

    return FGS_OK;
}


static int
fgs_check_length(fgs_checking_t *ck)
{
    int                 rc;
    uint32_t            items;
    const fgs_check_t  *c;

    c = ck->c;

    if (!(c->has & FGS_CHECK_MAX_LENGTH)) {
        return FGS_OK;
    }

    if (ck->type == FGS_JSON_STRING && ck->s.len <= c->max_length) {
        return FGS_OK;
    }

    /* arrays are never patched inside: a tape node tells the count */
    items = (ck->type == FGS_JSON_ARRAY) ? ck->v.doc->nodes[ck->v.node].count
                                         : 0;

    if (ck->type == FGS_JSON_ARRAY && items <= c->max_length) {
        return FGS_OK;
    }

    rc = fgs_check_quote(ck);
    if (rc != FGS_OK) {
        return rc;
    }

    if (ck->type == FGS_JSON_STRING) {
        return fgs_check_fail(ck->sink, ck->field, "%s is %zu bytes long; "
                              "use at most %llu bytes", ck->field, ck->s.len,
                              (unsigned long long) c->max_length);
    }

    if (ck->type == FGS_JSON_ARRAY) {
        return fgs_check_fail(ck->sink, ck->field, "%s has %u items; use at "
                              "most %llu", ck->field, items,
                              (unsigned long long) c->max_length);
    }

    return fgs_check_fail(ck->sink, ck->field, "%s is %s, not a string or an "
                          "array", ck->field, fgs_json_kind(ck->type));
}


static int
fgs_check_decoded(fgs_checking_t *ck)
{
    int                     rc, valid;
    size_t                  n, len, pad;
    const u_char           *raw;
    fgs_base64_info_t       info;
    const fgs_check_t      *c;
    const fgs_json_node_t  *node;

    c = ck->c;

    if (!(c->has & FGS_CHECK_MAX_DECODED_BYTES)) {
        return FGS_OK;
    }

    if (ck->type != FGS_JSON_STRING) {
        rc = fgs_check_quote(ck);

        return rc != FGS_OK ? rc
               : fgs_check_fail(ck->sink, ck->field, "%s is %s, not a base64 "
                                "string", ck->field,
                                fgs_json_kind(ck->type));
    }

    /* the inside of the string, raw: a 20 MB func_code.file is not copied */

    node = &ck->v.doc->nodes[ck->v.node];
    raw = ck->v.doc->body + node->off + 1;
    len = node->len - 2;

    /*
     * Cheap first: base64 decodes to at most three bytes for every four
     * characters, less the padding, and escapes only lengthen the raw
     * string, so a value within that bound needs no pass over its bytes
     * (the schema has validated the encoding already).
     */

    pad = 0;

    if (len > 0 && raw[len - 1] == '=') {
        pad++;

        if (len > 1 && raw[len - 2] == '=') {
            pad++;
        }
    }

    n = len / 4 * 3 + (len % 4 * 3) / 4;
    n = n > pad ? n - pad : 0;

    if (n <= c->max_decoded) {
        return FGS_OK;
    }

    valid = (fgs_base64_check_known(raw, len,
                                    fgs_base64_runs_known(ck->v.doc->runs,
                                                          node->off + 1),
                                    1, &info)
             == FGS_OK);

    if (valid && info.decoded <= c->max_decoded) {
        return FGS_OK;
    }

    rc = fgs_check_quote(ck);
    if (rc != FGS_OK) {
        return rc;
    }

    if (!valid) {
        return fgs_check_fail(ck->sink, ck->field, "%s is not valid base64: "
                              "%s", ck->field, info.error);
    }

    return fgs_check_fail(ck->sink, ck->field, "%s decodes to %zu bytes; use "
                          "at most %llu bytes", ck->field, info.decoded,
                          (unsigned long long) c->max_decoded);
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * One check applied to one value of the view, and the violation it
 * produces: the field, the offending value (never for a secret field,
 * never what a not_pattern found) and how to comply.
 *
 * Absent values pass every check but "required"; null is "not set" in
 * the API, so it fails "required", is "set" for "forbidden" (an explicit
 * null still names the field) and passes the value checks.
 */


#include <string.h>

#include "fgs_policy_int.h"
#include "fgs_base64.h"


static int fgs_check_in(const fgs_scalar_t *list, uint32_t n,
    const fgs_json_doc_t *doc, uint32_t node, const fgs_str_t *s);
static int fgs_check_length(const fgs_check_t *c, const char *field,
    int type, const fgs_json_node_t *n, const fgs_str_t *s,
    fgs_check_sink_t *sink);
static int fgs_check_decoded(const fgs_check_t *c, const char *field,
    fgs_view_t v, fgs_check_sink_t *sink);
static int fgs_check_number(const fgs_check_t *c, const char *field,
    const char *echo, fgs_view_t v, fgs_check_sink_t *sink);
static int fgs_check_patterns(const fgs_check_t *c, const char *field,
    const char *echo, int type, const fgs_str_t *s, fgs_check_sink_t *sink);


#define FGS_CHECK_STRING  (FGS_CHECK_IN | FGS_CHECK_NOT_IN                   \
                           | FGS_CHECK_PATTERN | FGS_CHECK_NOT_PATTERN        \
                           | FGS_CHECK_MAX_LENGTH)


int
fgs_check_all(const fgs_check_t *checks, uint32_t n, fgs_view_t root,
    fgs_check_sink_t *sink)
{
    int       rc;
    uint32_t  i;

    for (i = 0; i < n; i++) {
        rc = fgs_path_walk(&checks[i], root, sink);
        if (rc != FGS_OK) {
            return rc;
        }
    }

    return FGS_OK;
}


int
fgs_check_fail(fgs_check_sink_t *sink, const char *field, const char *fmt,
    ...)
{
    char     *msg;
    va_list   args;

    sink->failed = 1;

    if (sink->out == NULL) {
        /* a "when" that does not hold: no need to look further */
        return FGS_DECLINED;
    }

    va_start(args, fmt);
    msg = fgs_vsprintf(sink->ctx->a, fmt, args);
    va_end(args);

    if (msg == NULL) {
        return FGS_ERROR;
    }

    return fgs_violation_add(sink->out, sink->ctx->a, sink->rule, field,
                             "%s", msg);
}


int
fgs_check_value(const fgs_check_t *c, fgs_view_t v, const uint32_t *index,
    fgs_check_sink_t *sink)
{
    int                     rc, type, found;
    char                   *field, *echo;
    fgs_str_t               s;
    fgs_alloc_t            *a;
    const fgs_json_node_t  *n;

    a = sink->ctx->a;
    type = fgs_view_type(v);

    if (!(c->has & FGS_CHECK_REQUIRED) && (type == 0 || type == FGS_JSON_NULL)
        && !((c->has & FGS_CHECK_FORBIDDEN) && type == FGS_JSON_NULL)
        && !((c->has & FGS_CHECK_TYPE) && type == FGS_JSON_NULL))
    {
        /* the common case of an optional field that is not set */
        return FGS_OK;
    }

    field = fgs_path_field(&c->path, c->path.nsegs, index, a);
    if (field == NULL) {
        return FGS_ERROR;
    }

    /* a value is quoted only for a field that is not secret */

    echo = NULL;

    if (v.node != FGS_NONE && !c->path.secret) {
        echo = fgs_value_echo(v.doc, v.node, a);
        if (echo == NULL) {
            return FGS_ERROR;
        }
    }

    if ((c->has & FGS_CHECK_REQUIRED) && (type == 0 || type == FGS_JSON_NULL))
    {
        return fgs_check_fail(sink, field, "%s is %s but required%s%s",
                              field, type ? "null" : "missing",
                              c->in_text ? "; set it to one of " : "",
                              c->in_text ? c->in_text : "");
    }

    if (type == 0) {
        return FGS_OK;
    }

    if (c->has & FGS_CHECK_FORBIDDEN) {
        if (echo != NULL && type != FGS_JSON_OBJECT
            && type != FGS_JSON_ARRAY && type != FGS_JSON_NULL)
        {
            return fgs_check_fail(sink, field,
                                  "%s is set to %s but must not be set; "
                                  "remove it", field, echo);
        }

        return fgs_check_fail(sink, field,
                              "%s must not be set%s; remove it", field,
                              type == FGS_JSON_NULL ? ", not even to null"
                                                    : "");
    }

    if ((c->has & FGS_CHECK_TYPE) && !(c->types & (1u << type))) {
        return fgs_check_fail(sink, field, "%s is %s; it must be %s",
                              field, fgs_value_kind(type), c->types_text);
    }

    if (type == FGS_JSON_NULL) {
        return FGS_OK;
    }

    /* the unescaped string, once, for every check that reads it */

    s.data = NULL;
    s.len = 0;

    if (type == FGS_JSON_STRING && (c->has & FGS_CHECK_STRING)) {
        if (fgs_json_string(v.doc, v.node, a, &s) != FGS_OK) {
            return FGS_ERROR;
        }
    }

    n = v.node != FGS_NONE ? &v.doc->nodes[v.node] : NULL;

    if (c->has & FGS_CHECK_IN) {
        found = (n != NULL) && fgs_check_in(c->in, c->nin, v.doc, v.node, &s);

        if (!found) {
            rc = echo
                 ? fgs_check_fail(sink, field,
                                  "%s %s is not allowed; use one of %s",
                                  field, echo, c->in_text)
                 : fgs_check_fail(sink, field,
                                  "%s is not allowed; use one of %s",
                                  field, c->in_text);
            if (rc != FGS_OK) {
                return rc;
            }
        }
    }

    if ((c->has & FGS_CHECK_NOT_IN)
        && n != NULL && fgs_check_in(c->not_in, c->nnot_in, v.doc, v.node, &s))
    {
        rc = echo
             ? fgs_check_fail(sink, field,
                              "%s %s is not allowed: it must not be one "
                              "of %s", field, echo, c->not_in_text)
             : fgs_check_fail(sink, field,
                              "%s holds a value that this policy denies",
                              field);
        if (rc != FGS_OK) {
            return rc;
        }
    }

    rc = fgs_check_patterns(c, field, echo, type, &s, sink);
    if (rc != FGS_OK) {
        return rc;
    }

    rc = fgs_check_number(c, field, echo, v, sink);
    if (rc != FGS_OK) {
        return rc;
    }

    rc = fgs_check_length(c, field, type, n, &s, sink);
    if (rc != FGS_OK) {
        return rc;
    }

    if (c->has & FGS_CHECK_MAX_DECODED_BYTES) {
        if (type != FGS_JSON_STRING) {
            return fgs_check_fail(sink, field,
                                  "%s is %s, not a base64 string", field,
                                  fgs_value_kind(type));
        }

        return fgs_check_decoded(c, field, v, sink);
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
fgs_check_patterns(const fgs_check_t *c, const char *field, const char *echo,
    int type, const fgs_str_t *s, fgs_check_sink_t *sink)
{
    int                 rc;
    fgs_regex_result_e  m;

    if (c->has & FGS_CHECK_PATTERN) {

        /* an allowlist: what is not a matching string fails */

        if (type != FGS_JSON_STRING) {
            rc = fgs_check_fail(sink, field,
                                "%s is %s, not a string that matches %s",
                                field, fgs_value_kind(type),
                                c->pattern->source);

        } else {
            m = fgs_regex_match(c->pattern, s->data, s->len);

            if (m == FGS_REGEX_MATCH) {
                rc = FGS_OK;

            } else if (m == FGS_REGEX_FAILED && sink->out == NULL) {
                /* a "when" that cannot be decided holds: fail closed */
                rc = FGS_OK;

            } else if (m == FGS_REGEX_FAILED) {
                rc = fgs_check_fail(sink, field,
                                    "%s could not be matched against %s "
                                    "(pattern match failed)", field,
                                    c->pattern->source);

            } else if (echo) {
                rc = fgs_check_fail(sink, field,
                                    "%s %s does not match %s; use a value "
                                    "that does", field, echo,
                                    c->pattern->source);

            } else {
                rc = fgs_check_fail(sink, field,
                                    "%s does not match %s; use a value "
                                    "that does", field, c->pattern->source);
            }
        }

        if (rc != FGS_OK) {
            return rc;
        }
    }

    /*
     * A denylist, typically a scan for secrets: neither the value nor
     * what matched is ever quoted.  Only strings can hold what it finds.
     */

    if ((c->has & FGS_CHECK_NOT_PATTERN) && type == FGS_JSON_STRING) {
        m = fgs_regex_match(c->not_pattern, s->data, s->len);

        if (m == FGS_REGEX_MATCH) {
            return fgs_check_fail(sink, field,
                                  "%s matches the forbidden pattern %s; "
                                  "remove what matches", field,
                                  c->not_pattern->source);
        }

        if (m == FGS_REGEX_FAILED && sink->out != NULL) {
            return fgs_check_fail(sink, field,
                                  "%s could not be matched against %s "
                                  "(pattern match failed)", field,
                                  c->not_pattern->source);
        }
    }

    return FGS_OK;
}


static int
fgs_check_number(const fgs_check_t *c, const char *field, const char *echo,
    fgs_view_t v, fgs_check_sink_t *sink)
{
    int          rc, type;
    long double  num;

    if (!(c->has & (FGS_CHECK_MIN | FGS_CHECK_MAX))) {
        return FGS_OK;
    }

    type = fgs_view_type(v);

    if (type != FGS_JSON_INTEGER && type != FGS_JSON_REAL) {
        return fgs_check_fail(sink, field, "%s is %s, not a number", field,
                              fgs_value_kind(type));
    }

    if (fgs_value_number(v.doc, v.node, &num) != FGS_OK) {
        return fgs_check_fail(sink, field, "%s is a number out of range",
                              field);
    }

    if (echo == NULL) {
        echo = "";
    }

    if ((c->has & FGS_CHECK_MIN) && num < c->min) {
        rc = fgs_check_fail(sink, field,
                            "%s %s is below the minimum %s; use at least %s",
                            field, echo, c->min_text, c->min_text);
        if (rc != FGS_OK) {
            return rc;
        }
    }

    if ((c->has & FGS_CHECK_MAX) && num > c->max) {
        return fgs_check_fail(sink, field,
                              "%s %s is above the maximum %s; use at most %s",
                              field, echo, c->max_text, c->max_text);
    }

    return FGS_OK;
}


static int
fgs_check_length(const fgs_check_t *c, const char *field, int type,
    const fgs_json_node_t *n, const fgs_str_t *s, fgs_check_sink_t *sink)
{
    if (!(c->has & FGS_CHECK_MAX_LENGTH)) {
        return FGS_OK;
    }

    if (type == FGS_JSON_STRING) {
        if (s->len > c->max_length) {
            return fgs_check_fail(sink, field,
                                  "%s is %zu bytes long; use at most %llu "
                                  "bytes", field, s->len,
                                  (unsigned long long) c->max_length);
        }

        return FGS_OK;
    }

    if (type == FGS_JSON_ARRAY) {
        if (n->count > c->max_length) {
            return fgs_check_fail(sink, field,
                                  "%s has %u items; use at most %llu",
                                  field, n->count,
                                  (unsigned long long) c->max_length);
        }

        return FGS_OK;
    }

    return fgs_check_fail(sink, field, "%s is %s, not a string or an array",
                          field, fgs_value_kind(type));
}


static int
fgs_check_decoded(const fgs_check_t *c, const char *field, fgs_view_t v,
    fgs_check_sink_t *sink)
{
    size_t                  n, len, pad;
    const u_char           *raw;
    fgs_base64_info_t       info;
    const fgs_json_node_t  *node;

    /* the inside of the string, raw: a 20 MB func_code.file is not copied */

    node = &v.doc->nodes[v.node];
    raw = v.doc->body + node->off + 1;
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

    if (fgs_base64_check_json(raw, len, &info) != FGS_OK) {
        return fgs_check_fail(sink, field, "%s is not valid base64: %s",
                              field, info.error);
    }

    if (info.decoded > c->max_decoded) {
        return fgs_check_fail(sink, field,
                              "%s decodes to %zu bytes; use at most %llu "
                              "bytes", field, info.decoded,
                              (unsigned long long) c->max_decoded);
    }

    return FGS_OK;
}

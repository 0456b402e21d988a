
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Which operation a request is, from its raw method and request target.
 *
 * A target whose path is in canonical form (origin form, single slashes,
 * no dot segments, no trailing slash, no percent-encoding, no ';'
 * parameters, only URL path characters) is read as it stands: the
 * upstream reads it the same way.  Any other path is rejected when any
 * server between the client and FunctionGraph could read it as a path
 * under /v2/{project_id}/fgs/, and passes untouched otherwise: see
 * fgs_target_may_govern().
 */


#include <string.h>

#include "fgs_target.h"


/*
 * The normalisation works in a stack buffer of this size.  nginx's
 * default large_client_header_buffers (8k) bounds the request line, so
 * in practice every target fits; a longer one is judged on its raw bytes.
 */
#define FGS_TARGET_NORM_MAX       8192

/* percent-decoding rounds: a chain of proxies decodes once each */
#define FGS_TARGET_DECODE_ROUNDS  4

#define FGS_TARGET_PROJECT_LEN    32

/* v2, the project, the words of the longest endpoint, and one more */
#define FGS_TARGET_MAX_SEGS       (FGS_API_MAX_WORDS + 3)

/* parts of urn:fss:{region}:{project}:function:{package}:{name}:{version} */
#define FGS_TARGET_URN_PARTS      8


/* how a method is handled */
typedef enum {
    FGS_TARGET_READ = 0,        /* GET, HEAD: change nothing */
    FGS_TARGET_PUT,
    FGS_TARGET_POST,
    FGS_TARGET_DELETE,
    FGS_TARGET_WRITE            /* any other method, known or not */
} fgs_target_method_e;


/* what a token of a normalised path can stand for */
typedef enum {
    FGS_TOKEN_EMPTY = 0,        /* between two separators */
    FGS_TOKEN_DOT,              /* "." */
    FGS_TOKEN_DOTS,             /* "..", "...": may remove what precedes */
    FGS_TOKEN_SCHEME,           /* ends with ':': may be "http:" */
    FGS_TOKEN_V2,
    FGS_TOKEN_FGS,
    FGS_TOKEN_TAGS,             /* the tag APIs, outside fgs */
    FGS_TOKEN_LOOSE,            /* non-ASCII: may normalise to any word */
    FGS_TOKEN_WILD,             /* still encoded: may become anything */
    FGS_TOKEN_OTHER
} fgs_target_token_e;


/* how far the scope scan got along v2 / {project} / fgs */
typedef enum {
    FGS_SCOPE_NEED_V2 = 0,
    FGS_SCOPE_SAW_V2,
    FGS_SCOPE_NEED_FGS,
    FGS_SCOPE_IN
} fgs_target_scope_e;


typedef struct {
    fgs_target_scope_e   state;
    unsigned             first:1;       /* no token seen yet */
    unsigned             lead:1;        /* no real segment seen yet */
    unsigned             anywhere:1;    /* earlier segments may vanish */
} fgs_target_scope_t;


#define FGS_TOKEN_HAS_ESCAPE  0x01
#define FGS_TOKEN_HAS_8BIT    0x02


static fgs_target_result_e fgs_target_canonical(fgs_target_t *t,
    fgs_target_method_e m, const fgs_str_t *query, u_char marks);
static fgs_api_e fgs_target_api(fgs_target_method_e m, const fgs_str_t *seg,
    size_t n);
static const char *fgs_target_word_form(const fgs_str_t *s);
static int fgs_target_urn_like(const fgs_str_t *s);
static int fgs_target_query_override(const fgs_str_t *query);
static int fgs_target_override_key(const u_char *p, size_t len);
static const char *fgs_target_urn(fgs_target_t *t, const fgs_str_t *urn,
    const fgs_str_t *project);
static fgs_target_method_e fgs_target_method(const u_char *m, size_t len);
static const char *fgs_target_form(const u_char *p, size_t len,
    u_char *marks);
static const char *fgs_target_form_segment(const u_char *p, size_t len);
static int fgs_target_is_absolute(const u_char *p, size_t len);
static int fgs_target_may_govern(const u_char *p, size_t len);
static size_t fgs_target_decode(u_char *dst, const u_char *src, size_t len,
    size_t *decoded);
static size_t fgs_target_escape(const u_char *p, size_t len, int *c);
static int fgs_target_scan(const u_char *p, size_t len);
static fgs_target_token_e fgs_target_token(const u_char *p, size_t len,
    unsigned flags);
static void fgs_target_scope_step(fgs_target_scope_t *sc,
    fgs_target_token_e tok);
static size_t fgs_target_overlong(const u_char *p, size_t len);
static int fgs_target_hex(u_char c);
static int fgs_target_is_project(const fgs_str_t *s);
static int fgs_target_eq_nocase(const fgs_str_t *s, const char *w,
    size_t n);


/* s is the literal word w, exactly or in any letter case */
#define fgs_target_eq(s, w)                                                   \
    ((s)->len == sizeof(w) - 1 && memcmp((s)->data, w, sizeof(w) - 1) == 0)

#define fgs_target_like(s, w)                                                 \
    fgs_target_eq_nocase(s, w, sizeof(w) - 1)

static const char  fgs_target_err_absolute[] =
    "the request target is in absolute form; send only the path, "
    "starting with '/'";
static const char  fgs_target_err_origin[] =
    "the request target does not start with '/'; send the path in origin "
    "form";
static const char  fgs_target_err_percent[] =
    "the request target has a percent-encoded character (or a '%') in its "
    "path; send the path without encoding";
static const char  fgs_target_err_backslash[] =
    "the request target has a backslash in its path; separate segments "
    "with '/' only";
static const char  fgs_target_err_fragment[] =
    "the request target has a '#' fragment; send the path without a "
    "fragment";
static const char  fgs_target_err_byte[] =
    "the request target has a space, a control character or a non-ASCII "
    "byte in its path; send the path as plain ASCII";
static const char  fgs_target_err_param[] =
    "the request target has a ';' parameter in its path; send the path "
    "without parameters";
static const char  fgs_target_err_char[] =
    "the request target has a character that is not allowed in a URL "
    "path; send the path in canonical form";
static const char  fgs_target_err_slashes[] =
    "the request target has a doubled slash (an empty segment) in its "
    "path; separate segments with a single '/'";
static const char  fgs_target_err_dot[] =
    "the request target has a '.' or '..' segment; send the resolved path";
static const char  fgs_target_err_trailing_dot[] =
    "the request target has a path segment that ends with '.'; send the "
    "segment without the trailing dot";
static const char  fgs_target_err_trailing[] =
    "the request target ends with a slash; send the path without the "
    "trailing slash";
static const char  fgs_target_err_case[] =
    "the request target has a fixed word of the path in other letters "
    "than lowercase; write \"v2\", \"fgs\", \"functions\", \"code\", "
    "\"config\" and the API's other words in lowercase";
static const char  fgs_target_err_suffix[] =
    "the request target has a fixed word of the path (such as "
    "\"functions\", \"code\" or \"config\") with a suffix (such as "
    "\".json\") as a segment; send the path without the suffix";
static const char  fgs_target_err_override[] =
    "the request target has a method override (\"_method\", \"method\", "
    "\"x-http-method-override\", ...) in its query; send the request "
    "with the method itself";
static const char  fgs_target_err_project[] =
    "the project id in the path is not 32 letters or digits; use the "
    "project id of the function's region";
static const char  fgs_target_err_urn_prefix[] =
    "the function URN in the path does not start with \"urn:fss:\"; write "
    "it as urn:fss:{region}:{project_id}:function:{package}:{name}"
    "[:{version or alias}]";
static const char  fgs_target_err_urn_char[] =
    "the function URN in the path has a character other than letters, "
    "digits, '_', '-' and ':'";
static const char  fgs_target_err_urn_parts[] =
    "the function URN in the path does not have 7 or 8 parts; write it as "
    "urn:fss:{region}:{project_id}:function:{package}:{name}"
    "[:{version or alias}]";
static const char  fgs_target_err_urn_function[] =
    "the function URN in the path does not have \"function\" after its "
    "project; write it as urn:fss:{region}:{project_id}:function:"
    "{package}:{name}[:{version or alias}]";
static const char  fgs_target_err_urn_empty[] =
    "the function URN in the path has an empty region, project, package, "
    "name or version";
static const char  fgs_target_err_urn_project[] =
    "the function URN's project differs from the path's project id; "
    "change a function through its own project's path";


/*
 * What each byte can be, as bits of a 256-byte table read once per byte:
 * a character a canonical path segment may hold (RFC 3986 pchar without
 * '%', encoding, and ';', parameters some servers strip), a letter or
 * digit (project ids), a character of a function URN's parts (letters,
 * digits, '_' and '-'), an upper-case letter or a '.' (which only a
 * fixed word in another case, or with a suffix, has).
 */

#define FGS_TC_PCHAR  0x01
#define FGS_TC_ALNUM  0x02
#define FGS_TC_URN    0x04
#define FGS_TC_UPPER  0x08
#define FGS_TC_DOT    0x10

#define FGS_TC_P      FGS_TC_PCHAR
#define FGS_TC_W      (FGS_TC_PCHAR | FGS_TC_URN)
#define FGS_TC_A      (FGS_TC_PCHAR | FGS_TC_URN | FGS_TC_ALNUM)

static const u_char  fgs_target_class[256] = {
    ['!'] = FGS_TC_P, ['$'] = FGS_TC_P, ['&'] = FGS_TC_P,
    ['\''] = FGS_TC_P, ['('] = FGS_TC_P, [')'] = FGS_TC_P,
    ['*'] = FGS_TC_P, ['+'] = FGS_TC_P, [','] = FGS_TC_P,
    ['-'] = FGS_TC_W, ['.'] = FGS_TC_P | FGS_TC_DOT,
    ['0' ... '9'] = FGS_TC_A,
    [':'] = FGS_TC_P, ['='] = FGS_TC_P, ['@'] = FGS_TC_P,
    ['A' ... 'Z'] = FGS_TC_A | FGS_TC_UPPER,
    ['_'] = FGS_TC_W,
    ['a' ... 'z'] = FGS_TC_A,
    ['~'] = FGS_TC_P
    /* controls, space, the rest of ASCII punctuation, 0x80-0xff: 0 */
};


/*
 * t->op is set whenever the operation is known, for a REJECT too (a bad
 * project or URN); a target refused for its form or letter case leaves
 * it FGS_OP_NONE, as it cannot be told which operation was meant.
 */

fgs_target_result_e
fgs_target_parse(fgs_target_t *t, const u_char *method, size_t method_len,
    const u_char *target, size_t target_len)
{
    size_t               len;
    u_char               marks;
    fgs_str_t            query;
    const char          *err;
    const u_char        *q;
    fgs_target_method_e  m;

    memset(t, 0, sizeof(fgs_target_t));
    t->op = FGS_OP_NONE;

    /*
     * The query never changes the operation and may hold anything, but
     * a method override in it, which some routers obey, is refused on a
     * FunctionGraph path (fgs_target_query_override()).
     */

    q = target_len ? memchr(target, '?', target_len) : NULL;
    len = q ? (size_t) (q - target) : target_len;

    query.data = q ? q + 1 : NULL;
    query.len = q ? target_len - len - 1 : 0;

    t->path.data = target;
    t->path.len = len;

    m = fgs_target_method(method, method_len);

    err = fgs_target_form(target, len, &marks);

    if (err == NULL) {
        return fgs_target_canonical(t, m, &query, marks);
    }

    /*
     * A path that is not canonical is judged before the method: such a
     * target is refused on a governed path whatever it asks for.
     */

    if (fgs_target_may_govern(target, len)) {
        t->error = err;
        return FGS_TARGET_REJECT;
    }

    return FGS_TARGET_PASS;
}


/*
 * A path in canonical form: segments are non-empty, so the structure can
 * be read straight off the bytes.  The operation is the endpoint of
 * fgs_apis[] whose method and words the request has; a write under
 * /v2/{project_id}/fgs/ that is none of them is "other".
 */

static fgs_target_result_e
fgs_target_canonical(fgs_target_t *t, fgs_target_method_e m,
    const fgs_str_t *query, u_char marks)
{
    int              fgs, pass;
    size_t           n, i;
    fgs_op_e         op;
    fgs_str_t        seg[FGS_TARGET_MAX_SEGS], *urn;
    const char      *err, *urn_err;
    const u_char    *p, *end, *slash;
    const fgs_api_t *api;

    p = t->path.data + 1;
    end = t->path.data + t->path.len;
    n = 0;

    while (p < end) {
        if (n == FGS_TARGET_MAX_SEGS) {
            n++;                /* more than any endpoint has */
            break;
        }

        slash = memchr(p, '/', end - p);
        if (slash == NULL) {
            slash = end;
        }

        seg[n].data = p;
        seg[n].len = slash - p;
        n++;

        if (slash == end) {
            break;
        }

        p = slash + 1;
    }

    if (n < 3 || !fgs_target_like(&seg[0], "v2")) {
        return FGS_TARGET_PASS;
    }

    fgs = fgs_target_like(&seg[2], "fgs");

    /*
     * Outside /v2/{project}/fgs the API has the tags of a resource
     * (/v2/{project_id}/{resource_type}/{resource_id}/tags/...), and
     * nothing else this gateway governs.
     */

    if (!fgs && !(n == 6 && fgs_target_like(&seg[4], "tags"))) {
        return FGS_TARGET_PASS;
    }

    /*
     * The fixed words in another case are what a case-insensitive router
     * reads as the real ones, so they are refused rather than taken as
     * "other"; a fixed word with a suffix ("functions.json") is what a
     * router that matches formats reads as the word.
     */

    if (!fgs_target_eq(&seg[0], "v2")) {
        t->error = fgs_target_err_case;
        return FGS_TARGET_REJECT;
    }

    /* marks: no upper-case letter and no '.' in the path, the common case */

    for (i = 2;
         i < n && i < FGS_TARGET_MAX_SEGS
         && (marks & (FGS_TC_UPPER | FGS_TC_DOT));
         i++)
    {
        err = fgs_target_word_form(&seg[i]);

        if (err != NULL) {
            t->error = err;
            return FGS_TARGET_REJECT;
        }
    }

    /*
     * A method override in the query, for any method
     * (docs/policy-language.md, "What it governs"): a router that obeys it
     * would read another operation than the one decided here.
     */

    if (query->len && fgs_target_query_override(query)) {
        t->error = fgs_target_err_override;
        return FGS_TARGET_REJECT;
    }

    /*
     * The operation.  Methods compare exactly (HTTP methods are case
     * sensitive): "put" is not PUT, and like any method that is not a
     * read it is an "other" write.  Only GET and HEAD pass
     * (docs/policy-language.md, "What it governs"): an OPTIONS request
     * can carry a body, and a backend may act on it, so it is an
     * "other" write too; so are the POSTs of fgs_apis[] that change
     * nothing (invocations), with any other method.
     */

    api = NULL;
    pass = (m == FGS_TARGET_READ);

    if (!pass) {
        t->api = fgs_target_api(m, seg, n);
        api = t->api ? &fgs_apis[t->api] : NULL;
    }

    if (api != NULL) {
        op = api->op;
        pass = (op == FGS_OP_NONE);

    } else {
        op = FGS_OP_OTHER;
    }

    if (fgs_target_is_project(&seg[1])) {
        t->project_id = seg[1];
        err = NULL;

    } else {
        err = fgs_target_err_project;
    }

    /*
     * The function URN: where the endpoint has one; a function's tags
     * name it as their {resource_id}; for reads and "other" writes,
     * whenever the segment after "functions" looks like one ("import",
     * "enable-lts-logs" and the like carry none).
     */

    urn_err = NULL;
    urn = NULL;

    if (api != NULL && api->urn) {
        urn = &seg[api->urn + 1];

    } else if (!fgs) {
        /* a function's tags: {resource_id} is its URN */
        urn = fgs_target_urn_like(&seg[3]) ? &seg[3] : NULL;

    } else if (n >= 5 && fgs_target_eq(&seg[3], "functions")) {
        urn = fgs_target_urn_like(&seg[4]) ? &seg[4] : NULL;
    }

    if (urn != NULL && err == NULL) {
        urn_err = fgs_target_urn(t, urn, &seg[1]);
    }

    if (pass) {
        /* reads and invocations are not checked; valid parts are kept */
        t->api = FGS_API_NONE;
        return FGS_TARGET_PASS;
    }

    t->op = op;

    if (err == NULL) {
        err = urn_err;
    }

    if (err != NULL) {
        t->error = err;
        return FGS_TARGET_REJECT;
    }

    return FGS_TARGET_GOVERN;
}


/* a segment that starts as a function URN does, in any letter case */

static int
fgs_target_urn_like(const fgs_str_t *s)
{
    return s->len >= 4
           && (s->data[0] | 0x20) == 'u'
           && (s->data[1] | 0x20) == 'r'
           && (s->data[2] | 0x20) == 'n'
           && s->data[3] == ':';
}


/*
 * The endpoint of fgs_apis[] that a write's method and segments are, or
 * FGS_API_NONE.  seg[0] and seg[1] are "v2" and the project; the words
 * compare from seg[2], exactly ("{...}" takes any segment).
 */

static fgs_api_e
fgs_target_api(fgs_target_method_e m, const fgs_str_t *seg, size_t n)
{
    uint32_t               a, i;
    fgs_method_e           method;
    const fgs_api_t       *api;
    const fgs_api_word_t  *w;

    switch (m) {

    case FGS_TARGET_POST:
        method = FGS_METHOD_POST;
        break;

    case FGS_TARGET_PUT:
        method = FGS_METHOD_PUT;
        break;

    case FGS_TARGET_DELETE:
        method = FGS_METHOD_DELETE;
        break;

    default:
        return FGS_API_NONE;
    }

    if (n < 3 || n > FGS_API_MAX_WORDS + 2) {
        return FGS_API_NONE;
    }

    n -= 2;
    seg += 2;

    for (a = 1; a < FGS_API_COUNT; a++) {
        api = &fgs_apis[a];

        if (api->method != method || api->n != n) {
            continue;
        }

        for (i = 0; i < n; i++) {
            w = &api->word[i];

            if (w->text[0] != '{'
                && (w->len != seg[i].len
                    || memcmp(w->text, seg[i].data, w->len) != 0))
            {
                break;
            }
        }

        if (i == n) {
            return (fgs_api_e) a;
        }
    }

    return FGS_API_NONE;
}


/*
 * A segment that is one of the fixed words of the endpoints in another
 * letter case, or with a suffix after a '.': NULL when it is neither.
 * Only segments with an upper-case letter or a '.' can be either, and
 * few have one.
 */

static const char *
fgs_target_word_form(const fgs_str_t *s)
{
    size_t                 i, dot;
    u_char                 marks;
    uint32_t               a, k;
    fgs_str_t              word;
    const fgs_api_word_t  *w;

    marks = 0;

    for (i = 0; i < s->len; i++) {
        marks |= fgs_target_class[s->data[i]];
    }

    if (!(marks & (FGS_TC_DOT | FGS_TC_UPPER))) {
        return NULL;
    }

    dot = s->len;

    if (marks & FGS_TC_DOT) {
        dot = (const u_char *) memchr(s->data, '.', s->len) - s->data;
    }

    word.data = s->data;
    word.len = dot;

    for (a = 1; a < FGS_API_COUNT; a++) {
        for (k = 0; k < fgs_apis[a].n; k++) {
            w = &fgs_apis[a].word[k];

            if (w->text[0] == '{') {
                continue;
            }

            if (dot < s->len && fgs_target_eq_nocase(&word, w->text, w->len))
            {
                return fgs_target_err_suffix;
            }

            if (fgs_target_eq_nocase(s, w->text, w->len)
                && (s->len != w->len
                    || memcmp(s->data, w->text, w->len) != 0))
            {
                return fgs_target_err_case;
            }
        }
    }

    return NULL;
}


/*
 * urn:fss:{region}:{project_id}:function:{package}:{name}[:{version}]
 * with only letters, digits, '_', '-' and ':'; the spans are set only
 * when the whole URN is valid and names the path's project.
 */

static const char *
fgs_target_urn(fgs_target_t *t, const fgs_str_t *urn,
    const fgs_str_t *project)
{
    size_t         i, n, start;
    fgs_str_t      part[FGS_TARGET_URN_PARTS];
    const u_char  *p;

    p = urn->data;

    if (urn->len < 8 || memcmp(p, "urn:fss:", 8) != 0) {
        return fgs_target_err_urn_prefix;
    }

    /* "urn" and "fss" are the first two parts; the end closes the last */

    part[0].data = p;
    part[0].len = 3;
    part[1].data = p + 4;
    part[1].len = 3;

    n = 2;
    start = 8;

    for (i = 8; /* void */ ; i++) {

        while (i < urn->len && (fgs_target_class[p[i]] & FGS_TC_URN)) {
            i++;
        }

        if (i < urn->len && p[i] != ':') {
            return fgs_target_err_urn_char;
        }

        if (n == FGS_TARGET_URN_PARTS) {
            return fgs_target_err_urn_parts;
        }

        part[n].data = p + start;
        part[n].len = i - start;
        n++;

        if (i == urn->len) {
            break;
        }

        start = i + 1;
    }

    if (n < FGS_TARGET_URN_PARTS - 1) {
        return fgs_target_err_urn_parts;
    }

    if (part[2].len == 0 || part[3].len == 0 || part[5].len == 0
        || part[6].len == 0 || (n == FGS_TARGET_URN_PARTS && part[7].len == 0))
    {
        return fgs_target_err_urn_empty;
    }

    if (!fgs_target_eq(&part[4], "function")) {
        return fgs_target_err_urn_function;
    }

    if (part[3].len != project->len
        || memcmp(part[3].data, project->data, project->len) != 0)
    {
        return fgs_target_err_urn_project;
    }

    t->urn = *urn;
    t->region = part[2];
    t->package = part[5];
    t->name = part[6];

    if (n == FGS_TARGET_URN_PARTS) {
        t->version = part[7];
    }

    return NULL;
}


static fgs_target_method_e
fgs_target_method(const u_char *m, size_t len)
{
    switch (len) {

    case 3:
        if (memcmp(m, "GET", 3) == 0) {
            return FGS_TARGET_READ;
        }

        if (memcmp(m, "PUT", 3) == 0) {
            return FGS_TARGET_PUT;
        }

        break;

    case 4:
        if (memcmp(m, "HEAD", 4) == 0) {
            return FGS_TARGET_READ;
        }

        if (memcmp(m, "POST", 4) == 0) {
            return FGS_TARGET_POST;
        }

        break;

    case 6:
        if (memcmp(m, "DELETE", 6) == 0) {
            return FGS_TARGET_DELETE;
        }

        break;

    }

    return FGS_TARGET_WRITE;
}


/*
 * NULL when the path is in canonical form, else the sentence for the
 * first thing (in byte order) that is not.  Letter case is checked
 * later, on the segments that matter: marks has the class bits of every
 * byte read, so that a path without an upper-case letter or a '.' skips
 * that check.
 */

static const char *
fgs_target_form(const u_char *p, size_t len, u_char *marks)
{
    size_t       i, seg;
    u_char       c, k;
    const char  *err;

    k = 0;
    *marks = 0xff;

    if (len == 0 || p[0] != '/') {
        return fgs_target_is_absolute(p, len) ? fgs_target_err_absolute
                                              : fgs_target_err_origin;
    }

    seg = 1;

    for (i = 1; i < len; i++) {

        /* most bytes are path characters: a loop of their own */

        while (i < len && (fgs_target_class[p[i]] & FGS_TC_PCHAR)) {
            k |= fgs_target_class[p[i]];
            i++;
        }

        if (i == len) {
            break;
        }

        c = p[i];

        switch (c) {

        case '/':
            err = fgs_target_form_segment(p + seg, i - seg);
            if (err != NULL) {
                return err;
            }

            seg = i + 1;
            continue;

        case '%':
            return fgs_target_err_percent;

        case '\\':
            return fgs_target_err_backslash;

        case '#':
            return fgs_target_err_fragment;

        case ';':
            return fgs_target_err_param;
        }

        if (c <= 0x20 || c >= 0x7f) {
            return fgs_target_err_byte;
        }

        return fgs_target_err_char;
    }

    *marks = k;

    if (len == 1) {
        return NULL;                    /* "/" */
    }

    if (seg == len) {
        return fgs_target_err_trailing;
    }

    return fgs_target_form_segment(p + seg, len - seg);
}


static const char *
fgs_target_form_segment(const u_char *p, size_t len)
{
    if (len == 0) {
        return fgs_target_err_slashes;
    }

    if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
    {
        return fgs_target_err_dot;
    }

    /* servers on Windows file systems drop trailing dots: "code." */

    if (p[len - 1] == '.') {
        return fgs_target_err_trailing_dot;
    }

    return NULL;
}


/* scheme ":" as in "http:" before a host, or "https:/v2/..." */

static int
fgs_target_is_absolute(const u_char *p, size_t len)
{
    size_t  i;
    u_char  c;

    for (i = 0; i < len; i++) {
        c = p[i] | 0x20;

        if (c >= 'a' && c <= 'z') {
            continue;
        }

        if (i > 0 && ((p[i] >= '0' && p[i] <= '9')
                      || p[i] == '+' || p[i] == '-' || p[i] == '.'))
        {
            continue;
        }

        return i > 0 && p[i] == ':';
    }

    return 0;
}


/*
 * Whether some server could read a non-canonical path as one under
 * /v2/{project_id}/fgs/, or as a resource's tags under /v2/{project_id}/.
 *
 * Lenient servers differ: one percent-decodes once and another twice,
 * one resolves dot segments and a prefix router does not, one strips
 * ";params" or a "#fragment" and another keeps them in the segment, one
 * turns '\' into '/', collapses doubled slashes, lowercases, drops
 * trailing dots, reads a doubled slash or a "http:" scheme before a host
 * as an authority, stops at a NUL or maps overlong or fullwidth UTF-8
 * onto ASCII.  Rather than pick
 * one reading, the path is decoded (repeatedly, in a stack buffer),
 * split into tokens at every byte that any reader could treat as a
 * separator, and the tokens are run through a small automaton that asks
 * whether ANY of those readings can yield the segments v2, {project},
 * fgs (or "tags", further on) in that order (every reading keeps the
 * order of the segments it keeps; dot segments, authorities and
 * parameters only remove some).
 * A path that no reading puts there passes untouched.
 */

static int
fgs_target_may_govern(const u_char *p, size_t len)
{
    size_t  n, decoded, round;
    u_char  buf[FGS_TARGET_NORM_MAX];

    if (len > FGS_TARGET_NORM_MAX) {
        /*
         * Too long to normalise here: the raw bytes are scanned, with
         * every token that holds an escape counted as able to become
         * anything.
         */
        return fgs_target_scan(p, len);
    }

    n = fgs_target_decode(buf, p, len, &decoded);

    for (round = 1; decoded && round < FGS_TARGET_DECODE_ROUNDS; round++) {
        n = fgs_target_decode(buf, buf, n, &decoded);
    }

    /* escapes left after the last round make their tokens wild */

    return fgs_target_scan(buf, n);
}


/*
 * One round of percent-decoding; dst may be src, since it never writes
 * ahead of what it has read.
 */

static size_t
fgs_target_decode(u_char *dst, const u_char *src, size_t len,
    size_t *decoded)
{
    int     c;
    size_t  i, o, k;

    o = 0;
    *decoded = 0;

    for (i = 0; i < len; /* void */) {
        if (src[i] == '%') {
            k = fgs_target_escape(src + i, len - i, &c);

            if (k) {
                dst[o++] = (u_char) c;
                i += k;
                (*decoded)++;
                continue;
            }
        }

        dst[o++] = src[i++];
    }

    return o;
}


/*
 * The escape at p: "%XX", or "%uXXXX" that IIS-like servers accept (its
 * non-ASCII values stand as 0x80, a byte that makes a token loose).
 * Returns its length, 0 if p starts none.
 */

static size_t
fgs_target_escape(const u_char *p, size_t len, int *c)
{
    int  h1, h2, h3, h4;

    if (len >= 3) {
        h1 = fgs_target_hex(p[1]);
        h2 = fgs_target_hex(p[2]);

        if (h1 >= 0 && h2 >= 0) {
            *c = h1 * 16 + h2;
            return 3;
        }
    }

    if (len >= 6 && (p[1] | 0x20) == 'u') {
        h1 = fgs_target_hex(p[2]);
        h2 = fgs_target_hex(p[3]);
        h3 = fgs_target_hex(p[4]);
        h4 = fgs_target_hex(p[5]);

        if (h1 >= 0 && h2 >= 0 && h3 >= 0 && h4 >= 0) {
            *c = h3 * 16 + h4;

            if (h1 != 0 || h2 != 0 || *c >= 0x80) {
                *c = 0x80;
            }

            return 6;
        }
    }

    return 0;
}


/*
 * Tokens end at '/', '\', ';', '#', '?', space, NUL and every control
 * byte: each is a separator or an end of the path for some reader, and
 * an extra split only lets more readings through.
 */

static int
fgs_target_scan(const u_char *p, size_t len)
{
    int                 c;
    size_t              i, start, k;
    unsigned            flags;
    fgs_target_scope_t  sc;

    sc.state = FGS_SCOPE_NEED_V2;
    sc.first = 1;
    sc.lead = 1;
    sc.anywhere = 0;

    start = 0;
    flags = 0;

    for (i = 0; i <= len; /* void */) {

        if (i == len
            || p[i] == '/' || p[i] == '\\' || p[i] == ';' || p[i] == '#'
            || p[i] == '?' || p[i] <= 0x20 || p[i] == 0x7f)
        {
            fgs_target_scope_step(&sc,
                fgs_target_token(p + start, i - start, flags));

            if (sc.state == FGS_SCOPE_IN) {
                return 1;
            }

            i++;
            start = i;
            flags = 0;
            continue;
        }

        if (p[i] == '%') {
            k = fgs_target_escape(p + i, len - i, &c);
            if (k) {
                flags |= FGS_TOKEN_HAS_ESCAPE;
                i += k;
                continue;
            }
        }

        if (p[i] >= 0x80) {
            k = fgs_target_overlong(p + i, len - i);
            if (k) {
                /* an overlong form may be any ASCII byte, '/' included */
                flags |= FGS_TOKEN_HAS_ESCAPE;
                i += k;
                continue;
            }

            flags |= FGS_TOKEN_HAS_8BIT;
        }

        i++;
    }

    return 0;
}


static fgs_target_token_e
fgs_target_token(const u_char *p, size_t len, unsigned flags)
{
    size_t  k;

    if (flags & FGS_TOKEN_HAS_ESCAPE) {
        return FGS_TOKEN_WILD;
    }

    if (flags & FGS_TOKEN_HAS_8BIT) {
        return FGS_TOKEN_LOOSE;
    }

    if (len == 0) {
        return FGS_TOKEN_EMPTY;
    }

    /* trailing dots are dropped by some readers: "fgs." is "fgs" */

    for (k = len; k > 0 && p[k - 1] == '.'; k--) {
        /* void */
    }

    if (k == 0) {
        return (len == 1) ? FGS_TOKEN_DOT : FGS_TOKEN_DOTS;
    }

    if (p[len - 1] == ':') {
        return FGS_TOKEN_SCHEME;
    }

    if (k == 2 && (p[0] | 0x20) == 'v' && p[1] == '2') {
        return FGS_TOKEN_V2;
    }

    if (k == 3 && (p[0] | 0x20) == 'f' && (p[1] | 0x20) == 'g'
        && (p[2] | 0x20) == 's')
    {
        return FGS_TOKEN_FGS;
    }

    if (k == 4 && (p[0] | 0x20) == 't' && (p[1] | 0x20) == 'a'
        && (p[2] | 0x20) == 'g' && (p[3] | 0x20) == 's')
    {
        return FGS_TOKEN_TAGS;
    }

    return FGS_TOKEN_OTHER;
}


/*
 * "v2" counts only as the first real segment, unless something before it
 * may vanish in some reading: "..", an empty segment past the first
 * (a doubled slash before a host), a scheme ("http:"), or a token that
 * may normalise to those.  Any token after "v2" may be the project
 * ("/v2/./fgs" reaches a router that does not resolve dots as project
 * "."); "fgs" may come any later, since dot segments remove what lies
 * between.
 */

static void
fgs_target_scope_step(fgs_target_scope_t *sc, fgs_target_token_e tok)
{
    switch (sc->state) {

    case FGS_SCOPE_NEED_V2:
        if (tok == FGS_TOKEN_WILD) {
            sc->state = FGS_SCOPE_IN;
            break;
        }

        if ((tok == FGS_TOKEN_V2 || tok == FGS_TOKEN_LOOSE)
            && (sc->lead || sc->anywhere))
        {
            sc->state = FGS_SCOPE_SAW_V2;
            break;
        }

        if (tok == FGS_TOKEN_DOTS || tok == FGS_TOKEN_SCHEME
            || tok == FGS_TOKEN_LOOSE
            || (tok == FGS_TOKEN_EMPTY && !sc->first))
        {
            sc->anywhere = 1;
        }

        if (tok != FGS_TOKEN_EMPTY && tok != FGS_TOKEN_DOT) {
            sc->lead = 0;
        }

        break;

    case FGS_SCOPE_SAW_V2:
        sc->state = (tok == FGS_TOKEN_WILD) ? FGS_SCOPE_IN
                                            : FGS_SCOPE_NEED_FGS;
        break;

    case FGS_SCOPE_NEED_FGS:
        if (tok == FGS_TOKEN_FGS || tok == FGS_TOKEN_TAGS
            || tok == FGS_TOKEN_LOOSE || tok == FGS_TOKEN_WILD)
        {
            sc->state = FGS_SCOPE_IN;
        }

        break;

    case FGS_SCOPE_IN:
        break;
    }

    sc->first = 0;
}


/*
 * The length of an overlong UTF-8 sequence at p (C0/C1 xx, E0 80-9F xx,
 * F0 80-8F xx xx: never valid, read by lenient decoders as ASCII), or 0.
 */

static size_t
fgs_target_overlong(const u_char *p, size_t len)
{
    size_t  n, i;

    if (p[0] == 0xc0 || p[0] == 0xc1) {
        n = 2;

    } else if (p[0] == 0xe0 && len > 1 && p[1] >= 0x80 && p[1] <= 0x9f) {
        n = 3;

    } else if (p[0] == 0xf0 && len > 1 && p[1] >= 0x80 && p[1] <= 0x8f) {
        n = 4;

    } else {
        return 0;
    }

    /* take the continuation bytes that are there */

    for (i = 1; i < n && i < len && (p[i] & 0xc0) == 0x80; i++) {
        /* void */
    }

    return i;
}


static int
fgs_target_hex(u_char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/* 32 letters or digits */

static int
fgs_target_is_project(const fgs_str_t *s)
{
    size_t  i;

    if (s->len != FGS_TARGET_PROJECT_LEN) {
        return 0;
    }

    for (i = 0; i < FGS_TARGET_PROJECT_LEN; i++) {
        if (!(fgs_target_class[s->data[i]] & FGS_TC_ALNUM)) {
            return 0;
        }
    }

    return 1;
}


/*
 * Whether a key of the query names a method override.  Keys end at '='
 * and pairs at '&' or ';' (both are used as separators); a key is
 * compared after the rounds of percent-decoding that the path gets.
 */

static int
fgs_target_query_override(const fgs_str_t *query)
{
    const u_char  *p, *end, *key;

    p = query->data;
    end = p + query->len;

    while (p < end) {
        key = p;

        while (p < end && *p != '=' && *p != '&' && *p != ';') {
            p++;
        }

        if (fgs_target_override_key(key, p - key)) {
            return 1;
        }

        while (p < end && *p != '&' && *p != ';') {
            p++;
        }

        if (p < end) {
            p++;
        }
    }

    return 0;
}


/*
 * The override keys of the frameworks that read one from the query
 * ("_method" in Rails, Laravel and Express's method-override, and the
 * names of the override headers), in any letter case and with '-', '_',
 * '.' and ' ' taken for one another (PHP, for one, turns '.' and ' ' in
 * a key into '_').  A key that would decode to one of them after four
 * rounds is at most 9 bytes per character: longer keys are none.
 */

#define FGS_TARGET_KEY_MAX  256

static int
fgs_target_override_key(const u_char *p, size_t len)
{
    size_t         n, i, k, w, decoded, round;
    u_char         c, buf[FGS_TARGET_KEY_MAX];
    const u_char  *key;

    static const char  *names[] = {
        "_method", "method", "x-http-method-override", "x-http-method",
        "x-method-override"
    };

    if (len < sizeof("method") - 1 || len > FGS_TARGET_KEY_MAX) {
        return 0;
    }

    key = p;
    n = len;

    if (memchr(p, '%', len) != NULL) {
        n = fgs_target_decode(buf, p, len, &decoded);

        for (round = 1; decoded && round < FGS_TARGET_DECODE_ROUNDS; round++) {
            n = fgs_target_decode(buf, buf, n, &decoded);
        }

        key = buf;
    }

    for (w = 0; w < sizeof(names) / sizeof(names[0]); w++) {
        k = strlen(names[w]);

        if (n != k) {
            continue;
        }

        for (i = 0; i < n; i++) {
            c = key[i];

            if (c >= 'A' && c <= 'Z') {
                c |= 0x20;

            } else if (c == '_' || c == '.' || c == ' ') {
                c = '-';
            }

            if (c != (names[w][i] == '_' ? '-' : (u_char) names[w][i])) {
                break;
            }
        }

        if (i == n) {
            return 1;
        }
    }

    return 0;
}


/* w is in lowercase, n bytes long */

static int
fgs_target_eq_nocase(const fgs_str_t *s, const char *w, size_t n)
{
    size_t  i;
    u_char  c;

    if (s->len != n) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        c = s->data[i];

        if (c >= 'A' && c <= 'Z') {
            c |= 0x20;
        }

        if (c != (u_char) w[i]) {
            return 0;
        }
    }

    return 1;
}

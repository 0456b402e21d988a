
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The one pass over a request body that checks it is one strict JSON
 * object and writes the node tape (fgs_json.h).
 *
 * It is a state machine in the manner of nginx's request line parser:
 * the bytes between tokens are read one at a time, and the state says
 * what may come next (a key, ':', a value, ',' or a closing bracket).
 * A key or a value is read whole by a small function that returns the
 * byte after it, where the machine goes on.
 *
 * One thing is not read a byte at a time: the inside of a string.  The
 * bodies that count are large, a PUT /code body being one base64 string
 * of up to tens of megabytes, so plain string bytes are skipped 16 at a
 * time where SSE2 is there (fgs_json_scan_skip()), and the runs of
 * base64 alphabet found while the body streamed in are stepped over
 * unread (fgs_json_scan_plain()).  The portable build (FGS_NO_SIMD, as
 * on aarch64) reads them through fgs_json_plain[] alone.
 */


#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fgs_json_private.h"
#include "fgs_json_keys.h"
#include "core/fgs_base64.h"


#if defined(__SSE2__) && !defined(FGS_NO_SIMD)
#include <emmintrin.h>
#define FGS_JSON_SCAN_SSE2  1
#endif


/*
 * The first node array holds one node per 32 bytes of a small body (a
 * 1 KB /config body has about one per 36); larger bodies start at 64
 * nodes, and the array grows when it is full.  Room for the copies of
 * escaped keys is taken when the first one comes, up to 4 KB at a time.
 */
#define FGS_JSON_FIRST_NODES  64
#define FGS_JSON_KEY_CHUNK    4096

_Static_assert(FGS_JSON_FIRST_NODES <= FGS_JSON_MIN_VALUES / 2,
               "the first array is below half of any body's value cap");


/* what may come next */
typedef enum {
    sw_start = 0,               /* the root object's '{' */
    sw_object,                  /* after '{': a key or '}' */
    sw_member,                  /* after ',' in an object: a key */
    sw_colon,                   /* after a key: ':' */
    sw_value,                   /* after ':': a value */
    sw_array,                   /* after '[': a value or ']' */
    sw_element,                 /* after ',' in an array: a value */
    sw_after,                   /* after a value: ',' or the closing
                                   bracket */
    sw_end                      /* after the root object: nothing */
} fgs_json_scan_state_e;


/* an open object or array */
typedef struct {
    uint32_t            node;       /* its node */
    uint32_t            count;      /* its children so far */
    uint32_t            last;       /* its last child so far */
    u_char              close;      /* '}' or ']' */
    fgs_json_keyset_t   keys;       /* an object's keys so far */
} fgs_json_frame_t;


typedef struct {
    fgs_json_doc_t     *doc;
    fgs_alloc_t        *a;
    const u_char       *body;
    const u_char       *end;
    fgs_json_node_t    *nodes;      /* nodes[0 .. cap], one more than cap:
                                       nodes[n] is the member whose key is
                                       being read */
    uint32_t            n;
    uint32_t            cap;
    uint32_t            max;        /* fgs_json_max_values() of the body */
    u_char             *kpos;       /* free room for copies of escaped
                                       keys */
    u_char             *kend;
    const fgs_base64_run_t  *runs;  /* known plain bytes, in order */
    uint32_t            nruns;
    uint32_t            run;        /* the first that may lie ahead */
    uint32_t            top;        /* open containers: frames[0 .. top) */
    fgs_json_frame_t   *f;          /* the one on top, frames[top - 1] */
    int                 rc;         /* why a helper returned NULL */
    fgs_json_frame_t    frames[FGS_JSON_MAX_DEPTH + 1];
} fgs_json_scan_t;


static void fgs_json_scan_init(fgs_json_scan_t *st, fgs_json_doc_t *doc,
    const u_char *body, size_t len, const fgs_base64_runs_t *runs,
    fgs_alloc_t *a);
static int fgs_json_scan_root(fgs_json_scan_t *st, const u_char *p);
static const u_char *fgs_json_scan_member(fgs_json_scan_t *st,
    const u_char *p);
static void fgs_json_scan_element(fgs_json_scan_t *st, const u_char *p);
static const u_char *fgs_json_scan_value(fgs_json_scan_t *st,
    const u_char *p, fgs_json_scan_state_e *state);
static fgs_json_node_t *fgs_json_scan_node(fgs_json_scan_t *st,
    const u_char *p);
static void fgs_json_scan_open(fgs_json_scan_t *st, u_char close);
static fgs_json_scan_state_e fgs_json_scan_close(fgs_json_scan_t *st,
    const u_char *p);
static inline const u_char *fgs_json_scan_string(fgs_json_scan_t *st,
    const u_char *p, uint8_t *flags);
static const u_char *fgs_json_scan_string_rest(fgs_json_scan_t *st,
    const u_char *p, uint8_t *flags);
static const u_char *fgs_json_scan_plain(fgs_json_scan_t *st,
    const u_char *p);
static inline const u_char *fgs_json_scan_skip(const u_char *p,
    const u_char *end);
static const u_char *fgs_json_scan_escape(fgs_json_scan_t *st,
    const u_char *p, uint8_t *flags);
static const u_char *fgs_json_scan_number(fgs_json_scan_t *st,
    const u_char *p, uint8_t *type);
static const u_char *fgs_json_scan_literal(fgs_json_scan_t *st,
    const u_char *p, uint8_t *type);
static const char *fgs_json_scan_key(fgs_json_scan_t *st, const u_char *s,
    size_t len, uint32_t *key_len);
static int fgs_json_scan_key_room(fgs_json_scan_t *st, size_t len);
static int fgs_json_scan_first(fgs_json_scan_t *st);
static int fgs_json_scan_grow(fgs_json_scan_t *st);
static int fgs_json_scan_top(fgs_json_scan_t *st, const u_char *p);
static int fgs_json_scan_dup(fgs_json_scan_t *st, const u_char *at,
    const char *key, size_t key_len);
static int fgs_json_scan_fail(fgs_json_scan_t *st, const u_char *at,
    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__ ((format (printf, 3, 4)))
#endif
    ;
static const char *fgs_json_scan_char(const u_char *p, const u_char *end,
    char *buf);


/* JSON whitespace: space, tab, LF, CR */
static const u_char  fgs_json_scan_ws[256] = {
    ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1
};


/*
 * Bytes a string holds as they are: 0x20 - 0x7f but '"' and '\\'.  The
 * escaper (fgs_json_escape.c) copies the same bytes as they are, all but
 * DEL, which it escapes.
 */
const u_char  fgs_json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,     /* 0x50 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x70 */
    /* 0x80 - 0xff: 0 */
};


uint32_t
fgs_json_max_values(size_t len)
{
    size_t  n;

    n = len / FGS_JSON_BYTES_PER_VALUE;

    if (n < FGS_JSON_MIN_VALUES) {
        return FGS_JSON_MIN_VALUES;
    }

    if (n > FGS_JSON_MAX_NODES) {
        return FGS_JSON_MAX_NODES;
    }

    return (uint32_t) n;
}


int
fgs_json_scan(fgs_json_doc_t *doc, const u_char *body, size_t len,
    fgs_alloc_t *a)
{
    return fgs_json_scan_runs(doc, body, len, NULL, a);
}


int
fgs_json_scan_runs(fgs_json_doc_t *doc, const u_char *body, size_t len,
    const fgs_base64_runs_t *runs, fgs_alloc_t *a)
{
    u_char                  ch;
    const u_char           *p, *end, *comma;
    fgs_json_scan_t         st;
    fgs_json_frame_t       *f;
    fgs_json_scan_state_e   state;

    fgs_json_scan_init(&st, doc, body, len, runs, a);

    if (len > FGS_JSON_MAX_BODY) {
        return fgs_json_scan_fail(&st, body,
                                  "the body is larger than %zu bytes",
                                  (size_t) FGS_JSON_MAX_BODY);
    }

    state = sw_start;
    comma = NULL;
    p = body;
    end = st.end;

    for ( ;; ) {

        /* whitespace may come before and after every token */

        while (p < end && fgs_json_scan_ws[*p]) {
            p++;
        }

        if (p == end) {
            break;
        }

        ch = *p;

        switch (state) {

        case sw_start:
            if (ch != '{') {
                return fgs_json_scan_top(&st, p);
            }

            if (fgs_json_scan_root(&st, p) != FGS_OK) {
                return FGS_ERROR;
            }

            p++;
            state = sw_object;
            break;

        case sw_object:
        case sw_member:
            if (ch == '}') {

                if (state == sw_member) {
                    return fgs_json_scan_fail(&st, comma, "a trailing comma "
                                              "before '}' is not allowed");
                }

                state = fgs_json_scan_close(&st, p);
                p++;
                break;
            }

            p = fgs_json_scan_member(&st, p);
            if (p == NULL) {
                return st.rc;
            }

            state = sw_colon;
            break;

        case sw_colon:
            if (ch != ':') {
                return fgs_json_scan_fail(&st, p, "unexpected %s after a "
                                          "key; expected ':'",
                                          fgs_json_scan_char(p, end,
                                                             doc->error_buf));
            }

            p++;
            state = sw_value;
            break;

        case sw_array:
        case sw_element:
            if (ch == ']') {

                if (state == sw_element) {
                    return fgs_json_scan_fail(&st, comma, "a trailing comma "
                                              "before ']' is not allowed");
                }

                state = fgs_json_scan_close(&st, p);
                p++;
                break;
            }

            fgs_json_scan_element(&st, p);

            /* fall through */

        case sw_value:
            p = fgs_json_scan_value(&st, p, &state);
            if (p == NULL) {
                return st.rc;
            }

            break;

        case sw_after:
            f = st.f;

            if (ch == ',') {
                comma = p++;
                state = (f->close == '}') ? sw_member : sw_element;
                break;
            }

            if (ch == f->close) {
                state = fgs_json_scan_close(&st, p);
                p++;
                break;
            }

            if (ch == '/') {
                return fgs_json_scan_fail(&st, p, "comments are not "
                                          "allowed in JSON");
            }

            return fgs_json_scan_fail(&st, p, "unexpected %s after a "
                                      "value; expected ',' or '%c'",
                                      fgs_json_scan_char(p, end,
                                                         doc->error_buf),
                                      f->close);

        case sw_end:
            return fgs_json_scan_fail(&st, p, "unexpected %s after the "
                                      "JSON object",
                                      fgs_json_scan_char(p, end,
                                                         doc->error_buf));
        }
    }

    /* the end of the body */

    if (state == sw_start) {
        return fgs_json_scan_top(&st, p);
    }

    if (state != sw_end) {
        return fgs_json_scan_fail(&st, p, "the body ends before the JSON "
                                  "object is complete");
    }

    doc->nodes = st.nodes;
    doc->n = st.n;

    return FGS_OK;
}


static void
fgs_json_scan_init(fgs_json_scan_t *st, fgs_json_doc_t *doc,
    const u_char *body, size_t len, const fgs_base64_runs_t *runs,
    fgs_alloc_t *a)
{
    doc->body = body;
    doc->len = len;
    doc->nodes = NULL;
    doc->n = 0;
    doc->error = NULL;
    doc->error_off = 0;
    doc->error_buf[0] = '\0';
    doc->runs = (runs != NULL && runs->seen == len) ? runs : NULL;

    st->doc = doc;
    st->a = a;
    st->body = body;
    st->end = body + len;
    st->nodes = NULL;
    st->n = 0;
    st->cap = 0;
    st->max = fgs_json_max_values(len);
    st->kpos = NULL;
    st->kend = NULL;
    st->runs = doc->runs ? doc->runs->run : NULL;
    st->nruns = doc->runs ? doc->runs->n : 0;
    st->run = 0;
    st->top = 0;
    st->f = NULL;
    st->rc = FGS_DECLINED;
}


/* the root object, p at its '{': node 0, the only node with no parent */

static int
fgs_json_scan_root(fgs_json_scan_t *st, const u_char *p)
{
    fgs_json_node_t   *nd;
    fgs_json_frame_t  *f;

    if (fgs_json_scan_first(st) != FGS_OK) {
        return FGS_ERROR;
    }

    nd = &st->nodes[0];

    nd->key = NULL;
    nd->key_len = 0;
    nd->off = (uint32_t) (p - st->body);
    nd->member = nd->off;
    nd->parent = FGS_NONE;
    nd->next = FGS_NONE;
    nd->index = 0;
    nd->type = FGS_JSON_OBJECT;
    nd->flags = 0;
    nd->depth = 0;
    st->n = 1;

    f = &st->frames[0];
    f->node = 0;
    f->count = 0;
    f->last = 0;
    f->close = '}';
    fgs_json_keys_init(&f->keys);
    st->top = 1;
    st->f = f;

    return FGS_OK;
}


/*
 * A member's key, p where it must start: its node, nodes[n], gets the
 * key, which is checked against the object's earlier keys.  Returns the
 * byte after the key's closing quote, or NULL with st->rc set.
 */

static const u_char *
fgs_json_scan_member(fgs_json_scan_t *st, const u_char *p)
{
    uint8_t            flags;
    uint32_t           klen, dup;
    const u_char      *q;
    fgs_json_node_t   *nd;
    fgs_json_frame_t  *f;

    if (*p != '"') {
        if (*p == '/') {
            fgs_json_scan_fail(st, p, "comments are not allowed in JSON");
            return NULL;
        }

        fgs_json_scan_fail(st, p, "unexpected %s where a key (a string in "
                           "double quotes) is expected",
                           fgs_json_scan_char(p, st->end,
                                              st->doc->error_buf));
        return NULL;
    }

    q = fgs_json_scan_string(st, p + 1, &flags);
    if (q == NULL) {
        return NULL;
    }

    nd = &st->nodes[st->n];
    nd->member = (uint32_t) (p - st->body);

    /*
     * A key without escapes is its bytes in the body, as most are; a copy
     * of each cost about 900 instructions of a 1 KB /config scan
     * (callgrind, docs/performance.md).  The empty key is "", whose first
     * byte readers may take (fgs_path_hash()).
     */

    klen = (uint32_t) (q - p - 1);

    if (flags & FGS_JSON_ESCAPED) {
        nd->key = fgs_json_scan_key(st, p + 1, klen, &klen);
        if (nd->key == NULL) {
            st->rc = FGS_ERROR;
            return NULL;
        }

        nd->flags = FGS_JSON_KEY_ESCAPED;

    } else {
        nd->key = klen ? (const char *) p + 1 : "";
        nd->flags = 0;
    }

    nd->key_len = klen;

    f = st->f;

    switch (fgs_json_keys_add(&f->keys, st->nodes, f->node, f->count, st->n,
                              nd->key, klen, &dup, st->a))
    {
    case FGS_OK:
        return q + 1;

    case FGS_DECLINED:
        fgs_json_scan_dup(st, p, nd->key, klen);
        return NULL;

    default:
        st->rc = FGS_ERROR;
        return NULL;
    }
}


/*
 * An array's element starts at p: its node, nodes[n], has no key.  The
 * node of a member's value has its key from fgs_json_scan_member().
 */

static void
fgs_json_scan_element(fgs_json_scan_t *st, const u_char *p)
{
    fgs_json_node_t  *nd;

    nd = &st->nodes[st->n];

    nd->key = NULL;
    nd->key_len = 0;
    nd->flags = 0;
    nd->member = (uint32_t) (p - st->body);
}


/*
 * A value, p at its first byte, in the container on top.  Returns the
 * byte after it (after a container's opening bracket) and the state
 * after it, or NULL with st->rc set.
 */

static const u_char *
fgs_json_scan_value(fgs_json_scan_t *st, const u_char *p,
    fgs_json_scan_state_e *state)
{
    uint8_t           flags;
    const u_char     *q;
    fgs_json_node_t  *nd;

    nd = fgs_json_scan_node(st, p);
    if (nd == NULL) {
        return NULL;
    }

    *state = sw_after;

    switch (*p) {

    case '"':
        q = fgs_json_scan_string(st, p + 1, &flags);
        if (q == NULL) {
            return NULL;
        }

        nd->type = FGS_JSON_STRING;
        nd->flags |= flags;
        nd->len = (uint32_t) (q + 1 - p);
        return q + 1;

    case '{':
        nd->type = FGS_JSON_OBJECT;
        fgs_json_scan_open(st, '}');
        *state = sw_object;
        return p + 1;

    case '[':
        nd->type = FGS_JSON_ARRAY;
        fgs_json_scan_open(st, ']');
        *state = sw_array;
        return p + 1;

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        q = fgs_json_scan_number(st, p, &nd->type);
        if (q == NULL) {
            return NULL;
        }

        nd->len = (uint32_t) (q - p);
        return q;

    case 't':
    case 'f':
    case 'n':
        q = fgs_json_scan_literal(st, p, &nd->type);
        if (q == NULL) {
            return NULL;
        }

        nd->len = (uint32_t) (q - p);
        return q;

    case '/':
        fgs_json_scan_fail(st, p, "comments are not allowed in JSON");
        return NULL;

    default:
        fgs_json_scan_fail(st, p, "unexpected %s where a value is expected",
                           fgs_json_scan_char(p, st->end,
                                              st->doc->error_buf));
        return NULL;
    }
}


/*
 * The node of the value at p, linked after the last child so far of the
 * container on top: the next one, nodes[n], whose key, key_len, member
 * and flags are set already.  NULL when the value is too deep or one too
 * many, or memory ran out.
 */

static fgs_json_node_t *
fgs_json_scan_node(fgs_json_scan_t *st, const u_char *p)
{
    uint32_t           idx;
    fgs_json_node_t   *nd;
    fgs_json_frame_t  *f;

    if (st->top > FGS_JSON_MAX_DEPTH) {
        fgs_json_scan_fail(st, p, "the body nests values deeper than %d "
                           "levels", FGS_JSON_MAX_DEPTH);
        return NULL;
    }

    if (st->n == st->cap) {

        if (st->n == st->max) {
            fgs_json_scan_fail(st, p, "the body holds more JSON values than "
                               "a FunctionGraph request can: %u for a body "
                               "of %zu bytes", st->max, st->doc->len);
            return NULL;
        }

        if (fgs_json_scan_grow(st) != FGS_OK) {
            st->rc = FGS_ERROR;
            return NULL;
        }
    }

    f = st->f;
    idx = st->n++;
    nd = &st->nodes[idx];

    if (f->count) {
        st->nodes[f->last].next = idx;
    }

    nd->off = (uint32_t) (p - st->body);
    nd->parent = f->node;
    nd->next = FGS_NONE;
    nd->count = 0;
    nd->index = f->count++;
    nd->depth = (uint16_t) st->top;
    f->last = idx;

    return nd;
}


/* the container whose node was just taken is now the one on top */

static void
fgs_json_scan_open(fgs_json_scan_t *st, u_char close)
{
    fgs_json_frame_t  *f;

    f = &st->frames[st->top++];
    st->f = f;
    f->node = st->n - 1;
    f->count = 0;
    f->last = f->node;
    f->close = close;

    if (close == '}') {
        fgs_json_keys_init(&f->keys);
    }
}


/* p is at the closing bracket of the container on top */

static fgs_json_scan_state_e
fgs_json_scan_close(fgs_json_scan_t *st, const u_char *p)
{
    fgs_json_node_t   *cont;
    fgs_json_frame_t  *f;

    f = st->f;

    cont = &st->nodes[f->node];
    cont->count = f->count;
    cont->len = (uint32_t) (p + 1 - st->body) - cont->off;

    if (--st->top == 0) {
        return sw_end;
    }

    st->f = f - 1;

    return sw_after;
}


/*
 * The inside of a string, p just after its opening quote: returns its
 * closing quote and sets FGS_JSON_ESCAPED and FGS_JSON_NONASCII (the
 * latter also for escapes of non-ASCII characters, as the value has
 * them), or NULL with the error set.
 *
 * Most strings of a body are plain bytes up to their closing quote: that
 * case is decided here, inline in the caller, and everything else
 * (escapes, UTF-8, errors) goes on in fgs_json_scan_string_rest().  With
 * one function for both, its set-up and return cost about 14 instructions
 * per string, 700 of a 1 KB /config scan (callgrind,
 * docs/performance.md).
 */

static inline const u_char *
fgs_json_scan_string(fgs_json_scan_t *st, const u_char *p, uint8_t *flags)
{
    *flags = 0;

    p = st->nruns ? fgs_json_scan_plain(st, p)
                  : fgs_json_scan_skip(p, st->end);

    if (p < st->end && *p == '"') {
        return p;
    }

    return fgs_json_scan_string_rest(st, p, flags);
}


/* the rest of a string, p at its first byte that is not plain, or end */

static const u_char *
fgs_json_scan_string_rest(fgs_json_scan_t *st, const u_char *p,
    uint8_t *flags)
{
    int            n;
    u_char         ch;
    const u_char  *end;

    end = st->end;

    for ( ;; ) {

        if (p == end) {
            fgs_json_scan_fail(st, end, "the body ends inside a string");
            return NULL;
        }

        ch = *p;

        if (ch == '"') {
            return p;
        }

        if (ch == '\\') {
            p = fgs_json_scan_escape(st, p, flags);
            if (p == NULL) {
                return NULL;
            }

        } else if (ch >= 0x80) {
            n = fgs_json_utf8_seq(p, end);

            if (n < 0) {
                fgs_json_scan_fail(st, p, "invalid UTF-8 in a string");
                return NULL;
            }

            *flags |= FGS_JSON_NONASCII;
            p += n;

        } else {
            fgs_json_scan_fail(st, p, "a control character (byte 0x%02x) "
                               "in a string must be escaped", ch);
            return NULL;
        }

        p = st->nruns ? fgs_json_scan_plain(st, p)
                      : fgs_json_scan_skip(p, end);
    }
}


/*
 * The first byte at or after p, inside a string, that is not plain.  A
 * known run of base64 alphabet that holds p is stepped over unread; the
 * bytes before the next run are read.  The runs were found without
 * regard to the JSON around them, but a run cannot cross a '"', so one
 * that holds a byte of a string lies within that string.
 */

static const u_char *
fgs_json_scan_plain(fgs_json_scan_t *st, const u_char *p)
{
    size_t                   off;
    const u_char            *q, *lim;
    const fgs_base64_run_t  *run;

    for ( ;; ) {
        off = p - st->body;

        while (st->run < st->nruns && st->runs[st->run].end <= off) {
            st->run++;
        }

        if (st->run == st->nruns) {
            return fgs_json_scan_skip(p, st->end);
        }

        run = &st->runs[st->run];

        if (run->start <= off) {
            p = st->body + run->end;
            continue;
        }

        lim = st->body + run->start;
        q = fgs_json_scan_skip(p, lim);

        if (q < lim) {
            return q;
        }

        p = lim;
    }
}


/*
 * The first byte at or after p that is not plain (fgs_json_plain[]), or
 * end.  With SSE2, 16 bytes at a time: a signed compare with 0x20 finds
 * both the control characters and the bytes >= 0x80, two more find '"'
 * and '\\'.  The table finishes what is left.  Most strings of a body
 * end in the first block, yet with the table alone a 1 KB /config scan
 * takes 11,200 instructions instead of 8,100 (callgrind), and a long
 * string that is not base64 six times as long (make bench-scan, built
 * with and without FGS_NO_SIMD).
 * It is inline in the scanner; fgs_json_scan_plain_end() is the same for
 * the tests.
 */

static inline const u_char *
fgs_json_scan_skip(const u_char *p, const u_char *end)
{
#if (FGS_JSON_SCAN_SSE2)
    int      m;
    __m128i  v, stops;

    while (end - p >= 16) {
        v = _mm_loadu_si128((const __m128i *) p);

        stops = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                             _mm_or_si128(
                                 _mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                 _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));

        m = _mm_movemask_epi8(stops);

        if (m) {
            return p + __builtin_ctz(m);
        }

        p += 16;
    }
#endif

    while (p < end && fgs_json_plain[*p]) {
        p++;
    }

    return p;
}


const u_char *
fgs_json_scan_plain_end(const u_char *p, const u_char *end)
{
    return fgs_json_scan_skip(p, end);
}


/* one escape, p at its '\\': returns the byte after it, or NULL */

static const u_char *
fgs_json_scan_escape(fgs_json_scan_t *st, const u_char *p, uint8_t *flags)
{
    int32_t        u, lo;
    const u_char  *end;

    end = st->end;
    *flags |= FGS_JSON_ESCAPED;

    if (end - p < 2) {
        fgs_json_scan_fail(st, end, "the body ends inside a string");
        return NULL;
    }

    switch (p[1]) {

    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
        return p + 2;

    case 'u':
        break;

    default:
        fgs_json_scan_fail(st, p, "invalid escape in a string: '\\' is "
                           "followed by %s; valid escapes are \\\" \\\\ \\/ "
                           "\\b \\f \\n \\r \\t and \\u with four hex digits",
                           fgs_json_scan_char(p + 1, end,
                                              st->doc->error_buf));
        return NULL;
    }

    if (end - p < 6 || (u = fgs_hex4(p + 2)) < 0) {
        fgs_json_scan_fail(st, p, "invalid \\u escape in a string: \\u must "
                           "be followed by four hex digits");
        return NULL;
    }

    if (u == 0) {
        fgs_json_scan_fail(st, p, "\\u0000 (NUL) is not allowed in a "
                           "string");
        return NULL;
    }

    if (u >= 0xdc00 && u <= 0xdfff) {
        fgs_json_scan_fail(st, p, "a \\u escape in a string holds a low "
                           "UTF-16 surrogate with no high surrogate before "
                           "it");
        return NULL;
    }

    if (u >= 0xd800 && u <= 0xdbff) {

        if (end - p < 12 || p[6] != '\\' || p[7] != 'u'
            || (lo = fgs_hex4(p + 8)) < 0xdc00 || lo > 0xdfff)
        {
            fgs_json_scan_fail(st, p, "a \\u escape in a string holds a "
                               "high UTF-16 surrogate that no \\u escape of "
                               "a low surrogate follows");
            return NULL;
        }

        *flags |= FGS_JSON_NONASCII;
        return p + 12;
    }

    if (u >= 0x80) {
        *flags |= FGS_JSON_NONASCII;
    }

    return p + 6;
}


/*
 * A number, p at its '-' or first digit: -?(0|[1-9][0-9]*)(.[0-9]+)?
 * ([eE][+-]?[0-9]+)?.  What follows is checked by the caller.
 */

static const u_char *
fgs_json_scan_number(fgs_json_scan_t *st, const u_char *p, uint8_t *type)
{
    const u_char  *end;

#define fgs_json_digit(p)  ((p) < end && *(p) >= '0' && *(p) <= '9')

    end = st->end;
    *type = FGS_JSON_INTEGER;

    if (*p == '-') {
        p++;

        if (!fgs_json_digit(p)) {
            fgs_json_scan_fail(st, p, "invalid number: a digit must follow "
                               "'-'");
            return NULL;
        }
    }

    if (*p == '0') {
        p++;

        if (fgs_json_digit(p)) {
            fgs_json_scan_fail(st, p, "invalid number: leading zeros are "
                               "not allowed");
            return NULL;
        }

    } else {
        while (fgs_json_digit(p)) {
            p++;
        }
    }

    if (p < end && *p == '.') {
        p++;

        if (!fgs_json_digit(p)) {
            fgs_json_scan_fail(st, p, "invalid number: a digit must follow "
                               "the decimal point");
            return NULL;
        }

        while (fgs_json_digit(p)) {
            p++;
        }

        *type = FGS_JSON_REAL;
    }

    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;

        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }

        if (!fgs_json_digit(p)) {
            fgs_json_scan_fail(st, p, "invalid number: the exponent has no "
                               "digits");
            return NULL;
        }

        while (fgs_json_digit(p)) {
            p++;
        }

        *type = FGS_JSON_REAL;
    }

#undef fgs_json_digit

    return p;
}


static const u_char *
fgs_json_scan_literal(fgs_json_scan_t *st, const u_char *p, uint8_t *type)
{
    size_t   left;

    left = st->end - p;

    if (left >= 4 && memcmp(p, "true", 4) == 0) {
        *type = FGS_JSON_TRUE;
        return p + 4;
    }

    if (left >= 5 && memcmp(p, "false", 5) == 0) {
        *type = FGS_JSON_FALSE;
        return p + 5;
    }

    if (left >= 4 && memcmp(p, "null", 4) == 0) {
        *type = FGS_JSON_NULL;
        return p + 4;
    }

    fgs_json_scan_fail(st, p, "invalid literal: expected true, false or "
                       "null");
    return NULL;
}


/*
 * Copies an escaped key, unescaped, into the room for keys, which comes
 * a few kilobytes at a time: keys are short, and all the keys of a body
 * take less room than the body.  An unescaped key is never longer than
 * the escaped one.
 */

static const char *
fgs_json_scan_key(fgs_json_scan_t *st, const u_char *s, size_t len,
    uint32_t *key_len)
{
    u_char  *d, *last;

    if ((size_t) (st->kend - st->kpos) < len) {
        if (fgs_json_scan_key_room(st, len) != FGS_OK) {
            return NULL;
        }
    }

    d = st->kpos;
    last = fgs_json_utf8_unescape(d, s, len);

    st->kpos = last;
    *key_len = (uint32_t) (last - d);

    return (const char *) d;
}


static int
fgs_json_scan_key_room(fgs_json_scan_t *st, size_t len)
{
    size_t  size;

    size = st->doc->len < FGS_JSON_KEY_CHUNK
           ? st->doc->len : FGS_JSON_KEY_CHUNK;

    if (size < len) {
        size = len;
    }

    st->kpos = st->a->alloc(st->a->data, size);
    if (st->kpos == NULL) {
        return FGS_ERROR;
    }

    st->kend = st->kpos + size;

    return FGS_OK;
}


/*
 * The first node array, sized from the body: a 1 KB body takes about
 * 1.9 KB, a large one 3 KB.
 */

static int
fgs_json_scan_first(fgs_json_scan_t *st)
{
    size_t  nodes;

    nodes = st->doc->len / 32 + 8;
    if (nodes > FGS_JSON_FIRST_NODES) {
        nodes = FGS_JSON_FIRST_NODES;
    }

    /* one node more than cap: the member whose key is being read */

    st->nodes = st->a->alloc(st->a->data,
                             (nodes + 1) * sizeof(fgs_json_node_t));
    if (st->nodes == NULL) {
        return FGS_ERROR;
    }

    st->cap = (uint32_t) nodes;

    return FGS_OK;
}


/*
 * The node array doubles, with room for one node more than cap as at
 * first.  The array it replaces is given back where the region can: a
 * scan holds one array, not every size it went through.
 *
 * It never grows past st->max, and the step before the last stops at
 * half of it, so that the old and the new array together hold at most
 * one and a half times st->max nodes: 64, 128, ..., max / 2, max.  The
 * first array holds at most FGS_JSON_FIRST_NODES, a 64th of the least
 * max.
 */

static int
fgs_json_scan_grow(fgs_json_scan_t *st)
{
    uint32_t          cap, half;
    fgs_json_node_t  *nodes;

    cap = st->cap * 2;
    half = st->max - st->max / 2;

    if (cap >= st->max) {
        cap = st->max;

    } else if (cap > half) {
        cap = half;
    }

    nodes = st->a->alloc(st->a->data, (cap + 1) * sizeof(fgs_json_node_t));
    if (nodes == NULL) {
        return FGS_ERROR;
    }

    /* with the node whose key has been read */

    memcpy(nodes, st->nodes, (st->n + 1) * sizeof(fgs_json_node_t));

    if (st->a->free) {
        st->a->free(st->a->data, st->nodes);
    }

    st->nodes = nodes;
    st->cap = cap;

    return FGS_OK;
}


/* a body that does not start with '{': say what it is instead */

static int
fgs_json_scan_top(fgs_json_scan_t *st, const u_char *p)
{
    size_t         left;
    const char    *what;
    const u_char  *end;

    end = st->end;

    if (st->doc->len == 0) {
        return fgs_json_scan_fail(st, p, "the body is empty; it must be "
                                  "one JSON object");
    }

    if (p == st->body && end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
        return fgs_json_scan_fail(st, p, "the body starts with a UTF-8 "
                                  "byte order mark; send the JSON object "
                                  "without it");
    }

    if (p == end) {
        return fgs_json_scan_fail(st, p, "the body holds only whitespace; "
                                  "it must be one JSON object");
    }

    left = end - p;

    switch (*p) {

    case '[':
        what = "an array";
        break;

    case '"':
        what = "a string";
        break;

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        what = "a number";
        break;

    default:
        if (left >= 4 && memcmp(p, "true", 4) == 0) {
            what = "true";

        } else if (left >= 5 && memcmp(p, "false", 5) == 0) {
            what = "false";

        } else if (left >= 4 && memcmp(p, "null", 4) == 0) {
            what = "null";

        } else {
            return fgs_json_scan_fail(st, p, "the top level of the body "
                                      "must be a JSON object, found %s",
                                      fgs_json_scan_char(p, end,
                                                    st->doc->error_buf));
        }
    }

    return fgs_json_scan_fail(st, p, "the top level of the body must be a "
                              "JSON object, not %s", what);
}


/*
 * The key is the only part of the body an error message quotes: it is
 * escaped, so that the message stays one line of valid UTF-8, and cut at
 * a character boundary when long.
 */

static int
fgs_json_scan_dup(fgs_json_scan_t *st, const u_char *at, const char *key,
    size_t key_len)
{
    int            n;
    size_t         used, step;
    u_char         buf[96], *last;
    const u_char  *p, *end;

    p = (const u_char *) key;
    end = p + key_len;
    used = 0;

    while (p < end) {
        n = (*p < 0x80) ? 1 : fgs_json_utf8_seq(p, end);
        n = (n > 0) ? n : 1;

        step = fgs_json_escape_len(p, n);

        if (used + step > 64) {
            break;
        }

        used += step;
        p += n;
    }

    last = fgs_json_escape(buf, (const u_char *) key,
                           p - (const u_char *) key);
    *last = '\0';

    if (p < end) {
        return fgs_json_scan_fail(st, at, "duplicate key starting with "
                                  "\"%s\"", buf);
    }

    return fgs_json_scan_fail(st, at, "duplicate key \"%s\"", buf);
}


static int
fgs_json_scan_fail(fgs_json_scan_t *st, const u_char *at, const char *fmt,
    ...)
{
    char     msg[sizeof(st->doc->error_buf)];
    va_list  args;

    /* the arguments may live in error_buf itself */

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    memcpy(st->doc->error_buf, msg, sizeof(msg));

    st->doc->error = st->doc->error_buf;
    st->doc->error_off = at - st->body;
    st->rc = FGS_DECLINED;

    return FGS_DECLINED;
}


/* names the byte at p for a message, into buf (at least 16 bytes) */

static const char *
fgs_json_scan_char(const u_char *p, const u_char *end, char *buf)
{
    if (p == end) {
        return "end of the body";
    }

    if (*p > 0x20 && *p < 0x7f) {
        snprintf(buf, 16, "character '%c'", *p);

    } else {
        snprintf(buf, 16, "byte 0x%02x", *p);
    }

    return buf;
}

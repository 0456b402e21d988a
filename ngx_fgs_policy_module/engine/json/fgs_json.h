
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The strict one-pass JSON scanner of the request path.
 *
 * It reads a body once and yields a flat tape of nodes in document order
 * (pre-order: a container is followed by its children), each with its
 * type, its raw value span in the body and, for object members, its
 * unescaped key.  No DOM is built and no value is copied, except keys
 * that carry escapes.  The scanner accepts exactly one RFC 8259 object,
 * UTF-8 without BOM, and refuses everything that two readers could read
 * two ways: duplicate keys (compared after unescaping), "\u0000", lone
 * surrogates, invalid or overlong UTF-8, nesting deeper than
 * FGS_JSON_MAX_DEPTH, more values than fgs_json_max_values() allows for
 * the body's length, and anything but whitespace after the object.
 */


#ifndef _FGS_JSON_H_INCLUDED_
#define _FGS_JSON_H_INCLUDED_


#include "core/fgs_common.h"


#define FGS_JSON_MAX_DEPTH   64
#define FGS_JSON_MAX_NODES   65536
#define FGS_JSON_MAX_BODY    ((size_t) UINT32_MAX)


/*
 * The values a body may hold (the root object included) depend on its
 * length: one per FGS_JSON_BYTES_PER_VALUE bytes, never fewer than
 * FGS_JSON_MIN_VALUES nor more than FGS_JSON_MAX_NODES.  Each value
 * costs a node of 48 bytes while the body is scanned, and a member of a
 * large object 16 to 64 bytes more of duplicate-key table, so that this
 * keeps the scan's memory within 8 times the body and 256 KB whatever
 * its shape (docs/performance.md, "Memory"; t/unit/test_json_memory.c): at
 * one value per 8 bytes, the node arrays alone would reach 9 times the
 * body.
 *
 * No body of the API reference comes near it (fgs_schema_models.c):
 * they are records of a few dozen fields, whose only lists are a
 * function's security groups, DNS servers, search domains and options,
 * mounts, trigger VPCs, dependencies and LTS tags.  A body past 4,096
 * values must be mostly one of these lists, thousands of items long:
 * thousands of DNS servers, search domains, options or LTS tags, the
 * only items that can be shorter than 16 bytes, make no function; the
 * others are ids of 32 or 36 characters (security groups, dependencies,
 * VPCs) and mounts of four fields, 30 bytes and more as sent.  Bodies
 * below 64 KB get 4,096 values whatever their shape.
 */
#define FGS_JSON_MIN_VALUES       4096
#define FGS_JSON_BYTES_PER_VALUE  16


typedef enum {
    FGS_JSON_OBJECT = 1,
    FGS_JSON_ARRAY,
    FGS_JSON_STRING,
    FGS_JSON_INTEGER,           /* -?digits, no fraction, no exponent */
    FGS_JSON_REAL,              /* any number with a fraction or exponent */
    FGS_JSON_TRUE,
    FGS_JSON_FALSE,
    FGS_JSON_NULL
} fgs_json_type_e;


/* node flags */
#define FGS_JSON_ESCAPED     0x01   /* the string value has '\' escapes */
#define FGS_JSON_NONASCII    0x02   /* the string value has bytes >= 0x80 */
#define FGS_JSON_KEY_ESCAPED 0x04   /* the key had '\' escapes */


/*
 * A key is key_len bytes, not NUL-terminated: a key without escapes is
 * its bytes in the body (from member + 1), an escaped one an unescaped
 * copy in memory the scanner took from its region, and the empty key is
 * "".  So the tape's keys live as long as both the body and the region.
 */

typedef struct {
    const char     *key;        /* unescaped key, key_len bytes; NULL for
                                   the root and for array elements */
    uint32_t        key_len;
    uint32_t        member;     /* object member: offset of the key's
                                   opening quote; otherwise == off */
    uint32_t        off;        /* offset of the value's first byte
                                   (a string's opening quote, '{', '[') */
    uint32_t        len;        /* bytes of the whole raw value: a string
                                   with its quotes, a container with its
                                   brackets */
    uint32_t        parent;     /* FGS_NONE for the root */
    uint32_t        next;       /* next sibling, FGS_NONE for the last */
    uint32_t        count;      /* containers: number of children; the
                                   first child, if any, is this index + 1 */
    uint32_t        index;      /* position among its siblings */
    uint8_t         type;       /* fgs_json_type_e */
    uint8_t         flags;
    uint16_t        depth;      /* 0 for the root */
} fgs_json_node_t;


struct fgs_base64_runs_s;


typedef struct {
    const u_char       *body;
    size_t              len;
    fgs_json_node_t    *nodes;  /* nodes[0] is the root object */
    uint32_t            n;

    /* set when fgs_json_scan() returns FGS_DECLINED */
    size_t              error_off;      /* byte offset of the problem */
    const char         *error;          /* static sentence, e.g.
                                           "duplicate key \"runtime\"" is
                                           built in error_buf */
    char                error_buf[160];

    /*
     * The body's runs of base64 alphabet (fgs_base64.h), when they were
     * found while it streamed in: readers of a string's bytes may step
     * over them.  NULL otherwise.
     */
    const struct fgs_base64_runs_s  *runs;
} fgs_json_doc_t;


/*
 * Scans body[0..len).  Returns FGS_OK with doc filled, FGS_DECLINED with
 * doc->error and doc->error_off set (the body is not one strict JSON
 * object), or FGS_ERROR when memory ran out.
 */
int fgs_json_scan(fgs_json_doc_t *doc, const u_char *body, size_t len,
    fgs_alloc_t *a);

/*
 * The same with the runs of base64 alphabet that fgs_base64_runs_feed()
 * found in exactly these len bytes (runs->seen == len; otherwise they
 * are not used): the scanner does not read them, and doc->runs keeps
 * them for the checks that read strings.
 */
int fgs_json_scan_runs(fgs_json_doc_t *doc, const u_char *body, size_t len,
    const struct fgs_base64_runs_s *runs, fgs_alloc_t *a);


/* the most values (nodes, the root included) a body of len bytes holds */
uint32_t fgs_json_max_values(size_t len);


/* the child of an object with this unescaped key, or FGS_NONE */
uint32_t fgs_json_child(const fgs_json_doc_t *doc, uint32_t obj,
    const char *key, size_t key_len);

/*
 * The unescaped value of a string node: points into the body when the
 * string has no escapes, otherwise into a copy taken from a.  The value
 * can hold no NUL (the scanner refuses "\u0000").  Returns FGS_OK or
 * FGS_ERROR.
 */
int fgs_json_string(const fgs_json_doc_t *doc, uint32_t node,
    fgs_alloc_t *a, fgs_str_t *out);

/*
 * An INTEGER node's value.  Returns FGS_OK, or FGS_DECLINED when it does
 * not fit in int64_t.
 */
int fgs_json_int(const fgs_json_doc_t *doc, uint32_t node, int64_t *out);

/*
 * An INTEGER or REAL node's value as a double.  Returns FGS_OK,
 * FGS_DECLINED when its magnitude is beyond the range of a double (it
 * would read as infinity; a value too small reads as 0), or FGS_ERROR
 * when the node is not a number.
 */
int fgs_json_number(const fgs_json_doc_t *doc, uint32_t node, double *out);

const char *fgs_json_type_name(fgs_json_type_e type);

/*
 * The kind of a value in a sentence: "an object", "an integer", ...;
 * "absent" for anything that is not a type (no value at all).
 */
const char *fgs_json_kind(int type);


/*
 * Escapes src for use inside a JSON string: '"', '\\', and every control
 * character (as \uXXXX or the short forms), so that no CR or LF of the
 * input can ever end a line of the output.  Invalid UTF-8 is replaced
 * with U+FFFD.  fgs_json_escape_len() gives the exact output size;
 * fgs_json_escape() writes it and returns the end of what it wrote.
 */
size_t fgs_json_escape_len(const u_char *src, size_t len);
u_char *fgs_json_escape(u_char *dst, const u_char *src, size_t len);


#endif /* _FGS_JSON_H_INCLUDED_ */

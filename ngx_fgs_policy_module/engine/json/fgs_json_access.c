
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Reading values out of a scanned body: members by key, strings, numbers.
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fgs_json_private.h"


static const char  *fgs_json_type_names[] = {
    "unknown", "object", "array", "string", "integer", "real", "boolean",
    "boolean", "null"
};


uint32_t
fgs_json_child(const fgs_json_doc_t *doc, uint32_t obj, const char *key,
    size_t key_len)
{
    uint32_t                i;
    const fgs_json_node_t  *nd;

    if (obj >= doc->n || doc->nodes[obj].type != FGS_JSON_OBJECT
        || doc->nodes[obj].count == 0)
    {
        return FGS_NONE;
    }

    for (i = obj + 1; i != FGS_NONE; i = nd->next) {
        nd = &doc->nodes[i];

        /* the first byte before a call: most keys of a length differ */

        if (nd->key_len == key_len
            && (key_len == 0
                || (nd->key[0] == key[0]
                    && memcmp(nd->key, key, key_len) == 0)))
        {
            return i;
        }
    }

    return FGS_NONE;
}


int
fgs_json_string(const fgs_json_doc_t *doc, uint32_t node, fgs_alloc_t *a,
    fgs_str_t *out)
{
    u_char                 *p, *last;
    const fgs_json_node_t  *nd;

    if (node >= doc->n || doc->nodes[node].type != FGS_JSON_STRING) {
        return FGS_ERROR;
    }

    nd = &doc->nodes[node];

    if (!(nd->flags & FGS_JSON_ESCAPED)) {
        out->data = doc->body + nd->off + 1;
        out->len = nd->len - 2;
        return FGS_OK;
    }

    /* unescaping never makes a string longer; the NUL is for callers */

    p = a->alloc(a->data, nd->len - 2 + 1);
    if (p == NULL) {
        return FGS_ERROR;
    }

    last = fgs_json_utf8_unescape(p, doc->body + nd->off + 1, nd->len - 2);
    *last = '\0';

    out->data = p;
    out->len = last - p;

    return FGS_OK;
}


int
fgs_json_int(const fgs_json_doc_t *doc, uint32_t node, int64_t *out)
{
    int                     neg;
    uint64_t                v, limit, d;
    const u_char           *p, *end;
    const fgs_json_node_t  *nd;

    if (node >= doc->n || doc->nodes[node].type != FGS_JSON_INTEGER) {
        return FGS_ERROR;
    }

    nd = &doc->nodes[node];
    p = doc->body + nd->off;
    end = p + nd->len;

    neg = (*p == '-');
    p += neg;

    limit = neg ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;
    v = 0;

    if (end - p <= 18) {

        /* at most 18 digits cannot overflow: no check per digit */

        for ( /* void */ ; p < end; p++) {
            v = v * 10 + (uint64_t) (*p - '0');
        }

    } else {

        for ( /* void */ ; p < end; p++) {
            d = (uint64_t) (*p - '0');

            if (v > (limit - d) / 10) {
                return FGS_DECLINED;
            }

            v = v * 10 + d;
        }
    }

    if (!neg) {
        *out = (int64_t) v;

    } else if (v == (uint64_t) INT64_MAX + 1) {
        *out = INT64_MIN;

    } else {
        *out = -(int64_t) v;
    }

    return FGS_OK;
}


/*
 * Returns FGS_OK, FGS_DECLINED when the magnitude is beyond the range of
 * a double (1e400), or FGS_ERROR for a node that is not a number.  The
 * conversion is strtod()'s in the "C" numeric locale, which nginx never
 * changes; it stops at the byte after the number, which a scanned body
 * always has (the root object's '}' at the latest).
 */

int
fgs_json_number(const fgs_json_doc_t *doc, uint32_t node, double *out)
{
    char                   *last;
    double                  v;
    const char             *p;
    const fgs_json_node_t  *nd;

    if (node >= doc->n
        || (doc->nodes[node].type != FGS_JSON_INTEGER
            && doc->nodes[node].type != FGS_JSON_REAL))
    {
        return FGS_ERROR;
    }

    nd = &doc->nodes[node];
    p = (const char *) doc->body + nd->off;

    v = strtod(p, &last);

    if (last != p + nd->len) {
        return FGS_ERROR;
    }

    if (isinf(v)) {
        return FGS_DECLINED;
    }

    *out = v;

    return FGS_OK;
}


const char *
fgs_json_type_name(fgs_json_type_e type)
{
    if ((unsigned) type
        >= sizeof(fgs_json_type_names) / sizeof(fgs_json_type_names[0]))
    {
        return "unknown";
    }

    return fgs_json_type_names[type];
}


const char *
fgs_json_kind(int type)
{
    switch (type) {

    case FGS_JSON_OBJECT:
        return "an object";

    case FGS_JSON_ARRAY:
        return "an array";

    case FGS_JSON_STRING:
        return "a string";

    case FGS_JSON_INTEGER:
        return "an integer";

    case FGS_JSON_REAL:
        return "a number";

    case FGS_JSON_TRUE:
    case FGS_JSON_FALSE:
        return "a boolean";

    case FGS_JSON_NULL:
        return "null";

    default:
        return "absent";
    }
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * An audit record's "changes" (docs/audit.md, "A record"): the fields of
 * a body as it is forwarded, under their API names, as one compact JSON
 * object, driven by the operation's object of the API reference
 * (fgs_schema_model()), so that any operation's model is walked alike.
 * Left out, whatever their value: fields flagged FGS_SCHEMA_SECRET
 * (user_data, encrypted_user_data, func_code.file), any key whose name
 * says it holds a credential (as the error log's redaction reads header
 * names: docs/security.md, "Redaction of secrets in logs"), and fields
 * the reference does not define.  The policy's rewrites are laid over
 * the body: a "set" or "set_default" writes its value, a "remove"
 * leaves the field out.  A URL's query string (which may carry a
 * presigned signature) is cut to "?...", strings to 256 bytes, arrays
 * to 64 items, the whole to FGS_AUDIT_CHANGES_MAX bytes; *cut then says
 * so.
 */


#include <string.h>

#include "fgs_audit.h"
#include "json/fgs_json.h"
#include "schema/fgs_schema.h"


#define FGS_CHANGES_STR      256        /* bytes of a string value */
#define FGS_CHANGES_ITEMS    64         /* items of an array */
#define FGS_CHANGES_PATH     512        /* bytes of a field's path */


typedef struct {
    fgs_alloc_t             *a;
    u_char                  *buf;
    size_t                   len;
    size_t                   size;
    const fgs_rule_note_t   *rewrites;
    char                     path[FGS_CHANGES_PATH];
    size_t                   plen;
    unsigned                 cut:1;
    unsigned                 nomem:1;
} fgs_changes_t;


static void fgs_changes_object(fgs_changes_t *ch, const fgs_json_doc_t *doc,
    uint32_t node, const fgs_schema_object_t *obj);
static void fgs_changes_added(fgs_changes_t *ch, const fgs_json_doc_t *doc,
    uint32_t node, const fgs_schema_object_t *obj, int *first);
static void fgs_changes_member(fgs_changes_t *ch, const char *key,
    size_t klen, const fgs_json_doc_t *doc, uint32_t node,
    const fgs_schema_field_t *f, int *first);
static void fgs_changes_value(fgs_changes_t *ch, const fgs_json_doc_t *doc,
    uint32_t node, const fgs_schema_field_t *f);
static void fgs_changes_string(fgs_changes_t *ch, const fgs_json_doc_t *doc,
    uint32_t node);
static void fgs_changes_escaped(fgs_changes_t *ch, const u_char *s,
    size_t len);
static const fgs_schema_field_t *fgs_changes_field(
    const fgs_schema_object_t *obj, const char *key, size_t klen);
static const fgs_rule_note_t *fgs_changes_note(fgs_changes_t *ch);
static int fgs_changes_secret_field(const fgs_schema_field_t *f,
    const char *key, size_t klen);
static int fgs_changes_push(fgs_changes_t *ch, const char *key,
    size_t klen);
static void fgs_changes_put(fgs_changes_t *ch, const void *s, size_t len);
static u_char *fgs_changes_room(fgs_changes_t *ch, size_t len);
static void fgs_changes_grow(fgs_changes_t *ch, size_t len);


int
fgs_audit_changes(const fgs_json_doc_t *doc, fgs_api_e api,
    const fgs_rule_note_t *rewrites, fgs_alloc_t *a, fgs_str_t *out,
    int *cut)
{
    fgs_changes_t               ch;
    const fgs_schema_object_t  *obj;

    out->data = NULL;
    out->len = 0;
    *cut = 0;

    obj = fgs_schema_model(api)->root;

    if (obj == NULL || doc == NULL || doc->n == 0
        || doc->nodes[0].type != FGS_JSON_OBJECT)
    {
        return FGS_OK;
    }

    memset(&ch, 0, sizeof(fgs_changes_t));

    ch.a = a;
    ch.rewrites = rewrites;
    ch.size = 1024;
    ch.buf = a->alloc(a->data, ch.size);

    if (ch.buf == NULL) {
        return FGS_ERROR;
    }

    fgs_changes_object(&ch, doc, 0, obj);

    if (ch.nomem) {
        return FGS_ERROR;
    }

    out->data = ch.buf;
    out->len = ch.len;
    *cut = ch.cut;

    return FGS_OK;
}


/*
 * {...}: the members of node (FGS_NONE: an object a rewrite creates),
 * then those the rewrites add under ch->path
 */

static void
fgs_changes_object(fgs_changes_t *ch, const fgs_json_doc_t *doc,
    uint32_t node, const fgs_schema_object_t *obj)
{
    int                        first;
    uint32_t                   c;
    const fgs_json_node_t     *nd;
    const fgs_schema_field_t  *f;

    fgs_changes_put(ch, "{", 1);
    first = 1;

    if (node != FGS_NONE) {
        nd = doc->nodes;

        for (c = nd[node].count ? node + 1 : FGS_NONE; c != FGS_NONE;
             c = nd[c].next)
        {
            f = fgs_changes_field(obj, nd[c].key, nd[c].key_len);

            if (f != NULL) {
                fgs_changes_member(ch, nd[c].key, nd[c].key_len, doc, c, f,
                                   &first);
            }
        }
    }

    fgs_changes_added(ch, doc, node, obj, &first);

    fgs_changes_put(ch, "}", 1);
}


/* the members a "set" or "set_default" adds where the body has none */

static void
fgs_changes_added(fgs_changes_t *ch, const fgs_json_doc_t *doc,
    uint32_t node, const fgs_schema_object_t *obj, int *first)
{
    size_t                     plen, klen;
    const char                *key, *end;
    const fgs_rule_note_t     *n, *m;
    const fgs_schema_field_t  *f;

    plen = ch->plen;

    for (n = ch->rewrites; n != NULL; n = n->next) {

        if (n->value_doc == NULL || n->field == NULL
            || strncmp(n->field, ch->path, plen) != 0
            || (plen && n->field[plen] != '.'))
        {
            continue;
        }

        key = n->field + plen + (plen ? 1 : 0);
        end = strchr(key, '.');
        klen = end ? (size_t) (end - key) : strlen(key);

        /* present in the body: written with the body's members */

        if (node != FGS_NONE
            && fgs_json_child(doc, node, key, klen) != FGS_NONE)
        {
            continue;
        }

        /* once per key: the first note that names it writes it */

        for (m = ch->rewrites; m != n; m = m->next) {
            if (m->value_doc != NULL && m->field != NULL
                && strncmp(m->field, n->field, plen + (plen ? 1 : 0) + klen)
                   == 0
                && (m->field[plen + (plen ? 1 : 0) + klen] == '\0'
                    || m->field[plen + (plen ? 1 : 0) + klen] == '.'))
            {
                break;
            }
        }

        if (m != n) {
            continue;
        }

        f = fgs_changes_field(obj, key, klen);

        if (f != NULL) {
            fgs_changes_member(ch, key, klen, NULL, FGS_NONE, f, first);
        }
    }
}


/*
 * "key":value, unless it is a secret or removed; node FGS_NONE: only
 * what the rewrites put there
 */

static void
fgs_changes_member(fgs_changes_t *ch, const char *key, size_t klen,
    const fgs_json_doc_t *doc, uint32_t node, const fgs_schema_field_t *f,
    int *first)
{
    size_t                  plen, mark;
    u_char                 *p;
    const fgs_rule_note_t  *note;

    if (ch->cut || (f->flags & FGS_SCHEMA_SECRET)
        || fgs_changes_secret_field(f, key, klen))
    {
        return;
    }

    plen = ch->plen;

    if (fgs_changes_push(ch, key, klen) != FGS_OK) {
        ch->cut = 1;
        return;
    }

    note = fgs_changes_note(ch);

    if (note != NULL && note->value_doc == NULL) {
        /* removed */
        ch->plen = plen;
        ch->path[plen] = '\0';
        return;
    }

    mark = ch->len;

    /*
     * ,"key": at once: the key is the field's name in the API reference
     * (fgs_changes_field() matched it exactly), which needs no escaping
     */

    p = fgs_changes_room(ch, !*first + 1 + klen + 2);

    if (p == NULL) {
        return;
    }

    if (!*first) {
        *p++ = ',';
    }

    *p++ = '"';
    p = (u_char *) memcpy(p, key, klen) + klen;
    *p++ = '"';
    *p = ':';

    if (note != NULL) {
        fgs_changes_value(ch, note->value_doc, note->value_node, f);

    } else if (node != FGS_NONE) {
        fgs_changes_value(ch, doc, node, f);

    } else if (f->type == FGS_SCHEMA_OBJECT && f->object != NULL) {
        /* a parent a set_default creates */
        fgs_changes_object(ch, NULL, FGS_NONE, f->object);

    } else {
        fgs_changes_put(ch, "null", 4);
    }

    ch->plen = plen;
    ch->path[plen] = '\0';

    if (ch->len > FGS_AUDIT_CHANGES_MAX) {
        /* this member and all that follow are left out */
        ch->len = mark;
        ch->cut = 1;
        return;
    }

    *first = 0;
}


static void
fgs_changes_value(fgs_changes_t *ch, const fgs_json_doc_t *doc,
    uint32_t node, const fgs_schema_field_t *f)
{
    uint32_t                c, i;
    size_t                  plen;
    const fgs_json_node_t  *nd;

    nd = &doc->nodes[node];

    switch (nd->type) {

    case FGS_JSON_STRING:
        fgs_changes_string(ch, doc, node);
        return;

    case FGS_JSON_OBJECT:

        if (f != NULL && f->object != NULL) {
            fgs_changes_object(ch, doc, node, f->object);
            return;
        }

        /* a map (lts_custom_tag): its members, strings and scalars */

        fgs_changes_put(ch, "{", 1);
        i = 0;

        for (c = nd->count ? node + 1 : FGS_NONE; c != FGS_NONE;
             c = doc->nodes[c].next)
        {
            if (fgs_audit_secret_name(doc->nodes[c].key,
                                      doc->nodes[c].key_len)
                || doc->nodes[c].type == FGS_JSON_OBJECT
                || doc->nodes[c].type == FGS_JSON_ARRAY)
            {
                continue;
            }

            if (i++ == FGS_CHANGES_ITEMS) {
                ch->cut = 1;
                break;
            }

            if (i > 1) {
                fgs_changes_put(ch, ",", 1);
            }

            fgs_changes_put(ch, "\"", 1);
            fgs_changes_escaped(ch, (const u_char *) doc->nodes[c].key,
                                doc->nodes[c].key_len);
            fgs_changes_put(ch, "\":", 2);
            fgs_changes_value(ch, doc, c, NULL);
        }

        fgs_changes_put(ch, "}", 1);
        return;

    case FGS_JSON_ARRAY:

        /* items are not addressed by rewrites: no path matches "a[]" */

        plen = ch->plen;

        if (fgs_changes_push(ch, "[]", 2) != FGS_OK) {
            fgs_changes_put(ch, "null", 4);
            return;
        }

        fgs_changes_put(ch, "[", 1);
        i = 0;

        for (c = nd->count ? node + 1 : FGS_NONE; c != FGS_NONE;
             c = doc->nodes[c].next)
        {
            if (i++ == FGS_CHANGES_ITEMS
                || ch->len > FGS_AUDIT_CHANGES_MAX)
            {
                ch->cut = 1;
                break;
            }

            if (i > 1) {
                fgs_changes_put(ch, ",", 1);
            }

            fgs_changes_value(ch, doc, c, f);
        }

        fgs_changes_put(ch, "]", 1);

        ch->plen = plen;
        ch->path[plen] = '\0';
        return;

    default:
        /* numbers, true, false, null: as written (a number is short) */

        if (nd->len > 64) {
            ch->cut = 1;
            fgs_changes_put(ch, "null", 4);
            return;
        }

        fgs_changes_put(ch, doc->body + nd->off, nd->len);
        return;
    }
}


/*
 * A string value, unescaped, cut and escaped again: "http(s)://...?q"
 * loses its query, a longer value ends with "..." at 256 bytes.
 */

static void
fgs_changes_string(fgs_changes_t *ch, const fgs_json_doc_t *doc,
    uint32_t node)
{
    size_t     i, n;
    u_char    *p;
    fgs_str_t  s;
    int        url, more;

    if (fgs_json_string(doc, node, ch->a, &s) != FGS_OK) {
        ch->nomem = 1;
        return;
    }

    url = (s.len > 7 && strncmp((const char *) s.data, "http://", 7) == 0)
          || (s.len > 8
              && strncmp((const char *) s.data, "https://", 8) == 0);

    n = s.len;
    more = 0;

    if (url) {
        for (i = 0; i < s.len; i++) {
            if (s.data[i] == '?') {
                n = i;
                more = 1;
                break;
            }
        }
    }

    if (n > FGS_CHANGES_STR) {
        n = FGS_CHANGES_STR;

        /* not in the middle of a UTF-8 sequence */
        while (n > 0 && (s.data[n] & 0xc0) == 0x80) {
            n--;
        }

        more = 2;
    }

    if (more == 0 && fgs_audit_plain(s.data, n)) {
        /* most values: "value" at once */

        p = fgs_changes_room(ch, n + 2);

        if (p != NULL) {
            *p++ = '"';
            p = (u_char *) memcpy(p, s.data, n) + n;
            *p = '"';
        }

        return;
    }

    fgs_changes_put(ch, "\"", 1);
    fgs_changes_escaped(ch, s.data, n);

    if (more == 1) {
        fgs_changes_put(ch, "?...", 4);

    } else if (more == 2) {
        fgs_changes_put(ch, "...", 3);
    }

    fgs_changes_put(ch, "\"", 1);
}


static void
fgs_changes_escaped(fgs_changes_t *ch, const u_char *s, size_t len)
{
    size_t   n;
    u_char  *p;

    if (fgs_audit_plain(s, len)) {
        fgs_changes_put(ch, s, len);
        return;
    }

    n = fgs_json_escape_len(s, len);

    /* room, then the escape in place */

    fgs_changes_put(ch, NULL, n);

    if (ch->nomem) {
        return;
    }

    p = ch->buf + ch->len - n;
    (void) fgs_json_escape(p, s, len);
}


static const fgs_schema_field_t *
fgs_changes_field(const fgs_schema_object_t *obj, const char *key,
    size_t klen)
{
    int  i;

    if (obj == NULL || key == NULL) {
        return NULL;
    }

    i = fgs_schema_find(obj, key, klen);

    return i < 0 ? NULL : &obj->fields[i];
}


/*
 * Whether a field of the API reference has a name that says it holds a
 * credential.  key is the field's name (fgs_schema_find() matches names
 * exactly), so the answer is the field's own: the fields found without
 * one are remembered, in a direct-mapped table of the reference's static
 * fields, and every body's members are not folded and searched again.
 * One thread at a time, as the engine's callers run it.
 */

#define FGS_CHANGES_NAMED  512

static int
fgs_changes_secret_field(const fgs_schema_field_t *f, const char *key,
    size_t klen)
{
    uintptr_t                         slot;
    static const fgs_schema_field_t  *plain[FGS_CHANGES_NAMED];

    slot = ((uintptr_t) f / sizeof(fgs_schema_field_t)) % FGS_CHANGES_NAMED;

    if (plain[slot] == f) {
        return 0;
    }

    if (fgs_audit_secret_name(key, klen)) {
        return 1;
    }

    plain[slot] = f;

    return 0;
}


/* the last rewrite of exactly the field at ch->path, or NULL */

static const fgs_rule_note_t *
fgs_changes_note(fgs_changes_t *ch)
{
    const fgs_rule_note_t  *n, *last;

    last = NULL;

    for (n = ch->rewrites; n != NULL; n = n->next) {
        if (n->field != NULL && strcmp(n->field, ch->path) == 0) {
            last = n;
        }
    }

    return last;
}


static int
fgs_changes_push(fgs_changes_t *ch, const char *key, size_t klen)
{
    size_t  need;

    need = ch->plen + 1 + klen + 1;

    if (need > FGS_CHANGES_PATH) {
        return FGS_DECLINED;
    }

    if (ch->plen && key[0] != '[') {
        ch->path[ch->plen++] = '.';
    }

    memcpy(ch->path + ch->plen, key, klen);
    ch->plen += klen;
    ch->path[ch->plen] = '\0';

    return FGS_OK;
}


/* s NULL: room for len bytes, to be written by the caller */

static void
fgs_changes_put(fgs_changes_t *ch, const void *s, size_t len)
{
    u_char  *p;

    p = fgs_changes_room(ch, len);

    if (p != NULL && s != NULL) {
        memcpy(p, s, len);
    }
}


/*
 * len bytes more at the end, for the caller to write, or NULL when out
 * of memory; the buffer grows out of line, as it rarely does
 */

static u_char *
fgs_changes_room(fgs_changes_t *ch, size_t len)
{
    u_char  *p;

    if (ch->len + len > ch->size) {
        fgs_changes_grow(ch, len);
    }

    if (ch->nomem) {
        return NULL;
    }

    p = ch->buf + ch->len;
    ch->len += len;

    return p;
}


static void
fgs_changes_grow(fgs_changes_t *ch, size_t len)
{
    size_t   size;
    u_char  *buf;

    if (ch->nomem) {
        return;
    }

    size = ch->size;

    while (ch->len + len > size) {
        size *= 2;
    }

    buf = ch->a->alloc(ch->a->data, size);
    if (buf == NULL) {
        ch->nomem = 1;
        return;
    }

    memcpy(buf, ch->buf, ch->len);

    if (ch->a->free) {
        ch->a->free(ch->a->data, ch->buf);
    }

    ch->buf = buf;
    ch->size = size;
}


/*
 * A key whose name says it holds a credential, as the error log's
 * redaction reads header names: "password", "passwd", "secret",
 * "token", "credential", "apikey", "authorization", "cookie",
 * "privatekey", in any case, "_" and "-" ignored.
 *
 * Every member of every body goes through this, so each word is only
 * compared where the folded key holds its first letter: a plain
 * substring search of the nine words took a third of the instructions
 * of a 1 KB /config request's record.
 */

int
fgs_audit_secret_name(const char *key, size_t len)
{
    u_char   c, folded[64];
    size_t   i, n, left;

    n = 0;

    for (i = 0; i < len && n < sizeof(folded); i++) {
        c = (u_char) key[i];

        if (c == '_' || c == '-') {
            continue;
        }

        folded[n++] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
    }

    if (i < len) {
        /* too long to tell: left out */
        return 1;
    }

#define fgs_secret_word(w)                                                    \
    (left >= sizeof(w) - 1 && memcmp(&folded[i], w, sizeof(w) - 1) == 0)

    for (i = 0; i < n; i++) {
        left = n - i;

        switch (folded[i]) {

        case 'a':
            if (fgs_secret_word("apikey") || fgs_secret_word("authorization"))
            {
                return 1;
            }
            break;

        case 'c':
            if (fgs_secret_word("credential") || fgs_secret_word("cookie")) {
                return 1;
            }
            break;

        case 'p':
            if (fgs_secret_word("passwd") || fgs_secret_word("password")
                || fgs_secret_word("privatekey"))
            {
                return 1;
            }
            break;

        case 's':
            if (fgs_secret_word("secret")) {
                return 1;
            }
            break;

        case 't':
            if (fgs_secret_word("token")) {
                return 1;
            }
            break;
        }
    }

#undef fgs_secret_word

    return 0;
}

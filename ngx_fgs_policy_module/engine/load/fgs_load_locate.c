
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Where in a policy file a parse error is, as a rule and a field: jansson
 * tells the byte offset of a duplicate key or a syntax error, and an
 * operator fixing the file wants "rule kms-default, field check" rather
 * than "line 12".  A tolerant walk over the bytes (strings, brackets,
 * colons and commas; nothing is validated, the input may be cut short)
 * keeps the stack of containers up to the offset, then reads on, to the
 * end of the enclosing rule at most, for its "id".
 */


#include <stdio.h>
#include <string.h>

#include "fgs_load_int.h"


#define FGS_LOCATE_DEPTH  16


typedef struct {
    u_char          type;           /* '{' or '[' */
    unsigned        want_key:1;
    unsigned        want_id:1;      /* the string that follows is "id" */
    uint32_t        index;          /* arrays: the current element */
    char            key[FGS_POLICY_MAX_KEY + 1];
    char            id[FGS_POLICY_MAX_ID + 1];
} fgs_locate_frame_t;


typedef struct {
    const u_char         *p;
    size_t                len;
    size_t                i;
    int                   depth;
    fgs_locate_frame_t    st[FGS_LOCATE_DEPTH];
} fgs_locate_t;


static int fgs_locate_step(fgs_locate_t *lc);
static size_t fgs_locate_string(const u_char *p, size_t i, size_t len,
    char *dst, size_t size);
static void fgs_locate_field(fgs_locate_t *lc, int from, char *field,
    size_t field_len);


void
fgs_load_locate(fgs_load_t *ld, const u_char *p, size_t len, size_t pos,
    char *field, size_t field_len)
{
    int                  in_rule;
    fgs_locate_t         lc;
    fgs_locate_frame_t  *st;

    lc.p = p;
    lc.len = len;
    lc.i = 0;
    lc.depth = -1;
    st = lc.st;

    field[0] = '\0';

    /* up to the error */

    while (lc.i < len && lc.i < pos) {
        if (fgs_locate_step(&lc) != FGS_OK) {
            return;
        }
    }

    in_rule = lc.depth >= 2 && st[0].type == '{' && st[1].type == '['
              && st[2].type == '{'
              && (strcmp(st[0].key, "rules") == 0
                  || strcmp(st[0].key, "exceptions") == 0);

    fgs_locate_field(&lc, in_rule ? 2 : 0, field, field_len);

    if (!in_rule) {
        return;
    }

    snprintf(ld->rule_buf, sizeof(ld->rule_buf), "%s[%u]", st[0].key,
             st[1].index);

    /* on, to the end of the rule at most, for its id */

    while (!st[2].id[0] && lc.depth >= 2 && lc.i < len) {
        if (fgs_locate_step(&lc) != FGS_OK) {
            break;
        }
    }

    if (st[2].id[0]) {
        snprintf(ld->rule_buf, sizeof(ld->rule_buf), "%s", st[2].id);
    }

    ld->rule = ld->rule_buf;
}


/* one token: a string, a bracket, ',' or ':'; anything else is skipped */

static int
fgs_locate_step(fgs_locate_t *lc)
{
    char                 s[FGS_POLICY_MAX_KEY + 1];
    u_char               ch;
    fgs_locate_frame_t  *fr;

    ch = lc->p[lc->i];
    fr = lc->depth >= 0 ? &lc->st[lc->depth] : NULL;

    switch (ch) {

    case '"':
        lc->i = fgs_locate_string(lc->p, lc->i, lc->len, s, sizeof(s));

        if (fr != NULL && fr->type == '{' && fr->want_key) {
            memcpy(fr->key, s, sizeof(s));
            fr->want_id = (lc->depth == 2 && strcmp(s, "id") == 0);

        } else if (fr != NULL && fr->type == '{' && fr->want_id) {
            snprintf(fr->id, sizeof(fr->id), "%s", s);
            fr->want_id = 0;
        }

        break;

    case '{':
    case '[':
        if (lc->depth + 1 == FGS_LOCATE_DEPTH) {
            return FGS_DECLINED;
        }

        fr = &lc->st[++lc->depth];
        memset(fr, 0, sizeof(fgs_locate_frame_t));
        fr->type = ch;
        fr->want_key = (ch == '{');
        break;

    case '}':
    case ']':
        if (lc->depth >= 0) {
            lc->depth--;
        }

        break;

    case ',':
        if (fr != NULL) {
            fr->want_key = (fr->type == '{');
            fr->want_id = 0;
            fr->index++;
        }

        break;

    case ':':
        if (fr != NULL) {
            fr->want_key = 0;
        }

        break;

    default:
        break;
    }

    lc->i++;

    return FGS_OK;
}


/* "check.runtime.in[2]": the keys and indexes from frame "from" down */

static void
fgs_locate_field(fgs_locate_t *lc, int from, char *field, size_t field_len)
{
    int                  k;
    size_t               n;
    fgs_locate_frame_t  *fr;

    n = 0;

    for (k = from; k <= lc->depth && n + 1 < field_len; k++) {
        fr = &lc->st[k];

        if (fr->type == '{' && fr->key[0]) {
            snprintf(field + n, field_len - n, "%s%s", n ? "." : "", fr->key);

        } else if (fr->type == '[' && k > from) {
            snprintf(field + n, field_len - n, "[%u]", fr->index);
        }

        n += strlen(field + n);
    }
}


/* skips the string that starts at p[i]; returns the index of its end */

static size_t
fgs_locate_string(const u_char *p, size_t i, size_t len, char *dst,
    size_t size)
{
    size_t  n;

    n = 0;

    for (i++; i < len && p[i] != '"'; i++) {
        if (p[i] == '\\') {
            i++;
            continue;
        }

        if (n + 1 < size) {
            dst[n++] = (char) p[i];
        }
    }

    dst[n] = '\0';

    return i;
}

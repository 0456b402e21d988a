
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * One audit record as one chained line (see fgs_audit.h for the format).
 *
 * The line is written straight into the caller's buffer, never larger
 * than it.  Every string is cut so that its escaped form stays within a
 * fixed limit, so all members but the lists have a known maximum size,
 * which FGS_AUDIT_MIN_LINE covers; a list item that does not fit whole
 * in what is left is left out, with all that follow.  Whatever was cut,
 * the record says "truncated":true.  A record is thus never torn,
 * whatever a request carries.
 *
 * Two of these lines are written for every forwarded request, so they
 * are made without stdio: the members' names are literals whose lengths
 * the compiler knows, numbers are written digit by digit, and the date
 * of a second is made once (see fgs_audit_time()).
 */


#include <string.h>
#include <openssl/rand.h>

#include "fgs_audit.h"
#include "json/fgs_json.h"


/*
 * Room kept for the closing members: body_bytes, body_sha256,
 * forwarded_sha256, status, upstream_status, upstream_request_id,
 * forwarded, policy_sha256, truncated, chain, worker, seq, prev and hash
 * with "}\n" (about 710 bytes at most).
 */
#define FGS_AUDIT_TAIL  800


/*
 * The most bytes of each escaped string: with the keys, all members
 * before the lists take at most about 3.4 KB, and FGS_AUDIT_MIN_LINE
 * holds them and FGS_AUDIT_TAIL.
 */
#define FGS_AUDIT_CAP_ID        64
#define FGS_AUDIT_CAP_CLIENT    64
#define FGS_AUDIT_CAP_METHOD    16
#define FGS_AUDIT_CAP_OP        32      /* "workflow_execution" is 18 */
#define FGS_AUDIT_CAP_URI       1024
#define FGS_AUDIT_CAP_PROJECT   64
#define FGS_AUDIT_CAP_URN       512
#define FGS_AUDIT_CAP_AK        128
#define FGS_AUDIT_CAP_CODE      32
#define FGS_AUDIT_CAP_MSG       1024
#define FGS_AUDIT_CAP_RULE      64
#define FGS_AUDIT_CAP_FIELD     256
#define FGS_AUDIT_CAP_NOTE      512
#define FGS_AUDIT_CAP_NAME      64      /* a name or id of an identity */

/* what the lists after the identity need when empty */
#define FGS_AUDIT_LISTS_ROOM                                                  \
    (sizeof(",\"violations\":[],\"waived\":[],\"rewrites\":[]"            \
            ",\"changes\":null") - 1)


typedef struct {
    u_char          *p;
    u_char          *end;
    unsigned         truncated:1;   /* something was cut or left out */
    unsigned         overflow:1;    /* something did not fit: nothing
                                       more is written */
} fgs_audit_out_t;


static void fgs_audit_request(fgs_audit_out_t *o,
    const fgs_audit_record_t *rec);
static void fgs_audit_request_after_intent(fgs_audit_out_t *o,
    const fgs_audit_record_t *rec);
static void fgs_audit_outcome(fgs_audit_out_t *o,
    const fgs_audit_record_t *rec);
static void fgs_audit_identity(fgs_audit_out_t *o,
    const fgs_audit_record_t *rec);
static void fgs_audit_principals(fgs_audit_out_t *o,
    const fgs_audit_record_t *rec);
static void fgs_audit_changes_member(fgs_audit_out_t *o,
    const fgs_audit_record_t *rec);
static void fgs_audit_violations(fgs_audit_out_t *o,
    const fgs_violation_t *enforced, const fgs_violation_t *audited,
    size_t keep);
static void fgs_audit_notes(fgs_audit_out_t *o, const char *key,
    size_t klen, const fgs_rule_note_t *n, int rewrites, size_t keep);
static void fgs_audit_raw(fgs_audit_out_t *o, const char *s, size_t len);
static void fgs_audit_str(fgs_audit_out_t *o, const char *key, size_t klen,
    const u_char *s, size_t len, size_t cap);
static size_t fgs_audit_cut(const u_char *s, size_t len, size_t cap);
static size_t fgs_audit_room(const fgs_audit_out_t *o);
static void fgs_audit_cstr(fgs_audit_out_t *o, const char *key, size_t klen,
    const char *s, size_t cap);
static void fgs_audit_hex(fgs_audit_out_t *o, const char *key, size_t klen,
    const char *s, size_t len);
static void fgs_audit_int(fgs_audit_out_t *o, const char *key, size_t klen,
    int64_t n);
static void fgs_audit_time(fgs_audit_out_t *o, time_t sec, unsigned msec);
static u_char *fgs_audit_dec(u_char *p, uint64_t n, size_t width);
static u_char *fgs_audit_signed(u_char *p, int64_t n, size_t width);


/*
 * The text of the format is given as literals: these pass each with its
 * length, known at compile time.
 */
#define fgs_audit_lit(o, s)                                                   \
    fgs_audit_raw(o, s, sizeof(s) - 1)
#define fgs_audit_str_lit(o, key, s, len, cap)                                \
    fgs_audit_str(o, key, sizeof(key) - 1, s, len, cap)
#define fgs_audit_cstr_lit(o, key, s, cap)                                    \
    fgs_audit_cstr(o, key, sizeof(key) - 1, s, cap)
#define fgs_audit_int_lit(o, key, n)                                          \
    fgs_audit_int(o, key, sizeof(key) - 1, n)
#define fgs_audit_hex_lit(o, key, s, len)                                     \
    fgs_audit_hex(o, key, sizeof(key) - 1, s, len)


static const char  *fgs_audit_kinds[] = {
    "request", "intent", "start", "rotate", "end"
};


const char *
fgs_audit_kind_name(fgs_audit_kind_e kind)
{
    if ((size_t) kind >= sizeof(fgs_audit_kinds) / sizeof(char *)) {
        return "unknown";
    }

    return fgs_audit_kinds[kind];
}


int
fgs_audit_chain_init(fgs_audit_chain_t *chain, int64_t worker)
{
    int                i;
    u_char             r[FGS_AUDIT_CHAIN_LEN / 2];
    static const char  digits[] = "0123456789abcdef";

    if (RAND_bytes(r, sizeof(r)) != 1) {
        return FGS_ERROR;
    }

    for (i = 0; i < FGS_AUDIT_CHAIN_LEN / 2; i++) {
        chain->id[2 * i] = digits[r[i] >> 4];
        chain->id[2 * i + 1] = digits[r[i] & 0x0f];
    }

    chain->id[FGS_AUDIT_CHAIN_LEN] = '\0';
    chain->worker = worker;
    chain->seq = 0;

    memset(chain->prev, '0', FGS_SHA256_HEX_LEN);
    chain->prev[FGS_SHA256_HEX_LEN] = '\0';

    return FGS_OK;
}


void
fgs_audit_chain_next(fgs_audit_chain_t *chain, const char *hash)
{
    chain->seq++;
    memcpy(chain->prev, hash, FGS_SHA256_HEX_LEN + 1);
}


size_t
fgs_audit_line(u_char *buf, size_t size, const fgs_audit_record_t *rec,
    const fgs_audit_chain_t *chain, char *hash)
{
    u_char          *p, *last;
    u_char           num[32];
    fgs_audit_out_t  o;

    if (size < FGS_AUDIT_MIN_LINE) {
        return 0;
    }

    o.p = buf;
    o.end = buf + size - FGS_AUDIT_TAIL;
    o.truncated = 0;
    o.overflow = 0;

    fgs_audit_lit(&o, "{\"time\":");
    fgs_audit_time(&o, rec->sec, rec->msec);
    fgs_audit_cstr_lit(&o, ",\"kind\":", fgs_audit_kind_name(rec->kind), 16);

    if (rec->kind == FGS_AUDIT_REQUEST && rec->intent_seq > 0) {
        fgs_audit_request_after_intent(&o, rec);

    } else if (rec->kind == FGS_AUDIT_REQUEST
               || rec->kind == FGS_AUDIT_INTENT)
    {
        fgs_audit_request(&o, rec);
    }

    /* the closing members: FGS_AUDIT_TAIL holds them */

    o.end = buf + size;

    if (o.truncated) {
        fgs_audit_lit(&o, ",\"truncated\":true");
    }

    fgs_audit_hex_lit(&o, ",\"chain\":", chain->id, FGS_AUDIT_CHAIN_LEN);
    fgs_audit_int_lit(&o, ",\"worker\":", chain->worker);

    p = fgs_audit_dec(num, chain->seq + 1, 1);

    fgs_audit_lit(&o, ",\"seq\":");
    fgs_audit_raw(&o, (char *) num, p - num);

    fgs_audit_hex_lit(&o, ",\"prev\":", chain->prev, FGS_SHA256_HEX_LEN);

    if (o.overflow
        || fgs_audit_room(&o) < sizeof(",\"hash\":\"\"}\n") - 1
                                + FGS_SHA256_HEX_LEN)
    {
        return 0;
    }

    last = o.p;

    if (fgs_sha256_hex(buf, last - buf, hash) != FGS_OK) {
        return 0;
    }

    o.p = (u_char *) memcpy(last, ",\"hash\":\"", 9) + 9;
    o.p = (u_char *) memcpy(o.p, hash, FGS_SHA256_HEX_LEN)
          + FGS_SHA256_HEX_LEN;
    o.p = (u_char *) memcpy(o.p, "\"}\n", 3) + 3;

    return o.p - buf;
}


static void
fgs_audit_request(fgs_audit_out_t *o, const fgs_audit_record_t *rec)
{
    u_char  *end;

    fgs_audit_str_lit(o, ",\"request_id\":", rec->request_id.data,
                      rec->request_id.len, FGS_AUDIT_CAP_ID);
    fgs_audit_str_lit(o, ",\"client\":", rec->client.data, rec->client.len,
                      FGS_AUDIT_CAP_CLIENT);
    fgs_audit_str_lit(o, ",\"method\":", rec->method.data, rec->method.len,
                      FGS_AUDIT_CAP_METHOD);
    fgs_audit_str_lit(o, ",\"uri\":", rec->uri.data, rec->uri.len,
                      FGS_AUDIT_CAP_URI);
    fgs_audit_cstr_lit(o, ",\"operation\":",
                       rec->op == FGS_OP_NONE ? NULL : fgs_op_name(rec->op),
                       FGS_AUDIT_CAP_OP);
    fgs_audit_str_lit(o, ",\"project_id\":", rec->project_id.data,
                      rec->project_id.len, FGS_AUDIT_CAP_PROJECT);
    fgs_audit_str_lit(o, ",\"function_urn\":", rec->function_urn.data,
                      rec->function_urn.len, FGS_AUDIT_CAP_URN);

    fgs_audit_identity(o, rec);

    fgs_audit_cstr_lit(o, ",\"decision\":",
                       fgs_policy_decision_name(rec->decision), 16);
    fgs_audit_cstr_lit(o, ",\"mode\":",
                       rec->mode == FGS_MODE_ENFORCE ? "enforce"
                       : rec->mode == FGS_MODE_AUDIT ? "audit" : NULL, 16);
    fgs_audit_cstr_lit(o, ",\"error_code\":", rec->error_code,
                       FGS_AUDIT_CAP_CODE);
    fgs_audit_cstr_lit(o, ",\"error_msg\":", rec->error_msg,
                       FGS_AUDIT_CAP_MSG);

    /* each list keeps room for the empty lists after it */

    fgs_audit_violations(o, rec->violations, rec->audited,
                         sizeof(",\"waived\":[],\"rewrites\":[]"
                                ",\"changes\":null") - 1);
    fgs_audit_notes(o, ",\"waived\":[", sizeof(",\"waived\":[") - 1,
                    rec->waived, 0,
                    sizeof(",\"rewrites\":[],\"changes\":null") - 1);
    fgs_audit_notes(o, ",\"rewrites\":[", sizeof(",\"rewrites\":[") - 1,
                    rec->rewrites, 1, sizeof(",\"changes\":null") - 1);
    fgs_audit_changes_member(o, rec);

    /* the closing members below fit in FGS_AUDIT_TAIL */

    end = o->end;
    o->end += FGS_AUDIT_TAIL;

    if (rec->body_bytes >= 0) {
        fgs_audit_int_lit(o, ",\"body_bytes\":", rec->body_bytes);

    } else {
        fgs_audit_lit(o, ",\"body_bytes\":null");
    }

    fgs_audit_hex_lit(o, ",\"body_sha256\":", rec->body_sha256,
                      FGS_SHA256_HEX_LEN);
    fgs_audit_hex_lit(o, ",\"forwarded_sha256\":", rec->forwarded_sha256,
                      FGS_SHA256_HEX_LEN);

    if (rec->kind == FGS_AUDIT_REQUEST) {
        fgs_audit_outcome(o, rec);
    }

    fgs_audit_hex_lit(o, ",\"policy_sha256\":", rec->policy_sha256,
                      FGS_SHA256_HEX_LEN);

    o->end = end;
}


/*
 * The request record of a request whose intent the same chain holds,
 * earlier in the same file: what the intent says (the caller, the
 * target, the decision, the changes, the hashes) is not repeated, only
 * what became known since, and "intent" names the intent by its seq.
 * It halves the bytes hashed and written per forwarded request.  The
 * error is repeated: it is the one the client got, which may differ
 * from the intent's (a 502 when the upstream is down, 503 FGSPOL.5030
 * when another destination lost the intent).
 */

static void
fgs_audit_request_after_intent(fgs_audit_out_t *o,
    const fgs_audit_record_t *rec)
{
    u_char  *p;
    u_char   num[32];

    fgs_audit_str_lit(o, ",\"request_id\":", rec->request_id.data,
                      rec->request_id.len, FGS_AUDIT_CAP_ID);

    p = fgs_audit_dec(num, rec->intent_seq, 1);

    fgs_audit_lit(o, ",\"intent\":");
    fgs_audit_raw(o, (char *) num, p - num);

    fgs_audit_cstr_lit(o, ",\"error_code\":", rec->error_code,
                       FGS_AUDIT_CAP_CODE);
    fgs_audit_cstr_lit(o, ",\"error_msg\":", rec->error_msg,
                       FGS_AUDIT_CAP_MSG);

    fgs_audit_outcome(o, rec);
}


/* what a request record adds: the answer, once it has gone */

static void
fgs_audit_outcome(fgs_audit_out_t *o, const fgs_audit_record_t *rec)
{
    fgs_audit_int_lit(o, ",\"status\":", rec->status);

    if (rec->upstream_status > 0) {
        fgs_audit_int_lit(o, ",\"upstream_status\":", rec->upstream_status);

    } else {
        fgs_audit_lit(o, ",\"upstream_status\":null");
    }

    fgs_audit_str_lit(o, ",\"upstream_request_id\":",
                      rec->upstream_request_id.data,
                      rec->upstream_request_id.len, FGS_AUDIT_CAP_ID);

    if (rec->forwarded) {
        fgs_audit_lit(o, ",\"forwarded\":true");

    } else {
        fgs_audit_lit(o, ",\"forwarded\":false");
    }
}


static void
fgs_audit_identity(fgs_audit_out_t *o, const fgs_audit_record_t *rec)
{
    char                   when[32];
    const fgs_identity_t  *id;

    id = rec->identity;

    if (id == NULL || id->type == FGS_IDENTITY_NONE) {
        fgs_audit_lit(o, ",\"identity\":\"none\"");
        return;
    }

    if (id->type == FGS_IDENTITY_AKSK) {
        fgs_audit_lit(o, ",\"identity\":{\"type\":\"aksk\"");
        fgs_audit_str_lit(o, ",\"access_key\":", id->claims.access_key.data,
                          id->claims.access_key.len, FGS_AUDIT_CAP_AK);

        if (id->temporary) {
            fgs_audit_lit(o, ",\"temporary\":true");

        } else {
            fgs_audit_lit(o, ",\"temporary\":false");
        }

        fgs_audit_principals(o, rec);
        fgs_audit_lit(o, "}");
        return;
    }

    fgs_audit_lit(o, ",\"identity\":{\"type\":\"token\"");
    fgs_audit_cstr_lit(o, ",\"token_sha256\":", id->token_sha256, 16);

    if (!id->decoded) {
        fgs_audit_lit(o, ",\"decoded\":false");
        fgs_audit_principals(o, rec);
        fgs_audit_lit(o, "}");
        return;
    }

    fgs_audit_lit(o, ",\"decoded\":true,\"user\":{");
    fgs_audit_str_lit(o, "\"id\":", id->claims.user_id.data,
                      id->claims.user_id.len, FGS_AUDIT_CAP_NAME);
    fgs_audit_str_lit(o, ",\"name\":", id->claims.user_name.data,
                      id->claims.user_name.len, FGS_AUDIT_CAP_NAME);
    fgs_audit_lit(o, "},\"domain\":{");
    fgs_audit_str_lit(o, "\"id\":", id->claims.domain_id.data,
                      id->claims.domain_id.len, FGS_AUDIT_CAP_NAME);
    fgs_audit_str_lit(o, ",\"name\":", id->claims.domain_name.data,
                      id->claims.domain_name.len, FGS_AUDIT_CAP_NAME);
    fgs_audit_lit(o, "},\"project\":{");
    fgs_audit_str_lit(o, "\"id\":", id->project_id.data, id->project_id.len,
                      FGS_AUDIT_CAP_NAME);
    fgs_audit_str_lit(o, ",\"name\":", id->project_name.data,
                      id->project_name.len, FGS_AUDIT_CAP_NAME);
    fgs_audit_lit(o, "}");
    fgs_audit_str_lit(o, ",\"agency\":", id->claims.agency.data,
                      id->claims.agency.len, FGS_AUDIT_CAP_NAME);

    if (id->assumed_by_id.len || id->assumed_by_name.len) {
        fgs_audit_lit(o, ",\"assumed_by\":{");
        fgs_audit_str_lit(o, "\"id\":", id->assumed_by_id.data,
                          id->assumed_by_id.len, FGS_AUDIT_CAP_NAME);
        fgs_audit_str_lit(o, ",\"name\":", id->assumed_by_name.data,
                          id->assumed_by_name.len, FGS_AUDIT_CAP_NAME);
        fgs_audit_lit(o, "}");

    } else {
        fgs_audit_lit(o, ",\"assumed_by\":null");
    }

    if (id->expires) {
        fgs_policy_format_time(id->expires, when, sizeof(when));
        fgs_audit_cstr_lit(o, ",\"expires_at\":", when, 32);

    } else {
        fgs_audit_lit(o, ",\"expires_at\":null");
    }

    if (id->expired) {
        fgs_audit_lit(o, ",\"expired\":true");

    } else {
        fgs_audit_lit(o, ",\"expired\":false");
    }

    fgs_audit_principals(o, rec);
    fgs_audit_lit(o, "}");
}


/*
 * "principals":[...]: the names of the policy's principals the caller
 * belongs to; names that do not fit are left out (room is kept for the
 * lists that follow the identity)
 */

static void
fgs_audit_principals(fgs_audit_out_t *o, const fgs_audit_record_t *rec)
{
    int          n;
    u_char      *mark, *end;
    uint32_t     i;
    const char  *name;

    fgs_audit_lit(o, ",\"principals\":[");

    if (o->overflow) {
        return;
    }

    end = o->end;
    o->end -= FGS_AUDIT_LISTS_ROOM;
    n = 0;

    for (i = 0; rec->policy != NULL && i < FGS_POLICY_MAX_PRINCIPALS; i++) {

        if (!(rec->identity->principals & ((uint64_t) 1 << i))) {
            continue;
        }

        name = fgs_policy_principal_name(rec->policy, i);

        if (name == NULL) {
            break;
        }

        mark = o->p;

        if (n) {
            fgs_audit_lit(o, ",");
        }

        fgs_audit_cstr(o, "", 0, name, FGS_AUDIT_CAP_RULE);

        if (o->overflow) {
            o->p = mark;
            o->overflow = 0;
            o->truncated = 1;
            break;
        }

        n++;
    }

    o->end = end;
    fgs_audit_lit(o, "]");
}


/* "changes":{...}, or null when there are none or they do not fit */

static void
fgs_audit_changes_member(fgs_audit_out_t *o, const fgs_audit_record_t *rec)
{
    if (rec->changes.len == 0) {
        fgs_audit_lit(o, ",\"changes\":null");
        return;
    }

    if (rec->changes_cut) {
        o->truncated = 1;
    }

    if (o->overflow
        || fgs_audit_room(o) < sizeof(",\"changes\":") - 1 + rec->changes.len)
    {
        fgs_audit_lit(o, ",\"changes\":null");
        o->truncated = 1;
        return;
    }

    fgs_audit_lit(o, ",\"changes\":");
    fgs_audit_raw(o, (const char *) rec->changes.data, rec->changes.len);
}


/*
 * [{"rule":..,"field":..,"message":..,"mode":"enforce"|"audit"}, ...]:
 * the enforced violations (or the API reference's, whose rule is null)
 * and then those of audit-mode rules.
 */

static void
fgs_audit_violations(fgs_audit_out_t *o, const fgs_violation_t *enforced,
    const fgs_violation_t *audited, size_t keep)
{
    int                     n, pass;
    u_char                 *mark, *end;
    const fgs_violation_t  *v;

    fgs_audit_lit(o, ",\"violations\":[");

    if (o->overflow) {
        return;
    }

    /* keep room for the closing bracket and what follows */

    end = o->end;
    o->end -= 1 + keep;
    n = 0;

    for (pass = 0; pass < 2; pass++) {

        for (v = pass ? audited : enforced; v; v = v->next) {
            mark = o->p;

            if (n) {
                fgs_audit_lit(o, ",{");

            } else {
                fgs_audit_lit(o, "{");
            }

            fgs_audit_cstr_lit(o, "\"rule\":", v->rule, FGS_AUDIT_CAP_RULE);
            fgs_audit_cstr_lit(o, ",\"field\":", v->field,
                               FGS_AUDIT_CAP_FIELD);
            fgs_audit_cstr_lit(o, ",\"message\":", v->message,
                               FGS_AUDIT_CAP_NOTE);

            if (pass) {
                fgs_audit_lit(o, ",\"mode\":\"audit\"}");

            } else {
                fgs_audit_lit(o, ",\"mode\":\"enforce\"}");
            }

            if (o->overflow) {
                /* this one and the rest are left out */
                o->p = mark;
                o->overflow = 0;
                o->truncated = 1;
                goto done;
            }

            n++;
        }
    }

done:

    o->end = end;
    fgs_audit_lit(o, "]");
}


/* [{"rule":..,"exception":..}] or [{"rule":..,"field":..,"action":..}] */

static void
fgs_audit_notes(fgs_audit_out_t *o, const char *key, size_t klen,
    const fgs_rule_note_t *n, int rewrites, size_t keep)
{
    int      i;
    u_char  *mark, *end;

    fgs_audit_raw(o, key, klen);

    if (o->overflow) {
        return;
    }

    end = o->end;
    o->end -= 1 + keep;

    for (i = 0; n; n = n->next, i++) {
        mark = o->p;

        if (i) {
            fgs_audit_lit(o, ",{");

        } else {
            fgs_audit_lit(o, "{");
        }

        fgs_audit_cstr_lit(o, "\"rule\":", n->rule, FGS_AUDIT_CAP_RULE);

        if (rewrites) {
            fgs_audit_cstr_lit(o, ",\"field\":", n->field,
                               FGS_AUDIT_CAP_FIELD);
            fgs_audit_cstr_lit(o, ",\"action\":", n->action,
                               FGS_AUDIT_CAP_RULE);

        } else {
            fgs_audit_cstr_lit(o, ",\"exception\":", n->action,
                               FGS_AUDIT_CAP_RULE);
        }

        fgs_audit_lit(o, "}");

        if (o->overflow) {
            o->p = mark;
            o->overflow = 0;
            o->truncated = 1;
            break;
        }
    }

    o->end = end;
    fgs_audit_lit(o, "]");
}


/* text of the format itself: all of it or, when it does not fit, none */

static void
fgs_audit_raw(fgs_audit_out_t *o, const char *s, size_t len)
{
    if (o->overflow || fgs_audit_room(o) < len) {
        o->overflow = 1;
        o->truncated = 1;
        return;
    }

    o->p = (u_char *) memcpy(o->p, s, len) + len;
}


/*
 * key followed by the escaped string, or null.  A string whose escaped
 * form is longer than cap is cut to fit it (a cut in the middle of a
 * UTF-8 sequence is escaped as U+FFFD).  Nothing is written when the
 * member does not fit the room left.
 */

static void
fgs_audit_str(fgs_audit_out_t *o, const char *key, size_t klen,
    const u_char *s, size_t len, size_t cap)
{
    size_t   elen;
    u_char  *p, *last;

    if (s == NULL || len == 0) {
        fgs_audit_raw(o, key, klen);
        fgs_audit_lit(o, "null");
        return;
    }

    /* most strings are plain ASCII and short: copied as they are */

    if (!o->overflow && len <= cap && fgs_audit_room(o) >= klen + 2 + len
        && fgs_audit_plain(s, len))
    {
        p = (u_char *) memcpy(o->p, key, klen) + klen;
        *p++ = '"';
        p = (u_char *) memcpy(p, s, len) + len;
        *p++ = '"';
        o->p = p;
        return;
    }

    /*
     * Most strings are short and need no cut: when even their longest
     * escaped form (6 bytes for a byte) fits in the room left, they are
     * escaped in place at once, and only one longer than cap is done
     * again the long way below, over what was written.
     */

    if (!o->overflow && len <= cap
        && fgs_audit_room(o) >= klen + 2 + 6 * len)
    {
        p = (u_char *) memcpy(o->p, key, klen) + klen;
        *p++ = '"';

        last = fgs_json_escape(p, s, len);

        if ((size_t) (last - p) <= cap) {
            *last++ = '"';
            o->p = last;
            return;
        }
    }

    elen = fgs_json_escape_len(s, len > cap ? cap : len);

    if (len > cap || elen > cap) {
        len = fgs_audit_cut(s, len > cap ? cap : len, cap);
        elen = fgs_json_escape_len(s, len);
        o->truncated = 1;
    }

    if (o->overflow || fgs_audit_room(o) < klen + elen + 2) {
        o->overflow = 1;
        o->truncated = 1;
        return;
    }

    o->p = (u_char *) memcpy(o->p, key, klen) + klen;
    *o->p++ = '"';
    o->p = fgs_json_escape(o->p, s, len);
    *o->p++ = '"';
}


/*
 * Eight bytes at a time: a byte below 0x20 or from 0x7f, '"' or '\\'
 * sets the high bit of its lane in one of the tests (the classic
 * "has a zero byte" test, applied to the word XORed with each byte
 * looked for; the subtraction's borrows can only flag lanes above a
 * flagged one, so "any lane flagged" stays exact).
 */

#define FGS_AUDIT_ONES  0x0101010101010101ULL
#define FGS_AUDIT_HIGH  0x8080808080808080ULL
#define fgs_audit_zero_lane(x)                                                \
    (((x) - FGS_AUDIT_ONES) & ~(x) & FGS_AUDIT_HIGH)

int
fgs_audit_plain(const u_char *s, size_t len)
{
    u_char    c;
    uint64_t  w;

    for ( /* void */ ; len >= 8; s += 8, len -= 8) {
        memcpy(&w, s, 8);

        if ((w & FGS_AUDIT_HIGH)
            || ((w - 0x2020202020202020ULL) & ~w & FGS_AUDIT_HIGH)
            || fgs_audit_zero_lane(w ^ 0x2222222222222222ULL)
            || fgs_audit_zero_lane(w ^ 0x5c5c5c5c5c5c5c5cULL)
            || fgs_audit_zero_lane(w ^ 0x7f7f7f7f7f7f7f7fULL))
        {
            return 0;
        }
    }

    while (len--) {
        c = *s++;

        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            return 0;
        }
    }

    return 1;
}


/* the longest prefix of s[0, len) whose escaped form fits in cap bytes */

static size_t
fgs_audit_cut(const u_char *s, size_t len, size_t cap)
{
    size_t  lo, hi, mid;

    lo = 0;
    hi = len;

    while (lo < hi) {
        mid = lo + (hi - lo + 1) / 2;

        if (fgs_json_escape_len(s, mid) <= cap) {
            lo = mid;

        } else {
            hi = mid - 1;
        }
    }

    return lo;
}


/* the room left: end may have been moved before p to keep room */

static size_t
fgs_audit_room(const fgs_audit_out_t *o)
{
    return (o->end > o->p) ? (size_t) (o->end - o->p) : 0;
}


static void
fgs_audit_cstr(fgs_audit_out_t *o, const char *key, size_t klen,
    const char *s, size_t cap)
{
    fgs_audit_str(o, key, klen, (const u_char *) s, s ? strlen(s) : 0, cap);
}


/*
 * A hash or chain id the gateway made itself, len hex digits: copied as
 * it is when it is len plain bytes (five of them in each line); the
 * check is fgs_audit_plain()'s, eight bytes at a time, as a byte loop
 * over them cost more than the rest of the line's members.  Anything
 * else goes the way of every other string.
 */

static void
fgs_audit_hex(fgs_audit_out_t *o, const char *key, size_t klen,
    const char *s, size_t len)
{
    u_char  *p;

    if (s == NULL || o->overflow || fgs_audit_room(o) < klen + len + 2
        || !fgs_audit_plain((const u_char *) s, len) || s[len] != '\0')
    {
        fgs_audit_cstr(o, key, klen, s, len);
        return;
    }

    p = (u_char *) memcpy(o->p, key, klen) + klen;
    *p++ = '"';
    p = (u_char *) memcpy(p, s, len) + len;
    *p++ = '"';

    o->p = p;
}


static void
fgs_audit_int(fgs_audit_out_t *o, const char *key, size_t klen, int64_t n)
{
    u_char  num[32];

    fgs_audit_raw(o, key, klen);
    fgs_audit_raw(o, (char *) num, fgs_audit_signed(num, n, 1) - num);
}


/*
 * "2027-03-31T00:00:00.000Z".  Both lines of a request fall in the same
 * second as a rule, and so do the lines of requests that come together:
 * the date of the last second is kept as made by gmtime_r() (the same
 * every time for the same second, whatever the zone files say of leap
 * seconds) and only the milliseconds are added.  One thread at a time,
 * as the hashes of these lines are (fgs_sha256_hex()).
 */

static void
fgs_audit_time(fgs_audit_out_t *o, time_t sec, unsigned msec)
{
    u_char     *p;
    u_char      s[64];
    struct tm   tm;

    static time_t   last_sec;
    static size_t   last_len;       /* 0: none made yet */
    static u_char   last[48];       /* "\"YYYY-MM-DDTHH:MM:SS" */

    if (last_len == 0 || sec != last_sec) {

        if (gmtime_r(&sec, &tm) == NULL) {
            fgs_audit_lit(o, "null");
            return;
        }

        /* as "\"%04d-%02d-%02dT%02d:%02d:%02d" writes it */

        p = last;
        *p++ = '"';
        p = fgs_audit_signed(p, (int64_t) tm.tm_year + 1900, 4);
        *p++ = '-';
        p = fgs_audit_signed(p, tm.tm_mon + 1, 2);
        *p++ = '-';
        p = fgs_audit_signed(p, tm.tm_mday, 2);
        *p++ = 'T';
        p = fgs_audit_signed(p, tm.tm_hour, 2);
        *p++ = ':';
        p = fgs_audit_signed(p, tm.tm_min, 2);
        *p++ = ':';
        p = fgs_audit_signed(p, tm.tm_sec, 2);

        last_len = p - last;
        last_sec = sec;
    }

    /* and ".%03uZ\"" */

    p = (u_char *) memcpy(s, last, last_len) + last_len;
    *p++ = '.';
    p = fgs_audit_dec(p, msec % 1000, 3);
    *p++ = 'Z';
    *p++ = '"';

    fgs_audit_raw(o, (char *) s, p - s);
}


/*
 * n in decimal, at least width digits with leading zeros, as printf()'s
 * "%0*llu" writes it; at most 20 digits.
 */

static u_char *
fgs_audit_dec(u_char *p, uint64_t n, size_t width)
{
    u_char  *d, *end;
    u_char   digits[24];

    end = digits + sizeof(digits);
    d = end;

    do {
        *--d = (u_char) ('0' + n % 10);
        n /= 10;
    } while (n);

    while (width > (size_t) (end - d)) {
        *p++ = '0';
        width--;
    }

    while (d < end) {
        *p++ = *d++;
    }

    return p;
}


/*
 * As printf()'s "%0*lld": a minus sign, then the digits with leading
 * zeros to width characters in all.
 */

static u_char *
fgs_audit_signed(u_char *p, int64_t n, size_t width)
{
    if (n >= 0) {
        return fgs_audit_dec(p, (uint64_t) n, width);
    }

    *p++ = '-';

    return fgs_audit_dec(p, (uint64_t) 0 - (uint64_t) n,
                         width > 1 ? width - 1 : 1);
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The IAM token decoder (engine/identity/fgs_identity.h): an
 * X-Auth-Token value as any client may send it.  The input is the
 * header's value; when it begins with "DER:", the rest is taken as the
 * bytes of a CMS structure and base64-encoded first, so that the fuzzer
 * reaches libcrypto's parser and the token JSON reader, not only the
 * base64 decoder.  fgs_identity_token() must never crash, and:
 *
 * - it returns FGS_OK or FGS_DECLINED (memory never runs out here);
 * - the identity is a token, with a hash prefix of 16 hex digits;
 * - a token that did not decode names nobody: every claim empty;
 * - every name it keeps is at most FGS_IDENTITY_MAX_NAME bytes;
 * - its label is NUL-terminated, within its buffer, and holds only the
 *   characters fgs_identity_label() keeps.
 */


#include "fuzz.h"
#include "identity/fgs_identity.h"


#define FUZZ_ID_MAX  (64 * 1024)


static int fuzz_identity_names(const fgs_identity_t *id);


int
fgs_fuzz_identity(const uint8_t *data, size_t size)
{
    int              rc;
    char             label[2 * FGS_IDENTITY_MAX_NAME + 16];
    size_t           i, n, len;
    u_char          *tok;
    fgs_arena_t      arena;
    fgs_identity_t   id;

    static const char  b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    if (size > FUZZ_ID_MAX) {
        return 0;
    }

    tok = malloc(size / 3 * 4 + 8);
    if (tok == NULL) {
        return 0;
    }

    if (size >= 4 && memcmp(data, "DER:", 4) == 0) {

        /* the bytes after "DER:" in the '-' alphabet IAM tokens use */

        n = 0;

        for (i = 4; i + 2 < size; i += 3) {
            tok[n++] = b64[data[i] >> 2];
            tok[n++] = b64[((data[i] & 3) << 4) | (data[i + 1] >> 4)];
            tok[n++] = b64[((data[i + 1] & 15) << 2) | (data[i + 2] >> 6)];
            tok[n++] = b64[data[i + 2] & 63];
        }

        if (i + 1 == size) {
            tok[n++] = b64[data[i] >> 2];
            tok[n++] = b64[(data[i] & 3) << 4];

        } else if (i + 2 == size) {
            tok[n++] = b64[data[i] >> 2];
            tok[n++] = b64[((data[i] & 3) << 4) | (data[i + 1] >> 4)];
            tok[n++] = b64[(data[i + 1] & 15) << 2];
        }

        for (i = 0; i < n; i++) {
            if (tok[i] == '/') {
                tok[i] = '-';
            }
        }

        len = n;

    } else {
        memcpy(tok, data, size);
        len = size;
    }

    fgs_arena_init(&arena);

    rc = fgs_identity_token(tok, len, 1700000000, &id, &arena.alloc);

    if (rc != FGS_OK && rc != FGS_DECLINED) {
        fgs_arena_reset(&arena);
        free(tok);
        FUZZ_CHECK(0, "the decoder fails otherwise than by declining");
    }

    rc = (id.type == FGS_IDENTITY_TOKEN
          && fgs_identity_token_hash(&id) == FGS_OK
          && strlen(id.token_sha256) == FGS_IDENTITY_HASH_LEN
          && strspn(id.token_sha256, "0123456789abcdef")
             == FGS_IDENTITY_HASH_LEN
          && (id.decoded || (id.claims.user_name.len == 0
                             && id.claims.user_id.len == 0
                             && id.claims.domain_id.len == 0
                             && id.claims.domain_name.len == 0
                             && id.claims.agency.len == 0))
          && fuzz_identity_names(&id) == 0);

    n = fgs_identity_label(&id, label, sizeof(label));

    for (i = 0; rc && i < n; i++) {
        if (!((label[i] >= 'a' && label[i] <= 'z')
              || (label[i] >= 'A' && label[i] <= 'Z')
              || (label[i] >= '0' && label[i] <= '9')
              || strchr("-_.@/:?", label[i]) != NULL))
        {
            rc = 0;
        }
    }

    rc = rc && n < sizeof(label) && label[n] == '\0';

    fgs_arena_reset(&arena);
    free(tok);

    FUZZ_CHECK(rc, "an identity breaks the decoder's promises");

    return 0;
}


static int
fuzz_identity_names(const fgs_identity_t *id)
{
    size_t            i;
    const fgs_str_t  *s[] = {
        &id->claims.user_name, &id->claims.user_id, &id->claims.domain_id,
        &id->claims.domain_name, &id->claims.agency, &id->project_id,
        &id->project_name, &id->assumed_by_id, &id->assumed_by_name
    };

    for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        if (s[i]->len > FGS_IDENTITY_MAX_NAME
            || (s[i]->len && s[i]->data == NULL))
        {
            return -1;
        }
    }

    return 0;
}


#ifndef FGS_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fgs_fuzz_identity(data, size);
}

#endif

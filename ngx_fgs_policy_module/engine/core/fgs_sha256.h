
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * SHA-256 as lowercase hex, with OpenSSL's libcrypto, for the audit
 * trail: the chain of records, the hashes of request bodies and of
 * tokens.  An incremental hash holds an OpenSSL context that
 * fgs_sha256_final() (or fgs_sha256_free(), on an error path) releases:
 * callers hash within one call and never keep a context across a
 * suspension.
 */


#ifndef _FGS_SHA256_H_INCLUDED_
#define _FGS_SHA256_H_INCLUDED_


#include "fgs_common.h"


#define FGS_SHA256_HEX_LEN  64


typedef struct {
    void        *md;            /* EVP_MD_CTX */
} fgs_sha256_t;


/* each returns FGS_OK, or FGS_ERROR (no memory) with the context freed */
int fgs_sha256_init(fgs_sha256_t *s);
int fgs_sha256_update(fgs_sha256_t *s, const void *data, size_t len);

/* dst becomes a second context at the same point of the input as src */
int fgs_sha256_copy(fgs_sha256_t *dst, const fgs_sha256_t *src);

/* writes 64 hex digits and a NUL to hex, and frees the context */
int fgs_sha256_final(fgs_sha256_t *s, char *hex);
void fgs_sha256_free(fgs_sha256_t *s);

/*
 * The hash of one buffer: 64 hex digits and a NUL.  It runs in a context
 * the process keeps for it: one thread at a time.
 */
int fgs_sha256_hex(const void *data, size_t len, char *hex);


#endif /* _FGS_SHA256_H_INCLUDED_ */

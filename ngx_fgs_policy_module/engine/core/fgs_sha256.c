
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * SHA-256 through OpenSSL's EVP interface.  With OpenSSL 3 the digest is
 * fetched once per process: EVP_sha256() would look it up again at every
 * initialisation, which costs as much as hashing a short record.
 *
 * A hash of one buffer (every audit line, a token) runs in one context
 * that the process keeps initialised: OpenSSL allocates a context and
 * the digest's state at each EVP_MD_CTX_new() and frees both again, and
 * that was a third of the cost of hashing a record.  The context is
 * initialised again as soon as a hash is taken from it, which also
 * wipes what it held of that input.  The engine's callers hash from one
 * thread (an nginx worker, the CLI): the context is not shared between
 * threads.
 *
 * The fetched digest and the kept context are released when the code
 * that holds them goes away: atexit() in a shared object runs when the
 * object is unloaded, and nginx unloads the module when a process exits,
 * so they never outlive the only pointers to them.
 */


#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "fgs_sha256.h"


static const EVP_MD *fgs_sha256_md(void);
static EVP_MD_CTX *fgs_sha256_take_ready(void);
static void fgs_sha256_at_exit(void);
static void fgs_sha256_release(void);
static void fgs_sha256_to_hex(const u_char *md, char *hex);


#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
static EVP_MD      *fgs_sha256_fetched;
#endif

/* initialised, for the next fgs_sha256_hex(); NULL when taken */
static EVP_MD_CTX  *fgs_sha256_ready;
static int          fgs_sha256_registered;


static const EVP_MD *
fgs_sha256_md(void)
{
#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)

    if (fgs_sha256_fetched == NULL) {
        fgs_sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);

        if (fgs_sha256_fetched != NULL) {
            fgs_sha256_at_exit();
        }
    }

    return fgs_sha256_fetched;
#else
    return EVP_sha256();
#endif
}


/* should atexit() fail, the references merely last to the exit */

static void
fgs_sha256_at_exit(void)
{
    if (!fgs_sha256_registered) {
        fgs_sha256_registered = (atexit(fgs_sha256_release) == 0);
    }
}


static void
fgs_sha256_release(void)
{
    EVP_MD_CTX_free(fgs_sha256_ready);
    fgs_sha256_ready = NULL;

#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
    EVP_MD_free(fgs_sha256_fetched);
    fgs_sha256_fetched = NULL;
#endif

    fgs_sha256_registered = 0;
}


int
fgs_sha256_init(fgs_sha256_t *s)
{
    const EVP_MD  *md;

    md = fgs_sha256_md();

    s->md = EVP_MD_CTX_new();

    if (s->md == NULL || md == NULL
        || EVP_DigestInit_ex(s->md, md, NULL) != 1)
    {
        fgs_sha256_free(s);
        return FGS_ERROR;
    }

    return FGS_OK;
}


int
fgs_sha256_update(fgs_sha256_t *s, const void *data, size_t len)
{
    if (len == 0) {
        return FGS_OK;
    }

    if (EVP_DigestUpdate(s->md, data, len) != 1) {
        fgs_sha256_free(s);
        return FGS_ERROR;
    }

    return FGS_OK;
}


int
fgs_sha256_copy(fgs_sha256_t *dst, const fgs_sha256_t *src)
{
    dst->md = EVP_MD_CTX_new();

    if (dst->md == NULL || EVP_MD_CTX_copy_ex(dst->md, src->md) != 1) {
        fgs_sha256_free(dst);
        return FGS_ERROR;
    }

    return FGS_OK;
}


int
fgs_sha256_final(fgs_sha256_t *s, char *hex)
{
    int           rc;
    u_char        md[EVP_MAX_MD_SIZE];
    unsigned int  len;

    rc = EVP_DigestFinal_ex(s->md, md, &len);

    fgs_sha256_free(s);

    if (rc != 1 || len != FGS_SHA256_HEX_LEN / 2) {
        return FGS_ERROR;
    }

    fgs_sha256_to_hex(md, hex);

    return FGS_OK;
}


void
fgs_sha256_free(fgs_sha256_t *s)
{
    if (s->md) {
        EVP_MD_CTX_free(s->md);
        s->md = NULL;
    }
}


int
fgs_sha256_hex(const void *data, size_t len, char *hex)
{
    int            ok;
    u_char         md[EVP_MAX_MD_SIZE];
    EVP_MD_CTX    *c;
    unsigned int   n;

    c = fgs_sha256_take_ready();
    if (c == NULL) {
        return FGS_ERROR;
    }

    ok = (len == 0 || EVP_DigestUpdate(c, data, len) == 1)
         && EVP_DigestFinal_ex(c, md, &n) == 1
         && n == FGS_SHA256_HEX_LEN / 2;

    /* ready for the next hash: nothing of this input stays in it */

    if (EVP_DigestInit_ex(c, fgs_sha256_md(), NULL) == 1) {
        fgs_sha256_ready = c;

    } else {
        EVP_MD_CTX_free(c);
    }

    if (!ok) {
        return FGS_ERROR;
    }

    fgs_sha256_to_hex(md, hex);

    return FGS_OK;
}


/* the kept context, initialised (made first if need be), or NULL */

static EVP_MD_CTX *
fgs_sha256_take_ready(void)
{
    EVP_MD_CTX     *c;
    const EVP_MD   *md;

    c = fgs_sha256_ready;

    if (c != NULL) {
        fgs_sha256_ready = NULL;
        return c;
    }

    md = fgs_sha256_md();

    c = EVP_MD_CTX_new();

    if (c == NULL || md == NULL || EVP_DigestInit_ex(c, md, NULL) != 1) {
        EVP_MD_CTX_free(c);
        return NULL;
    }

    fgs_sha256_at_exit();

    return c;
}


/* two hex digits a byte, looked up as one pair */

static void
fgs_sha256_to_hex(const u_char *md, char *hex)
{
    int                i;
    static const char  pairs[] =
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

    for (i = 0; i < FGS_SHA256_HEX_LEN / 2; i++) {
        memcpy(&hex[2 * i], &pairs[2 * md[i]], 2);
    }

    hex[FGS_SHA256_HEX_LEN] = '\0';
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * SHA-256 through OpenSSL's EVP interface.  With OpenSSL 3 the digest is
 * fetched once per process: EVP_sha256() would look it up again at every
 * initialisation, which costs as much as hashing a short record.
 *
 * The fetched digest is a counted reference, released when the code that
 * holds it goes away: atexit() in a shared object runs when the object
 * is unloaded, and nginx unloads the module when a process exits, so the
 * reference never outlives the only pointer to it.
 */


#include <stdlib.h>

#include <openssl/evp.h>

#include "fgs_sha256.h"


static const EVP_MD *fgs_sha256_md(void);
#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
static void fgs_sha256_release(void);
#endif
static void fgs_sha256_to_hex(const u_char *md, char *hex);


#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
static EVP_MD  *fgs_sha256_fetched;
#endif


static const EVP_MD *
fgs_sha256_md(void)
{
#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)

    if (fgs_sha256_fetched == NULL) {
        fgs_sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);

        if (fgs_sha256_fetched != NULL) {
            /* should it fail, the reference merely lasts to the exit */
            (void) atexit(fgs_sha256_release);
        }
    }

    return fgs_sha256_fetched;
#else
    return EVP_sha256();
#endif
}


#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)

static void
fgs_sha256_release(void)
{
    EVP_MD_free(fgs_sha256_fetched);
    fgs_sha256_fetched = NULL;
}

#endif


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
    fgs_sha256_t  s;

    if (fgs_sha256_init(&s) != FGS_OK
        || fgs_sha256_update(&s, data, len) != FGS_OK)
    {
        return FGS_ERROR;
    }

    return fgs_sha256_final(&s, hex);
}


static void
fgs_sha256_to_hex(const u_char *md, char *hex)
{
    int                i;
    static const char  digits[] = "0123456789abcdef";

    for (i = 0; i < FGS_SHA256_HEX_LEN / 2; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0x0f];
    }

    hex[FGS_SHA256_HEX_LEN] = '\0';
}

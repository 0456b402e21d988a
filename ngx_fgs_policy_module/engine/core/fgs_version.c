
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The versions of the libraries the engine is linked with, read from
 * the libraries themselves at run time (the shared objects loaded, not
 * the headers it was built with): what a bug report needs.
 */


#include <string.h>

#include <jansson.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <openssl/crypto.h>

#include "fgs_version.h"


static void fgs_version_copy(char *dst, size_t size, const char *src);


void
fgs_version_libs(fgs_version_libs_t *libs)
{
    char  pcre2[64];

    fgs_version_copy(libs->jansson, sizeof(libs->jansson),
                     jansson_version_str());

    /* "10.42 2022-12-11": the version without its date */

    if (pcre2_config(PCRE2_CONFIG_VERSION, NULL) > (int) sizeof(pcre2)
        || pcre2_config(PCRE2_CONFIG_VERSION, pcre2) < 0)
    {
        pcre2[0] = '\0';
    }

    fgs_version_copy(libs->pcre2, sizeof(libs->pcre2), pcre2);

    fgs_version_copy(libs->openssl, sizeof(libs->openssl),
                     OpenSSL_version(OPENSSL_VERSION_STRING));
}


/* up to the first blank; "unknown" for nothing */

static void
fgs_version_copy(char *dst, size_t size, const char *src)
{
    size_t  n;

    if (src == NULL || src[0] == '\0') {
        src = "unknown";
    }

    n = strcspn(src, " \t");

    if (n > size - 1) {
        n = size - 1;
    }

    memcpy(dst, src, n);
    dst[n] = '\0';
}

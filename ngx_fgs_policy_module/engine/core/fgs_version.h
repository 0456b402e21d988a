
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The release: FGS_VERSION is the one place the version is written.
 * The module's start-up notice, its fgs_policy_build_info metric,
 * "fgs-policy --version" and the Debian package (pkg/build-deb.sh reads
 * it from this file) all take it from here.
 */


#ifndef _FGS_VERSION_H_INCLUDED_
#define _FGS_VERSION_H_INCLUDED_


#include <stddef.h>


#define FGS_VERSION  "1.0.0"


/* the versions of the libraries the engine runs with, as loaded */
typedef struct {
    char                     jansson[32];
    char                     pcre2[32];
    char                     openssl[32];
} fgs_version_libs_t;


void fgs_version_libs(fgs_version_libs_t *libs);


#endif /* _FGS_VERSION_H_INCLUDED_ */


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What the parts of the JSON scanner share and nobody else needs: UTF-8
 * checks and the decoding of string escapes.  The duplicate key check
 * has its own header, fgs_json_keys.h.
 */


#ifndef _FGS_JSON_PRIVATE_H_INCLUDED_
#define _FGS_JSON_PRIVATE_H_INCLUDED_


#include <string.h>

#include "fgs_json.h"


/*
 * Bytes a JSON string holds as they are, 0x20 - 0x7f but '"' and '\\':
 * 1, every other byte 0 (fgs_json_scan.c).
 */
extern const u_char  fgs_json_plain[256];

/*
 * The first byte at or after p that is not plain, or end: the scanner's
 * one vectorised loop (SSE2 unless FGS_NO_SIMD), which the unit tests
 * hold to fgs_json_plain[].
 */
const u_char *fgs_json_scan_plain_end(const u_char *p, const u_char *end);


/*
 * The UTF-8 sequence at p (p < end, *p >= 0x80): its length when it is a
 * valid, shortest-form encoding of a scalar value (no surrogates, at most
 * U+10FFFF), otherwise minus the length of its longest invalid prefix
 * that a valid sequence could start with (at least 1), so that a caller
 * can replace exactly that prefix.
 */
int fgs_json_utf8_seq(const u_char *p, const u_char *end);

/* writes the scalar value cp (< 0x110000, no surrogate) as UTF-8 */
u_char *fgs_json_utf8_put(u_char *dst, uint32_t cp);

/*
 * Decodes the inside of a string that the scanner accepted (between its
 * quotes) into dst, which has room for len bytes: the result is never
 * longer than the source.  Returns the end of what it wrote.
 */
u_char *fgs_json_utf8_unescape(u_char *dst, const u_char *src,
    size_t len);


#endif /* _FGS_JSON_PRIVATE_H_INCLUDED_ */


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Validation of base64 values (func_code.file) without decoding them:
 * the schema checks that the code is base64, the policy's
 * max_decoded_bytes reads its decoded size.  Both run on the request
 * path over bodies of tens of megabytes, so the check is one table-driven
 * pass that copies nothing.
 *
 * Accepted is exactly the canonical form of RFC 4648 section 4 that every
 * encoder writes: the alphabet A-Z a-z 0-9 '+' '/', a length that is a
 * multiple of 4, at most two '=' and only at the very end, and zero bits
 * in the unused low bits of the last character before the padding.
 * Whitespace, line breaks, the URL-safe alphabet ('-', '_') and missing
 * padding are refused: decoders disagree about them, and a value that two
 * readers could decode to different bytes is not checkable.  The empty
 * string is valid (it decodes to nothing).
 */


#ifndef _FGS_BASE64_H_INCLUDED_
#define _FGS_BASE64_H_INCLUDED_


#include "fgs_common.h"


typedef struct {
    size_t          decoded;    /* bytes the value decodes to */
    size_t          chars;      /* characters of the value (after JSON
                                   unescaping) */
    size_t          error_off;  /* FGS_DECLINED: the offending character,
                                   counted in characters of the value */
    const char     *error;      /* FGS_DECLINED: what is wrong, a phrase
                                   that fits "... is not valid base64: %s"
                                   and never quotes the value */
} fgs_base64_info_t;


/*
 * Checks src[0..len) as base64.  Returns FGS_OK with info->decoded set,
 * or FGS_DECLINED with info->error and info->error_off set.
 */
int fgs_base64_check(const u_char *src, size_t len, fgs_base64_info_t *info);

/*
 * The same for the raw inside of a JSON string (between its quotes, as
 * the scanner's tape gives it): escapes are decoded on the fly, so "\/"
 * is '/' and "\u0041" is 'A', as for any JSON reader; an escape that
 * stands for a character outside the alphabet ("\n", "\u00e9") is
 * refused like the character itself.  The input must be a string the
 * scanner accepted.
 */
int fgs_base64_check_json(const u_char *raw, size_t len,
    fgs_base64_info_t *info);

/*
 * The length of the longest prefix of src[0..len) made of alphabet
 * characters only (no '='): the fast inner loop of both checks.
 */
size_t fgs_base64_span(const u_char *src, size_t len);


#endif /* _FGS_BASE64_H_INCLUDED_ */

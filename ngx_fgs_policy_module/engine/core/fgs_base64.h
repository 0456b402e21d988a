
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
 * The same for a value whose first "known" bytes are already known to be
 * alphabet characters (fgs_base64_runs_known()): they are counted, not
 * read again.
 */
int fgs_base64_check_known(const u_char *src, size_t len, size_t known,
    int json, fgs_base64_info_t *info);

/*
 * The length of the longest prefix of src[0..len) made of alphabet
 * characters only (no '='): the fast inner loop of both checks.
 */
size_t fgs_base64_span(const u_char *src, size_t len);


/*
 * Runs of alphabet characters in a body, found while the body streams in
 * (nginx's request body filter hands each buffer over while it is still
 * in the CPU's caches).  A run is at least FGS_BASE64_RUN_MIN bytes; at
 * most FGS_BASE64_MAX_RUNS are kept, the first ones.  The bytes of a run
 * are plain inside a JSON string and valid inside base64, whatever the
 * JSON around them: the scanner and the base64 checks step over them
 * instead of reading a 10 MB func_code.file from memory once more.
 */

#define FGS_BASE64_RUN_MIN    4096
#define FGS_BASE64_MAX_RUNS   16

typedef struct {
    uint32_t        start;      /* body offsets: [start, end) */
    uint32_t        end;
} fgs_base64_run_t;

typedef struct fgs_base64_runs_s  fgs_base64_runs_t;

struct fgs_base64_runs_s {
    size_t              seen;   /* bytes fed so far */
    size_t              start;  /* where the open run began */
    uint32_t            n;
    fgs_base64_run_t    run[FGS_BASE64_MAX_RUNS];
};


void fgs_base64_runs_init(fgs_base64_runs_t *runs);

/* the next len bytes of the body */
void fgs_base64_runs_feed(fgs_base64_runs_t *runs, const u_char *p,
    size_t len);

/* the body is complete: closes the open run */
void fgs_base64_runs_end(fgs_base64_runs_t *runs);

/* how many bytes from body offset off on are in a run (0: none) */
size_t fgs_base64_runs_known(const fgs_base64_runs_t *runs, size_t off);


#endif /* _FGS_BASE64_H_INCLUDED_ */

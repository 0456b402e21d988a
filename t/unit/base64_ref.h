
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What the base64 tests hold the engine to: the alphabet read a byte at
 * a time, and a small deterministic generator, so that the random inputs
 * are the same on every run.
 */


#ifndef _FGS_BASE64_REF_H_INCLUDED_
#define _FGS_BASE64_REF_H_INCLUDED_


#include <stdint.h>
#include <sys/types.h>


static inline int
in_alphabet(u_char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '+' || c == '/';
}


static inline uint32_t
rnd(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;

    return *state;
}


#endif /* _FGS_BASE64_REF_H_INCLUDED_ */


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Types shared by every part of the policy engine.  The engine has no
 * nginx types: it builds on its own for the CLI, the unit tests and the
 * fuzzers, and the nginx glue hands it memory through fgs_alloc_t.
 */


#ifndef _FGS_COMMON_H_INCLUDED_
#define _FGS_COMMON_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>


#define FGS_OK      0
#define FGS_ERROR  -1           /* out of memory or another internal failure */
#define FGS_DECLINED  -5        /* the input was refused; details are given */

#define FGS_NONE   ((uint32_t) -1)


/*
 * Memory for the engine: a region allocator owned by the caller (the
 * request arenas of ngx_http_fgs_policy_arena.c in the module, fgs_arena_t
 * in the CLI and the tests).  Everything the engine allocates lives as
 * long as the region, but for what it gives back through free(), where
 * the region has one (NULL: memory goes only with the region): the old
 * copies of what grows while a body is scanned (the node array, key
 * tables), so that a scan holds one of each (docs/performance.md,
 * "Memory").  alloc() returns memory aligned for any type, or NULL; free()
 * takes only what alloc() returned, and may keep it.
 */

typedef struct {
    void    *(*alloc)(void *data, size_t size);
    void     *data;
    void     (*free)(void *data, void *p);
} fgs_alloc_t;


typedef struct {
    size_t          len;
    const u_char   *data;
} fgs_str_t;


/*
 * The operations a policy governs, one per kind of change
 * (docs/policy-language.md, "What it governs"): the write endpoints of
 * FunctionGraph's API that make one change are one operation
 * (fgs_api.h lists them).  The order is the order of the names in
 * fgs_op_name() and of the metrics; FGS_OP_OTHER is last.
 */

typedef enum {
    FGS_OP_NONE = 0,            /* not governed: passes untouched */
    FGS_OP_CODE,                /* PUT .../functions/{urn}/code */
    FGS_OP_CONFIG,              /* PUT .../functions/{urn}/config */
    FGS_OP_CREATE,              /* POST .../functions */
    FGS_OP_IMPORT,
    FGS_OP_DELETE,
    FGS_OP_VERSION,
    FGS_OP_ALIAS,
    FGS_OP_TRIGGER,
    FGS_OP_ASYNC_CONFIG,
    FGS_OP_MAX_INSTANCES,
    FGS_OP_RESERVED_INSTANCES,
    FGS_OP_TRACING,
    FGS_OP_EVENT,
    FGS_OP_TAGS,
    FGS_OP_DEPENDENCY,
    FGS_OP_APPLICATION,
    FGS_OP_WORKFLOW,
    FGS_OP_WORKFLOW_EXECUTION,
    FGS_OP_VPC_ENDPOINT,
    FGS_OP_SNAPSHOT,
    FGS_OP_COLLECT,
    FGS_OP_LTS_LOG,
    FGS_OP_ASYNC_STATUS_LOG,
    FGS_OP_CANCEL,
    FGS_OP_OTHER                /* a write the gateway cannot classify */
} fgs_op_e;

#define FGS_OP_COUNT  (FGS_OP_OTHER + 1)


const char *fgs_op_name(fgs_op_e op);

/* the operation named exactly name, or FGS_OP_NONE */
fgs_op_e fgs_op_by_name(const char *name, size_t len);


/*
 * One problem found in a request: by the body scanner's caller, the schema
 * or a policy rule.  field is the path of the field as a user writes it
 * ("func_vpc.subnet_id", "func_mounts[1].mount_type", "" for the body as
 * a whole); message is one sentence that says what is wrong and how to
 * comply.  Neither ever carries a secret value (user_data, func_code.file,
 * encrypted_user_data): the code that creates a violation makes sure.
 */

typedef struct fgs_violation_s  fgs_violation_t;

struct fgs_violation_s {
    const char         *rule;           /* rule id, NULL for the schema */
    const char         *field;
    const char         *message;
    fgs_violation_t    *next;
    uint32_t            more;           /* 0, or a summary: this many
                                           more were not listed */
};


/*
 * At most FGS_VIOLATIONS_MAX violations are listed per answer and per
 * audit record (docs/errors.md, "Violations"): the API reference's and the
 * policy's alike.  Past that, a violation is only counted, per rule,
 * without formatting or allocating anything, and fgs_violations_close()
 * ends the list with one summary per rule ("N more violations of rule R
 * were found and not listed").
 */

#define FGS_VIOLATIONS_MAX  100

typedef struct fgs_violations_s  fgs_violations_t;

struct fgs_violations_s {
    fgs_violation_t    *head;
    fgs_violation_t   **tail;
    uint32_t            n;              /* listed */
    uint32_t            dropped;        /* found but not listed */
    fgs_violation_t    *more;           /* the summaries to come, one
                                           per rule, most recent first */
    unsigned            ambiguous:1;    /* a violation makes the body
                                           ambiguous (a look-alike key):
                                           FGSPOL.4000 rather than 4001 */
    unsigned            only_unknown:1; /* every violation is a field the
                                           reference does not define for
                                           the endpoint (unknown_fields) */
    unsigned            closed:1;
};


void fgs_violations_init(fgs_violations_t *v);

/*
 * Returns FGS_OK (listed, or only counted once the list is full) or
 * FGS_ERROR (no memory); message is printf-formatted.
 */
int fgs_violation_add(fgs_violations_t *v, fgs_alloc_t *a, const char *rule,
    const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__ ((format (printf, 5, 6)))
#endif
    ;

/* whether another violation would only be counted */
int fgs_violations_full(const fgs_violations_t *v);

/* moves src's violations, listed and counted, to the end of dst */
int fgs_violations_append(fgs_violations_t *dst, fgs_violations_t *src,
    fgs_alloc_t *a);

/* lists only the first keep violations and counts the others */
int fgs_violations_trim(fgs_violations_t *v, uint32_t keep, fgs_alloc_t *a);

/*
 * Copies the list (its violations and their strings) into a's memory, in
 * place: for a list built in memory released before it is read.
 */
int fgs_violations_copy(fgs_violations_t *v, fgs_alloc_t *a);

/*
 * Appends the summaries of what was not listed, "of what" naming the
 * kind for a rule of NULL ("the API reference"); once.
 */
int fgs_violations_close(fgs_violations_t *v, fgs_alloc_t *a,
    const char *what);

char *fgs_strdup(fgs_alloc_t *a, const char *s, size_t len);
char *fgs_sprintf(fgs_alloc_t *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__ ((format (printf, 2, 3)))
#endif
    ;
char *fgs_vsprintf(fgs_alloc_t *a, const char *fmt, va_list args);

/* the strings given, up to a NULL, joined into one */
char *fgs_strcat(fgs_alloc_t *a, ...)
#if defined(__GNUC__)
    __attribute__ ((sentinel))
#endif
    ;

/* control bytes of s (NULL: none) become '?', in place: one line */
void fgs_oneline(char *s);


/*
 * A growable arena over malloc() for the CLI, tests, fuzzers and benches
 * (the module has its own, over blocks that each worker keeps).
 */

typedef struct fgs_arena_block_s  fgs_arena_block_t;

typedef struct {
    fgs_alloc_t          alloc;         /* points at this arena */
    fgs_arena_block_t   *blocks;
} fgs_arena_t;


void fgs_arena_init(fgs_arena_t *arena);
void fgs_arena_reset(fgs_arena_t *arena);   /* frees everything */


/* the value of four hex digits at p, or -1 (JSON's \\uXXXX) */

static inline int32_t
fgs_hex4(const u_char *p)
{
    int32_t  v;
    u_char   c;
    int      i;

    v = 0;

    for (i = 0; i < 4; i++) {
        c = p[i];

        if (c >= '0' && c <= '9') {
            c = (u_char) (c - '0');

        } else {
            c |= 0x20;

            if (c >= 'a' && c <= 'f') {
                c = (u_char) (c - 'a' + 10);

            } else {
                return -1;
            }
        }

        v = (v << 4) | c;
    }

    return v;
}


#endif /* _FGS_COMMON_H_INCLUDED_ */

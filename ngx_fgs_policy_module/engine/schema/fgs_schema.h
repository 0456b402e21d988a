
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The FunctionGraph API reference as a table: every documented field of
 * the code, config and create bodies with its type and fixed constraint
 * (docs/policy-language.md, "What a governed body must be").
 * fgs_schema_validate() walks a scanned body once against it; the load
 * (load/fgs_load_schema_*.c) reads the table to hold a policy's paths,
 * checks and mutations to it.  The one header of the schema stage for
 * the stages above.
 */


#ifndef _FGS_SCHEMA_H_INCLUDED_
#define _FGS_SCHEMA_H_INCLUDED_


#include "core/fgs_common.h"
#include "json/fgs_json.h"


/* no field name of the reference is shorter, or longer */
#define FGS_SCHEMA_MIN_NAME    2
#define FGS_SCHEMA_MAX_NAME    32


/* the operations, as bits of a field's ops and required masks */
#define FGS_SCHEMA_CODE        0x01
#define FGS_SCHEMA_CONFIG      0x02
#define FGS_SCHEMA_CREATE      0x04
#define FGS_SCHEMA_ALL         0x07


typedef enum {
    FGS_SCHEMA_STRING = 1,
    FGS_SCHEMA_INTEGER,         /* a JSON integer that fits int64_t */
    FGS_SCHEMA_BOOLEAN,
    FGS_SCHEMA_OBJECT,          /* with the fields of "object" */
    FGS_SCHEMA_ARRAY,           /* of "item" (STRING or OBJECT) */
    FGS_SCHEMA_MAP,             /* Map<String,String>: free keys */
    FGS_SCHEMA_ID               /* a JSON integer or a string of one
                                   (MountUser ids, see the table) */
} fgs_schema_type_e;


/* the fixed constraint a value is validated against, beyond its type */
typedef enum {
    FGS_CONSTRAINT_NONE = 0,
    FGS_CONSTRAINT_RANGE,            /* integer min..max */
    FGS_CONSTRAINT_FUNC_NAME,        /* the func_name pattern */
    FGS_CONSTRAINT_HANDLER,          /* length and '.', with the runtime */
    FGS_CONSTRAINT_DOTTED,           /* empty, or contains a '.' */
    FGS_CONSTRAINT_MAX_BYTES,        /* at most max bytes once unescaped */
    FGS_CONSTRAINT_CIDRS,            /* up to max IPv4 CIDRs joined by ';' */
    FGS_CONSTRAINT_ENUM,             /* one of values */
    FGS_CONSTRAINT_CODE_TYPE,        /* one of values (create: one more) */
    FGS_CONSTRAINT_FILENAME,         /* "name.type", not a path */
    FGS_CONSTRAINT_BASE64            /* canonical base64 */
} fgs_schema_constraint_e;


typedef struct fgs_schema_object_s  fgs_schema_object_t;
typedef struct fgs_schema_index_s   fgs_schema_index_t;

typedef struct {
    const char                 *name;
    uint8_t                     len;
    uint8_t                     type;       /* fgs_schema_type_e */
    uint8_t                     item;       /* ARRAY: type of the items */
    uint8_t                     constraint; /* fgs_schema_constraint_e */
    uint8_t                     ops;        /* operations that accept it */
    uint8_t                     required;   /* operations that need it */
    int64_t                     min;
    int64_t                     max;
    const char *const          *values;     /* ENUM: NULL-terminated */
    const fgs_schema_object_t  *object;     /* OBJECT, ARRAY of objects */
    uint8_t                     flags;      /* FGS_SCHEMA_SECRET */
} fgs_schema_field_t;


/*
 * A field whose value is a secret (user_data, encrypted_user_data,
 * func_code.file): never quoted in a message, never in an audit
 * record's "changes" (docs/audit.md, "What a record never holds").
 */
#define FGS_SCHEMA_SECRET      0x01


/*
 * One object of the reference.  fields are sorted by the length of their
 * name, then by name (strcmp).
 */

struct fgs_schema_object_s {
    const char                 *name;       /* as the reference calls it */
    const fgs_schema_field_t   *fields;
    uint32_t                    n;
    uint32_t                    id;         /* fgs_schema_obj_e */
    fgs_schema_index_t         *index;      /* fgs_schema_index.c builds it */
};


/* the request body of the code, config and create operations */
extern const fgs_schema_object_t  fgs_schema_function;

/* code_type values that only create accepts (custom image functions) */
extern const char *const  fgs_schema_create_code_types[];


/*
 * Adds one violation (rule NULL) per problem found, every one of them,
 * not only the first.  Returns FGS_OK when the body conforms,
 * FGS_DECLINED when it added violations, FGS_ERROR when memory ran out.
 */
int fgs_schema_validate(const fgs_json_doc_t *doc, fgs_op_e op,
    fgs_violations_t *out, fgs_alloc_t *a);

/*
 * The body an operation takes, as an object of the reference: what
 * walkers that are not the validation (the audit's "changes") read;
 * NULL for an operation without one.
 */
const fgs_schema_object_t *fgs_schema_body(fgs_op_e op);

/* the index of the field of obj named exactly key, or -1 */
int fgs_schema_find(const fgs_schema_object_t *obj, const char *key,
    size_t len);

/*
 * Verifies the tables themselves: names sorted and of the right length,
 * no two fields of an object alike once case, '_' and '-' are ignored,
 * no object too large, every reference consistent.  Returns NULL when
 * they are sound, or a static description of the first flaw.  The unit
 * test runs it, so a table edited out of order fails the build's tests.
 */
const char *fgs_schema_selftest(void);


#endif /* _FGS_SCHEMA_H_INCLUDED_ */

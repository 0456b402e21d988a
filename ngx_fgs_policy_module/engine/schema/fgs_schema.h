
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The FunctionGraph API reference as data: a model of the body of every
 * write endpoint, each documented field with its type and fixed
 * constraint (docs/policy-language.md, "What a governed body must be").
 * The models are the files of schema/models/, one a model, compiled in
 * by fgs_schema_models.c.  fgs_schema_validate() walks a scanned body
 * once against its endpoint's model; the load (load/fgs_load_schema_*.c)
 * reads the models to hold a policy's paths, checks and mutations to
 * them.  The one header of the schema stage for the stages above.
 */


#ifndef _FGS_SCHEMA_H_INCLUDED_
#define _FGS_SCHEMA_H_INCLUDED_


#include "core/fgs_common.h"
#include "core/fgs_api.h"
#include "json/fgs_json.h"


/* no field name of the reference is shorter, or longer */
#define FGS_SCHEMA_MIN_NAME    2
#define FGS_SCHEMA_MAX_NAME    32


/*
 * A model serves up to three endpoints whose bodies share most fields
 * (an alias's create and update, the function's code, config and
 * create): its variants, as bits of a field's ops and required masks.
 */
#define FGS_SCHEMA_V0          0x01
#define FGS_SCHEMA_V1          0x02
#define FGS_SCHEMA_V2          0x04
#define FGS_SCHEMA_ALL         0x07
#define FGS_SCHEMA_VARIANTS    3

/* the function's model */
#define FGS_SCHEMA_CODE        FGS_SCHEMA_V0
#define FGS_SCHEMA_CONFIG      FGS_SCHEMA_V1
#define FGS_SCHEMA_CREATE      FGS_SCHEMA_V2

/* a field's flags */
#define FGS_SCHEMA_SECRET      0x01     /* never in a record or a log */


typedef enum {
    FGS_SCHEMA_STRING = 1,
    FGS_SCHEMA_INTEGER,         /* a JSON integer that fits int64_t */
    FGS_SCHEMA_BOOLEAN,
    FGS_SCHEMA_OBJECT,          /* with the fields of "object" */
    FGS_SCHEMA_ARRAY,           /* of "item" (STRING or OBJECT) */
    FGS_SCHEMA_MAP,             /* free keys, each value of "item":
                                   STRING (0 too), INTEGER, or OBJECT
                                   with the fields of "object" */
    FGS_SCHEMA_ID,              /* a JSON integer or a string of one
                                   (MountUser ids, see the table) */
    FGS_SCHEMA_NUMBER,          /* any JSON number */
    FGS_SCHEMA_ANY              /* any JSON value but null: a member the
                                   reference leaves free (an object of
                                   the caller's) */
} fgs_schema_type_e;


/* the fixed constraint a value is validated against, beyond its type */
typedef enum {
    FGS_CONSTRAINT_NONE = 0,
    FGS_CONSTRAINT_RANGE,            /* integer min..max */
    FGS_CONSTRAINT_FUNC_NAME,        /* the func_name pattern, min..max
                                        characters */
    FGS_CONSTRAINT_HANDLER,          /* length and '.', with the runtime */
    FGS_CONSTRAINT_DOTTED,           /* empty, or contains a '.' */
    FGS_CONSTRAINT_MAX_BYTES,        /* at most max bytes once unescaped */
    FGS_CONSTRAINT_CIDRS,            /* up to max IPv4 CIDRs joined by ';' */
    FGS_CONSTRAINT_ENUM,             /* one of values */
    FGS_CONSTRAINT_CODE_TYPE,        /* one of values (create: one more) */
    FGS_CONSTRAINT_FILENAME,         /* "name.type", not a path */
    FGS_CONSTRAINT_BASE64,           /* canonical base64 */
    FGS_CONSTRAINT_LENGTH            /* min..max characters (code points)
                                        once unescaped */
} fgs_schema_constraint_e;


typedef struct fgs_schema_object_s  fgs_schema_object_t;
typedef struct fgs_schema_index_s   fgs_schema_index_t;

typedef struct fgs_schema_field_s  fgs_schema_field_t;

struct fgs_schema_field_s {
    const char                 *name;
    uint8_t                     len;
    uint8_t                     type;       /* fgs_schema_type_e */
    uint8_t                     item;       /* ARRAY, MAP: type of the
                                               items, of the values */
    uint8_t                     constraint; /* fgs_schema_constraint_e */
    uint8_t                     ops;        /* operations that accept it */
    uint8_t                     required;   /* operations that need it */
    int64_t                     min;
    int64_t                     max;
    const char *const          *values;     /* ENUM: NULL-terminated */
    const fgs_schema_object_t  *object;     /* OBJECT, ARRAY or MAP of
                                               objects */
    uint8_t                     flags;      /* FGS_SCHEMA_SECRET */
    const fgs_schema_field_t   *alt;        /* the same name with another
                                               type, in the variants of
                                               alt->ops (disjoint from
                                               ops), or NULL */
};


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


/* the body an endpoint takes */
typedef struct {
    const fgs_schema_object_t  *root;       /* NULL: it takes no body */
    uint8_t                     variant;    /* 0, 1 or 2: root's fields of
                                               bit 1 << variant apply */
} fgs_schema_model_t;


/* the model of an endpoint of fgs_apis[] (root NULL for none) */
const fgs_schema_model_t *fgs_schema_model(fgs_api_e api);

/*
 * The variant bits of root's fields that an operation's endpoints use,
 * and the root, or 0 and NULL when the operation takes no body.
 */
uint32_t fgs_schema_op_variants(fgs_op_e op,
    const fgs_schema_object_t **root);

/* code_type values that only create accepts (custom image functions) */
extern const char *const  fgs_schema_create_code_types[];


/*
 * Adds one violation (rule NULL) per problem found, every one of them,
 * not only the first.  Returns FGS_OK when the body conforms,
 * FGS_DECLINED when it added violations, FGS_ERROR when memory ran out.
 */
int fgs_schema_validate(const fgs_json_doc_t *doc, fgs_api_e api,
    fgs_violations_t *out, fgs_alloc_t *a);

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

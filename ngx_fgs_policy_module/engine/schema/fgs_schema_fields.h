
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The shape of the API reference tables that fgs_schema_fields.c fills
 * and fgs_schema.c walks.  The schema uses this header, and so do the
 * policy's load-time check of rewrites (fgs_policy_load_schema.c) and
 * the schema's unit test.
 */


#ifndef _FGS_SCHEMA_FIELDS_H_INCLUDED_
#define _FGS_SCHEMA_FIELDS_H_INCLUDED_


#include "core/fgs_common.h"


/* no object of the reference has more fields (bits of a 64-bit mask) */
#define FGS_SCHEMA_MAX_FIELDS  64

/* no field name of the reference is shorter, or longer */
#define FGS_SCHEMA_MIN_NAME    2
#define FGS_SCHEMA_MAX_NAME    32

/*
 * The slots of an object's hash of names: ten times its fields, so that
 * a multiplier that gives every name a slot of its own is found within
 * a few tries (17 for the 48 names of the request body).
 */
#define FGS_SCHEMA_SLOT_BITS   9
#define FGS_SCHEMA_SLOTS       (1 << FGS_SCHEMA_SLOT_BITS)


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


/* the fixed constraint a value is checked against, beyond its type */
typedef enum {
    FGS_CHECK_NONE = 0,
    FGS_CHECK_RANGE,            /* integer min..max */
    FGS_CHECK_FUNC_NAME,        /* the func_name pattern */
    FGS_CHECK_HANDLER,          /* length and '.', with the runtime */
    FGS_CHECK_DOTTED,           /* empty, or contains a '.' */
    FGS_CHECK_MAX_BYTES,        /* at most max bytes once unescaped */
    FGS_CHECK_CIDRS,            /* up to max IPv4 CIDRs joined by ';' */
    FGS_CHECK_ENUM,             /* one of values */
    FGS_CHECK_CODE_TYPE,        /* one of values (create: one more) */
    FGS_CHECK_FILENAME,         /* "name.type", not a path */
    FGS_CHECK_BASE64            /* canonical base64 */
} fgs_schema_check_e;


/* objects that have rules across their fields (fgs_schema_rules.c) */
typedef enum {
    FGS_OBJ_PLAIN = 0,
    FGS_OBJ_FUNCTION,           /* the request body */
    FGS_OBJ_FUNC_MOUNT
} fgs_schema_obj_e;


typedef struct fgs_schema_object_s  fgs_schema_object_t;

typedef struct {
    const char                 *name;
    uint8_t                     len;
    uint8_t                     type;       /* fgs_schema_type_e */
    uint8_t                     item;       /* ARRAY: type of the items */
    uint8_t                     check;      /* fgs_schema_check_e */
    uint8_t                     ops;        /* operations that accept it */
    uint8_t                     required;   /* operations that need it */
    int64_t                     min;
    int64_t                     max;
    const char *const          *values;     /* ENUM: NULL-terminated */
    const fgs_schema_object_t  *object;     /* OBJECT, ARRAY of objects */
} fgs_schema_field_t;


/*
 * What the walk of the members does with a field, by operation: refuse
 * it; accept a value of the one JSON type (fgs_json_type_e) that needs
 * no more checks; check a value of the JSON type in FGS_SCHEMA_TYPED |
 * type by the field's type, and any other as any value; or check every
 * value (FGS_SCHEMA_VALUE).
 */
#define FGS_SCHEMA_REFUSE      0
#define FGS_SCHEMA_TYPED       0x80
#define FGS_SCHEMA_VALUE       0xff


/* a field as the walk of the members reads it */
typedef struct {
    uint64_t                    head;       /* the name's first and last */
    uint64_t                    tail;       /* bytes (see fgs_schema_index.h) */
    uint64_t                    bit;        /* 1 << field */
    uint8_t                     len;        /* 0 in entry 0: no key */
    uint8_t                     field;      /* its index in the table */
    uint8_t                     act[FGS_OP_CREATE + 1];
                                            /* by fgs_op_e */
} fgs_schema_entry_t;


/*
 * What the walker derives from an object's fields on the object's first
 * use, and only reads afterwards: a hash of the names in which each name
 * has a slot of its own (a key is then compared with one name only), and
 * the fields each operation requires, as a bit mask of their indexes.
 */

typedef struct {
    uint8_t                     ready;
    uint8_t                     perfect;    /* no two names share a slot */
    uint64_t                    mult;       /* the hash's multiplier */
    uint64_t                    required[FGS_SCHEMA_ALL + 1];
                                            /* by operation bit */
    uint8_t                     slot[FGS_SCHEMA_SLOTS];
                                            /* a field's index + 1, or 0 */
    fgs_schema_entry_t          entry[FGS_SCHEMA_MAX_FIELDS + 1];
                                            /* field i is entry i + 1 */
} fgs_schema_index_t;


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


/*
 * The index of each field of the request body in fgs_schema_function,
 * in the tables' order: by length, then by name.
 */
typedef enum {
    FGS_F_TYPE = 0,
    FGS_F_XROLE,
    FGS_F_STATUS,
    FGS_F_HANDLER,
    FGS_F_PACKAGE,
    FGS_F_RUNTIME,
    FGS_F_TIMEOUT,
    FGS_F_CODE_URL,
    FGS_F_FUNC_VPC,
    FGS_F_GPU_TYPE,
    FGS_F_APP_XROLE,
    FGS_F_CODE_TYPE,
    FGS_F_FUNC_CODE,
    FGS_F_FUNC_NAME,
    FGS_F_USER_DATA,
    FGS_F_DNS_CONFIG,
    FGS_F_GPU_MEMORY,
    FGS_F_LOG_CONFIG,
    FGS_F_DEPEND_LIST,
    FGS_F_DESCRIPTION,
    FGS_F_MEMORY_SIZE,
    FGS_F_CUSTOM_IMAGE,
    FGS_F_DOMAIN_NAMES,
    FGS_F_MOUNT_CONFIG,
    FGS_F_PEERING_CIDR,
    FGS_F_CODE_FILENAME,
    FGS_F_EXTEND_CONFIG,
    FGS_F_ENABLE_LTS_LOG,
    FGS_F_LTS_CUSTOM_TAG,
    FGS_F_STRATEGY_CONFIG,
    FGS_F_PRE_STOP_HANDLER,
    FGS_F_PRE_STOP_TIMEOUT,
    FGS_F_EPHEMERAL_STORAGE,
    FGS_F_HEARTBEAT_HANDLER,
    FGS_F_NETWORK_CONTROLLER,
    FGS_F_DEPEND_VERSION_LIST,
    FGS_F_ENCRYPTED_USER_DATA,
    FGS_F_INITIALIZER_HANDLER,
    FGS_F_INITIALIZER_TIMEOUT,
    FGS_F_IS_STATEFUL_FUNCTION,
    FGS_F_RESTORE_HOOK_HANDLER,
    FGS_F_RESTORE_HOOK_TIMEOUT,
    FGS_F_ENABLE_AUTH_IN_HEADER,
    FGS_F_ENABLE_DYNAMIC_MEMORY,
    FGS_F_ENTERPRISE_PROJECT_ID,
    FGS_F_ENABLE_CLASS_ISOLATION,
    FGS_F_CODE_ENCRYPT_KMS_KEY_ID,
    FGS_F_USER_DATA_ENCRYPT_KMS_KEY_ID,
    FGS_F_NFIELDS
} fgs_schema_function_e;


/* the index of each field of FuncMount in its table */
typedef enum {
    FGS_FM_MOUNT_TYPE = 0,
    FGS_FM_MOUNT_RESOURCE,
    FGS_FM_LOCAL_MOUNT_PATH,
    FGS_FM_MOUNT_SHARE_PATH,
    FGS_FM_NFIELDS
} fgs_schema_func_mount_e;


/* the request body of the code, config and create operations */
extern const fgs_schema_object_t  fgs_schema_function;

/* code_type values that only create accepts (custom image functions) */
extern const char *const  fgs_schema_create_code_types[];


/*
 * Checks the tables themselves: names sorted and of the right length,
 * no two fields of an object alike once case, '_' and '-' are ignored,
 * no object too large, every reference consistent.  Returns NULL when
 * they are sound, or a static description of the first flaw.  The unit
 * test runs it, so a table edited out of order fails the build's tests.
 */
const char *fgs_schema_selftest(void);


#endif /* _FGS_SCHEMA_FIELDS_H_INCLUDED_ */

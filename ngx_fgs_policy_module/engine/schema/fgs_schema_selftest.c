
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * fgs_schema_selftest() (fgs_schema.h): the proof, run by the
 * unit tests, that the reference tables are what the walk, the index
 * and the rules assume.  Apart from them because no request runs it.
 */


#include <string.h>

#include "fgs_schema_index.h"


static const char *fgs_schema_selftest_models(void);
static const char *fgs_schema_selftest_object(const fgs_schema_object_t *obj,
    int depth);
static const char *fgs_schema_selftest_field(const fgs_schema_field_t *f,
    int depth);


const char *
fgs_schema_selftest(void)
{
    static const struct {
        uint32_t     index;
        const char  *name;
    } used[] = {
        { FGS_F_CODE_FILENAME, "code_filename" },
        { FGS_F_CODE_TYPE, "code_type" },
        { FGS_F_CODE_URL, "code_url" },
        { FGS_F_CUSTOM_IMAGE, "custom_image" },
        { FGS_F_HANDLER, "handler" },
        { FGS_F_INITIALIZER_HANDLER, "initializer_handler" },
        { FGS_F_INITIALIZER_TIMEOUT, "initializer_timeout" },
        { FGS_F_RESTORE_HOOK_HANDLER, "restore_hook_handler" },
        { FGS_F_RESTORE_HOOK_TIMEOUT, "restore_hook_timeout" },
        { FGS_F_RUNTIME, "runtime" }
    };

    int                         k;
    size_t                      i;
    const char                 *err;
    const fgs_schema_object_t  *mount;

    if (fgs_schema_function.n != FGS_F_NFIELDS) {
        return "the request body table and fgs_schema_function_e differ";
    }

    err = fgs_schema_selftest_models();
    if (err) {
        return err;
    }

    for (i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
        if (strcmp(fgs_schema_function.fields[used[i].index].name,
                   used[i].name) != 0)
        {
            return "a field used by a rule is not at its enum index";
        }
    }

    /* MountConfig.func_mounts items: the FuncMount table */

    k = fgs_schema_find(&fgs_schema_function, "mount_config", 12);
    if (k < 0) {
        return "the request body has no mount_config";
    }

    mount = fgs_schema_function.fields[k].object;

    k = fgs_schema_find(mount, "func_mounts", 11);
    if (k < 0) {
        return "MountConfig has no func_mounts";
    }

    mount = mount->fields[k].object;

    if (mount->id != FGS_OBJ_FUNC_MOUNT || mount->n != FGS_FM_NFIELDS
        || strcmp(mount->fields[FGS_FM_MOUNT_TYPE].name, "mount_type") != 0
        || strcmp(mount->fields[FGS_FM_MOUNT_SHARE_PATH].name,
                  "mount_share_path") != 0)
    {
        return "the FuncMount table and fgs_schema_func_mount_e differ";
    }

    return NULL;
}


/*
 * Every model of the registry: its tables, its variant, and one root
 * for all the endpoints of an operation (fgs_schema_op_variants() and
 * the policy's load read an operation's fields from one root).
 */

static const char *
fgs_schema_selftest_models(void)
{
    uint32_t                    a, b, i, bits;
    const char                 *err;
    const fgs_schema_model_t   *m, *o;

    for (a = 1; a < FGS_API_COUNT; a++) {
        m = fgs_schema_model((fgs_api_e) a);

        if (m->root == NULL) {
            continue;
        }

        if (m->variant >= FGS_SCHEMA_VARIANTS) {
            return "a model's variant is out of range";
        }

        if (fgs_apis[a].op == FGS_OP_NONE) {
            return "an endpoint that passes as a read has a model";
        }

        bits = 0;

        for (i = 0; i < m->root->n; i++) {
            bits |= m->root->fields[i].ops;

            if (m->root->fields[i].alt) {
                bits |= m->root->fields[i].alt->ops;
            }
        }

        if (!(bits & (1u << m->variant))) {
            return "a model's root has no field for the endpoint's variant";
        }

        for (b = 1; b < a; b++) {
            o = fgs_schema_model((fgs_api_e) b);

            if (o->root == NULL || fgs_apis[b].op != fgs_apis[a].op) {
                continue;
            }

            /*
             * A shared variant is one body sent to two endpoints (a
             * workflow's create and update).
             */

            if (o->root != m->root) {
                return "two endpoints of an operation differ in their root";
            }
        }

        err = fgs_schema_selftest_object(m->root, 0);
        if (err) {
            return err;
        }
    }

    return NULL;
}


static const char *
fgs_schema_selftest_object(const fgs_schema_object_t *obj, int depth)
{
    size_t                     la, lb;
    uint32_t                   i, j;
    const char                *err;
    const fgs_schema_field_t  *f;
    u_char                     a[FGS_SCHEMA_MAX_NAME + 1];
    u_char                     b[FGS_SCHEMA_MAX_NAME + 1];

    if (depth > 8 || obj->n == 0 || obj->n > FGS_SCHEMA_MAX_FIELDS
        || obj->n > FGS_SCHEMA_SLOTS / 2)
    {
        return "an object table is empty, too large or nested too deep";
    }

    /* a key is compared with one name only: the one of its slot */

    if (!fgs_schema_index(obj)->perfect) {
        return "two names of an object share a slot of its hash";
    }

    for (i = 0; i < obj->n; i++) {
        f = &obj->fields[i];

        if (f->name == NULL || f->len != strlen(f->name)
            || f->len < FGS_SCHEMA_MIN_NAME
            || f->len > FGS_SCHEMA_MAX_NAME || f->ops == 0
            || (f->required & ~f->ops))
        {
            return "a field has no name, a wrong length, or no operation";
        }

        if (i > 0
            && (obj->fields[i - 1].len > f->len
                || (obj->fields[i - 1].len == f->len
                    && strcmp(obj->fields[i - 1].name, f->name) >= 0)))
        {
            return "a table is not sorted by length and name";
        }

        if (fgs_schema_find(obj, f->name, f->len) != (int) i) {
            return "a field is not found by its own name";
        }

        if ((f->constraint == FGS_CONSTRAINT_ENUM
             || f->constraint == FGS_CONSTRAINT_CODE_TYPE)
            && f->values == NULL)
        {
            return "an enumeration has no values";
        }

        err = fgs_schema_selftest_field(f, depth);
        if (err) {
            return err;
        }

        if (f->alt) {
            if (f->alt->alt || f->alt->len != f->len
                || memcmp(f->alt->name, f->name, f->len) != 0
                || f->alt->ops == 0 || (f->alt->ops & f->ops)
                || (f->alt->required & ~f->alt->ops))
            {
                return "a field's alternative has another name, shares a "
                       "variant with it, or has no operation";
            }

            err = fgs_schema_selftest_field(f->alt, depth);
            if (err) {
                return err;
            }
        }

        la = fgs_schema_fold((const u_char *) f->name, f->len, a, sizeof(a));

        for (j = 0; j < i; j++) {
            lb = fgs_schema_fold((const u_char *) obj->fields[j].name,
                                 obj->fields[j].len, b, sizeof(b));

            if (la == lb && memcmp(a, b, la) == 0) {
                return "two fields of an object are look-alikes";
            }
        }
    }

    return NULL;
}


/* the type of a field and its table of fields, and that table's own */

static const char *
fgs_schema_selftest_field(const fgs_schema_field_t *f, int depth)
{
    if (f->type == FGS_SCHEMA_MAP
        && f->item != 0 && f->item != FGS_SCHEMA_STRING
        && f->item != FGS_SCHEMA_INTEGER && f->item != FGS_SCHEMA_OBJECT)
    {
        return "a map's values are of a type maps do not take";
    }

    if ((f->type == FGS_SCHEMA_OBJECT
         || ((f->type == FGS_SCHEMA_ARRAY || f->type == FGS_SCHEMA_MAP)
             && f->item == FGS_SCHEMA_OBJECT))
        != (f->object != NULL))
    {
        return "an object field and its table disagree";
    }

    if (f->object) {
        return fgs_schema_selftest_object(f->object, depth + 1);
    }

    return NULL;
}

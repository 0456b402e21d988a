
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * What the unit tests of the body models share: a body scanned and
 * checked against an endpoint's model, accepted() and refused() with the
 * violation that names the field.
 */


#ifndef _TEST_MODELS_H_INCLUDED_
#define _TEST_MODELS_H_INCLUDED_


#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "json/fgs_json.h"
#include "schema/fgs_schema.h"


static fgs_arena_t       arena;
static fgs_json_doc_t    doc;
static fgs_violations_t  viols;
static int               check_rc;


/* scans and checks body; the schema's result, -100 if no scan */

static int
check(fgs_api_e api, const char *body)
{
    int  rc;

    fgs_arena_reset(&arena);
    fgs_arena_init(&arena);
    fgs_violations_init(&viols);

    rc = fgs_json_scan(&doc, (const u_char *) body, strlen(body),
                       &arena.alloc);
    if (rc != FGS_OK) {
        printf("# scan refused: %s at %zu\n",
               doc.error ? doc.error : "?", doc.error_off);
        check_rc = -100;
        return check_rc;
    }

    check_rc = fgs_schema_validate(&doc, api, &viols, &arena.alloc);

    return check_rc;
}


static void
dump(void)
{
    fgs_violation_t  *v;

    for (v = viols.head; v; v = v->next) {
        printf("#   [%s] %s\n", v->field, v->message);
    }
}


/* the violation at field whose message holds part (NULL: any) */

static const fgs_violation_t *
find(const char *field, const char *part)
{
    fgs_violation_t  *v;

    for (v = viols.head; v; v = v->next) {
        if (strcmp(v->field, field) == 0
            && (part == NULL || strstr(v->message, part) != NULL))
        {
            return v;
        }
    }

    return NULL;
}


static void
accepted(fgs_api_e api, const char *body, const char *name)
{
    check(api, body);

    if (!ok(check_rc == FGS_OK && viols.n == 0, "accepted: %s", name)) {
        printf("#   rc %d\n", check_rc);
        dump();
    }
}


/* refused, with a violation at field that says part */

static void
refused(fgs_api_e api, const char *body, const char *field,
    const char *part, const char *name)
{
    check(api, body);

    if (!ok(check_rc == FGS_DECLINED && find(field, part) != NULL,
            "refused: %s (%s)", name, field))
    {
        printf("#   rc %d\n", check_rc);
        dump();
    }
}


#endif /* _TEST_MODELS_H_INCLUDED_ */

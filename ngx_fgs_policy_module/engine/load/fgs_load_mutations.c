
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * A rule's "set_default", "set" and "remove": each path parsed, each value
 * serialised to compact JSON and scanned into a tape of its own, with the
 * text its messages quote, and what the rule writes held to the API
 * reference (fgs_load_schema_mutations.c), once, at load time.
 */


#include <stdlib.h>
#include <string.h>

#include "fgs_load_int.h"


static int fgs_load_set(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj,
    fgs_mut_e action, const char *name);
static int fgs_load_remove(fgs_load_t *ld, fgs_rule_t *rule, json_t *list);
static int fgs_load_value(fgs_load_t *ld, json_t *v, const char *field,
    const fgs_value_t **out);
static const char *fgs_load_value_text(fgs_load_t *ld, json_t *v,
    const fgs_value_t *value);

/*
 * The rule's mutations, in the order they apply: set_default, then set,
 * then remove; each in the order the file lists them.
 */

int
fgs_load_mutations(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj)
{
    size_t   n;
    json_t  *sd, *set, *rm;

    sd = json_object_get(obj, "set_default");
    set = json_object_get(obj, "set");
    rm = json_object_get(obj, "remove");

    n = 0;

    if (sd != NULL) {
        if (!json_is_object(sd) || json_object_size(sd) == 0) {
            return fgs_load_fail(ld, "set_default", "must be an object of "
                                 "path -> value");
        }

        n += json_object_size(sd);
    }

    if (set != NULL) {
        if (!json_is_object(set) || json_object_size(set) == 0) {
            return fgs_load_fail(ld, "set", "must be an object of path -> "
                                 "value");
        }

        n += json_object_size(set);
    }

    if (rm != NULL) {
        if (!json_is_array(rm) || json_array_size(rm) == 0) {
            return fgs_load_fail(ld, "remove", "must be a non-empty list of "
                                 "paths");
        }

        n += json_array_size(rm);
    }

    if (n == 0) {
        return FGS_OK;
    }

    rule->muts = ld->a->alloc(ld->a->data, n * sizeof(fgs_mutation_t));
    if (rule->muts == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    memset(rule->muts, 0, n * sizeof(fgs_mutation_t));

    if ((sd != NULL
         && fgs_load_set(ld, rule, sd, FGS_MUT_SET_DEFAULT, "set_default")
            != FGS_OK)
        || (set != NULL
            && fgs_load_set(ld, rule, set, FGS_MUT_SET, "set") != FGS_OK)
        || (rm != NULL && fgs_load_remove(ld, rule, rm) != FGS_OK))
    {
        return FGS_DECLINED;
    }

    /* a rewritten body is not validated again: it must conform by design */

    if (ld->any_shape) {
        return FGS_OK;
    }

    return fgs_load_schema_mutations(ld, rule);
}


static int
fgs_load_set(fgs_load_t *ld, fgs_rule_t *rule, json_t *obj,
    fgs_mut_e action, const char *name)
{
    char             field[160];
    json_t          *v;
    const char      *path;
    fgs_mutation_t  *m;

    json_object_foreach(obj, path, v) {
        snprintf(field, sizeof(field), "%s[%.100s]", name, path);

        m = &rule->muts[rule->nmuts];
        m->action = action;

        if (fgs_load_path(ld, &m->path, path, field, 0) != FGS_OK
            || fgs_load_value(ld, v, field, &m->value) != FGS_OK)
        {
            return FGS_DECLINED;
        }

        if (!m->path.secret) {
            m->value_text = fgs_load_value_text(ld, v, m->value);
            if (m->value_text == NULL) {
                return fgs_load_fail(ld, NULL, "out of memory");
            }
        }

        rule->nmuts++;
    }

    return FGS_OK;
}


static int
fgs_load_remove(fgs_load_t *ld, fgs_rule_t *rule, json_t *list)
{
    char             field[160];
    size_t           i;
    json_t          *v;
    fgs_mutation_t  *m;

    json_array_foreach(list, i, v) {
        if (!json_is_string(v)) {
            snprintf(field, sizeof(field), "remove[%zu]", i);
            return fgs_load_fail(ld, field, "must be a path (a string)");
        }

        snprintf(field, sizeof(field), "remove[%.100s]",
                 json_string_value(v));

        m = &rule->muts[rule->nmuts];
        m->action = FGS_MUT_REMOVE;

        if (fgs_load_path(ld, &m->path, json_string_value(v), field, 0)
            != FGS_OK)
        {
            return FGS_DECLINED;
        }

        rule->nmuts++;
    }

    return FGS_OK;
}


/*
 * A value to write: compact JSON, scanned by the request path's own
 * scanner as {"v":VALUE} (the scanner reads objects only), so that it is
 * exactly as strict as a body and checks read it like the body.
 */

static int
fgs_load_value(fgs_load_t *ld, json_t *v, const char *field,
    const fgs_value_t **out)
{
    int           rc;
    char         *json;
    size_t        len;
    u_char       *wrap;
    fgs_value_t  *value;

    json = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (json == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    len = strlen(json);

    value = ld->a->alloc(ld->a->data, sizeof(fgs_value_t));
    wrap = ld->a->alloc(ld->a->data, len + sizeof("{\"v\":}"));

    if (value == NULL || wrap == NULL) {
        free(json);
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    memcpy(wrap, "{\"v\":", 5);
    memcpy(wrap + 5, json, len);
    wrap[5 + len] = '}';
    wrap[6 + len] = '\0';
    free(json);

    rc = fgs_json_scan(&value->doc, wrap, len + 6, ld->a);

    if (rc == FGS_ERROR) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    if (rc != FGS_OK) {
        return fgs_load_fail(ld, field, "the value cannot be sent: %s",
                             value->doc.error ? value->doc.error
                                              : "refused by the scanner");
    }

    value->node = 1;
    value->json = wrap + value->doc.nodes[1].off;
    value->len = value->doc.nodes[1].len;

    *out = value;

    return FGS_OK;
}


/* the {} that a removed or non-object parent becomes to hold a member */

int
fgs_load_value_empty(fgs_load_t *ld)
{
    int      rc;
    json_t  *v;

    v = json_object();
    if (v == NULL) {
        return fgs_load_fail(ld, NULL, "out of memory");
    }

    rc = fgs_load_value(ld, v, NULL, &ld->policy->empty_object);
    json_decref(v);

    return rc;
}


/* a value for messages: a string quoted and escaped, or short JSON */

static const char *
fgs_load_value_text(fgs_load_t *ld, json_t *v, const fgs_value_t *value)
{
    char    *s;
    size_t   n;

    if (json_is_string(v)) {
        return fgs_value_quote((u_char *) json_string_value(v),
                               json_string_length(v), ld->a);
    }

    if (value->len <= FGS_POLICY_ECHO_MAX) {
        n = value->len;

    } else {
        /* cut on a character boundary */
        n = FGS_POLICY_ECHO_MAX;

        while (n > 0 && (value->json[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    s = fgs_strdup(ld->a, (const char *) value->json,
                   n < value->len ? n + 3 : n);
    if (s == NULL) {
        return NULL;
    }

    if (n < value->len) {
        memcpy(s + n, "...", 3);
    }

    /* compact JSON leaves DEL raw in strings: messages hold no control */

    fgs_oneline(s);

    return s;
}

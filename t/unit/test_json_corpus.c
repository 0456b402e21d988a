
/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * The JSON scanner against JSONTestSuite's test_parsing files, vendored
 * with their MIT licence in t/data/JSONTestSuite (run from the repository
 * root, or set FGS_CORPUS to another test_parsing directory):
 *
 *   n_  must be refused;
 *   y_  must be accepted when the top level is an object, and otherwise
 *       refused because the top level is not an object;
 *   i_  may go either way: the outcome is reported.
 *
 * Every file is also tried as the value of a member, {"k": FILE}, where
 * the same holds for what it contains.  Files valid in RFC 8259 that the
 * gateway refuses by design are listed below with the reason.  A missing
 * corpus fails the test.
 */


#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "json/fgs_json.h"


#define CORPUS  "t/data/JSONTestSuite/test_parsing"


typedef struct {
    const char     *name;
    int             wrapped;    /* 1: applies only to the file inside
                                   {"k": ...}; 0: to both forms */
    const char     *error;      /* a part of the refusal's message */
    const char     *reason;
} exception_t;


static const exception_t  exceptions[] = {
    { "y_object_duplicated_key.json", 0, "duplicate key \"a\"",
      "two readers could take either value" },
    { "y_object_duplicated_key_and_value.json", 0, "duplicate key \"a\"",
      "duplicate keys are refused even with equal values" },
    { "y_object_escaped_null_in_key.json", 0, "\\u0000 (NUL)",
      "NUL ends a key early for C readers" },
    { "y_string_null_escape.json", 1, "\\u0000 (NUL)",
      "NUL ends a value early for C readers" },
};


static fgs_arena_t  arena;


static int
json_file(const struct dirent *de)
{
    size_t  n;

    n = strlen(de->d_name);

    return n > 5 && strcmp(de->d_name + n - 5, ".json") == 0;
}


static u_char *
read_file(const char *dir, const char *name, size_t *len)
{
    long     n;
    FILE    *f;
    char     path[4096 + 256 + 2];
    u_char  *buf;

    snprintf(path, sizeof(path), "%s/%s", dir, name);

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fclose(f);
        return NULL;
    }

    /* exactly the file's size, so that a read past the end is caught */

    buf = malloc(n ? (size_t) n : 1);
    if (buf == NULL || fread(buf, 1, n, f) != (size_t) n) {
        free(buf);
        fclose(f);
        return NULL;
    }

    fclose(f);
    *len = n;

    return buf;
}


static const exception_t *
find_exception(const char *name, int wrapped)
{
    size_t  i;

    for (i = 0; i < sizeof(exceptions) / sizeof(exceptions[0]); i++) {
        if ((exceptions[i].wrapped == 0 || wrapped)
            && strcmp(exceptions[i].name, name) == 0)
        {
            return &exceptions[i];
        }
    }

    return NULL;
}


static void
check(const char *name, const u_char *body, size_t len, int wrapped,
    int *used)
{
    int                 rc;
    char                kind;
    size_t              first;
    const char         *how;
    fgs_json_doc_t      doc;
    const exception_t  *ex;

    kind = name[0];
    how = wrapped ? " as a member" : "";

    fgs_arena_reset(&arena);
    fgs_arena_init(&arena);

    rc = fgs_json_scan(&doc, body, len, &arena.alloc);

    if (rc == FGS_ERROR) {
        ok(0, "%s%s: no internal error", name, how);
        return;
    }

    if (rc == FGS_DECLINED
        && (doc.error == NULL || doc.error_off > len || doc.n != 0))
    {
        ok(0, "%s%s: a refusal has a message and an offset", name, how);
        return;
    }

    switch (kind) {

    case 'n':
        is_int(rc, FGS_DECLINED, "%s%s refused", name, how);

        if (rc == FGS_DECLINED) {
            printf("#   at %zu: %s\n", doc.error_off, doc.error);
        }

        return;

    case 'i':
        ok(1, "%s%s: %s", name, how,
           rc == FGS_OK ? "accepted" : doc.error);
        return;
    }

    ex = find_exception(name, wrapped);

    if (ex) {
        used[ex - exceptions] = 1;

        is_int(rc, FGS_DECLINED, "%s%s refused by design: %s", name, how,
               ex->reason);

        if (rc == FGS_DECLINED) {
            ok(strstr(doc.error, ex->error) != NULL, "%s%s: \"%s\"", name,
               how, doc.error);
        }

        return;
    }

    for (first = 0; first < len && strchr(" \t\r\n", body[first]); first++) {
        /* void */
    }

    if (first < len && body[first] == '{') {
        is_int(rc, FGS_OK, "%s%s accepted", name, how);

        if (rc != FGS_OK) {
            printf("#   at %zu: %s\n", doc.error_off, doc.error);
        }

        return;
    }

    ok(rc == FGS_DECLINED && doc.error_off == first
       && strncmp(doc.error, "the top level of the body must be a JSON "
                  "object", 47) == 0,
       "%s%s refused: the top level is not an object", name, how);
}


int
main(void)
{
    int              i, nfiles, counts[3], used[sizeof(exceptions)
                                               / sizeof(exceptions[0])];
    char             dir[4096];
    size_t           len;
    u_char          *body, *wrapped;
    const char      *corpus;
    struct dirent  **list;

    corpus = getenv("FGS_CORPUS");
    snprintf(dir, sizeof(dir), "%s", corpus ? corpus : CORPUS);

    nfiles = scandir(dir, &list, json_file, alphasort);

    if (nfiles < 0) {
        ok(0, "JSONTestSuite found in %s (set FGS_CORPUS or run from the "
           "repository root)", dir);
        return done_testing();
    }

    ok(nfiles >= 300, "%d JSONTestSuite files in %s", nfiles, dir);

    memset(counts, 0, sizeof(counts));
    memset(used, 0, sizeof(used));
    fgs_arena_init(&arena);

    for (i = 0; i < nfiles; i++) {
        body = read_file(dir, list[i]->d_name, &len);

        if (body == NULL) {
            ok(0, "read %s", list[i]->d_name);
            free(list[i]);
            continue;
        }

        switch (list[i]->d_name[0]) {
        case 'n':
            counts[0]++;
            break;
        case 'y':
            counts[1]++;
            break;
        case 'i':
            counts[2]++;
            break;
        }

        check(list[i]->d_name, body, len, 0, used);

        wrapped = malloc(len + 6);

        if (wrapped == NULL) {
            ok(0, "malloc");

        } else {
            memcpy(wrapped, "{\"k\":", 5);
            memcpy(wrapped + 5, body, len);
            wrapped[len + 5] = '}';

            check(list[i]->d_name, wrapped, len + 6, 1, used);
            free(wrapped);
        }

        free(body);
        free(list[i]);
    }

    free(list);
    fgs_arena_reset(&arena);

    ok(counts[0] >= 180 && counts[1] >= 90 && counts[2] >= 30,
       "%d n_, %d y_ and %d i_ files", counts[0], counts[1], counts[2]);

    for (i = 0; i < (int) (sizeof(exceptions) / sizeof(exceptions[0]));
         i++)
    {
        ok(used[i], "exception %s was met", exceptions[i].name);
    }

    return done_testing();
}


/*
 * Copyright (C) ngx_fgs_policy_module authors
 *
 * Replays every input of t/fuzz/regress/NAME/ through the entry point of
 * the fuzz target NAME (t/fuzz/fuzz_NAME.c, included here and built
 * without libFuzzer), with the same invariants: each input that a fuzzer
 * once failed on, and the hand-written edge cases kept beside them, must
 * now pass.  Run from the repository root (make test-unit) or with
 * FGS_FUZZ_ROOT set to it.  An empty or missing directory fails.
 */


#define FGS_FUZZ_REPLAY  1

#include <dirent.h>
#include <sys/stat.h>

#include "tap.h"

#include "../fuzz/fuzz_json.c"
#include "../fuzz/fuzz_json_diff.c"
#include "../fuzz/fuzz_schema.c"
#include "../fuzz/fuzz_target.c"
#include "../fuzz/fuzz_policy_load.c"
#include "../fuzz/fuzz_policy_eval.c"
#include "../fuzz/fuzz_identity.c"


typedef struct {
    const char     *name;
    int           (*entry)(const uint8_t *data, size_t size);
} regress_target_t;


static const regress_target_t  targets[] = {
    { "json", fgs_fuzz_json },
    { "json_diff", fgs_fuzz_json_diff },
    { "schema", fgs_fuzz_schema },
    { "target", fgs_fuzz_target },
    { "policy_load", fgs_fuzz_policy_load },
    { "policy_eval", fgs_fuzz_policy_eval },
    { "identity", fgs_fuzz_identity },
};


static int replay_dir(const regress_target_t *t);
static int replay_file(const regress_target_t *t, const char *path);
static int regress_file(const struct dirent *de);


static int
regress_file(const struct dirent *de)
{
    return de->d_name[0] != '.';
}


static int
replay_file(const regress_target_t *t, const char *path)
{
    int       before;
    FILE     *f;
    long      size;
    uint8_t  *data;

    f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fclose(f);
        return 0;
    }

    /* an exact-size heap copy: reads past the input stay detectable */

    data = malloc(size ? size : 1);
    if (data == NULL || fread(data, 1, size, f) != (size_t) size) {
        free(data);
        fclose(f);
        return 0;
    }

    fclose(f);

    before = fuzz_failures;
    t->entry(data, size);
    free(data);

    return fuzz_failures == before;
}


static int
replay_dir(const regress_target_t *t)
{
    int              i, n;
    char             dir[1024], path[2048];
    struct dirent  **list;

    snprintf(dir, sizeof(dir), "%s/t/fuzz/regress/%s", fuzz_root(), t->name);

    n = scandir(dir, &list, regress_file, alphasort);

    ok(n > 0, "%s: %d inputs in %s", t->name, n, dir);

    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
        ok(replay_file(t, path), "%s: %s", t->name, list[i]->d_name);
        free(list[i]);
    }

    if (n > 0) {
        free(list);
    }

    return 0;
}


int
main(void)
{
    size_t  i;

    for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        replay_dir(&targets[i]);
    }

    return done_testing();
}

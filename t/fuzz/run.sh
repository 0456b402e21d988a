#!/bin/sh
# Runs the engine's libFuzzer targets, one after another.
#
#   t/fuzz/run.sh SECONDS [NAME ...]     (NAME: json, schema, json_diff,
#                                         target, policy_load, policy_eval)
#
# Built by "make fuzz-build" into $BUILD/fuzz/ (BUILD defaults to build).
# Each target starts from its working corpus $BUILD/fuzz/corpus-NAME (kept
# between runs, never committed) and reads its seeds in place: t/fuzz/seeds/
# NAME, the repository's bodies and policies, and the JSONTestSuite corpus
# vendored in t/data/JSONTestSuite.  Findings (crash-*, leak-*, timeout-*,
# oom-*) go to $BUILD/fuzz/findings-NAME/; the output to $BUILD/fuzz/NAME.log.
# Exits 1 when any target found something new in this run.  FGS_FUZZ_NICE=19
# runs the fuzzers at that niceness.

set -u

cd "$(dirname "$0")/../.." || exit 2

BUILD=${BUILD:-build}
FUZZ=$BUILD/fuzz
SECONDS_EACH=${1:-60}
[ $# -gt 0 ] && shift

names=${*:-json schema json_diff target policy_load policy_eval}

suite=t/data/JSONTestSuite/test_parsing

seeds() {
    echo "t/fuzz/seeds/$1"

    case "$1" in
        json|json_diff)
            echo t/data/seeds t/fuzz/seeds/schema conf/policy.tests "$suite" ;;
        schema|policy_eval)
            echo t/data/seeds ;;
        policy_load)
            echo t/data conf t/fuzz/data ;;
    esac
}

found=0

for name in $names; do
    bin=$FUZZ/fuzz_$name

    if [ ! -x "$bin" ]; then
        echo "$bin is missing: make fuzz-build" >&2
        exit 2
    fi

    corpus=$FUZZ/corpus-$name
    findings=$FUZZ/findings-$name
    mkdir -p "$corpus" "$findings"

    dirs=
    for d in $(seeds "$name"); do
        [ -d "$d" ] && dirs="$dirs $d"
    done

    case "$name" in
        json_diff)   dict=json ;;
        policy_eval) dict=schema ;;
        *)           dict=$name ;;
    esac

    dict="-dict=t/fuzz/$dict.dict"

    echo "fuzz_$name: ${SECONDS_EACH}s, seeds:$dirs"

    before=$(ls "$findings" | wc -l)

    # shellcheck disable=SC2086
    nice -n "${FGS_FUZZ_NICE:-0}" "$bin" \
        -max_total_time="$SECONDS_EACH" -max_len=8192 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=1 \
        -artifact_prefix="$findings/" $dict \
        "$corpus" $dirs > "$FUZZ/$name.log" 2>&1
    rc=$?

    grep -E '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs|stat::)' \
        "$FUZZ/$name.log" | sed 's/^/    /'

    if [ "$rc" -ne 0 ] || [ "$(ls "$findings" | wc -l)" -gt "$before" ]; then
        echo "fuzz_$name: FOUND SOMETHING (exit $rc), see $FUZZ/$name.log" \
             "and $findings/"
        found=1
    fi
done

exit $found

#!/bin/bash
# make test-asan: the engine's unit tests, the CLI on the demo policy's
# cases and the whole nginx suite (t/*.t), with the engine and the module
# built with AddressSanitizer and UndefinedBehaviorSanitizer (gcc).
#
# Everything is built into build/asan/: the engine, the unit tests and the
# CLI by the Makefile (BUILD=build/asan), the module by build-module.sh
# (FGS_BUILD=build/asan).  The suite runs Debian's nginx with the ASan
# module (FGS_MODULE) and with libasan preloaded (FGS_NGINX_PRELOAD): the
# nginx binary is not instrumented, so the sanitizer runtime must come
# first.  The module itself is preloaded too, so that nginx's dlclose()
# at exit does not unmap it before LeakSanitizer names its frames.
#
# What is reported, and where the harness finds it (t/lib/FgsTest.pm
# fails a test file on any report):
#   - ASan errors (overflows, use after free, double free, ...) and
#     leaks: logs/asan.PID in the test's prefix (log_path);
#   - UBSan errors: nginx's stderr, that is logs/nginx.stderr before
#     the error log is open and logs/error.log after it; the first error
#     ends the process (halt_on_error, -fno-sanitize-recover).
#
# Leaks are checked in every nginx process at exit (workers, the master,
# nginx -t), with t/sanitizer/lsan.supp hiding nginx's own allocations
# that it leaves to the exit by design.  What that checks: every block the
# module and the engine take outside nginx's pools (the loaded policy,
# its compiled patterns, jansson values) is freed when its cycle's pool
# is destroyed, on reloads, failed loads and exits.  Memory in nginx's
# pools is not a leak LSan can see; t/80-leak.t measures it instead.
#
# Limits: memory inside an nginx pool block, inside the engine's arena in
# the unit tests, or inside a block of the module's request arena
# (ngx_http_fgs_policy_arena.c) is one allocation to ASan, so an overflow
# from one small allocation into the next is not seen; an overflow past
# the end of the block, or of a large allocation (bodies, buffers over a
# page), is.  The request arena's blocks are poisoned while the worker
# keeps them between requests, so a pointer kept past its request is.
#
# Environment: FGS_ASAN_TESTS (the test files, default t/), FGS_ASAN_JOBS
# (prove -j, default the number of processors), FGS_LEAK_REQUESTS
# (t/80-leak.t, default 2000 here).

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

base=${BUILD:-build}
build=$base/asan
san="-fsanitize=address,undefined -fno-omit-frame-pointer"
san="$san -fno-sanitize-recover=undefined"

fail() {
    echo "test-asan: $*" >&2
    exit 1
}

command -v gcc >/dev/null 2>&1 || fail "gcc is not installed"
libasan=$(gcc -print-file-name=libasan.so)
[ -e "$libasan" ] || fail "gcc has no libasan.so (install libasan8 or gcc)"

step() {
    echo "test-asan: $* ($(( $(date +%s) - start )) s)"
}

start=$(date +%s)

jobs=$(nproc 2>/dev/null || echo 2)

step "building the engine, its unit tests and the CLI into $build"
make --no-print-directory -j"$jobs" BUILD="$build" CC=gcc OPT=-O1 \
    XCFLAGS="$san" unit cli

step "building the module into $build"
abs=$(cd "$build" && pwd)
MAKEFLAGS="-j$jobs" CC=gcc FGS_BUILD="$abs" FGS_CC_OPT="-O1 $san" \
    FGS_LD_OPT="-fsanitize=address,undefined" scripts/build-module.sh

# the suite's build-time tests look at the regular build
step "building the regular module and CLI"
make --no-print-directory -j"$jobs" BUILD="$base" all

# full stacks for allocations: nginx has no frame pointers
export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:abort_on_error=0"
export ASAN_OPTIONS="$ASAN_OPTIONS:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$top/t/sanitizer/lsan.supp"
export LSAN_OPTIONS="$LSAN_OPTIONS:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# a worker's leak check at exit takes about a second: on SIGTERM the
# master would kill it half-way (t/lib/FgsTest.pm, nginx_stop_signal)
export FGS_NGINX_STOP_SIGNAL=QUIT FGS_NGINX_STOP_WAIT=30

step "engine unit tests"
prove --exec '' "$build"/unit/test_*

step "fgs-policy test conf/policy.json conf/policy.tests"
out=$("$build/fgs-policy" test conf/policy.json conf/policy.tests 2>&1) || {
    echo "$out"
    fail "the ASan CLI failed the demo policy's cases"
}

step "nginx suite with the ASan module"
scripts/t-prepare.sh

module="$abs/ngx_http_fgs_policy_module.so"

# t/80-leak.t bounds no RSS under ASan: 2,000 requests exercise the same
# paths as its 10,000
FGS_MODULE="$module" FGS_NGINX_PRELOAD="$libasan $module" \
    FGS_CLI="$abs/fgs-policy" FGS_LEAK_REQUESTS="${FGS_LEAK_REQUESTS:-2000}" \
    prove --timer -j "${FGS_ASAN_JOBS:-$jobs}" -I t/lib ${FGS_ASAN_TESTS:-t/}

step "done"

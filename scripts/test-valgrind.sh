#!/bin/bash
# make test-valgrind: nginx test files with nginx, master and workers,
# under valgrind memcheck, loading the regular build of the module.
#
# It complements make test-asan: the module is not rebuilt, so this is
# the very code that ships (-O2, no instrumentation), and memcheck sees
# reads of uninitialised memory, which ASan does not.  Like ASan it sees
# nginx's pool blocks as whole allocations.
#
# Each nginx process writes its report to logs/valgrind.PID in the test's
# prefix (FGS_NGINX_PREFIX_CMD, t/lib/FgsTest.pm); finish() fails the test
# file on any error there: invalid reads and writes, uses of
# uninitialised values, bad frees, and definite leaks at exit
# (t/sanitizer/valgrind.supp hides the two that nginx leaves to the exit
# by design).  --keep-debuginfo keeps the module's symbols for leaks
# reported after nginx has unloaded it.
#
# Environment: FGS_VALGRIND_TESTS (test files, default the subset below),
# FGS_LEAK_REQUESTS (requests of t/80-leak.t, default 1000).

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

base=${BUILD:-build}

fail() {
    echo "test-valgrind: $*" >&2
    exit 1
}

if ! command -v valgrind >/dev/null 2>&1; then
    sudo=
    [ "$(id -u)" = 0 ] || sudo=sudo
    echo "test-valgrind: installing valgrind"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends valgrind || fail "valgrind is not installed"
fi

case "$top" in
    *[[:space:]]*) fail "the repository's path has a space: $top" ;;
esac

# Every test file but those that assert timing under load, which nginx
# under valgrind (several times slower) cannot meet: a mirror subrequest
# that must land before the next request (22), responses between quick
# reloads (48, 49), requests during rotations (62), upstream and client
# timeouts (71), a burst of 12,000 requests at 1,000 a second (74).  The
# whole suite takes about 9 minutes on two cores.
tests=$(ls t/*.t | grep -v -e '/22-forwarding\.t$' -e '/48-reload\.t$' \
        -e '/49-policy-load\.t$' -e '/62-audit-rotate\.t$' \
        -e '/71-faults\.t$' -e '/74-audit-pipeline\.t$')

start=$(date +%s)

make --no-print-directory BUILD="$base" all
scripts/t-prepare.sh

vg="valgrind --tool=memcheck --log-file={logs}/valgrind.%p"
vg="$vg --error-exitcode=99 --leak-check=full --show-leak-kinds=definite"
vg="$vg --errors-for-leak-kinds=definite --keep-debuginfo=yes"
vg="$vg --num-callers=30 --suppressions=$top/t/sanitizer/valgrind.supp"

# the leak check at exit takes seconds: on SIGTERM the master would kill
# the workers half-way (t/lib/FgsTest.pm, nginx_stop_signal)
export FGS_NGINX_STOP_SIGNAL=QUIT FGS_NGINX_STOP_WAIT=60

rc=0
FGS_NGINX_PREFIX_CMD="$vg" FGS_LEAK_REQUESTS="${FGS_LEAK_REQUESTS:-1000}" \
    prove --timer -I t/lib ${FGS_VALGRIND_TESTS:-$tests} || rc=$?

echo "test-valgrind: $(( $(date +%s) - start )) s"
exit $rc

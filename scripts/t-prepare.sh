#!/bin/sh
# Installs the tests' npm dependencies (the official FunctionGraph Node.js
# SDK, pinned in t/package-lock.json) into t/node_modules, only when they
# are missing or the lock file changed since the last install.  With them
# in place it touches no network.  Any failure stops with a non-zero exit.

set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
t="$root/t"
stamp="$t/node_modules/.fgs-lock-sha256"

fail() {
    echo "t-prepare: $*" >&2
    exit 1
}

command -v node >/dev/null 2>&1 || fail "node is not installed (make deps)"
command -v npm >/dev/null 2>&1 || fail "npm is not installed (make deps)"
[ -f "$t/package-lock.json" ] || fail "t/package-lock.json is missing"

want=$(sha256sum "$t/package-lock.json" | cut -d' ' -f1)

# The SDK must load, not merely be on disk.
sdk_loads() {
    (cd "$t" && node -e '
        require("@huaweicloud/huaweicloud-sdk-core");
        require("@huaweicloud/huaweicloud-sdk-functiongraph");
    ') >/dev/null 2>&1
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && sdk_loads; then
    exit 0
fi

echo "t-prepare: installing t/node_modules from t/package-lock.json"
if ! npm ci --prefix "$t" --no-audit --no-fund --prefer-offline \
        --loglevel=error; then
    fail "npm ci failed: the end-to-end tests cannot run"
fi
sdk_loads || fail "the FunctionGraph SDK does not load after npm ci"
echo "$want" > "$stamp"
echo "t-prepare: t/node_modules ready"

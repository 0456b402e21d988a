#!/bin/sh
# Installs the Debian packages the build, the demo and the tests need,
# only those that are missing.  Run as root (or with sudo available).
# Groups: --bench, --fuzz, --release (make deb, make test-release).
# rsyslog and rsyslog-relp: t/74-audit-pipeline.t runs rsyslogd instances
# of its own (conf/rsyslog/); the system's rsyslog service is neither
# needed nor touched.  openssl: t/75-identity.t signs IAM tokens with
# "openssl cms".

set -e

pkgs="nginx nginx-dev libjansson-dev libpcre2-dev libssl-dev zlib1g-dev
      gcc make libtest-base-perl libjson-pp-perl curl nodejs npm
      ngtcp2-client libxml2-utils rsyslog rsyslog-relp openssl"

for group in "$@"; do
    case "$group" in
        --bench)   pkgs="$pkgs wrk libnginx-mod-http-js libnginx-mod-http-lua
                         libnginx-mod-http-modsecurity lua-cjson gnuplot-nox
                         valgrind" ;;
        --fuzz)    pkgs="$pkgs clang libclang-rt-14-dev" ;;
        # make deb and its test, the Prometheus rules' tests (promtool)
        --release) pkgs="$pkgs dpkg-dev binutils lintian logrotate
                         prometheus" ;;
        *)         echo "deps.sh: unknown group $group" >&2; exit 2 ;;
    esac
done

missing=
for p in $pkgs; do
    case "$p" in
        nodejs|npm)
            # any working node/npm will do, Debian's or another one
            if command -v "${p%js}" >/dev/null 2>&1 \
               || command -v "$p" >/dev/null 2>&1; then continue; fi ;;
    esac
    if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null \
         | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

echo "installing missing Debian packages:$missing"

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo

export DEBIAN_FRONTEND=noninteractive
# another apt-get may hold dpkg's lock: wait for it, not fail
$sudo apt-get -o DPkg::Lock::Timeout=300 update -q
$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -q \
    --no-install-recommends $missing

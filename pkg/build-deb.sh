#!/bin/sh
# make deb: builds build/libnginx-mod-http-fgs-policy_VERSION-REV_ARCH.deb,
# laid out like Debian's own libnginx-mod-* packages, with dpkg-deb, and
# runs lintian on it (any error fails the build).
#
#   /usr/lib/nginx/modules/ngx_http_fgs_policy_module.so    the module
#   /usr/share/nginx/modules-available/mod-http-fgs-policy.conf
#       its load_module line, enabled by postinst as
#       /etc/nginx/modules-enabled/50-mod-http-fgs-policy.conf
#   /usr/bin/fgs-policy, /usr/share/man/man1/fgs-policy.1.gz
#   /etc/logrotate.d/libnginx-mod-http-fgs-policy           the audit files
#   /usr/share/doc/libnginx-mod-http-fgs-policy/            copyright,
#       changelogs, README, the reference (docs/), examples (production
#       configuration, policy, Grafana dashboard, Prometheus rules)
#
# The version is FGS_VERSION (ngx_fgs_policy_module/engine/core/fgs_version.h),
# the Debian revision FGS_DEB_REVISION (default 1).  Depends: the exact
# nginx ABI the module was built against (nginx-dev's
# libnginx-mod.abisubstvars, as dh_nginx reads it) and the shared
# libraries dpkg-shlibdeps finds.  Run from the top of the repository,
# after "make" (the Makefile does both).

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

pkg=libnginx-mod-http-fgs-policy
rev=${FGS_DEB_REVISION:-1}
maint=${FGS_DEB_MAINTAINER:-"ngx_fgs_policy_module maintainers <fgs-policy-maintainers@example.com>"}

fail() {
    echo "build-deb: $*" >&2
    exit 1
}

version=$(sed -n 's/^#define[ 	]*FGS_VERSION[ 	]*"\([^"]*\)".*/\1/p' \
          ngx_fgs_policy_module/engine/core/fgs_version.h)
[ -n "$version" ] || fail "no FGS_VERSION in engine/core/fgs_version.h"

# the release's date, from its CHANGELOG.md section (reproducible builds)
date=$(sed -n "s/^## \[$version\] - \([0-9-]*\)\$/\1/p" CHANGELOG.md)
[ -n "$date" ] || fail "CHANGELOG.md has no \"## [$version] - DATE\" section"

# the nginx ABI: nginx-dev's, which the module was configured with
abivars=/usr/share/nginx/src/debian/libnginx-mod.abisubstvars
abi=
if [ -f "$abivars" ]; then
    abi=$(sed -n 's/^nginx:abi=//p' "$abivars")
fi
if [ -z "$abi" ]; then
    abi=$(dpkg-query -W -f '${Provides}\n' nginx nginx-core 2>/dev/null \
          | tr ',' '\n' | sed -n 's/^ *\(nginx-abi-[^ ]*\).*/\1/p' | head -n 1)
fi
[ -n "$abi" ] || fail "the nginx ABI is not known: install nginx-dev"

arch=$(dpkg --print-architecture)
deb=build/${pkg}_${version}-${rev}_${arch}.deb
work=build/deb
root=$work/debian/$pkg
doc=$root/usr/share/doc/$pkg

[ -f build/ngx_http_fgs_policy_module.so ] || fail "run make first"

rm -rf "$work"
mkdir -p "$work"

# the CLI again with Debian's hardening flags (the module has them:
# scripts/build-module.sh)
cflags="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
ldflags="$(dpkg-buildflags --get LDFLAGS) -Wl,-z,now"
make --no-print-directory -s BUILD="$work/build" CFLAGS="$cflags" \
    XCFLAGS="$ldflags" "$work/build/fgs-policy"

umask 022

install -d "$root/DEBIAN" "$root/usr/lib/nginx/modules" \
    "$root/usr/share/nginx/modules-available" "$root/usr/bin" \
    "$root/usr/share/man/man1" "$root/etc/logrotate.d" \
    "$doc/examples" "$doc/docs"

install -m 0644 build/ngx_http_fgs_policy_module.so \
    "$root/usr/lib/nginx/modules/"
install -m 0755 "$work/build/fgs-policy" "$root/usr/bin/"
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
    "$root/usr/lib/nginx/modules/ngx_http_fgs_policy_module.so" \
    "$root/usr/bin/fgs-policy"

echo "load_module modules/ngx_http_fgs_policy_module.so;" \
    > "$root/usr/share/nginx/modules-available/mod-http-fgs-policy.conf"

sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$date/g" pkg/fgs-policy.1 \
    | gzip -9n > "$root/usr/share/man/man1/fgs-policy.1.gz"

install -m 0644 pkg/logrotate "$root/etc/logrotate.d/$pkg"

# documentation
install -m 0644 pkg/copyright "$doc/copyright"
gzip -9n < CHANGELOG.md > "$doc/changelog.gz"
gzip -9n < README.md > "$doc/README.md.gz"
for f in docs/*.md; do
    gzip -9n < "$f" > "$doc/docs/${f#docs/}.gz"
done
install -m 0644 conf/nginx-production.conf "$doc/examples/nginx.conf"
install -m 0644 conf/policy.json "$doc/examples/policy.json"
for f in contrib/grafana/fgs-policy.json \
         contrib/prometheus/fgs-policy-rules.yml; do
    [ ! -f "$f" ] || install -m 0644 "$f" "$doc/examples/"
done

# changelog.Debian: this release, dated as in CHANGELOG.md
{
    echo "$pkg ($version-$rev) unstable; urgency=medium"
    echo
    echo "  * Release $version of ngx_fgs_policy_module (see changelog.gz)."
    echo
    echo " -- $maint  $(date -u -d "$date 12:00:00" -R)"
} | gzip -9n > "$doc/changelog.Debian.gz"

# maintainer scripts and conffiles
for s in postinst prerm postrm; do
    install -m 0755 "pkg/$s" "$root/DEBIAN/$s"
done
echo "/etc/logrotate.d/$pkg" > "$root/DEBIAN/conffiles"

# the libraries, as dpkg-shlibdeps finds them
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$pkg" "$pkg" \
    > "$work/debian/control"
shlibs=$(cd "$work" && dpkg-shlibdeps -O \
             "debian/$pkg/usr/lib/nginx/modules/ngx_http_fgs_policy_module.so" \
             "debian/$pkg/usr/bin/fgs-policy" \
         | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || fail "dpkg-shlibdeps found no libraries"

size=$(du -k -s --exclude=DEBIAN "$root" | cut -f1)

cat > "$root/DEBIAN/control" <<CONTROL
Package: $pkg
Version: $version-$rev
Architecture: $arch
Maintainer: $maint
Installed-Size: $size
Depends: $abi, $shlibs
Recommends: nginx, logrotate
Section: httpd
Priority: optional
Description: FunctionGraph API policy gateway module for Nginx
 An nginx module that stands in front of Huawei Cloud FunctionGraph's API
 as the endpoint SDKs, CLIs and CI pipelines call.  Every request that
 changes a function is read whole, checked strictly against the
 FunctionGraph API reference and the organisation's policy, rewritten
 where the policy says so, and then forwarded or rejected with a
 FunctionGraph-style JSON error.  Every decision is written to a
 tamper-evident, hash-chained audit trail, and counted in Prometheus
 metrics.
 .
 This package also contains fgs-policy, which checks and tests policies
 offline and verifies audit files.
CONTROL

(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' \
    | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control" \
    "$root/DEBIAN/conffiles"

SOURCE_DATE_EPOCH=$(date -u -d "$date 12:00:00" +%s)
export SOURCE_DATE_EPOCH
find "$root" -newermt "@$SOURCE_DATE_EPOCH" \
    -exec touch --no-dereference -d "@$SOURCE_DATE_EPOCH" {} +

rm -f "$deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "build-deb: $deb"

if [ "${FGS_DEB_LINTIAN:-1}" = 1 ]; then
    command -v lintian >/dev/null 2>&1 \
        || fail "lintian is not installed (scripts/deps.sh --release)"
    # errors fail; warnings and the rest are shown (pkg/README.md)
    lintian --fail-on error --display-info --allow-root "$deb"
    echo "build-deb: lintian: no error"
fi

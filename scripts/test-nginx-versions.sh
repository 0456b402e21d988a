#!/bin/bash
# make test-nginx-versions: builds nginx and the module from each given
# nginx source, with the flags nginx's own packages use, and runs the
# nginx test suite against that binary.
#
#   NGINX_SRC=/path/to/nginx-x.y.z          one tree (or its .tar.gz)
#   NGINX_TREES=/path/to/dir                every nginx-*.tar.gz and
#                                           nginx-*/ tree in that directory
#   FGS_VERSIONS_FULL="1.30"                versions (prefixes) that run the
#                                           whole suite; the others run the
#                                           core set below
#   FGS_VERSIONS_TESTS="t/10-target.t ..."  replaces the core set
#
# Each tree is unpacked and built under $BUILD/versions/nginx-x.y.z/.
# A source is either a release tarball (./configure) or a tree archived
# from nginx's repository (auto/configure); both are handled.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
case "$build" in /*) ;; *) build=$top/$build ;; esac
versions=$build/versions
full=${FGS_VERSIONS_FULL:-1.30}

# the core set: interception, the body paths, the bypass classes, audit
core=${FGS_VERSIONS_TESTS:-"t/01-build.t t/10-target.t t/20-body.t
    t/22-forwarding.t t/30-errors.t t/40-policy.t t/42-rewrite.t
    t/60-audit.t t/63-audit-fail.t t/70-bypass.t t/90-http3.t"}

# nginx -t with the module loaded and a policy in force
check_load() {
    local nginx=$1 so=$2 dir=$3

    mkdir -p "$dir/t/logs"
    cat > "$dir/t/nginx.conf" <<EOF
load_module $so;
error_log $dir/t/logs/error.log;
events { }
http {
    server {
        listen 127.0.0.1:1;
        fgs_policy $top/conf/policy.json;
        location / { return 204; }
    }
}
EOF
    "$nginx" -t -q -p "$dir/t/" -c "$dir/t/nginx.conf" \
             -e "$dir/t/logs/error.log" || {
        echo "$nginx does not load $so" >&2
        return 1
    }
}

sources=()
if [ -n "${NGINX_SRC:-}" ]; then
    sources+=("$NGINX_SRC")
fi
if [ -n "${NGINX_TREES:-}" ]; then
    for s in "$NGINX_TREES"/nginx-*.tar.gz "$NGINX_TREES"/nginx-*/; do
        [ -e "$s" ] && sources+=("${s%/}")
    done
fi
if [ ${#sources[@]} -eq 0 ]; then
    echo "$0: give NGINX_SRC=/path/to/nginx-x.y.z (a tree or its .tar.gz)" \
         "or NGINX_TREES=/dir/of/trees" >&2
    exit 2
fi

"$top/scripts/t-prepare.sh"

failed=()
summary=()

for s in "${sources[@]}"; do
    start=$(date +%s)
    name=$(basename "$s" .tar.gz)
    ver=${name#nginx-}
    dir=$versions/$name
    src=$dir/src

    # unpack a tarball once; a tree is copied, since configure writes into
    # the tree it runs in
    if [ ! -d "$src/src/core" ]; then
        rm -rf "$src"
        mkdir -p "$src"
        if [ -f "$s" ]; then
            tar -xzf "$s" -C "$src" --strip-components=1
        else
            cp -r "$s"/. "$src"/
        fi
    fi

    # the flags of nginx's own packages, less what needs other libraries
    flags=(--prefix="$dir/prefix" --with-compat --with-threads --with-debug
           --with-http_ssl_module --with-http_v2_module
           --with-http_realip_module --with-http_stub_status_module
           --with-stream --with-stream_ssl_module)
    if grep -q -- '--with-http_v3_module' "$src/auto/options"; then
        flags+=(--with-http_v3_module)
    fi

    echo "== nginx $ver: building into $dir"
    if ! FGS_NGINX_FULL=1 FGS_BUILD="$dir" NGINX_SRC="$src" \
         FGS_NGINX_FLAGS="${flags[*]}" "$top/scripts/build-module.sh"
    then
        failed+=("$ver (build)")
        continue
    fi

    # the way docs/operations.md gives to build for an installed nginx: the
    # arguments read from its `nginx -V`, then its load_module takes it
    case " $full " in
        *" ${ver%.*} "*|*" $ver "*)
            echo "== nginx $ver: the module for the binary, from its -V"
            if ! FGS_BUILD="$dir/from-v" NGINX_SRC="$src" \
                 NGINX_BIN="$dir/objs/nginx" "$top/scripts/build-module.sh" \
               || ! check_load "$dir/objs/nginx" \
                               "$dir/from-v/ngx_http_fgs_policy_module.so" \
                               "$dir/from-v"
            then
                failed+=("$ver (built from nginx -V)")
            fi ;;
    esac

    case " $full " in
        *" ${ver%.*} "*|*" $ver "*) tests=(t/) ;;
        *) read -r -a tests <<< "$(echo $core)" ;;
    esac

    echo "== nginx $ver: ${tests[*]}"
    if ! FGS_NGINX="$dir/objs/nginx" \
         FGS_MODULE="$dir/ngx_http_fgs_policy_module.so" \
         prove -I "$top/t/lib" "${tests[@]}"
    then
        failed+=("$ver")
    fi
    summary+=("nginx $ver: ${tests[*]} in $(( $(date +%s) - start )) s")
done

printf '%s\n' "${summary[@]}"

if [ ${#failed[@]} -gt 0 ]; then
    echo "test-nginx-versions: FAILED on ${failed[*]}" >&2
    exit 1
fi

echo "test-nginx-versions: passed on ${#sources[@]} nginx version(s)"

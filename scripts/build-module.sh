#!/bin/bash
# Builds build/ngx_http_fgs_policy_module.so (or $FGS_BUILD/...).
#
#   (nothing)             against Debian's nginx (nginx-dev), configured with
#                         the very flags of the packaged binary, so that the
#                         module loads into /usr/sbin/nginx;
#   NGINX_SRC=/path       against that nginx source tree (a release tarball's
#                         ./configure or a repository tree's auto/configure),
#                         with the flags of nginx's own packages;
#   NGINX_SRC=/path NGINX_BIN=/usr/local/nginx/sbin/nginx
#                         against that tree, configured with the arguments
#                         the installed binary prints in `nginx -V`, so that
#                         its load_module accepts the result.
#
# FGS_NGINX_FLAGS replaces the configure flags; FGS_NGINX_FULL=1 builds
# nginx itself too ($FGS_BUILD/objs/nginx); FGS_CC_OPT and FGS_LD_OPT add
# compiler and linker flags (sanitizers).

set -e

top=$(cd "$(dirname "$0")/.." && pwd)
build=${FGS_BUILD:-$top/build}
mkdir -p "$build"

flags=()

if [ -n "${NGINX_SRC:-}" ]; then
    src=$(cd "$NGINX_SRC" && pwd)
    if [ ! -f "$src/src/core/nginx.h" ]; then
        echo "$0: $src is not an nginx source tree" >&2
        exit 1
    fi
    if [ -n "${FGS_NGINX_FLAGS:-}" ]; then
        read -r -a flags <<< "$FGS_NGINX_FLAGS"
    elif [ -n "${NGINX_BIN:-}" ]; then
        . "$top/scripts/nginx-v-flags.sh"
        nginx_v_flags "$NGINX_BIN" "$src" || exit 1
    else
        flags=(--with-compat --with-http_ssl_module --with-http_v2_module
               --with-debug)
    fi
else
    if [ ! -f /usr/share/nginx/src/conf_flags ]; then
        echo "$0: Debian's nginx-dev is not installed (run make deps)" >&2
        exit 1
    fi
    # a private copy: configure writes a Makefile into the tree it runs in
    src=$build/nginx-src
    if [ ! -f "$src/configure" ]; then
        rm -rf "$src"
        cp -r /usr/share/nginx/src "$src"
    fi
    . /usr/share/nginx/src/conf_flags
    flags=("${NGX_CONF_FLAGS[@]}")
fi

objs=$build/objs
cc_opt="-g -O2 -fPIC -fstack-protector-strong -D_FORTIFY_SOURCE=2 $FGS_CC_OPT"
ld_opt="-Wl,-z,relro -Wl,-z,now -fPIC $FGS_LD_OPT"

# configure again whenever the sources, the addon script or the flags change
stamp=$( (cd "$top" && ls ngx_fgs_policy_module/*.[ch] \
          ngx_fgs_policy_module/engine/*/*.[ch] 2>/dev/null; cat config;
          echo "$src ${flags[*]} $cc_opt $ld_opt") | sha256sum | cut -c1-16)

if [ ! -f "$objs/Makefile" ] || [ "$(cat "$objs/.fgs-stamp" 2>/dev/null)" != "$stamp" ]
then
    configure=./configure
    [ -x "$src/configure" ] || configure=auto/configure
    (cd "$src" && $configure "${flags[@]}" --builddir="$objs" \
        --with-cc-opt="$cc_opt" --with-ld-opt="$ld_opt" \
        --add-dynamic-module="$top") > "$build/configure.log" 2>&1 || {
        tail -30 "$build/configure.log" >&2
        echo "$0: nginx configure failed, see $build/configure.log" >&2
        exit 1
    }
    echo "$stamp" > "$objs/.fgs-stamp"
fi

if [ -n "${FGS_NGINX_FULL:-}" ]; then
    (cd "$src" && make -s -j"$(nproc)" -f "$objs/Makefile" binary modules)
else
    (cd "$src" && make -s -f "$objs/Makefile" modules)
fi

# a new file, renamed into place: writing over the loaded module would
# change the code under a running nginx
so=ngx_http_fgs_policy_module.so
cp "$objs/$so" "$build/$so.new"
mv -f "$build/$so.new" "$build/$so"

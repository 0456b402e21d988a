# Sourced by build-module.sh.  nginx_v_flags BINARY SRC sets the array
# `flags` to the configure arguments that the installed nginx BINARY
# prints in `nginx -V`, so that a module built from SRC with them passes
# that binary's load_module checks (same version, same signature).
#
# Left out: other modules (--add-module, --add-dynamic-module, and nginx's
# own built as dynamic, --with-*=dynamic), which do not change the
# signature and whose sources a module's build tree may lack; bundled
# library sources (--with-openssl= and the like) that are not on this
# machine, since the module links the system's; and --with-cc-opt and
# --with-ld-opt, which build-module.sh sets itself.

nginx_v_flags() {
    local bin=$1 src=$2 said version want args a

    said=$("$bin" -V 2>&1) || {
        echo "nginx_v_flags: $bin -V failed: $said" >&2
        return 1
    }

    version=$(printf '%s\n' "$said" | sed -n 's|^nginx version: [^/]*/||p')
    want=$(sed -n 's|^#define NGINX_VERSION *"\(.*\)"|\1|p' \
           "$src/src/core/nginx.h")

    if [ -z "$version" ] || [ "$version" != "$want" ]; then
        echo "nginx_v_flags: $bin is nginx ${version:-(unknown)} but" \
             "$src is $want: a module loads only into the version it was" \
             "built for; use that version's source" >&2
        return 1
    fi

    args=$(printf '%s\n' "$said" | sed -n 's|^configure arguments: ||p')

    # nginx prints the arguments as the shell gave them, quotes and all:
    # the shell reads them back, with globbing off
    set -f
    eval "set -- $args"
    set +f

    flags=()
    for a in "$@"; do
        case "$a" in
            --add-module=*|--add-dynamic-module=*) continue ;;
            --with-*=dynamic) continue ;;
            --with-cc-opt=*|--with-ld-opt=*) continue ;;
            --with-openssl=*|--with-pcre=*|--with-zlib=*|--with-libatomic=*)
                [ -d "${a#*=}" ] || continue ;;
        esac
        flags+=("$a")
    done

    return 0
}

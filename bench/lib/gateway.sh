# What bench/run.sh and bench/profile.sh share: the gateway's nginx.conf,
# the workloads' request targets and the wait for a port.  Sourced; the
# caller sets $bench, $module, $policy, $project and $urn.

# waits until something listens on 127.0.0.1:$1, at most $2 (default
# 100) times 50 ms
wait_port() {
    local i
    for i in $(seq "${2:-100}"); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# writes DIR/nginx.conf for a variant: gateway.conf with the variant's
# pieces; $1 variant, $2 directory, $3 listen port, $4 upstream port
gateway_conf() {
    local v=$1 dir=$2 f
    mkdir -p "$dir/client_body" "$dir/proxy"
    for f in main http server location; do
        sed -e "s|@MODULE@|$module|g" -e "s|@POLICY@|$policy|g" \
            -e "s|@BENCH@|$bench|g" \
            "$bench/conf/$v/$f.conf" > "$dir/$f.conf"
    done
    sed -e "s|@RUN@|$dir|g" -e "s|@PORT@|$3|g" \
        -e "s|@UPSTREAM_PORT@|$4|g" \
        "$bench/conf/gateway.conf" > "$dir/nginx.conf"
}

# the request target of a workload
workload_target() {
    case $1 in
        config-*) echo "/v2/$project/fgs/functions/$urn/config" ;;
        code-*)   echo "/v2/$project/fgs/functions/$urn/code" ;;
    esac
}

#!/bin/bash
# make bench: the module side by side with plain proxying and with the
# peers a user would otherwise write (njs, Lua with cjson, ModSecurity),
# all on Debian's nginx, in front of the same upstream on loopback.
#
#  1. every variant answers the correctness corpus (bench/corpus/) in front
#     of an upstream that keeps what it received;
#  2. for each run, workload and variant: a fresh gateway (one worker),
#     a warm-up, then wrk with the workload's PUT; requests/s, p50 and p99
#     latency, the worker's CPU time per request (/proc/PID/stat) and its
#     peak RSS (VmHWM);
#  3. head to head, for the targets against plain proxying: a plain, a
#     module and (when it is among the variants) an audit gateway, all
#     started once, then FGS_BENCH_PAIRS pairs of short wrk slices, one
#     against each, the order turned round every pair, so that what the
#     machine's neighbours do in one slice falls on all variants alike;
#  4. bench/profile.sh counts the instructions per request (callgrind);
#  5. bench/report.pl writes bench/RESULTS.md, bench/results.png and the
#     table of targets in docs/performance.md.
#
# Pinning: the gateway (master and worker) on FGS_BENCH_GATEWAY_CPU
# (default 1), wrk and the upstream on FGS_BENCH_LOAD_CPU (default 0).
#
# Environment (defaults in brackets):
#   FGS_BENCH_RUNS [5]  FGS_BENCH_DURATION [5s]  FGS_BENCH_WARMUP [1s]
#   FGS_BENCH_VARIANTS ["plain module audit njs lua modsec"]
#   FGS_BENCH_WORKLOADS ["config-1k-allowed config-1k-denied
#                        code-10m-allowed code-10m-rewritten"]
#   FGS_BENCH_CONNS_1K [16]  FGS_BENCH_CONNS_10M [4]  (wrk connections)
#   FGS_BENCH_PAIRS [20]  FGS_BENCH_SLICE_1K [1s]  FGS_BENCH_SLICE_10M [2s]
#     (head to head: pairs, and the length of a slice)
#   FGS_BENCH_PORT [18400]  (first of the loopback ports used)
#   FGS_BENCH_MODULE [build/ngx_http_fgs_policy_module.so]
#   FGS_BENCH_POLICY [conf/policy.json]
#   FGS_BENCH_SKIP_CORPUS=1  FGS_BENCH_SKIP_LOAD=1  FGS_BENCH_SKIP_PAIRS=1
#   FGS_BENCH_SKIP_PROFILE=1
#   FGS_BENCH_RESULTS [bench/RESULTS.md]  FGS_BENCH_CHART [bench/results.png]
#   FGS_BENCH_DOC [docs/performance.md: its bench:start/end block gets the
#                  targets; empty: leave it alone]

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bench=$top/bench
out=$top/build/bench
bodies=$out/bodies

runs=${FGS_BENCH_RUNS:-5}
duration=${FGS_BENCH_DURATION:-5s}
warmup=${FGS_BENCH_WARMUP:-1s}
variants=${FGS_BENCH_VARIANTS:-plain module audit njs lua modsec}
workloads=${FGS_BENCH_WORKLOADS:-config-1k-allowed config-1k-denied code-10m-allowed code-10m-rewritten}
conns_1k=${FGS_BENCH_CONNS_1K:-16}
conns_10m=${FGS_BENCH_CONNS_10M:-4}
pairs=${FGS_BENCH_PAIRS:-20}
slice_1k=${FGS_BENCH_SLICE_1K:-1s}
slice_10m=${FGS_BENCH_SLICE_10M:-2s}
port=${FGS_BENCH_PORT:-18400}
gw_cpu=${FGS_BENCH_GATEWAY_CPU:-1}
load_cpu=${FGS_BENCH_LOAD_CPU:-0}
results=${FGS_BENCH_RESULTS:-$bench/RESULTS.md}
chart=${FGS_BENCH_CHART:-$bench/results.png}
module=${FGS_BENCH_MODULE:-$top/build/ngx_http_fgs_policy_module.so}
policy=${FGS_BENCH_POLICY:-$top/conf/policy.json}

nginx=/usr/sbin/nginx
project=0123456789abcdef0123456789abcdef
urn=urn:fss:cn-north-4:$project:function:default:prod-orders:latest

upstream_port=$port
echo_port=$((port + 1))

for tool in "$nginx" wrk perl taskset curl; do
    command -v "$tool" >/dev/null || {
        echo "$0: $tool is missing (make bench installs it: scripts/deps.sh --bench)" >&2
        exit 1
    }
done

# on a single CPU there is nothing to pin apart
if [ "$(nproc)" -lt 2 ]; then
    gw_cpu=0
    load_cpu=0
fi

. "$bench/lib/gateway.sh"

pin_gw="taskset -c $gw_cpu"
pin_load="taskset -c $load_cpu"

mkdir -p "$out"
rm -rf "$out/run"
mkdir -p "$out/run"

started=()

cleanup() {
    local pid
    for pid in "${started[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${started[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    started=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget() {
    local pid=$1 keep=() p
    for p in "${started[@]}"; do
        [ "$p" = "$pid" ] || keep+=("$p")
    done
    started=("${keep[@]+"${keep[@]}"}")
}

# starts a gateway; sets gw_pid (the master) and gw_worker
start_gateway() {
    local v=$1 dir=$2 listen=$3 upstream=$4 i
    gateway_conf "$v" "$dir" "$listen" "$upstream"
    : > "$dir/error.log"
    rm -f "$dir/audit.log"
    $pin_gw "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
        -g 'daemon off;' 2>>"$dir/error.log" &
    gw_pid=$!
    started+=("$gw_pid")
    gw_worker=
    for i in $(seq 100); do
        gw_worker=$(ps -o pid= --ppid "$gw_pid" | tr -d ' ' | head -1)
        [ -n "$gw_worker" ] && break
        kill -0 "$gw_pid" 2>/dev/null || break
        sleep 0.05
    done
    if [ -z "$gw_worker" ] || ! wait_port "$listen"; then
        echo "$0: the $v gateway did not start:" >&2
        tail -5 "$dir/error.log" >&2
        stop_gateway
        return 1
    fi
}

# stops the gateway whose master is $1 (default: the last one started)
stop_gateway() {
    local pid=${1:-$gw_pid}
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget "$pid"
}

# "yes", or why the variant cannot run here
available() {
    local v=$1 dir=$out/run/check-$1
    case $v in
        module|audit)
            [ -f "$module" ] || { echo "$module is not built"; return; }
            [ -f "$policy" ] || { echo "$policy is missing"; return; } ;;
        njs)
            [ -f /usr/lib/nginx/modules/ngx_http_js_module.so ] \
                || { echo "libnginx-mod-http-js is not installed"; return; } ;;
        lua)
            [ -f /usr/lib/nginx/modules/ngx_http_lua_module.so ] \
                || { echo "libnginx-mod-http-lua is not installed"; return; } ;;
        modsec)
            [ -f /usr/lib/nginx/modules/ngx_http_modsecurity_module.so ] \
                || { echo "libnginx-mod-http-modsecurity is not installed"; return; } ;;
        plain) ;;
        *) echo "unknown variant"; return ;;
    esac
    gateway_conf "$v" "$dir" "$((port + 9))" "$upstream_port"
    if ! "$nginx" -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
         > "$dir/test.log" 2>&1
    then
        echo "nginx -t fails: $(grep -m1 emerg "$dir/test.log" | sed 's/^.*\[emerg\] [0-9#]*: //')"
        return
    fi
    echo yes
}

workload_conns() {
    case $1 in
        *-1k-*)  echo "$conns_1k" ;;
        *)       echo "$conns_10m" ;;
    esac
}

workload_slice() {
    case $1 in
        *-1k-*)  echo "$slice_1k" ;;
        *)       echo "$slice_10m" ;;
    esac
}

cpu_ticks() {
    # utime + stime: fields 14 and 15, counted after the ")" of comm
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# waits (at most 5 s) until process $1 uses no more CPU time
settle() {
    local last now i
    last=$(cpu_ticks "$1")
    for i in $(seq 50); do
        sleep 0.1
        now=$(cpu_ticks "$1")
        [ "$now" = "$last" ] && return 0
        last=$now
    done
}

# wrk with workload $1's PUT, its connections, against 127.0.0.1:$2 for
# $3; the caller exports FGS_BENCH_PATH and FGS_BENCH_BODY for put.lua
load() {
    $pin_load wrk -t1 -c"$(workload_conns "$1")" -d"$3" --timeout 30s \
        --latency -s "$bench/lib/put.lua" "http://127.0.0.1:$2" 2>&1
}

# one measurement: $1 run, $2 workload, $3 variant, $4 its index
measure() {
    local run=$1 w=$2 v=$3 i=$4 dir listen target status t0 t1 hwm line log
    dir=$out/run/$v
    listen=$((port + 10 + i))
    target=$(workload_target "$w")
    log=$out/wrk-$w-$v-$run.txt

    start_gateway "$v" "$dir" "$listen" "$upstream_port" || {
        printf '%s\t%s\t%s\tfailed\n' "$run" "$w" "$v" >> "$out/runs.tsv"
        return
    }

    status=$($pin_load curl -s -o /dev/null -w '%{http_code}' -X PUT \
        -H 'Content-Type: application/json' -H 'X-Auth-Token: bench-token' \
        --data-binary "@$bodies/$w.json" "http://127.0.0.1:$listen$target" \
        || echo 000)

    export FGS_BENCH_PATH=$target FGS_BENCH_BODY=$bodies/$w.json
    load "$w" "$listen" "$warmup" > /dev/null || true

    # requests the warm-up left in flight must not count in the measurement
    settle "$gw_worker"

    t0=$(cpu_ticks "$gw_worker")
    load "$w" "$listen" "$duration" > "$log" || true
    t1=$(cpu_ticks "$gw_worker")
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$gw_worker/status")

    stop_gateway

    line=$(grep '^FGSBENCH ' "$log" | tail -1)
    if [ -z "$line" ]; then
        printf '%s\t%s\t%s\tfailed\n' "$run" "$w" "$v" >> "$out/runs.tsv"
        return
    fi
    # run workload variant ok status conns ticks hwm_kb FGSBENCH fields
    printf '%s\t%s\t%s\tok\t%s\t%s\t%s\t%s\t%s\n' "$run" "$w" "$v" \
        "$status" "$(workload_conns "$w")" "$((t1 - t0))" "$hwm" \
        "${line#FGSBENCH }" \
        >> "$out/runs.tsv"
    printf '  run %s %-20s %-7s %s\n' "$run" "$w" "$v" "${line#FGSBENCH }"
}

# one slice of head to head: workload $1 for $6 against variant $2,
# whose worker is $3 and port $4; pairs.tsv gets a line for pair $5,
# with the worker's CPU ticks
slice() {
    local w=$1 v=$2 worker=$3 listen=$4 pair=$5 length=$6 t0 t1 line
    t0=$(cpu_ticks "$worker")
    line=$(load "$w" "$listen" "$length" | grep '^FGSBENCH ' | tail -1)
    settle "$worker"
    t1=$(cpu_ticks "$worker")
    if [ -z "$line" ]; then
        printf '%s\t%s\t%s\tfailed\n' "$w" "$pair" "$v" >> "$out/pairs.tsv"
        return
    fi
    # workload pair variant ok ticks FGSBENCH fields
    printf '%s\t%s\t%s\tok\t%s\t%s\n' "$w" "$pair" "$v" "$((t1 - t0))" \
        "${line#FGSBENCH }" >> "$out/pairs.tsv"
    printf '  pair %s %-20s %-7s %s\n' "$pair" "$w" "$v" "${line#FGSBENCH }"
}

# head to head on workload $1: plain, the module and, when it can run,
# the module with its audit log, each started once; every pair runs one
# slice against each, in the order plain, module, audit on odd pairs and
# the reverse on even ones
head_to_head() {
    local w=$1 length pair listen v i pid
    local -a hv hpid hworker hport order
    length=$(workload_slice "$w")
    export FGS_BENCH_PATH=$(workload_target "$w") FGS_BENCH_BODY=$bodies/$w.json

    hv=(plain module)
    [[ " ${ready[*]} " == *" audit "* ]] && hv+=(audit)

    for i in "${!hv[@]}"; do
        v=${hv[$i]}
        if ! start_gateway "$v" "$out/run/h2h-$v" "$((port + 5 + i))" \
                 "$upstream_port"
        then
            for pid in "${hpid[@]+"${hpid[@]}"}"; do
                stop_gateway "$pid"
            done
            return
        fi
        hpid[$i]=$gw_pid hworker[$i]=$gw_worker hport[$i]=$((port + 5 + i))
    done

    # a warm-up of each, not counted
    for listen in "${hport[@]}"; do
        load "$w" "$listen" "$warmup" > /dev/null || true
    done
    for i in "${!hv[@]}"; do
        settle "${hworker[$i]}"
    done

    for pair in $(seq "$pairs"); do
        order=("${!hv[@]}")
        if [ $((pair % 2)) = 0 ]; then
            order=($(printf '%s\n' "${order[@]}" | tac))
        fi
        for i in "${order[@]}"; do
            slice "$w" "${hv[$i]}" "${hworker[$i]}" "${hport[$i]}" "$pair" \
                "$length"
        done
    done

    for i in "${!hv[@]}"; do
        stop_gateway "${hpid[$i]}"
    done
}

echo "== request bodies"
perl "$bench/gen-bodies.pl" "$bodies"

echo "== variants"
: > "$out/variants.tsv"
ready=()
for v in $variants; do
    why=$(available "$v")
    printf '%s\t%s\n' "$v" "$why" >> "$out/variants.tsv"
    printf '  %-7s %s\n' "$v" "$why"
    [ "$why" = yes ] && ready+=("$v")
done

: > "$out/corpus.tsv"
if [ "${FGS_BENCH_SKIP_CORPUS:-}" != 1 ]; then
    echo "== correctness corpus"
    mkdir -p "$out/run/echo"
    $pin_load perl "$bench/lib/echo-upstream.pl" "$echo_port" "$out/run/echo" \
        > "$out/run/echo/log" 2>&1 &
    echo_pid=$!
    started+=("$echo_pid")
    wait_port "$echo_port" || { echo "$0: echo upstream did not start" >&2; exit 1; }
    i=0
    for v in "${ready[@]}"; do
        i=$((i + 1))
        start_gateway "$v" "$out/run/corpus-$v" "$((port + 10 + i))" \
            "$echo_port" || continue
        perl "$bench/lib/corpus-run.pl" --variant "$v" \
            --port "$((port + 10 + i))" --echo "$out/run/echo" \
            --bodies "$bodies" "$bench"/corpus/*.case >> "$out/corpus.tsv"
        stop_gateway
        awk -F'\t' -v v="$v" '$1 == v { n++; if ($7 == "ok") ok++ }
            END { printf "  %-7s %d/%d as expected\n", v, ok, n }' \
            "$out/corpus.tsv"
    done
    kill "$echo_pid" 2>/dev/null || true
    wait "$echo_pid" 2>/dev/null || true
    forget "$echo_pid"
fi

: > "$out/runs.tsv"
: > "$out/pairs.tsv"
if [ "${FGS_BENCH_SKIP_LOAD:-}" != 1 ] || [ "${FGS_BENCH_SKIP_PAIRS:-}" != 1 ]
then
    mkdir -p "$out/run/upstream/client_body"
    sed -e "s|@RUN@|$out/run/upstream|g" -e "s|@PORT@|$upstream_port|g" \
        "$bench/conf/upstream.conf" > "$out/run/upstream/nginx.conf"
    $pin_load "$nginx" -p "$out/run/upstream" -c "$out/run/upstream/nginx.conf" \
        -e "$out/run/upstream/error.log" -g 'daemon off;' &
    upstream_pid=$!
    started+=("$upstream_pid")
    wait_port "$upstream_port" || { echo "$0: the upstream did not start" >&2; exit 1; }

    if [ "${FGS_BENCH_SKIP_LOAD:-}" != 1 ]; then
        echo "== load: $runs run(s) of $duration (after $warmup of warm-up)," \
             "gateway on cpu $gw_cpu, wrk and upstream on cpu $load_cpu"
        for run in $(seq "$runs"); do
            for w in $workloads; do
                i=0
                for v in "${ready[@]}"; do
                    i=$((i + 1))
                    measure "$run" "$w" "$v" "$i"
                done
            done
        done
    fi

    if [ "${FGS_BENCH_SKIP_PAIRS:-}" != 1 ] \
       && [[ " ${ready[*]} " == *" plain "* ]] \
       && [[ " ${ready[*]} " == *" module "* ]]
    then
        echo "== head to head, module (and audit) against plain: $pairs" \
             "pair(s) of $slice_1k (1 KB) or $slice_10m (10 MB) slices"
        for w in $workloads; do
            head_to_head "$w"
        done
    fi

    kill "$upstream_pid" 2>/dev/null || true
    wait "$upstream_pid" 2>/dev/null || true
    forget "$upstream_pid"
fi

if [ "${FGS_BENCH_SKIP_PROFILE:-}" != 1 ]; then
    echo "== instructions per request (callgrind)"
    rm -f "$out/profile/ir.tsv"
    if command -v valgrind >/dev/null; then
        FGS_PROFILE_VARIANTS="plain module audit" \
        FGS_PROFILE_WORKLOADS="config-1k-allowed config-1k-denied" \
        FGS_PROFILE_OUT=$out/profile FGS_PROFILE_TOP=15 \
        FGS_BENCH_MODULE=$module FGS_BENCH_POLICY=$policy \
            "$bench/profile.sh" | sed -n '1,/^$/p' | sed 's/^/  /'
    else
        echo "  valgrind is not installed (scripts/deps.sh --bench installs it)"
    fi
fi

echo "== report"
FGS_BENCH_RUNS=$runs FGS_BENCH_DURATION=$duration FGS_BENCH_WARMUP=$warmup \
FGS_BENCH_PAIRS=$pairs FGS_BENCH_SLICE_1K=$slice_1k \
FGS_BENCH_SLICE_10M=$slice_10m \
FGS_BENCH_GATEWAY_CPU=$gw_cpu FGS_BENCH_LOAD_CPU=$load_cpu \
FGS_BENCH_MODULE=$module FGS_BENCH_POLICY=$policy \
FGS_BENCH_DOC=${FGS_BENCH_DOC-$top/docs/performance.md} \
    perl "$bench/report.pl" "$out" "$results" "$chart"
echo "  $results"

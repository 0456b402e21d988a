#!/bin/bash
# make bench-profile: where a gateway worker's instructions go, per request.
#
# For each variant (default: plain and module) and workload (default:
# config-1k-allowed), the gateway runs under valgrind's callgrind with
# one process (master_process off) in front of the benchmark's upstream,
# and curl sends FGS_PROFILE_REQUESTS requests over one keepalive
# connection, then FGS_PROFILE_BASE requests in a second run.  The
# difference of the two totals over the difference of the counts is the
# user-space instructions per request, with start-up and exit taken out;
# the module's functions are listed with their inclusive share.
#
# Results: build/bench/profile/ir.tsv (workload, variant, Ir per request)
# and functions-VARIANT-WORKLOAD.tsv (Ir per request, function), which
# bench/report.pl puts in RESULTS.md.
#
# Instruction counts do not depend on the machine's load, so this can run
# while other work does; bench/run.sh measures time and must not.
#
# Environment: FGS_PROFILE_VARIANTS ["plain module"]
#   FGS_PROFILE_WORKLOADS ["config-1k-allowed"]
#   FGS_PROFILE_REQUESTS [1000]  FGS_PROFILE_BASE [100]
#   FGS_PROFILE_PORT [18500]  FGS_PROFILE_TOP [25]
#   FGS_PROFILE_OUT [build/bench/profile]  (a directory of one's own lets
#     two profiles run side by side)
#   FGS_PROFILE_VALGRIND_OPTS  (more callgrind options, for example
#     --dump-instr=yes for a per-instruction view)
#   FGS_BENCH_MODULE, FGS_BENCH_POLICY as for bench/run.sh

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bench=$top/bench
out=${FGS_PROFILE_OUT:-$top/build/bench/profile}

variants=${FGS_PROFILE_VARIANTS:-plain module}
workloads=${FGS_PROFILE_WORKLOADS:-config-1k-allowed}
requests=${FGS_PROFILE_REQUESTS:-1000}
base=${FGS_PROFILE_BASE:-100}
port=${FGS_PROFILE_PORT:-18500}
ntop=${FGS_PROFILE_TOP:-25}
module=${FGS_BENCH_MODULE:-$top/build/ngx_http_fgs_policy_module.so}
policy=${FGS_BENCH_POLICY:-$top/conf/policy.json}

nginx=/usr/sbin/nginx
project=0123456789abcdef0123456789abcdef
urn=urn:fss:cn-north-4:$project:function:default:prod-orders:latest

for tool in "$nginx" valgrind callgrind_annotate curl perl; do
    command -v "$tool" >/dev/null || {
        echo "$0: $tool is missing (scripts/deps.sh --bench installs it)" >&2
        exit 1
    }
done

. "$bench/lib/gateway.sh"

mkdir -p "$out"
perl "$bench/gen-bodies.pl" "$top/build/bench/bodies" > /dev/null

pids=()
cleanup() {
    local pid
    for pid in "${pids[@]+"${pids[@]}"}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

# the benchmark's upstream
up=$out/upstream
mkdir -p "$up/client_body"
sed -e "s|@RUN@|$up|g" -e "s|@PORT@|$port|g" "$bench/conf/upstream.conf" \
    > "$up/nginx.conf"
"$nginx" -p "$up" -c "$up/nginx.conf" -e "$up/error.log" \
    -g 'daemon off;' &
pids+=($!)
wait_port "$port" || { echo "$0: the upstream did not start" >&2; exit 1; }

# one callgrind run: $1 variant, $2 workload, $3 requests; prints the
# total instructions
run_one() {
    local v=$1 w=$2 n=$3 dir listen pid url args i total
    dir=$out/$v-$w-$n
    listen=$((port + 1))
    rm -rf "$dir"
    gateway_conf "$v" "$dir" "$listen" "$port"
    valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
        ${FGS_PROFILE_VALGRIND_OPTS:-} \
        --toggle-collect=ngx_process_events_and_timers \
        "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
        -g 'daemon off; master_process off;' 2> "$dir/valgrind.log" &
    pid=$!
    pids+=("$pid")
    if ! wait_port "$listen" 600; then
        # run_one runs in a subshell: the EXIT trap does not know this pid
        echo "$0: $v did not start" >&2
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        exit 1
    fi

    url="http://127.0.0.1:$listen$(workload_target "$w")"
    args=()
    for i in $(seq "$n"); do
        args+=("$url")
    done
    curl -s -X PUT -H 'Content-Type: application/json' \
        -H 'X-Auth-Token: bench-token' \
        --data-binary "@$top/build/bench/bodies/$w.json" "${args[@]}" \
        > /dev/null

    kill -QUIT "$pid"
    wait "$pid" 2>/dev/null || true
    total=$(awk '/^summary:/ { print $2 }' "$dir/callgrind.out")
    echo "${total:-0}"
}

printf '%-20s %-8s %12s\n' workload variant 'Ir/request'
: > "$out/ir.tsv"
for w in $workloads; do
    for v in $variants; do
        lo=$(run_one "$v" "$w" "$base")
        hi=$(run_one "$v" "$w" "$requests")
        per=$(( (hi - lo) / (requests - base) ))
        printf '%-20s %-8s %12d\n' "$w" "$v" "$per"
        printf '%s\t%s\t%s\n' "$w" "$v" "$per" >> "$out/ir.tsv"
    done
done

# the module's own functions, inclusive, in the larger run
for w in $workloads; do
    for v in $variants; do
        [ "$v" = plain ] && continue
        f=$out/$v-$w-$requests/callgrind.out
        echo
        echo "== $v, $w: functions of the module and the engine (inclusive" \
             "Ir per request)"
        callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null \
            | perl -ne '
                BEGIN { $n = shift @ARGV }
                next unless /^\s*([\d,]+)\s.*\s([^\s:]+):((?:ngx_http_fgs|fgs_)\w+)/;
                ($ir = $1) =~ tr/,//d;
                printf "%d\t%s\n", $ir / $n, $3 if $seen{$3}++ == 0;
            ' "$requests" | sort -rn | head -"$ntop" \
            | tee "$out/functions-$v-$w.tsv"
    done
done

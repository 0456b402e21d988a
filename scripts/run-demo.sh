#!/bin/bash
# make run: starts the mock FunctionGraph and the gateway on loopback with
# conf/policy.json, an audit file and the metrics location, then prints
# curl lines that show an allowed, a rewritten and a denied change, and
# the commands that verify the audit file and show the metrics.
# `make stop` stops both.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
run=$top/build/demo
port=${FGS_DEMO_PORT:-8080}
mock_port=${FGS_DEMO_MOCK_PORT:-8081}
project=0123456789abcdef0123456789abcdef

"$top/scripts/run-stop.sh" quiet

mkdir -p "$run/client_body" "$run/proxy"

sed -e "s|@TOP@|$top|g" -e "s|@RUN@|$run|g" \
    -e "s|@PORT@|$port|g" -e "s|@MOCK_PORT@|$mock_port|g" \
    "$top/conf/nginx-demo.conf" > "$run/nginx.conf"

node "$top/t/mock/fgs-mock.js" --listen "127.0.0.1:$mock_port" \
    > "$run/mock.log" 2>&1 &
echo $! > "$run/mock.pid"

for i in $(seq 50); do
    grep -q listening "$run/mock.log" 2>/dev/null && break
    sleep 0.1
done
grep -q listening "$run/mock.log" || {
    echo "the mock FunctionGraph did not start:" >&2
    cat "$run/mock.log" >&2
    exit 1
}

# the demo's functions
for name in prod-orders dev-reports; do
    curl -s -o /dev/null -X PUT "http://127.0.0.1:$mock_port/__mock/functions" \
        -H 'Content-Type: application/json' \
        --data "{\"func_urn\":\"urn:fss:cn-north-4:$project:function:default:$name:latest\",\"func_name\":\"$name\",\"runtime\":\"Python3.12\",\"handler\":\"index.handler\",\"memory_size\":256,\"timeout\":30}"
done

/usr/sbin/nginx -p "$run" -c "$run/nginx.conf" -e "$run/error.log" \
    -g "daemon on;" || {
    echo "nginx did not start; see $run/error.log" >&2
    "$top/scripts/run-stop.sh" quiet
    exit 1
}

base="http://127.0.0.1:$port/v2/$project/fgs/functions"
urn="urn:fss:cn-north-4:$project:function:default"

cat <<TXT

The gateway listens on 127.0.0.1:$port with conf/policy.json, in front of
the mock FunctionGraph on 127.0.0.1:$mock_port.  Try:

# allowed: forwarded unchanged (X-Fgs-Policy-Decision: allow)
curl -i -X PUT $base/$urn:prod-orders:latest/config \\
  -H 'Content-Type: application/json' -H 'X-Auth-Token: demo' \\
  --data @$top/conf/demo/config-allowed.json

# rewritten: the policy adds the KMS key it requires (decision: rewrite)
curl -i -X PUT $base/$urn:dev-reports:latest/config \\
  -H 'Content-Type: application/json' -H 'X-Auth-Token: demo' \\
  --data @$top/conf/demo/config-rewritten.json

# denied: a runtime outside the allowlist and no VPC for a prod- function
curl -i -X PUT $base/$urn:prod-orders:latest/config \\
  -H 'Content-Type: application/json' -H 'X-Auth-Token: demo' \\
  --data @$top/conf/demo/config-denied.json

# what the mock FunctionGraph received, byte for byte
curl -s http://127.0.0.1:$mock_port/__mock/requests

# the audit trail: one hash-chained record per change; verify it
# (--live: nginx is still writing it)
$top/build/fgs-policy verify-audit --live $run/audit.log

# the metrics, in the Prometheus text format
curl -s http://127.0.0.1:$port/metrics

# the policy offline: check it, and run its test cases
$top/build/fgs-policy check $top/conf/policy.json
$top/build/fgs-policy test $top/conf/policy.json $top/conf/policy.tests

Logs: $run/error.log, audit: $run/audit.log.  Stop with: make stop
TXT

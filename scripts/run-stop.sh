#!/bin/bash
# make stop: stops what `make run` started.

top=$(cd "$(dirname "$0")/.." && pwd)
run=$top/build/demo

if [ -f "$run/nginx.pid" ]; then
    /usr/sbin/nginx -p "$run" -c "$run/nginx.conf" -s quit 2>/dev/null
    for i in $(seq 50); do
        [ -f "$run/nginx.pid" ] || break
        sleep 0.1
    done
fi

if [ -f "$run/mock.pid" ]; then
    kill "$(cat "$run/mock.pid")" 2>/dev/null
    rm -f "$run/mock.pid"
fi

[ "$1" = quiet ] || echo "demo stopped"
exit 0

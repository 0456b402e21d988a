-- wrk script of the benchmark: the same PUT, with the body of the file
-- FGS_BENCH_BODY, to the request target FGS_BENCH_PATH, on every request.
-- done() prints one machine-readable line for run.sh.

local path = os.getenv("FGS_BENCH_PATH")
local file = os.getenv("FGS_BENCH_BODY")

local f = assert(io.open(file, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "PUT"
wrk.path = path
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Auth-Token"] = "bench-token"

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "FGSBENCH requests=%d duration_us=%d p50_us=%d p99_us=%d "
        .. "status_errors=%d socket_errors=%d\n",
        summary.requests, summary.duration,
        latency:percentile(50), latency:percentile(99),
        e.status, e.connect + e.read + e.write + e.timeout))
end

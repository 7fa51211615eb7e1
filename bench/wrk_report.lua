-- wrk's done() hook: one JSON line with the counts and latency percentiles (microseconds) that
-- bench/run.py parses. Defining no request()/response() hook keeps wrk on its fast C path.
-- With WRK_BODY_FILE set, every request is a JSON POST of that file (set once, still the C path).
local body_file = os.getenv("WRK_BODY_FILE")
if body_file then
  local file = assert(io.open(body_file, "rb"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
end

-- With WRK_DELAY_MS set, each connection waits that many milliseconds after a response before it
-- sends its next request: a paced load. wrk starts a request's clock when it writes it, so the
-- pause is not part of the latency.
local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "")
if delay_ms then
  delay = function()
    return delay_ms
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "mean": %.1f, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end

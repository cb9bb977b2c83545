-- wrk script of benchmarks/pages.py: counts every answer outside 2xx (redirects included,
-- which wrk's own error count leaves out) and prints one machine-readable summary line.
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   non2xx = 0
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end

function done(summary, latency, requests)
   local bad = 0
   for _, thread in ipairs(threads) do
      bad = bad + (thread:get("non2xx") or 0)
   end
   local errors = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, ' ..
      '"write": %d, "status": %d, "timeout": %d, "non2xx": %d, "p50_us": %d, ' ..
      '"p95_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
      summary.requests, summary.duration, errors.connect, errors.read, errors.write,
      errors.status, errors.timeout, bad, latency:percentile(50), latency:percentile(95),
      latency:percentile(99), latency.mean))
end

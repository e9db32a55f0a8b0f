-- wrk script: report throughput, latency percentiles (ms) and errors as one JSON line at the end.
-- A response with another status than `expected` (200; post.lua sets 201) counts as an error: a
-- redirect to the login page is fast, and must not pass for a rendered page.
expected = expected or 200
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  for _, thread in ipairs(threads) do
    errors = errors + thread:get("unexpected")
  end
  io.write(string.format(
    '{"requests": %d, "rps": %.2f, "p50": %.2f, "p95": %.2f, "p99": %.2f, "errors": %d}\n',
    summary.requests, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end

-- wrk script (tests/bench/lib/wrk.ts): cycles through a table of distinct items.
-- args: <items.lua> <GET|POST> <path for POST>
-- GET items are paths; POST items are JSON bodies sent to <path>.
-- Requests are formatted once in init(); request() only hands out the next one.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local items = dofile(args[1])
  local method = args[2]
  local path = args[3]
  requests = {}
  for i, item in ipairs(items) do
    if method == "POST" then
      requests[i] = wrk.format("POST", path, { ["Content-Type"] = "application/json" }, item)
    else
      requests[i] = wrk.format("GET", item)
    end
  end
  count = #requests
  index = 0
  wraps = 0
end

function request()
  index = index + 1
  if index > count then
    index = 1
    wraps = wraps + 1
  end
  return requests[index]
end

function done(summary, latency, _)
  local wrapped = 0
  for _, t in ipairs(threads) do
    wrapped = wrapped + (t:get("wraps") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"wraps":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, wrapped,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end

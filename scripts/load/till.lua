-- wrk: POST /v1/pos/purchases, each request a new receipt for one of the
-- enrolled cards (round robin), so every request applies a purchase.
-- CARDS (comma-separated card numbers) comes from the environment.
local cards = {}
for c in string.gmatch(os.getenv("CARDS") or "", "[^,]+") do cards[#cards + 1] = c end
local counter = 0
local threads = 0
-- `id` is each thread's number, set by setup() as a global of its state.

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local card = cards[(counter % #cards) + 1]
  local body = string.format(
    '{"payload": "%s", "purchase": {"receipt_id": "load-%d-%d", "lines": [{"sku": "A", "qty": 1, "amount": "100.00"}]}}',
    card, id, counter)
  return wrk.format(nil, "/v1/pos/purchases", nil, body)
end

dofile(os.getenv("LOAD_LUA") .. "/report.lua")

-- reap: removes one account's sessions held by a gateway node that were
-- registered before `before` (its lease expiry; +inf-like for its own shutdown).
-- KEYS[1] sessions hash (ssid -> session JSON)   KEYS[2] resume tokens hash
-- KEYS[3] the account's counts   KEYS[4] the slot's counters (lib.lua settle)
-- ARGV[1] gateway id   ARGV[2] before (ms)
-- Returns the removed session JSON strings.
require_stable_slot()
local before = tonumber(ARGV[2])
local removed = {}
for _, s in ipairs(decode_all(KEYS[1])) do
  if s.gateway == ARGV[1] and (s.reg or 0) < before then
    redis.call('HDEL', KEYS[1], s.ssid)
    removed[#removed + 1] = s.raw
  end
end
settle(KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return removed

-- reconcile: checks one account's share of the counters and indexes against
-- its hashes (expired tokens go; see lib.lua settle), and removes orphans:
-- sessions of a node that holds no lease at all (not even an expired one the
-- reaper has yet to handle), registered before `before` (e.g. a login that
-- landed after its node's shutdown removed its sessions and gave up its
-- lease). The background reconciliation runs it on every account it finds.
-- KEYS[1] sessions hash   KEYS[2] resume tokens hash   KEYS[3] the account's counts   KEYS[4] the slot's counters
-- ARGV[1] JSON {gateway id: 1} of every node in the lease table   ARGV[2] before (ms)
-- Returns the removed orphans' session JSON strings.
require_stable_slot()
local leased = cjson.decode(ARGV[1])
local before = tonumber(ARGV[2])
local orphans = {}
for _, s in ipairs(decode_all(KEYS[1])) do
  if not leased[s.gateway] and (s.reg or 0) < before then
    redis.call('HDEL', KEYS[1], s.ssid)
    orphans[#orphans + 1] = s.raw
  end
end
settle(KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return orphans

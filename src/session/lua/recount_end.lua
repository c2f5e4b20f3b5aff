-- recount_end: ends the recount of one slot's counters: every account of the
-- slot was settled since recount_begin (the pass walked them all; accounts
-- created meanwhile were tallied by the scripts that created them), so the
-- tally is the truth and takes the counters' place.
-- KEYS[1] the slot's counters   ARGV[1] the pass's epoch
-- Returns the corrections flat (field, counted, true value, ...), or false
-- when the slot's recount is not this pass's (another one began since).
require_stable_slot()
if redis.call('HGET', KEYS[1], '~e') ~= ARGV[1] then return false end
local counted, tallied = take_tally(KEYS[1])
tallied.e = nil
local fixes = {}
local function fix(field)
  local was, truth = counted[field] or 0, tonumber(tallied[field] or '0')
  if was == truth then return end
  if truth == 0 then redis.call('HDEL', KEYS[1], field) else redis.call('HSET', KEYS[1], field, truth) end
  fixes[#fixes + 1] = field
  fixes[#fixes + 1] = was
  fixes[#fixes + 1] = truth
end
for field in pairs(counted) do fix(field) end
for field in pairs(tallied) do
  if counted[field] == nil then fix(field) end
end
return fixes

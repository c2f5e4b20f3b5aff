-- cleanup_tokens: removes up to ARGV[2] expired tokens on the slots given,
-- all served by the Redis node it runs on (as counts.lua; POST
-- /api/v1/cleanup-tokens). Login tokens: their entries in the slot's lz go
-- (the token keys expired with them). Resume tokens: each account with an
-- expired token in the slot's rz is settled (lib.lua settle), which removes
-- its expired tokens and fixes its counters; an expired entry settle did not
-- know of goes too. Bounded: it stops once ARGV[2] entries were handled. A
-- slot that migrates (or moved away) is left alone, checked before any write
-- as lib.lua require_stable_slot does (only where there is something to
-- write); a later call cleans it.
-- No KEYS (every key is on a slot of this node).
-- ARGV[1] the key prefix (redis.prefix)   ARGV[2] most entries to handle
-- ARGV[3..] slot prefixes (<prefix>c counters, <prefix>lz, <prefix>rz)
-- Returns { tokens removed, entries handled } (handled < ARGV[2]: none left).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local budget = tonumber(ARGV[2])
local removed = 0
local function stable(slot_prefix)
  local r = redis.pcall('EXISTS', slot_prefix .. '~1', slot_prefix .. '~2')
  return not (type(r) == 'table' and r.err)
end
-- A read of the slot's keys, or nil when the slot migrates or moved away.
local function read(...)
  local r = redis.pcall(...)
  if type(r) == 'table' and r.err then return nil end
  return r
end
-- Handles up to `budget` expired entries of one slot; returns how many it handled.
local function clean_slot(slot_prefix, budget)
  local lz, rz = slot_prefix .. 'lz', slot_prefix .. 'rz'
  local ids = read('ZRANGEBYSCORE', lz, '-inf', now, 'LIMIT', 0, budget)
  local due = read('ZRANGEBYSCORE', rz, '-inf', now, 'LIMIT', 0, budget - #(ids or {}))
  if not ids or not due or (#ids == 0 and #due == 0) or not stable(slot_prefix) then return 0 end
  if #ids > 0 then
    redis.call('ZREM', lz, unpack(ids))
    removed = removed + #ids
  end
  local settled = {}
  for _, m in ipairs(due) do
    local tag = string.match(m, '^(%b{}) ')
    if tag and not settled[tag] then
      settled[tag] = true
      local account = ARGV[1] .. tag
      removed = removed + settle(account .. ':s', account .. ':t', account .. ':n', slot_prefix .. 'c')
    end
    local score = redis.call('ZSCORE', rz, m)
    if score and tonumber(score) <= now then
      redis.call('ZREM', rz, m)
      removed = removed + 1
    end
  end
  return #ids + #due
end
local handled = 0
for i = 3, #ARGV do
  if handled >= budget then break end
  handled = handled + clean_slot(ARGV[i], budget - handled)
end
return { removed, handled }

-- cleanup_tokens: removes up to ARGV[2] expired tokens on the slots given,
-- all served by the Redis node it runs on (as counts.lua; POST
-- /api/v1/cleanup-tokens). Login tokens: their entries in the slot's lz go
-- (the token keys expired with them). Resume tokens: each account with an
-- expired token in the slot's rz is settled (lib.lua settle), which removes
-- its expired tokens and fixes its counters; an expired entry settle did not
-- know of goes too. Bounded: it stops once ARGV[2] entries were handled.
-- No KEYS (every key is on a slot of this node).
-- ARGV[1] the key prefix (redis.prefix)   ARGV[2] most entries to handle
-- ARGV[3..] slot prefixes (<prefix>c counters, <prefix>lz, <prefix>rz)
-- Returns { tokens removed, entries handled } (handled < ARGV[2]: none left).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local budget = tonumber(ARGV[2])
local removed, handled = 0, 0
for i = 3, #ARGV do
  if budget <= 0 then break end
  local lz, rz = ARGV[i] .. 'lz', ARGV[i] .. 'rz'
  local ids = redis.call('ZRANGEBYSCORE', lz, '-inf', now, 'LIMIT', 0, budget)
  if #ids > 0 then
    redis.call('ZREM', lz, unpack(ids))
    removed = removed + #ids
    handled = handled + #ids
    budget = budget - #ids
  end
  local due = {}
  if budget > 0 then due = redis.call('ZRANGEBYSCORE', rz, '-inf', now, 'LIMIT', 0, budget) end
  local settled = {}
  for _, m in ipairs(due) do
    local tag = string.match(m, '^(%b{}) ')
    if tag and not settled[tag] then
      settled[tag] = true
      local account = ARGV[1] .. tag
      removed = removed + settle(account .. ':s', account .. ':t', account .. ':n', ARGV[i] .. 'c')
    end
    local score = redis.call('ZSCORE', rz, m)
    if score and tonumber(score) <= now then
      redis.call('ZREM', rz, m)
      removed = removed + 1
    end
    handled = handled + 1
    budget = budget - 1
  end
end
return { removed, handled }

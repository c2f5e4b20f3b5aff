-- counts: sums the table-wide counters of the slots given, all served by the
-- Redis node it runs on (src/session/redis-index.ts).
-- No KEYS (the slots' keys are local to this node; a slot that moved away
-- fails the script and the caller reads that node's slots one by one).
-- ARGV[1] now (ms)   ARGV[2..] slot prefixes: <prefix>c is the slot's counters
-- hash (s, a, d:<domain>), <prefix>lz its login tokens (sorted set id -> expiry
-- ms), <prefix>rz its resume tokens (sorted set, lib.lua settle_tokens)
-- Returns the sums flat: field, value, ... with L / R = live login / resume
-- tokens and LS / RS = login / resume tokens stored (live, or expired and not
-- yet removed).
local sums = {}
local live, stored = { L = 0, R = 0 }, { L = 0, R = 0 }
for i = 2, #ARGV do
  local flat = redis.call('HGETALL', ARGV[i] .. 'c')
  for j = 1, #flat, 2 do
    -- ~ fields: a recount under way (lib.lua tally), not counters
    if string.sub(flat[j], 1, 1) ~= '~' then sums[flat[j]] = (sums[flat[j]] or 0) + tonumber(flat[j + 1]) end
  end
  for kind, key in pairs({ L = ARGV[i] .. 'lz', R = ARGV[i] .. 'rz' }) do
    live[kind] = live[kind] + redis.call('ZCOUNT', key, '(' .. ARGV[1], '+inf')
    stored[kind] = stored[kind] + redis.call('ZCARD', key)
  end
end
local out = { 'L', live.L, 'R', live.R, 'LS', stored.L, 'RS', stored.R }
for k, v in pairs(sums) do
  out[#out + 1] = k
  out[#out + 1] = v
end
return out

-- counts: sums the table-wide counters of the slots given, all served by the
-- Redis node it runs on (src/session/redis-index.ts).
-- No KEYS (the slots' keys are local to this node; a slot that moved away
-- fails the script and the caller reads that node's slots one by one).
-- ARGV[1] now (ms)   ARGV[2..] slot prefixes: <prefix>c is the slot's counters
-- hash (s, a, t, d:<domain>), <prefix>lz its login tokens (sorted set id -> expiry ms)
-- Returns the sums flat: field, value, ... with L = live login tokens.
local sums = {}
local login_tokens = 0
for i = 2, #ARGV do
  local flat = redis.call('HGETALL', ARGV[i] .. 'c')
  for j = 1, #flat, 2 do sums[flat[j]] = (sums[flat[j]] or 0) + tonumber(flat[j + 1]) end
  login_tokens = login_tokens + redis.call('ZCOUNT', ARGV[i] .. 'lz', '(' .. ARGV[1], '+inf')
end
local out = {'L', login_tokens}
for k, v in pairs(sums) do
  out[#out + 1] = k
  out[#out + 1] = v
end
return out

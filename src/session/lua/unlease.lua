-- unlease: forgets a dead node's lease once its sessions are reaped, unless
-- the node renewed it meanwhile.
-- KEYS[1] gateways sorted set (member: gateway id, score: lease expiry ms)
-- KEYS[2] the set of slots the node indexed sessions on (forgotten with it)
-- ARGV[1] gateway id   ARGV[2] the expiry the reaper saw (ms)
-- Returns 1 if forgotten, 0 if the lease changed.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[2])
  return 1
end
return 0

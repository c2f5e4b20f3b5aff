-- lease: a gateway node renews its liveness.
-- KEYS[1] gateways sorted set (member: gateway id, score: lease expiry ms)
-- ARGV[1] gateway id   ARGV[2] new lease expiry (ms)
-- Returns the previous expiry as a string, or false when the node had no lease.
local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return old

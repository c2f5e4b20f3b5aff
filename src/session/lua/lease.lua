-- lease: a gateway node renews its liveness, and says which process it is.
-- KEYS[1] gateways sorted set (member: gateway id, score: lease expiry ms)
-- KEYS[2] the id's owner key ("<instance>:<renewal count>", expiring with the lease)
-- ARGV[1] gateway id   ARGV[2] new lease expiry (ms)   ARGV[3] the owner value   ARGV[4] lease TTL (ms)
-- Returns {previous expiry as a string or false (no lease), previous owner value or false}.
local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local owner = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
return {old, owner}

-- put_login_token: stores a single-use login token and lists it in its slot's
-- sorted set of login tokens (what the token count reads); expired entries go,
-- at most 100 per call (each call adds one, so the set still drains; a mass
-- expiry never makes one call long).
-- KEYS[1] the login token key   KEYS[2] the slot's login tokens (sorted set id -> expiry ms)
-- ARGV[1] token JSON   ARGV[2] id   ARGV[3] expiry (ms)   ARGV[4] now (ms)
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
local expired = redis.call('ZRANGE', KEYS[2], '-inf', ARGV[4], 'BYSCORE', 'LIMIT', 0, 100)
if #expired > 0 then redis.call('ZREM', KEYS[2], unpack(expired)) end
return 0

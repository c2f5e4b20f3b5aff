-- take_login_token: takes a single-use login token if it belongs to the
-- account and its secret matches (compare-and-delete), else leaves it.
-- KEYS[1] the login token key (JSON {domain, name, ssid, hash, expires[, extend]}; expires with it)
-- KEYS[2] the slot's login tokens (sorted set id -> expiry ms)
-- ARGV[1] domain   ARGV[2] name   ARGV[3] SHA-256 of the presented secret   ARGV[4] id
-- Returns the token JSON, or nil.
local raw = redis.call('GET', KEYS[1])
if not raw then return nil end
local t = cjson.decode(raw)
if t.domain ~= ARGV[1] or t.name ~= ARGV[2] or t.hash ~= ARGV[3] then return nil end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[4])
return raw

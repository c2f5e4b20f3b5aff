-- withdraw: this node gave up on a login it sent (the table did not answer in
-- time, or its socket closed meanwhile). The login's record goes if it was
-- written, and the login is marked withdrawn (in the revocations hash, field
-- "w:<connId>:<reg>") so that a late execution of it writes nothing: a Redis
-- Cluster client resends a command after TRYAGAIN or ASK also when the
-- caller's timeout has already failed it (login.lua checks the mark).
-- KEYS[1] sessions hash (ssid -> session JSON)   KEYS[2] resume tokens hash
-- KEYS[3] the account's counts   KEYS[4] the slot's counters (lib.lua settle)
-- KEYS[5] revocations hash
-- ARGV[1] ssid   ARGV[2] connId   ARGV[3] gateway id   ARGV[4] the login's reg (ms)
-- ARGV[5] now (ms)   ARGV[6] until when the mark is kept (ms)
-- Returns the removed session JSON, or false.
require_stable_slot()
local expires = tonumber(ARGV[6])
redis.call('HSET', KEYS[5], withdrawn_field(ARGV[2], ARGV[4]), cjson.encode({ expires = expires, at = tonumber(ARGV[5]) }))
local ttl = redis.call('PTTL', KEYS[5])
if ttl < 0 or tonumber(ARGV[5]) + ttl < expires then redis.call('PEXPIREAT', KEYS[5], expires) end
return remove_held(ARGV[1], ARGV[2], ARGV[3])

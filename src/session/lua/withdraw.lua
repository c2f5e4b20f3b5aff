-- withdraw: this node gave up on a login it sent (the table did not answer in
-- time, or its socket closed meanwhile). The login's record goes if it was
-- written, and the login is marked withdrawn (in the revocations hash, field
-- "w:<connId>:<reg>") so that a late execution of it writes nothing: a Redis
-- Cluster client resends a command after TRYAGAIN or ASK also when the
-- caller's timeout has already failed it (login.lua checks the mark).
-- A record that goes also gives back what the login used up, since its client
-- never got the resume token written with it, so that the client's retry of
-- the same AUTH works: a resume's presented token (ARGV[8]) takes the new
-- one's place until the new one's expiry (no longer than the login granted);
-- a login token it took comes back from the new token's "undo" (login.lua);
-- otherwise the new token goes.
-- KEYS[1] sessions hash (ssid -> session JSON)   KEYS[2] resume tokens hash
-- KEYS[3] the account's counts   KEYS[4] the slot's counters (lib.lua settle)
-- KEYS[5] revocations hash
-- KEYS[6] the key of the login token the login presented (ARGV[7]), KEYS[7]
--   the slot's login tokens (sorted set id -> expiry ms)
-- ARGV[1] ssid   ARGV[2] connId   ARGV[3] gateway id   ARGV[4] the login's reg (ms)
-- ARGV[5] now (ms)   ARGV[6] until when the mark is kept (ms)
-- ARGV[7] the id of the login token the login presented ("" = none)
-- ARGV[8] the hash of the resume token the login presented ("" = none)
-- ARGV[9] the event channel, ARGV[10] the OFFLINE event published there when
--   a record goes (the login's own ONLINE may have gone out: login.lua)
-- Returns the removed session JSON, or false.
require_stable_slot()
local now = tonumber(ARGV[5])
local expires = tonumber(ARGV[6])
redis.call('HSET', KEYS[5], withdrawn_field(ARGV[2], ARGV[4]), cjson.encode({ expires = expires, at = now }))
local ttl = redis.call('PTTL', KEYS[5])
if ttl < 0 or now + ttl < expires then redis.call('PEXPIREAT', KEYS[5], expires) end

local function undo()
  local raw = redis.call('HGET', KEYS[2], ARGV[1])
  local issued = raw and cjson.decode(raw)
  if issued and ARGV[8] ~= '' then
    -- the presented token again, with what the new one carries of the identity
    issued.hash, issued.p, issued.pu, issued.undo = ARGV[8], nil, nil, nil
    redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(issued))
  else
    redis.call('HDEL', KEYS[2], ARGV[1])
  end
  local u = issued and issued.undo
  if u and u.l and u.l.expires > now and ARGV[7] ~= '' then
    redis.call('SET', KEYS[6], cjson.encode(u.l), 'PXAT', u.l.expires)
    redis.call('ZADD', KEYS[7], u.l.expires, ARGV[7])
  end
end
local raw = remove_held(ARGV[1], ARGV[2], ARGV[3], undo)
announce(raw, ARGV[9], ARGV[10])
return raw

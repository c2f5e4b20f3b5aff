-- login: one AUTH of one account, decided and applied atomically (the same
-- rules as MemoryRegistry.login and src/policy/login-policy.ts).
-- KEYS[1] sessions hash (ssid -> session JSON)
-- KEYS[2] resume tokens hash (ssid -> token JSON {hash, expires})
-- KEYS[3] block key (ms until which logins are refused)
-- KEYS[4] the account's counts   KEYS[5] the slot's counters (lib.lua settle)
-- KEYS[6] revocations hash (lib.lua revoke)
-- ARGV[1] the new session JSON (with reg)   ARGV[2] now (ms)
-- ARGV[3] dead gateways JSON {id: lease expiry ms}
-- ARGV[4] device limit   ARGV[5] type limit   ARGV[6] "reject" | "kick"   ARGV[7] min age (ms)
-- ARGV[8] hash of the presented resume token ("" = not a resume)
-- ARGV[9] the new session's resume token JSON {hash, expires}   ARGV[10] its expiry (ms)
-- ARGV[11] until when the revocation of a session logged out here is kept (ms)
-- ARGV[12..] own ssids to log out first (AUTH kick)
-- Returns {"ok", removed[], evicted[], replaced JSON or ""} or
--         {"no", 4110|4111|4115, blocking[], removed[]} (session JSON strings).
require_stable_slot()
local now = tonumber(ARGV[2])
local new = cjson.decode(ARGV[1])
local ssid = new.ssid
local resume = ARGV[8] ~= ''

-- A record of this ssid held by this very socket can only have been put back
-- by its node's rejoin while this login was in flight: it is this login's
-- own, does not count against it, and goes when the login is refused.
local existing = redis.call('HGET', KEYS[1], ssid)
local own = existing and cjson.decode(existing).connId == new.connId
-- ... and its registration time is newer than this login's: keep it, or a
-- reap of registrations older than the rejoin would delete the session
if own then
  local reg = cjson.decode(existing).reg or 0
  if reg > (new.reg or 0) then new.reg = reg end
end
local function refuse(code, blocking, removed)
  if own then redis.call('HDEL', KEYS[1], ssid) end
  settle(KEYS[1], KEYS[2], KEYS[4], KEYS[5])
  return {'no', code, blocking, removed}
end

local blocked_until = tonumber(redis.call('GET', KEYS[3]) or '0')
if blocked_until > now then return refuse(4110, {}, {}) end
if resume then
  local t = redis.call('HGET', KEYS[2], ssid)
  local rec = t and cjson.decode(t)
  if not rec or rec.expires <= now or rec.hash ~= ARGV[8] then return refuse(4115, {}, {}) end
end

local dead = cjson.decode(ARGV[3])
drop_if_ghost(KEYS[1], ssid, dead)
local kick = {}
for i = 12, #ARGV do
  if ARGV[i] ~= ssid then kick[#kick + 1] = ARGV[i] end
end
local rev = { key = KEYS[6], now = now, expires = tonumber(ARGV[11]) }
local removed = take(KEYS[1], KEYS[2], kick, rev)

-- A resume of a listed ssid replaces it in place (keeping loginTime), but its
-- termtyp may differ: it is decided next to the others like any login. Any
-- other record of this ssid can only be this login's own (see above).
existing = redis.call('HGET', KEYS[1], ssid)
local in_place = existing and resume
local accept, list = decide(live_others(KEYS[1], dead, ssid), new.termtyp, tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]), now)
if not accept then return refuse(4111, raws(list), removed) end
local evicted = {}
for i, s in ipairs(list) do evicted[i] = s.ssid end
take(KEYS[1], KEYS[2], evicted, rev)
if in_place then new.loginTime = cjson.decode(existing).loginTime end
redis.call('HSET', KEYS[1], ssid, cjson.encode(new))
store_token(KEYS[2], ssid, ARGV[9], tonumber(ARGV[10]), now, KEYS[1])
settle(KEYS[1], KEYS[2], KEYS[4], KEYS[5])
return {'ok', removed, raws(list), in_place and existing or ''}

-- restore: a node re-registers one of its live sessions after Redis or its
-- lease came back. Refused when the session was logged out (kicked, evicted,
-- LOGOUT: lib.lua revoked) or its account blocked while the node was away.
-- Else kept, or put back, only if the account's limits allow it next to the
-- other live sessions (reject mode: it never evicts anyone; a login accepted
-- while this node's sessions did not count wins); otherwise the socket has
-- lost its place.
-- KEYS[1] sessions hash (ssid -> session JSON)   KEYS[2] resume tokens hash
-- KEYS[3] the account's counts   KEYS[4] the slot's counters (lib.lua settle)
-- KEYS[5] block key   KEYS[6] revocations hash (lib.lua revoke)
-- ARGV[1] the session JSON (with reg = now)   ARGV[2] now (ms)
-- ARGV[3] dead gateways JSON {id: lease expiry ms}
-- ARGV[4] device limit   ARGV[5] type limit
-- Returns 1 (registered), 0 (displaced), 2 (revoked: logged out or blocked) or
-- 3 (a login its node withdrew while this restore was on its way: nothing to do).
require_stable_slot()
local s = cjson.decode(ARGV[1])
local dead = cjson.decode(ARGV[3])
local now = tonumber(ARGV[2])
if redis.call('HEXISTS', KEYS[6], withdrawn_field(s.connId, string.format('%d', s.loginTime))) == 1 then return 3 end
-- The ssid's record, decoded (false for none), and whether it is this session's.
local function read()
  local raw = redis.call('HGET', KEYS[1], s.ssid)
  return raw and cjson.decode(raw)
end
local function held(e)
  if not e then return false end
  return e.gateway == s.gateway and e.connId == s.connId
end
local function lose(code)
  if held(read()) then redis.call('HDEL', KEYS[1], s.ssid) end
  settle(KEYS[1], KEYS[2], KEYS[3], KEYS[4])
  return code
end
local e = read()
if tonumber(redis.call('GET', KEYS[5]) or '0') > now or revoked(KEYS[6], s, now, held(e)) then return lose(2) end
if drop_ghost(KEYS[1], s.ssid, dead, e) then e = nil end
if e then
  if not held(e) then return lose(0) end
  if not decide(live_others(KEYS[1], dead, s.ssid), s.termtyp, tonumber(ARGV[4]), tonumber(ARGV[5]), 'reject', 0, now) then return lose(0) end
  e.reg = s.reg
  redis.call('HSET', KEYS[1], s.ssid, cjson.encode(e))
  settle(KEYS[1], KEYS[2], KEYS[3], KEYS[4])
  return 1
end
local accept = decide(live_sessions(KEYS[1], dead), s.termtyp, tonumber(ARGV[4]), tonumber(ARGV[5]), 'reject', 0, now)
if not accept then return lose(0) end
redis.call('HSET', KEYS[1], s.ssid, ARGV[1])
settle(KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return 1

-- remove_sessions: logs out sessions of one account (LOGOUT, KICK, admin kick),
-- revokes their resume tokens ("all": every token of the account, also those
-- of sessions that already closed) and records the logout, so that a node
-- away from the cluster cannot put them back when it rejoins (lib.lua revoke).
-- KEYS[1] sessions hash (ssid -> session JSON)   KEYS[2] resume tokens hash
-- KEYS[3] the account's counts   KEYS[4] the slot's counters (lib.lua settle)
-- KEYS[5] revocations hash (lib.lua revoke)
-- KEYS[6] (one Redis only) the ssid index hash: the removed sessions and
--   ghosts leave it here (on Redis Cluster the caller does it, unindex.lua)
-- ARGV[1] dead gateways JSON {id: lease expiry ms}
-- ARGV[2] "all" (every session of the account) or "list"   ARGV[3] now (ms)
-- ARGV[4] until when the revocation is kept (ms)   ARGV[5..] ssids when "list"
-- Returns {removed, ghosts, closed}: the removed session JSON strings,
-- ("all") those of ghosts of dead nodes, which go too (no rejoin must find
-- them) but are not reported as kicked, and the JWT revocations (JSON) that
-- the revoked resume tokens of sessions no longer listed carry (the node
-- revokes those JWTs as it does the removed sessions').
require_stable_slot()
local rev = { key = KEYS[5], now = tonumber(ARGV[3]), expires = tonumber(ARGV[4]) }

-- The revocations carried by the resume tokens of `ssids` whose sessions are not listed.
local function closed_revocations(ssids)
  local out = {}
  for _, k in ipairs(ssids) do
    if redis.call('HEXISTS', KEYS[1], k) == 0 then
      local raw = redis.call('HGET', KEYS[2], k)
      if raw and string.find(raw, '"revocation"', 1, true) then
        local r = cjson.decode(raw).revocation
        if type(r) == 'table' then out[#out + 1] = cjson.encode(r) end
      end
    end
  end
  return out
end

if ARGV[2] ~= 'all' then
  local ssids = {}
  for i = 5, #ARGV do ssids[#ssids + 1] = ARGV[i] end
  local closed = closed_revocations(ssids)
  local removed = take(KEYS[1], KEYS[2], ssids, rev)
  settle(KEYS[1], KEYS[2], KEYS[3], KEYS[4])
  if KEYS[6] then unindex_left(KEYS[6], KEYS[1], removed) end
  return {removed, {}, closed}
end
local dead = cjson.decode(ARGV[1])
local ghosts, ghost_ssids = {}, {}
for _, s in ipairs(decode_all(KEYS[1])) do
  if is_ghost(s, dead) then
    redis.call('HDEL', KEYS[1], s.ssid)
    ghosts[#ghosts + 1] = s.raw
    ghost_ssids[#ghost_ssids + 1] = s.ssid
  end
end
local ssids = {}
for _, s in ipairs(live_sessions(KEYS[1], dead)) do ssids[#ssids + 1] = s.ssid end
local closed = closed_revocations(redis.call('HKEYS', KEYS[2]))
local removed = take(KEYS[1], KEYS[2], ssids, rev)
redis.call('DEL', KEYS[2])
revoke(rev, ghost_ssids, rev.now)
settle(KEYS[1], KEYS[2], KEYS[3], KEYS[4])
if KEYS[6] then
  unindex_left(KEYS[6], KEYS[1], removed)
  unindex_left(KEYS[6], KEYS[1], ghosts)
end
return {removed, ghosts, closed}

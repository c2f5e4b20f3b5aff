-- remove_sessions: logs out sessions of one account (LOGOUT, KICK, admin kick)
-- and revokes their resume tokens ("all": every token of the account, also
-- those of sessions that already closed).
-- KEYS[1] sessions hash (ssid -> session JSON)   KEYS[2] resume tokens hash
-- KEYS[3] the account's counts   KEYS[4] the slot's counters (lib.lua settle)
-- ARGV[1] dead gateways JSON {id: lease expiry ms}
-- ARGV[2] "all" (every session of the account) or "list"   ARGV[3..] ssids when "list"
-- Returns the removed session JSON strings.
require_stable_slot()
local ssids = {}
if ARGV[2] == 'all' then
  for _, s in ipairs(live_sessions(KEYS[1], cjson.decode(ARGV[1]))) do ssids[#ssids + 1] = s.ssid end
else
  for i = 3, #ARGV do ssids[#ssids + 1] = ARGV[i] end
end
local removed = take(KEYS[1], KEYS[2], ssids)
if ARGV[2] == 'all' then redis.call('DEL', KEYS[2]) end
settle(KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return removed

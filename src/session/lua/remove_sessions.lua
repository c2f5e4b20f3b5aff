-- remove_sessions: logs out sessions of one account (LOGOUT, KICK, admin kick)
-- and revokes their resume tokens.
-- KEYS[1] sessions hash (ssid -> session JSON)   KEYS[2] resume tokens hash
-- ARGV[1] dead gateways JSON {id: lease expiry ms}
-- ARGV[2] "all" (every session of the account) or "list"   ARGV[3..] ssids when "list"
-- Returns the removed session JSON strings.
purge_ghosts(KEYS[1], cjson.decode(ARGV[1]))
local ssids = {}
if ARGV[2] == 'all' then
  ssids = redis.call('HKEYS', KEYS[1])
else
  for i = 3, #ARGV do ssids[#ssids + 1] = ARGV[i] end
end
return take(KEYS[1], KEYS[2], ssids)

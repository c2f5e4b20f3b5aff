-- unindex: forgets ssids in one slot's ssid index (field ssid -> "<account
-- tag> <connId>") if they still point at the socket whose session left, so a
-- resume that re-indexed the ssid meanwhile keeps its entry.
-- KEYS[1] the ssid index hash
-- ARGV pairs: ssid, the entry it must still have
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 0

-- touch: moves refreshTime of sessions of one account forward.
-- KEYS[1] sessions hash (ssid -> session JSON)
-- ARGV pairs: ssid, time (ms)
for i = 1, #ARGV, 2 do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  local t = tonumber(ARGV[i + 1])
  if raw then
    local s = cjson.decode(raw)
    if t > s.refreshTime then
      s.refreshTime = t
      redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(s))
    end
  end
end
return 0

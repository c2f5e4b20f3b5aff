-- touch: moves refreshTime of sessions of one account forward, and reports
-- the ones no longer listed for the socket that touches them.
-- KEYS[1] sessions hash (ssid -> session JSON)
-- ARGV triples: ssid, connId, time (ms)
-- Returns the 1-based positions (of the triples) whose session is gone or
-- held by another socket.
local gone = {}
for i = 1, #ARGV, 3 do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  local s = raw and cjson.decode(raw)
  if not s or s.connId ~= ARGV[i + 1] then
    gone[#gone + 1] = (i + 2) / 3
  else
    local t = tonumber(ARGV[i + 2])
    if t > s.refreshTime then
      s.refreshTime = t
      redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(s))
    end
  end
end
return gone

-- touch: moves refreshTime of sessions of one account forward, and reports
-- the ones no longer listed for the socket that touches them.
-- KEYS[1] sessions hash (ssid -> session JSON)
-- ARGV triples: ssid, connId, time (ms)
-- Returns {gone, taken}: 1-based positions (of the triples) whose session is
-- not in the table at all / is held by another socket.
local gone, taken = {}, {}
for i = 1, #ARGV, 3 do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  local s = raw and cjson.decode(raw)
  local pos = (i + 2) / 3
  if not s then
    gone[#gone + 1] = pos
  elseif s.connId ~= ARGV[i + 1] then
    taken[#taken + 1] = pos
  else
    local t = tonumber(ARGV[i + 2])
    if t > s.refreshTime then
      s.refreshTime = t
      redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(s))
    end
  end
end
return {gone, taken}

-- stats: one account's live sessions (not ghosts of dead nodes) and live resume tokens.
-- KEYS[1] sessions hash (ssid -> session JSON)   KEYS[2] resume tokens hash
-- ARGV[1] now (ms)   ARGV[2] dead gateways JSON {id: lease expiry ms}
-- Returns {sessions, tokens}.
local now = tonumber(ARGV[1])
local dead = cjson.decode(ARGV[2])
local sessions = #live_sessions(KEYS[1], dead)
local tokens = 0
for _, t in ipairs(redis.call('HVALS', KEYS[2])) do
  if cjson.decode(t).expires > now then tokens = tokens + 1 end
end
return {sessions, tokens}

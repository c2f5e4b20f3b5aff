-- Shared helpers, prepended to every other script of this folder when it is
-- loaded (src/session/redis-script.ts). No KEYS/ARGV of its own.
-- Session records are JSON (src/session/registry.ts SessionInfo) plus `reg`:
-- the ms at which their node last (re)registered them.

-- Byte order of two strings, as JavaScript orders the ASCII ssids (Lua's `<`
-- follows the server's locale, so it is not used on strings).
local function bytes_less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- Oldest first: by loginTime, then by ssid (login-policy.ts byAge).
local function older(a, b)
  if a.loginTime ~= b.loginTime then return a.loginTime < b.loginTime end
  return bytes_less(a.ssid, b.ssid)
end

-- Every record of a sessions hash, decoded, each with its JSON text in `raw`.
local function decode_all(key)
  local flat = redis.call('HGETALL', key)
  local out = {}
  for i = 2, #flat, 2 do
    local s = cjson.decode(flat[i])
    s.raw = flat[i]
    out[#out + 1] = s
  end
  return out
end

-- Deletes the ghosts of an account: sessions of a node whose lease expired
-- (`dead` = {gateway id: lease expiry ms}) that it had not re-registered since.
local function purge_ghosts(key, dead)
  for _, s in ipairs(decode_all(key)) do
    local expiry = dead[s.gateway]
    if expiry ~= nil and (s.reg or 0) < expiry then redis.call('HDEL', key, s.ssid) end
  end
end

local function raws(list)
  local out = {}
  for i, s in ipairs(list) do out[i] = s.raw end
  return out
end

-- src/policy/login-policy.ts decideLogin, rule for rule. Returns
-- true, evict (oldest first) or false, blocking (oldest first).
local function decide(sessions, termtyp, device_limit, type_limit, mode, min_age, now)
  local same = {}
  if termtyp ~= 0 then
    for _, s in ipairs(sessions) do if s.termtyp == termtyp then same[#same + 1] = s end end
  end
  local type_excess = 0
  if termtyp ~= 0 then type_excess = math.max(0, #same - type_limit + 1) end
  local total_excess = math.max(0, #sessions - device_limit + 1)
  if type_excess == 0 and total_excess == 0 then return true, {} end

  local blocking = {}
  for i, s in ipairs(total_excess > 0 and sessions or same) do blocking[i] = s end
  table.sort(blocking, older)
  if mode == 'reject' then return false, blocking end

  table.sort(same, older)
  local evict, chosen = {}, {}
  for i = 1, type_excess do
    evict[i] = same[i]
    chosen[same[i].ssid] = true
  end
  local remaining = {}
  for _, s in ipairs(sessions) do if not chosen[s.ssid] then remaining[#remaining + 1] = s end end
  table.sort(remaining, older)
  for i = 1, math.max(0, #remaining - device_limit + 1) do evict[#evict + 1] = remaining[i] end
  if min_age > 0 then
    for _, s in ipairs(evict) do
      if now - s.loginTime < min_age then return false, blocking end
    end
  end
  return true, evict
end

-- Stores a resume token (one per ssid), drops expired ones, and keeps the hash
-- alive as long as its longest-lived token.
local function store_token(key, ssid, json, expires, now)
  local flat = redis.call('HGETALL', key)
  for i = 1, #flat, 2 do
    if cjson.decode(flat[i + 1]).expires <= now then redis.call('HDEL', key, flat[i]) end
  end
  redis.call('HSET', key, ssid, json)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 or now + ttl < expires then redis.call('PEXPIREAT', key, expires) end
end

-- Logs out these ssids of one account: removes their sessions (returned as
-- JSON strings) and revokes their resume tokens (MemoryRegistry.take).
local function take(sessions_key, tokens_key, ssids)
  local removed = {}
  for _, k in ipairs(ssids) do
    local raw = redis.call('HGET', sessions_key, k)
    if raw then
      redis.call('HDEL', sessions_key, k)
      removed[#removed + 1] = raw
    end
    redis.call('HDEL', tokens_key, k)
  end
  return removed
end

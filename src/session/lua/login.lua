-- login: one AUTH of one account, decided and applied atomically (the same
-- rules as MemoryRegistry.login and src/policy/login-policy.ts).
-- KEYS[1] sessions hash (ssid -> session JSON)
-- KEYS[2] resume tokens hash (ssid -> token JSON {hash, expires})
-- KEYS[3] block key (ms until which logins are refused)
-- KEYS[4] the account's counts   KEYS[5] the slot's counters (lib.lua settle)
-- KEYS[6] revocations hash (lib.lua revoke)
-- KEYS[7] the presented login token's key (JSON {domain, name, ssid, hash, expires[, extend]})
-- KEYS[8] the slot's login tokens (sorted set id -> expiry ms)
-- KEYS[9], KEYS[10] (one Redis only; on Redis Cluster they live on other
--   slots and the caller writes them) the ssid index hash and the new resume
--   token's index key (src/session/redis-index.ts, token-index.ts): the
--   sessions this login removes leave the ssid index, and both are written
--   when it is accepted
-- ARGV[1] the new session JSON (with reg)   ARGV[2] now (ms)
-- ARGV[3] dead gateways JSON {id: lease expiry ms}
-- ARGV[4] device limit   ARGV[5] type limit   ARGV[6] "reject" | "kick"   ARGV[7] min age (ms)
--   (the domain's: a resume in place puts the listed record's own limits over them)
-- ARGV[8] hash of the presented resume token ("" = not a resume)
-- ARGV[9] the new session's resume token JSON {hash, expires[, extend, limits,
--   revocation]} (what it carries of the identity, src/auth/token-store.ts)   ARGV[10] its expiry (ms)
--   (capped here at the JWT's exp when a resume brings the JWT: see below)
-- ARGV[11] until when the revocation of a session logged out here is kept (ms)
-- ARGV[12] the presented login token's id   ARGV[13] its hash ("" = none)
-- ARGV[14] the ssid index entry   ARGV[15] the token index entry (with KEYS[9], KEYS[10])
-- ARGV[16] until when (ms) the resume token a resume replaces answers 5104 rather than 4115
-- ARGV[17] the event channel, ARGV[18] the ONLINE event published there when
--   the login is accepted ("" = none: the node publishes, Bus.carry)
-- ARGV[19..] own ssids to log out first (AUTH kick)
-- The new resume token of a login that took a login token keeps that token's
-- JSON (field "undo" = {"l": ...}), which a withdrawal of the login puts back
-- (withdraw.lua; a resume's presented token is given back from its hash).
-- That of a resume keeps the first 16 characters of the presented token's hash
-- ("p") and ARGV[16] ("pu"): until then a resume presenting the replaced token
-- is answered 5104 (try again), not 4115, since the login that replaced it may
-- still be withdrawn by its node, whose withdraw.lua can be queued behind
-- seconds of that node's other commands, and the withdrawal gives it back.
-- The presented token (resume or login) is checked first, before the block:
-- the gateway answers 4115 for a bad one whatever else holds.
-- Returns {"ok", removed[], evicted[], replaced JSON or "", the stored JSON} or
--         {"no", 4110|4111|4115, blocking[], removed[]} (session JSON strings),
--         or {"no", 5104, {}, {}} for a withdrawn login (withdraw.lua) and for
--         a resume presenting the token another resume replaced until ARGV[16].
require_stable_slot()
local now = tonumber(ARGV[2])
local new = cjson.decode(ARGV[1])
local ssid = new.ssid
local resume = ARGV[8] ~= ''
local extra = nil -- fields of the new token's JSON besides hash and expires (see above)
local carried = nil -- the identity the presented token carries (resume) or brings (login token)

-- Merges `fields` (extend of an identity) over the new session's extend.
local function extend_over(fields)
  if type(fields) ~= 'table' or next(fields) == nil then return end
  new.extend = type(new.extend) == 'table' and new.extend or {}
  for k, v in pairs(fields) do new.extend[k] = v end
end
-- a login its node gave up on (withdraw.lua), executed late: it writes nothing
if redis.call('HEXISTS', KEYS[6], withdrawn_field(new.connId, string.format('%d', new.reg or 0))) == 1 then return {'no', 5104, {}, {}} end

-- A record of this ssid held by this very socket can only have been put back
-- by its node's rejoin while this login was in flight: it is this login's
-- own, does not count against it, and goes when the login is refused.
local all = decode_all(KEYS[1])
local held = nil
for _, s in ipairs(all) do
  if s.ssid == ssid then held = s end
end
local existing = held and held.raw
local own = held and held.connId == new.connId
-- ... and its registration time is newer than this login's: keep it, or a
-- reap of registrations older than the rejoin would delete the session
if own and (held.reg or 0) > (new.reg or 0) then new.reg = held.reg end
local function refuse(code, blocking, removed)
  if own then redis.call('HDEL', KEYS[1], ssid) end
  settle(KEYS[1], KEYS[2], KEYS[4], KEYS[5])
  if KEYS[9] then unindex_left(KEYS[9], KEYS[1], removed) end
  return {'no', code, blocking, removed}
end

if resume then
  local t = redis.call('HGET', KEYS[2], ssid)
  local rec = t and cjson.decode(t)
  if not rec or rec.expires <= now then return refuse(4115, {}, {}) end
  local prefix = string.sub(ARGV[8], 1, 16)
  if rec.hash ~= ARGV[8] then
    if rec.pu and rec.pu > now and rec.p == prefix then return refuse(5104, {}, {}) end
    return refuse(4115, {}, {})
  end
  extra = '"p":"' .. prefix .. '","pu":' .. ARGV[16]
  carried = rec
elseif ARGV[13] ~= '' then
  -- single use: a token of this account whose secret matches is taken whatever follows
  local t = take_login_token(KEYS[7], KEYS[8], ARGV[12], new.domain, new.name, ARGV[13])
  local rec = t and cjson.decode(t)
  if not rec or rec.expires <= now then return refuse(4115, {}, {}) end
  extra = '"undo":{"l":' .. t .. '}'
  carried = { extend = rec.extend }
  extend_over(rec.extend)
end
local blocked_until = tonumber(redis.call('GET', KEYS[3]) or '0')
if blocked_until > now then return refuse(4110, {}, {}) end

local dead = cjson.decode(ARGV[3])
-- the record read above is still this ssid's: nothing since has written it
if drop_ghost(KEYS[1], ssid, dead, held) then existing, held = nil, nil end
local kick = {}
for i = 19, #ARGV do
  if ARGV[i] ~= ssid then kick[#kick + 1] = ARGV[i] end
end
local rev = { key = KEYS[6], now = now, expires = tonumber(ARGV[11]) }
local removed = take(KEYS[1], KEYS[2], kick, rev)
-- `all` from here on: the records left after the kick (the ssid's own, which
-- the kick list never holds, stays in it: see below)
if #kick > 0 then
  local kicked, left = {}, {}
  for _, k in ipairs(kick) do kicked[k] = true end
  for _, s in ipairs(all) do
    if not kicked[s.ssid] then left[#left + 1] = s end
  end
  all = left
end

-- A resume of a listed ssid replaces it in place (keeping loginTime), but its
-- termtyp may differ: it is decided next to the others like any login. Any
-- other record of this ssid can only be this login's own (see above). (`take`
-- above left it alone: the kick list never holds the ssid.)
-- A resume keeps what its session's identity brought, unless the request
-- brings its own: the limits, the JWT and the extend, which its token
-- carries also after the session left the table; the record it replaces in
-- place stands in for a token written before tokens carried them.
local in_place = existing and resume
local device_limit, type_limit, mode = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
if in_place then new.loginTime = held.loginTime end
if resume then
  local limits = (type(carried.limits) == 'table' and carried.limits) or (in_place and type(held.limits) == 'table' and held.limits) or nil
  if new.limits == nil and limits then
    new.limits = limits
    device_limit = tonumber(limits.device_limit) or device_limit
    type_limit = tonumber(limits.devicetype_limit) or type_limit
    if type(limits.overentry) == 'string' then mode = limits.overentry end
  end
  local revocation = (type(carried.revocation) == 'table' and carried.revocation) or (in_place and type(held.revocation) == 'table' and held.revocation) or nil
  if new.revocation == nil and revocation then new.revocation = revocation end
  extend_over(carried.extend)
end
-- the new token carries the identity on (the node wrote it into ARGV[9] when it knew it)
if carried then
  local fields = {}
  if type(carried.extend) == 'table' and next(carried.extend) ~= nil then fields[#fields + 1] = '"extend":' .. cjson.encode(carried.extend) end
  if resume and type(new.limits) == 'table' then fields[#fields + 1] = '"limits":' .. cjson.encode(new.limits) end
  if resume and type(new.revocation) == 'table' then fields[#fields + 1] = '"revocation":' .. cjson.encode(new.revocation) end
  if #fields > 0 then extra = extra .. ',' .. table.concat(fields, ',') end
end
-- a JWT's session holds no resume token past the JWT's exp (a resume applies the one its token carries)
local token_json, token_expires = ARGV[9], tonumber(ARGV[10])
local jwt_end = type(new.revocation) == 'table' and tonumber(new.revocation.expires)
if jwt_end and jwt_end < token_expires then
  token_expires = jwt_end
  token_json = (string.gsub(token_json, '"expires":%d+', '"expires":' .. string.format('%d', jwt_end), 1))
end
local accept, list = decide(live_others(KEYS[1], dead, ssid, all), new.termtyp, device_limit, type_limit, mode, tonumber(ARGV[7]), now)
if not accept then return refuse(4111, raws(list), removed) end
local evicted, gone = {}, { [ssid] = true }
for i, s in ipairs(list) do
  evicted[i] = s.ssid
  gone[s.ssid] = true
end
take(KEYS[1], KEYS[2], evicted, rev)
local stored = cjson.encode(new)
redis.call('HSET', KEYS[1], ssid, stored)
local now_listed, listed = { new }, { [ssid] = true }
for _, s in ipairs(all) do
  if not gone[s.ssid] then
    now_listed[#now_listed + 1] = s
    listed[s.ssid] = true
  end
end
-- The account's tokens as its counts list them, but for those the kick and
-- the eviction took. The counts are trusted only while they agree with the
-- tokens hash, which has a TTL and may be evicted: on any other count, the
-- hash is read (store_token) and settle re-reads and re-adds everything.
local counts = read_hash(KEYS[4])
local known = listed_tokens(counts)
for _, k in ipairs(kick) do known[k] = nil end
for _, s in ipairs(list) do known[s.ssid] = nil end
local expected = 0
for _ in pairs(known) do expected = expected + 1 end
if redis.call('HLEN', KEYS[2]) ~= expected then known, counts = nil, nil end
local tokens = store_token(KEYS[2], ssid, extra and ('{' .. extra .. ',' .. string.sub(token_json, 2)) or token_json, token_expires, now, known, listed)
settle(KEYS[1], KEYS[2], KEYS[4], KEYS[5], tokens, now_listed, counts)
if KEYS[9] then
  unindex_left(KEYS[9], KEYS[1], removed)
  unindex_left(KEYS[9], KEYS[1], list)
  redis.call('HSET', KEYS[9], ssid, ARGV[14])
  redis.call('SET', KEYS[10], ARGV[15], 'PXAT', string.format('%d', token_expires))
end
announce(true, ARGV[17], ARGV[18])
return {'ok', removed, raws(list), in_place and existing or '', stored}

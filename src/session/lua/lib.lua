-- Shared helpers, prepended to every other script of this folder when it is
-- loaded (src/session/redis-script.ts), after a line that sets
-- ON_REDIS_CLUSTER. No KEYS/ARGV of its own.
-- Session records are JSON (src/session/registry.ts SessionInfo) plus `reg`:
-- the ms at which their node last (re)registered them.

-- Redis Cluster resharding: settle (below) touches keys of the account's slot
-- that no script declares (the node indexes). While the slot migrates such a
-- key may sit on the other node: on the source the command then fails half-way
-- through the script, after its first writes (the slot's counters drifted from
-- the accounts' shares), and on the target it creates the key that MIGRATE
-- then finds in its way. So every script that settles first checks that its
-- slot is stable: EXISTS on two keys of KEYS[1]'s slot that never exist is
-- refused inside a script (ASK on the source, TRYAGAIN on the target) only
-- while the slot migrates. The script then ends before any write with
-- TRYAGAIN, which the client retries within command_timeout. On one Redis
-- (ON_REDIS_CLUSTER false, set by src/session/redis-script.ts) there is no
-- slot to migrate and nothing to check.
local function require_stable_slot()
  if not ON_REDIS_CLUSTER then return end
  local probe = KEYS[1] .. ':~'
  local r = redis.pcall('EXISTS', probe .. '1', probe .. '2')
  if type(r) == 'table' and r.err then error({ err = 'TRYAGAIN the slot is migrating' }) end
end

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

-- True for a ghost: a session of a node whose lease expired (`dead` =
-- {gateway id: lease expiry ms}) that it had not re-registered since. Ghosts
-- do not count and are not listed; they stay in the hash until the reaper
-- removes them and reports them OFFLINE (src/session/lease.ts).
local function is_ghost(s, dead)
  local expiry = dead[s.gateway]
  return expiry ~= nil and (s.reg or 0) < expiry
end

-- The account's sessions that are not ghosts, decoded (as decode_all; `all`:
-- what decode_all returned, when the caller has it already).
local function live_sessions(key, dead, all)
  local out = {}
  for _, s in ipairs(all or decode_all(key)) do
    if not is_ghost(s, dead) then out[#out + 1] = s end
  end
  return out
end

-- The account's live sessions other than `ssid` (`all`: as live_sessions).
local function live_others(key, dead, ssid, all)
  local out = {}
  for _, s in ipairs(live_sessions(key, dead, all)) do
    if s.ssid ~= ssid then out[#out + 1] = s end
  end
  return out
end

-- Deletes the record of `ssid` if it is a ghost (a resume or restore of its
-- ssid takes its place). `rec` is that record as the caller read and decoded
-- it (nil for none). Returns true once deleted.
local function drop_ghost(key, ssid, dead, rec)
  if not rec or not is_ghost(rec, dead) then return false end
  redis.call('HDEL', key, ssid)
  return true
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

-- Resume tokens of sessions no longer listed kept per account
-- (MAX_IDLE_RESUME_TOKENS in src/session/registry.ts).
local MAX_IDLE_TOKENS = 16

-- The tokens of a resume tokens hash, ssid -> expiry (ms), decoded from
-- their JSON.
local function token_expiries(key)
  local flat = redis.call('HGETALL', key)
  local out = {}
  for i = 1, #flat, 2 do out[flat[i]] = cjson.decode(flat[i + 1]).expires end
  return out
end

-- Stores a resume token (one per ssid), drops expired ones and, beyond
-- MAX_IDLE_TOKENS tokens of sessions not in `listed` (a set of the ssids the
-- account lists now, the new one among them), the ones expiring first; keeps
-- the hash alive as long as its longest-lived token. `known`: the hash's
-- tokens before (ssid -> expiry ms), as the account's counts list them, or
-- nil to read them from the hash. Returns the hash's tokens as it leaves them
-- (ssid -> expiry ms), for settle.
local function store_token(key, ssid, json, expires, now, known, listed)
  local kept, idle = { [ssid] = expires }, {}
  for k, e in pairs(known or token_expiries(key)) do
    if e <= now then
      redis.call('HDEL', key, k)
    elseif k ~= ssid then
      kept[k] = e
      if not listed[k] then idle[#idle + 1] = { k, e } end
    end
  end
  redis.call('HSET', key, ssid, json)
  if #idle > MAX_IDLE_TOKENS then
    table.sort(idle, function(a, b) if a[2] ~= b[2] then return a[2] < b[2] end return bytes_less(a[1], b[1]) end)
    for i = 1, #idle - MAX_IDLE_TOKENS do
      redis.call('HDEL', key, idle[i][1])
      kept[idle[i][1]] = nil
    end
  end
  local last = 0
  for _, e in pairs(kept) do last = math.max(last, e) end
  -- whole ms (PEXPIREAT refuses a fraction, which would stop the script half-way)
  redis.call('PEXPIREAT', key, string.format('%d', math.ceil(last)))
  return kept
end

-- Revocations kept per account at most (MAX_REVOCATIONS in
-- src/session/redis-registry.ts): beyond, the ones expiring first go.
local MAX_REVOCATIONS = 256

-- Records that these ssids were logged out (kicked, evicted, LOGOUT) until
-- `rev.expires` (ms), so that a node away from the cluster cannot put them
-- back when it rejoins (restore.lua); `all_at` (optional) also records that
-- every session of the account logged in by then was logged out (field
-- "*"). `rev` = {key = the account's revocations hash (field -> JSON
-- {expires, at}), now = ms, expires = ms}. Expired entries go on each write.
local function revoke(rev, ssids, all_at)
  local flat = redis.call('HGETALL', rev.key)
  local live = {}
  for i = 1, #flat, 2 do
    local e = cjson.decode(flat[i + 1]).expires
    if e <= rev.now then redis.call('HDEL', rev.key, flat[i]) else live[flat[i]] = e end
  end
  local entry = cjson.encode({ expires = rev.expires, at = rev.now })
  for _, k in ipairs(ssids) do
    redis.call('HSET', rev.key, k, entry)
    live[k] = rev.expires
  end
  if all_at then
    redis.call('HSET', rev.key, '*', cjson.encode({ expires = rev.expires, at = all_at }))
    live['*'] = nil
  end
  local list = {}
  for k, e in pairs(live) do
    if k ~= '*' then list[#list + 1] = { k, e } end
  end
  if #list > MAX_REVOCATIONS then
    table.sort(list, function(a, b) if a[2] ~= b[2] then return a[2] < b[2] end return bytes_less(a[1], b[1]) end)
    for i = 1, #list - MAX_REVOCATIONS do redis.call('HDEL', rev.key, list[i][1]) end
  end
  local ttl = redis.call('PTTL', rev.key)
  if ttl < 0 or rev.now + ttl < rev.expires then redis.call('PEXPIREAT', rev.key, rev.expires) end
end

-- The revocations-hash field that marks the login of socket `conn_id` with
-- registration time `reg` withdrawn (withdraw.lua); ssids hold no ':'.
local function withdrawn_field(conn_id, reg)
  return 'w:' .. conn_id .. ':' .. tostring(reg)
end

-- True when session `s` was logged out lately: its ssid is revoked, or the
-- whole account was logged out after it logged in (that logout took every
-- record: one still `listed` for its socket landed after it).
local function revoked(rev_key, s, now, listed)
  local raw = redis.call('HGET', rev_key, s.ssid)
  if raw and cjson.decode(raw).expires > now then return true end
  if listed then return false end
  local all = redis.call('HGET', rev_key, '*')
  if not all then return false end
  local e = cjson.decode(all)
  return e.expires > now and s.loginTime <= e.at
end

-- Logs out these ssids of one account: removes their sessions (returned as
-- JSON strings), revokes their resume tokens (MemoryRegistry.take) and
-- records the logout (`rev`: see revoke).
local function take(sessions_key, tokens_key, ssids, rev)
  local removed = {}
  for _, k in ipairs(ssids) do
    local raw = redis.call('HGET', sessions_key, k)
    if raw then
      redis.call('HDEL', sessions_key, k)
      removed[#removed + 1] = raw
    end
    redis.call('HDEL', tokens_key, k)
  end
  if #ssids > 0 then revoke(rev, ssids) end
  return removed
end

-- The account's live resume tokens, ssid -> expiry (ms); expired ones are
-- deleted. `known`: the hash's tokens as the caller just left them (ssid ->
-- expiry, store_token), which spares reading and decoding them again.
local function live_tokens(key, now, known)
  local live = {}
  for ssid, e in pairs(known or token_expiries(key)) do
    if e <= now then redis.call('HDEL', key, ssid) else live[ssid] = e end
  end
  return live
end

-- The resume tokens an account's counts hash (`old`, field -> value) lists,
-- ssid -> expiry (ms): what settle left in the tokens hash, for a caller that
-- changed no token since.
local function listed_tokens(old)
  local tokens = {}
  for field, e in pairs(old) do
    local ssid = string.match(field, '^k:(.*)$')
    if ssid then tokens[ssid] = tonumber(e) end
  end
  return tokens
end

-- Keeps the slot's set of resume tokens (<slot prefix>rz, member
-- "<account tag> <ssid>", score its expiry in ms) equal to the account's
-- live tokens; `listed` is what the account's counts hash listed as the
-- tokens last put in the set (listed_tokens). With `trusted` (a login or
-- a close, the scripts that run most), a token listed there with its expiry
-- is taken to be in the set already and is not written again; every other
-- caller (the reconcile's pass, a cleanup, a refused login, ...) re-adds
-- every live token, so a member lost some other way (eviction, a manual
-- delete) comes back within one reconcile pass. Returns how many of the
-- tokens it took out of the set had expired (what a cleanup removed).
local function settle_tokens(zset, tag, listed, live, now, trusted)
  local expired = 0
  for ssid, e in pairs(listed) do
    if not live[ssid] then
      redis.call('ZREM', zset, tag .. ' ' .. ssid)
      if e <= now then expired = expired + 1 end
    end
  end
  for ssid, e in pairs(live) do
    if not trusted or listed[ssid] ~= e then redis.call('ZADD', zset, e, tag .. ' ' .. ssid) end
  end
  return expired
end

-- The recount of the background reconciliation (recount_begin.lua): while
-- one runs on a slot (field ~e of its counters: the pass's epoch), the
-- counters hash also keeps a tally (~s, ~a, ~d:<domain>) of the shares of the
-- accounts settled since it began, each marked in its counts hash (~e) so it
-- is tallied once; recount_end.lua then puts the tally in place of the
-- counters. `old` is the account's counts hash as it was, `n` its sessions
-- now. Returns the epoch to mark the account with, or nil.
local function tally(counters_key, old, n, domain)
  local epoch = redis.call('HGET', counters_key, '~e')
  if not epoch then return nil end
  local base = old['~e'] == epoch and tonumber(old.s or '0') or 0
  local function add(field, delta)
    if delta ~= 0 then redis.call('HINCRBY', counters_key, '~' .. field, delta) end
  end
  add('s', n - base)
  if domain then add('d:' .. domain, n - base) end
  add('a', (n > 0 and 1 or 0) - (base > 0 and 1 or 0))
  return epoch
end

-- Reads a counters hash and deletes its recount fields (~e, ~s, ...).
-- Returns the counters (field -> number) and the recount's fields (field
-- without its "~" -> value).
local function take_tally(counters_key)
  local flat = redis.call('HGETALL', counters_key)
  local counted, tallied = {}, {}
  for i = 1, #flat, 2 do
    if string.sub(flat[i], 1, 1) == '~' then
      tallied[string.sub(flat[i], 2)] = flat[i + 1]
      redis.call('HDEL', counters_key, flat[i])
    else
      counted[flat[i]] = tonumber(flat[i + 1])
    end
  end
  return counted, tallied
end

-- Hash `key` as a table, field -> value (strings).
local function read_hash(key)
  local flat = redis.call('HGETALL', key)
  local out = {}
  for i = 1, #flat, 2 do out[flat[i]] = flat[i + 1] end
  return out
end

-- Runs `command` on `key` with the values of `list`, in chunks: Lua's unpack
-- takes about 8,000 values at most (an account of thousands of tokens).
local function in_chunks(command, key, list)
  for i = 1, #list, 1000 do redis.call(command, key, unpack(list, i, math.min(i + 999, #list))) end
end

-- Makes hash `key`, whose fields are `old` (field -> string, as HGETALL read
-- them), hold exactly `want` (field -> string or number), writing only the
-- fields that differ.
local function write_changes(key, old, want)
  local gone, set = {}, {}
  for field in pairs(old) do
    if want[field] == nil then gone[#gone + 1] = field end
  end
  for field, v in pairs(want) do
    local was = old[field]
    if was == nil or (was ~= v and tonumber(was) ~= v) then
      set[#set + 1] = field
      set[#set + 1] = v
    end
  end
  in_chunks('HDEL', key, gone)
  in_chunks('HSET', key, set)
end

-- Brings the account's share of the table-wide counters, the per-node
-- indexes and the slot's set of resume tokens up to date after a change
-- (src/session/redis-index.ts). Every script that changes an account ends
-- with it. Keys, all on the account's slot: sessions and tokens hashes,
-- `counts` (this account's share: s, dom, g:<gateway> = its sessions there,
-- k:<ssid> = expiry of each resume token, ~e: see tally) and `counters` (the
-- slot's sums: s, a, d:<domain>). The index of gateway G on this slot is the set
-- <slot prefix>g:G of account tags, its resume tokens the sorted set
-- <slot prefix>rz; the slot prefix is the counters key without its final
-- "c". (Redis' clock decides which tokens are live.) Returns how many expired
-- resume tokens it removed (settle_tokens). What the caller knows already
-- spares reading and decoding it again: `tokens` (optional), the tokens
-- hash's content as store_token returns it, or true when the caller changed
-- no token (the counts list them); `sessions` (optional), every record of the
-- sessions hash as it is now, decoded; `counts` (optional), the counts hash
-- as read_hash returns it, unchanged since. Only the fields of the counts hash
-- that changed are written, and with `tokens` true or `counts` given (a close,
-- an accepted login) only the members of the token set that changed.
local function settle(sessions_key, tokens_key, counts_key, counters_key, tokens, sessions, counts)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local trusted = tokens == true or counts ~= nil
  local old = counts or read_hash(counts_key)
  local listed = listed_tokens(old)
  tokens = live_tokens(tokens_key, now, tokens == true and listed or tokens)
  if not sessions then
    sessions = {}
    for i, raw in ipairs(redis.call('HVALS', sessions_key)) do sessions[i] = cjson.decode(raw) end
  end
  local per, n, domain = {}, 0, nil
  for _, s in ipairs(sessions) do
    per[s.gateway] = (per[s.gateway] or 0) + 1
    n = n + 1
    domain = s.domain
  end
  local old_n = tonumber(old.s or '0')
  domain = domain or old.dom
  local function add(field, delta)
    if delta ~= 0 and redis.call('HINCRBY', counters_key, field, delta) == 0 then redis.call('HDEL', counters_key, field) end
  end
  add('s', n - old_n)
  if domain then add('d:' .. domain, n - old_n) end
  add('a', (n > 0 and 1 or 0) - (old_n > 0 and 1 or 0))
  local epoch = tally(counters_key, old, n, domain)
  local slot_prefix = string.sub(counters_key, 1, -2)
  local tag = string.match(sessions_key, '%b{}')
  for field in pairs(old) do
    local g = string.match(field, '^g:(.*)$')
    if g and not per[g] then redis.call('SREM', slot_prefix .. 'g:' .. g, tag) end
  end
  local expired = settle_tokens(slot_prefix .. 'rz', tag, listed, tokens, now, trusted)
  local want = {}
  if n > 0 or next(tokens) ~= nil then
    want.s = n
    if domain then want.dom = domain end
    if epoch then want['~e'] = epoch end
    for g, k in pairs(per) do
      want['g:' .. g] = k
      if not old['g:' .. g] then redis.call('SADD', slot_prefix .. 'g:' .. g, tag) end
    end
    for ssid, e in pairs(tokens) do want['k:' .. ssid] = e end
  end
  write_changes(counts_key, old, want)
  return expired
end

-- One Redis only (on Redis Cluster the ssid index lives on the ssids' slots
-- and the caller cleans it, unindex.lua): forgets the ssid index entries
-- ("<account tag> <connId>") of sessions that left the account of
-- `sessions_key`, each only while it still points at that socket. `left`:
-- their records, each as JSON or decoded.
local function unindex_left(index_key, sessions_key, left)
  local tag = string.match(sessions_key, '%b{}')
  for _, r in ipairs(left) do
    local s = type(r) == 'string' and cjson.decode(r) or r
    if redis.call('HGET', index_key, s.ssid) == tag .. ' ' .. s.connId then redis.call('HDEL', index_key, s.ssid) end
  end
end

-- Removes session `ssid` if socket `conn_id` of node `gateway` holds it
-- (KEYS[1..4]: sessions hash, resume tokens, account counts, slot counters),
-- calling `then_before_settle` (optional) once it is gone and before the
-- account's counts are settled; returns its JSON and the record decoded, or false.
local function remove_held(ssid, conn_id, gateway, then_before_settle)
  local raw = redis.call('HGET', KEYS[1], ssid)
  if not raw then return false end
  local s = cjson.decode(raw)
  if s.connId ~= conn_id or s.gateway ~= gateway then return false end
  redis.call('HDEL', KEYS[1], ssid)
  if then_before_settle then then_before_settle() end
  -- without then_before_settle no token changed: the counts list them
  settle(KEYS[1], KEYS[2], KEYS[3], KEYS[4], then_before_settle == nil)
  return raw, s
end

-- Publishes presence event `message` on `channel` when `happened` (the change
-- it reports was made), unless there is none ("" or absent: the node publishes
-- it itself, src/session/bus.ts Bus.carry).
local function announce(happened, channel, message)
  if happened and message and message ~= '' then redis.call('PUBLISH', channel, message) end
end

-- Takes a single-use login token (compare-and-delete): its JSON when it
-- belongs to domain+name and its secret hashes to `hash`, else nil, leaving it
-- alone (knowing an id does not let anyone burn it). `key` is the token's key,
-- `list_key` its slot's sorted set of login tokens, where `id` names it.
local function take_login_token(key, list_key, id, domain, name, hash)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local t = cjson.decode(raw)
  if t.domain ~= domain or t.name ~= name or t.hash ~= hash then return nil end
  redis.call('DEL', key)
  redis.call('ZREM', list_key, id)
  return raw
end

-- remove: a socket closed; its session leaves the table if that socket still holds it.
-- KEYS[1] sessions hash (ssid -> session JSON)   KEYS[2] resume tokens hash
-- KEYS[3] the account's counts   KEYS[4] the slot's counters (lib.lua settle)
-- KEYS[5] (one Redis only) the ssid index hash: the removed session leaves it
--   here (on Redis Cluster the caller does it, unindex.lua)
-- ARGV[1] ssid   ARGV[2] connId   ARGV[3] gateway id of the socket
-- ARGV[4] the event channel, ARGV[5] the OFFLINE event published there when
--   the session goes ("" or absent = none: the node publishes, Bus.carry)
-- Returns the removed session JSON, or false.
require_stable_slot()
local raw, s = remove_held(ARGV[1], ARGV[2], ARGV[3])
if raw and KEYS[5] then unindex_left(KEYS[5], KEYS[1], { s }) end
announce(raw, ARGV[4], ARGV[5])
return raw

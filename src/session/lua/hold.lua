-- hold: takes, keeps or gives up a lock of one owner (the background
-- reconciliation: one pass at a time in the whole cluster).
-- KEYS[1] the lock   ARGV[1] owner   ARGV[2] ms to hold it for ("0": give it up)
-- Returns 1 when the owner holds it (or gave it up), 0 when another owner does.
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1

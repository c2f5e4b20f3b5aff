-- recount_begin: starts the recount of one slot's counters by the background
-- reconciliation (src/session/recount.ts): from now on every settle of an
-- account of the slot tallies its share (lib.lua tally). A recount this
-- replaces (another pass's, or one that never ended) is dropped.
-- KEYS[1] the slot's counters   ARGV[1] the pass's epoch
require_stable_slot()
take_tally(KEYS[1])
redis.call('HSET', KEYS[1], '~e', ARGV[1])
return 0

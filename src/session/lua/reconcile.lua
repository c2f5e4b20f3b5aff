-- reconcile: checks one account's share of the counters and indexes against
-- its hashes (expired tokens go; see lib.lua settle). The background
-- reconciliation runs it on every account it finds.
-- KEYS[1] sessions hash   KEYS[2] resume tokens hash   KEYS[3] the account's counts   KEYS[4] the slot's counters
require_stable_slot()
settle(KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return 0

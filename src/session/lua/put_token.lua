-- put_token: stores a resume token (one per ssid), drops expired ones and the
-- idle ones beyond the per-account cap; the hash expires with its last token.
-- KEYS[1] resume tokens hash (ssid -> token JSON {hash, expires})
-- KEYS[2] sessions hash of the same account (which tokens are idle)
-- KEYS[3] the account's counts   KEYS[4] the slot's counters (lib.lua settle)
-- ARGV[1] ssid   ARGV[2] token JSON   ARGV[3] its expiry (ms)   ARGV[4] now (ms)
require_stable_slot()
store_token(KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), KEYS[2])
settle(KEYS[2], KEYS[1], KEYS[3], KEYS[4])
return 0

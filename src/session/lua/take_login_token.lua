-- take_login_token: takes a single-use login token if it belongs to the
-- account and its secret matches (compare-and-delete), else leaves it.
-- KEYS[1] the login token key (JSON {domain, name, ssid, hash, expires[, extend]}; expires with it)
-- KEYS[2] the slot's login tokens (sorted set id -> expiry ms)
-- ARGV[1] domain   ARGV[2] name   ARGV[3] SHA-256 of the presented secret   ARGV[4] id
-- Returns the token JSON, or nil.
-- (login.lua takes a presented token the same way, lib.lua take_login_token)
return take_login_token(KEYS[1], KEYS[2], ARGV[4], ARGV[1], ARGV[2], ARGV[3])

/**
 * The bench's on-disk setup: a temporary folder with a users file (many
 * accounts sharing one password hash) and the tim.json of each gateway kind,
 * with the rate limits raised so that they do not throttle the load.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../src/auth/password-hash.js';

/** Password of every bench account. */
export const BENCH_PWD = 'bench password';
/** Domain of every bench account. */
export const BENCH_DOMAIN = 'bench';

/** tim.json keys of every bench gateway (loopback, port 0, limits out of the way, kick mode for the kick scenario). */
export const benchConfig = {
  client_listen: '127.0.0.1:0',
  admin_listen: '127.0.0.1:0',
  users: 'users.json',
  device_limit: 1,
  devicetype_limit: 1,
  overentry: 'kick',
  auth_min_unix: 0,
  connect_limit: 1_000_000,
  unauth_per_ip: 1_000_000,
  login_rate_ip: { per_second: 1_000_000, burst: 1_000_000 },
  login_rate_account: { per_second: 1_000_000, burst: 1_000_000 },
  password_checks: { concurrent: 4, queued: 100_000, per_ip: 100_000 },
  log_level: 'info',
};

/**
 * Writes users.json with `names` (one shared hash), tim.json, and
 * tim-warn.json (the same with log_level "warn": no line per login), and
 * returns their paths.
 */
export async function writeSetup(names: readonly string[]): Promise<{ dir: string; config: string; warnConfig: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tim-bench-'));
  const hash = await hashPassword(BENCH_PWD);
  writeFileSync(join(dir, 'users.json'), JSON.stringify(names.map((name) => ({ domain: BENCH_DOMAIN, name, pwd: hash }))));
  const config = join(dir, 'tim.json');
  writeFileSync(config, JSON.stringify(benchConfig, null, 2));
  const warnConfig = join(dir, 'tim-warn.json');
  writeFileSync(warnConfig, JSON.stringify({ ...benchConfig, log_level: 'warn' }, null, 2));
  return { dir, config, warnConfig };
}

/** Writes a cluster-mode tim.json (same keys plus `redis`, and a fixed gateway_id) beside the users file. */
export function writeClusterConfig(dir: string, redisUrl: string, gatewayId: string): string {
  const file = join(dir, `tim-${gatewayId}.json`);
  writeFileSync(file, JSON.stringify({ ...benchConfig, gateway_id: gatewayId, redis: { url: redisUrl, prefix: 'benchtim:' } }, null, 2));
  return file;
}

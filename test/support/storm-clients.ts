/**
 * The fleet of a reconnect storm test: accounts in domain "storm" with two
 * devices each (termtyp 1 and 2, the account's limit), logged in through the
 * client library, and the gateway settings that let 2,000 logins from
 * 127.0.0.1 through at once.
 */
import { expect } from 'vitest';
import type { BackoffOptions } from '../../src/client/backoff.js';
import { TimClient } from '../../src/client/node.js';
import { onCleanup, PWD, writeUsers } from '../helpers.js';
import { pool } from './reconnect-recorder.js';

/** The domain of the storm accounts. */
export const STORM_DOMAIN = 'storm';

const open = { per_second: 1_000_000, burst: 1_000_000 };
/**
 * tim.json keys of a storm gateway: two devices per account, one per termtyp,
 * and rates, pending sockets and password checks (issue 10 defect 4's per_ip 16
 * would answer 5105 to hundreds of password logins from one address) raised to
 * let every client of the test in; auth_timeout is long for a loaded machine.
 */
export const stormConfig = {
  device_limit: 2,
  devicetype_limit: 1,
  login_rate_ip: open,
  login_rate_account: open,
  unauth_per_ip: 100_000,
  pending_per_ip: 100_000,
  password_checks: { concurrent: 4, queued: 100_000, per_ip: 100_000 },
  auth_timeout: 120,
  log_summary_interval: 0,
};

/** A logged-in client and the ssid it got. */
export interface StormClient {
  readonly c: TimClient;
  readonly ssid: string;
}

/** Writes the users file of `accounts` storm accounts (r0, r1, ...) into `dir`; returns their names. */
export async function writeStormUsers(dir: string, accounts: number): Promise<string[]> {
  const names = Array.from({ length: accounts }, (_, i) => `r${i}`);
  await writeUsers(dir, names.map((name) => ({ domain: STORM_DOMAIN, name })));
  return names;
}

/** Logs in both devices of every account at `url` (400 at a time), clients 2i and 2i+1 being account i's; they are terminated after the test. */
export function loginPairs(url: string, names: readonly string[], backoff: BackoffOptions): Promise<StormClient[]> {
  const devices = names.flatMap((name) => [1, 2].map((termtyp) => ({ name, termtyp })));
  return pool(devices, 400, async ({ name, termtyp }) => {
    const c = new TimClient(url, { reconnect: backoff, requestTimeoutMs: 60_000 });
    onCleanup(async () => c.terminate());
    const ack = await c.login({ name, domain: STORM_DOMAIN, termtyp, resource: `dev${termtyp}`, pwd: PWD });
    expect(ack, `login of ${name}/${termtyp}`).toMatchObject({ ok: true });
    return { c, ssid: ack.n2! };
  });
}

/**
 * Every client is logged in again (SESSIONS answers only after login) on its
 * own ssid, and its account holds just its two devices: at its limit, not over.
 */
export async function expectPairsBackOnTheirSsids(clients: readonly StormClient[]): Promise<void> {
  const lists = await pool(clients, 100, async ({ c, ssid }) => {
    expect(c.lastLogin?.n2).toBe(ssid);
    return c.sessions();
  });
  for (const [i, list] of lists.entries()) {
    expect(list.self?.ssid).toBe(clients[i]!.ssid);
    expect(list.online.map((s) => s.ssid)).toEqual([clients[i ^ 1]!.ssid]); // `online` is the account's other sessions: the sibling device
  }
}

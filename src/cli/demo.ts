/**
 * `tim-gateway demo`: a throw-away gateway for trying the demo web app
 * (examples/web): in-memory, on loopback, the page at / of the client
 * listener (`demo: true`). Accounts alice and bob share a fresh password,
 * printed once; in the domain "" an account may use one device and a second
 * login gets over entry (4111) while the first is asked to log out; in the
 * domain "lastwins" the last login wins. Its files live in a temporary folder
 * removed on exit.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../auth/password-hash.js';
import { writeUsersFile } from '../auth/password.js';
import { serve } from './serve.js';

/** The demo's accounts (in both domains). */
export const DEMO_ACCOUNTS = ['alice', 'bob'] as const;

/** The demo's domain where the last login wins. */
export const LAST_WINS_DOMAIN = 'lastwins';

/** Writes the demo's tim.json and users.json, runs it, and prints how to use it. */
export async function demo(listen: string, pretty: boolean | undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tim-demo-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const password = randomBytes(9).toString('base64url');
  const pwd = await hashPassword(password);
  writeUsersFile(join(dir, 'users.json'), ['', LAST_WINS_DOMAIN].flatMap((domain) => DEMO_ACCOUNTS.map((name) => ({ domain, name, pwd }))));
  const config = {
    client_listen: listen,
    admin_listen: '127.0.0.1:0',
    demo: true,
    device_limit: 1,
    devicetype_limit: 1,
    overentry: 'reject',
    auth_min_unix: 0,
    domains: { [LAST_WINS_DOMAIN]: { overentry: 'kick' } },
  };
  writeFileSync(join(dir, 'tim.json'), JSON.stringify(config), { mode: 0o600 });
  const gateway = await serve(join(dir, 'tim.json'), pretty);
  console.log(
    [
      `tim-gateway demo: open ${gateway.clientListener.httpBase}/ in two browser tabs`,
      `  accounts ${DEMO_ACCOUNTS.join(' and ')}, password (shown only now): ${password}`,
      '  domain empty: one device per account; a second login gets over entry (4111) and the first is asked to log out',
      `  domain "${LAST_WINS_DOMAIN}": the last login wins, the older device is logged out`,
      '  Ctrl-C stops it',
    ].join('\n'),
  );
}

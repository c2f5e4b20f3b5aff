/**
 * `tim-gateway init [dir]`: a first tim.json and an empty users.json, with an
 * admin operator whose freshly generated password is printed once (only its
 * hash is written). Refuses to overwrite either file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hashPassword } from '../auth/password-hash.js';
import { writeUsersFile } from '../auth/password.js';
import { defaults } from '../config/defaults.js';

/** Name of the admin operator init creates. */
export const INIT_ADMIN = 'admin';

/** What init wrote, and the admin password to show once. */
export interface InitResult {
  readonly timJson: string;
  readonly usersJson: string;
  readonly adminPassword: string;
}

/** Writes `dir`/tim.json and `dir`/users.json; throws naming the file when one already exists. */
export async function initFiles(dir: string): Promise<InitResult> {
  const folder = resolve(dir);
  const timJson = join(folder, 'tim.json');
  const usersJson = join(folder, 'users.json');
  for (const f of [timJson, usersJson]) if (existsSync(f)) throw new Error(`${f} already exists: init never overwrites (choose another folder)`);
  mkdirSync(folder, { recursive: true });
  const adminPassword = randomBytes(18).toString('base64url');
  const config = {
    client_listen: `127.0.0.1${defaults.client_listen}`,
    admin_listen: defaults.admin_listen,
    device_limit: defaults.device_limit,
    devicetype_limit: defaults.devicetype_limit,
    overentry: defaults.overentry,
    users: 'users.json',
    admins: [{ name: INIT_ADMIN, pwd: await hashPassword(adminPassword) }],
    log_level: defaults.log_level,
  };
  writeFileSync(timJson, JSON.stringify(config, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  writeUsersFile(usersJson, []);
  return { timJson, usersJson, adminPassword };
}

/** The lines init prints: where the files are, the password (once), what to run next. */
export function initReport(r: InitResult): string {
  return [
    `wrote ${r.timJson} and ${r.usersJson}`,
    `admin socket operator "${INIT_ADMIN}", password (shown only now; tim.json keeps its hash):`,
    `  ${r.adminPassword}`,
    'next:',
    `  tim-gateway user add -c ${r.timJson} --name alice     (password on stdin)`,
    `  tim-gateway serve -c ${r.timJson}`,
    'the client listener is on loopback: set client_listen (e.g. ":20003") to accept other hosts',
  ].join('\n');
}

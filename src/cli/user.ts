/**
 * `tim-gateway user add|list|remove`: the accounts of the built-in
 * authenticator, in the users file named by tim.json (`users`). A running
 * gateway re-reads the file within a second: no restart.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { hashPassword } from '../auth/password-hash.js';
import { readUsersFile, removeUser, upsertUser } from '../auth/password.js';
import type { Config } from '../config/defaults.js';
import { configPath, loadConfig } from '../config/load.js';
import { isCleanText } from '../policy/clean-text.js';
import { readSecret } from './stdin.js';

/** The config of `configFile` and the path of its users file. */
const usersOf = (configFile: string): { config: Config; file: string } => {
  const config = loadConfig(configFile);
  return { config, file: configPath(config, config.users) };
};

/** Why a login could never carry `value` as `field` (over tim.json's max_field_bytes: 4104), or null. */
function overBound(field: string, value: string, config: Config, configFile: string): string | null {
  const bytes = Buffer.byteLength(value);
  return bytes > config.max_field_bytes ? `${field} is ${bytes} bytes; logins allow at most ${config.max_field_bytes} (max_field_bytes of ${configFile})` : null;
}

/**
 * Why `user add` must refuse this account, or null: a name or domain over
 * the gateway's field bound or with control characters could never log in
 * (4104), and a users file in a folder that does not exist cannot be written.
 */
function addProblem(config: Config, configFile: string, file: string, domain: string, name: string): string | null {
  for (const [field, value] of [['--name', name], ['--domain', domain]] as const) {
    const problem = overBound(field, value, config, configFile) ?? (isCleanText(value) ? null : `${field} must be well-formed Unicode without control characters (logins refuse it)`);
    if (problem) return problem;
  }
  if (name === '') return '--name must not be empty';
  if (!existsSync(dirname(file))) return `the users file ${file} (key "users" of ${configFile}) is in a folder that does not exist`;
  return null;
}
const who = (domain: string, name: string): string => `${JSON.stringify(name)} in domain ${JSON.stringify(domain)}`;

/** Adds or replaces an account, its password read from stdin; returns the line to print. */
export async function userAdd(configFile: string, domain: string, name: string): Promise<string> {
  const { config, file } = usersOf(configFile);
  const problem = addProblem(config, configFile, file, domain, name);
  if (problem) throw new Error(problem);
  const pwd = await readSecret();
  if (!pwd) throw new Error('empty password');
  const tooLong = overBound('the password', pwd, config, configFile);
  if (tooLong) throw new Error(tooLong);
  const replaced = upsertUser(file, { domain, name, pwd: await hashPassword(pwd) });
  return `${replaced ? 'replaced' : 'added'} ${who(domain, name)} (${file})`;
}

/** The accounts (of one domain when `domain` is given), sorted: `domain/name` lines, or JSON objects without hashes. */
export function userList(configFile: string, domain: string | undefined, json: boolean): string[] {
  const users = readUsersFile(usersOf(configFile).file)
    .filter((u) => domain === undefined || u.domain === domain)
    .sort((a, b) => (a.domain === b.domain ? (a.name < b.name ? -1 : 1) : a.domain < b.domain ? -1 : 1));
  return users.map((u) => (json ? JSON.stringify({ domain: u.domain, name: u.name }) : `${JSON.stringify(u.domain)}/${u.name}`));
}

/** Removes an account; throws when there is none by that name (exit 1). Its live sessions stay until they end or are kicked. */
export function userRemove(configFile: string, domain: string, name: string): string {
  const { file } = usersOf(configFile);
  if (!removeUser(file, domain, name)) throw new Error(`no account ${who(domain, name)} in ${file}`);
  return `removed ${who(domain, name)} (${file}); its open sessions stay until they end: tim-gateway admin kick to end them now`;
}

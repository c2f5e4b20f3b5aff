/**
 * `tim-gateway user add|list|remove`: the accounts of the built-in
 * authenticator, in the users file named by tim.json (`users`). A running
 * gateway re-reads the file within a second: no restart.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { hashPassword } from '../auth/password-hash.js';
import { readUsersFile, removeUser, upsertUser } from '../auth/password.js';
import { configPath, loadConfig } from '../config/load.js';
import { readSecret } from './stdin.js';

const usersFile = (configFile: string): string => {
  const config = loadConfig(configFile);
  return configPath(config, config.users);
};

/**
 * Why `user add` must refuse this account, or null: a name or domain over
 * the gateway's field bound could never log in (4104), and a users file in a
 * folder that does not exist cannot be written.
 */
function addProblem(configFile: string, domain: string, name: string): string | null {
  const config = loadConfig(configFile);
  const max = config.max_field_bytes;
  for (const [field, value] of [['--name', name], ['--domain', domain]] as const) {
    if (Buffer.byteLength(value) > max) return `${field} is ${Buffer.byteLength(value)} bytes; logins allow at most ${max} (max_field_bytes of ${configFile})`;
  }
  if (name === '') return '--name must not be empty';
  const file = configPath(config, config.users);
  if (!existsSync(dirname(file))) return `the users file ${file} (key "users" of ${configFile}) is in a folder that does not exist`;
  return null;
}
const who = (domain: string, name: string): string => `${JSON.stringify(name)} in domain ${JSON.stringify(domain)}`;

/** Adds or replaces an account, its password read from stdin; returns the line to print. */
export async function userAdd(configFile: string, domain: string, name: string): Promise<string> {
  const problem = addProblem(configFile, domain, name);
  if (problem) throw new Error(problem);
  const file = usersFile(configFile);
  const pwd = await readSecret();
  if (!pwd) throw new Error('empty password');
  const replaced = upsertUser(file, { domain, name, pwd: await hashPassword(pwd) });
  return `${replaced ? 'replaced' : 'added'} ${who(domain, name)} (${file})`;
}

/** The accounts (of one domain when `domain` is given), sorted: `domain/name` lines, or JSON objects without hashes. */
export function userList(configFile: string, domain: string | undefined, json: boolean): string[] {
  const users = readUsersFile(usersFile(configFile))
    .filter((u) => domain === undefined || u.domain === domain)
    .sort((a, b) => (a.domain === b.domain ? (a.name < b.name ? -1 : 1) : a.domain < b.domain ? -1 : 1));
  return users.map((u) => (json ? JSON.stringify({ domain: u.domain, name: u.name }) : `${JSON.stringify(u.domain)}/${u.name}`));
}

/** Removes an account; throws when there is none by that name (exit 1). Its live sessions stay until they end or are kicked. */
export function userRemove(configFile: string, domain: string, name: string): string {
  const file = usersFile(configFile);
  if (!removeUser(file, domain, name)) throw new Error(`no account ${who(domain, name)} in ${file}`);
  return `removed ${who(domain, name)} (${file}); its open sessions stay until they end: tim-gateway admin kick to end them now`;
}

/**
 * `tim-gateway user add|list|remove`: the accounts of the built-in
 * authenticator, in the users file named by tim.json (`users`). A running
 * gateway re-reads the file within a second: no restart.
 */
import { hashPassword } from '../auth/password-hash.js';
import { readUsersFile, removeUser, upsertUser } from '../auth/password.js';
import { configPath, loadConfig } from '../config/load.js';
import { readSecret } from './stdin.js';

const usersFile = (configFile: string): string => {
  const config = loadConfig(configFile);
  return configPath(config, config.users);
};
const who = (domain: string, name: string): string => `${JSON.stringify(name)} in domain ${JSON.stringify(domain)}`;

/** Adds or replaces an account, its password read from stdin; returns the line to print. */
export async function userAdd(configFile: string, domain: string, name: string): Promise<string> {
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

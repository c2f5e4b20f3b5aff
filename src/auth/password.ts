/**
 * Name+pwd login against the users file (`users` in tim.json): a JSON array of
 * {domain, name, pwd} with pwd a hash from `tim-gateway hash-password`. The
 * file is re-read when it changes (checked at most once a second), so
 * `tim-gateway user add` takes effect without a restart.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { ErrorCode, failure } from '../errors.js';
import { accept, refuse, type AuthOutcome, type Authenticator, type Credentials } from './authenticator.js';
import { parseHash, verifyPassword } from './password-hash.js';

/** One account of the users file. */
export interface UserEntry {
  domain: string;
  name: string;
  pwd: string;
}

const key = (domain: string, name: string): string => `${domain}\u0000${name}`;

/** Reads and checks a users file; throws an Error naming the file and the entry. */
export function readUsersFile(file: string): UserEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    // V8 quotes the text around a JSON syntax error, which may hold a password: say only where it is, and attach no cause a log could print
    const why = e instanceof SyntaxError ? `not valid JSON${/ at position \d+/.exec(e.message)?.[0] ?? ''}` : (code ?? (e as Error).message);
    throw new Error(`${file}: ${why}`); // eslint-disable-line preserve-caught-error
  }
  if (!Array.isArray(raw)) throw new Error(`${file}: must hold a JSON array of {domain, name, pwd}`);
  return raw.map((u: unknown, i) => {
    const e = u as Record<string, unknown>;
    if (!e || typeof e !== 'object' || typeof e.name !== 'string' || typeof e.pwd !== 'string' || (e.domain !== undefined && typeof e.domain !== 'string')) {
      throw new Error(`${file}: entry [${i}] must be {domain, name, pwd} strings`);
    }
    if (!parseHash(e.pwd)) throw new Error(`${file}: entry [${i}] (${String(e.name)}): pwd is not a password hash (make one with tim-gateway hash-password)`);
    return { domain: (e.domain as string | undefined) ?? '', name: e.name, pwd: e.pwd };
  });
}

/** Strategy: the built-in users file, for name+pwd logins. */
export class PasswordAuthenticator implements Authenticator {
  private users = new Map<string, string>();
  private mtimeMs = -1;
  private checkedAt = 0;
  /** What the log last said of the file ('' = nothing yet), so each change of its state is logged once. */
  private said = '';

  /** Reads `file` now (a bad file throws, naming it); `log` hears when it is missing, unreadable or read again. */
  constructor(
    private readonly file: string,
    private readonly log?: Logger,
  ) {
    this.reload();
  }

  private reload(): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.file).mtimeMs;
    } catch {
      mtimeMs = 0;
    }
    if (mtimeMs === this.mtimeMs) return;
    this.users = new Map(readUsersFile(this.file).map((u) => [key(u.domain, u.name), u.pwd]));
    this.mtimeMs = mtimeMs;
    if (mtimeMs === 0) return this.warnOnce('users file not found: every name+pwd login is refused until it exists (tim-gateway user add creates it)');
    this.said = '';
    this.log?.info({ file: this.file, accounts: this.users.size }, 'users file read');
  }

  /** Logs a problem with the file once until it is read again (it is retried every second). */
  private warnOnce(msg: string, err?: string): void {
    const what = `${msg}${err ?? ''}`;
    if (what === this.said) return;
    this.said = what;
    this.log?.warn({ file: this.file, accounts: this.users.size, ...(err === undefined ? {} : { err }) }, msg);
  }

  /** True when name+pwd is an account of `domain`; `now` (ms) paces the re-reads. Unknown account and wrong password take the same time. */
  private async verify(domain: string, name: string, pwd: string, now: number): Promise<boolean> {
    if (now - this.checkedAt >= 1000) {
      this.checkedAt = now;
      try {
        this.reload();
      } catch (err) {
        // a half-written or broken file: keep the accounts we have and try again in a second
        this.warnOnce('users file unreadable: the accounts read before stay in use', (err as Error).message);
      }
    }
    return verifyPassword(pwd, this.users.get(key(domain, name)));
  }

  async authenticate(c: Credentials, now: number): Promise<AuthOutcome> {
    return (await this.verify(c.domain, c.name, c.pwd, now)) ? accept() : refuse(failure(ErrorCode.PERMISSION_DENIED), 'bad_password');
  }
}

/**
 * Adds or replaces an account in a users file (created when missing),
 * writing a temporary file and renaming it so a running gateway never reads
 * half a file. Returns true when an existing account was replaced.
 */
export function upsertUser(file: string, entry: UserEntry): boolean {
  const users = readUsersFile(file);
  const i = users.findIndex((u) => u.domain === entry.domain && u.name === entry.name);
  if (i >= 0) users[i] = entry;
  else users.push(entry);
  writeUsersFile(file, users);
  return i >= 0;
}

/** Removes an account from a users file (same atomic write); false when it was not there. */
export function removeUser(file: string, domain: string, name: string): boolean {
  const users = readUsersFile(file);
  const kept = users.filter((u) => u.domain !== domain || u.name !== name);
  if (kept.length === users.length) return false;
  writeUsersFile(file, kept);
  return true;
}

/** Writes a users file through a temporary file and a rename, readable by its owner only. */
export function writeUsersFile(file: string, users: readonly UserEntry[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(users, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * A new user's first minutes, with the built CLI in real processes: `init`
 * writes a working tim.json and users.json and prints the admin password
 * once; `user add|list|remove`; logs readable on a terminal and JSON
 * otherwise; a traffic summary line while there is traffic; `login` mistakes
 * answered with one clear line.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth/password-hash.js';
import { TimAdminClient } from '../src/client/admin-client.js';
import { buildConfig } from '../src/config/load.js';
import { Gateway } from '../src/gateway.js';
import { Metrics } from '../src/metrics.js';
import { TrafficSummary } from '../src/traffic-summary.js';
import { connect, loggedIn, onCleanup, PWD, startGateway, tempDir, writeUsers } from './helpers.js';
import { ManualClock } from './support/manual-clock.js';
import { builtCli, runCli } from './support/cli-process.js';
import { freePort } from './support/free-port.js';

/** A pino logger whose lines land in `lines`; `next(pred)` resolves with the first line (seen or to come) matching. */
function capturingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[]; next: (pred: (l: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>> } {
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      const line = JSON.parse(chunk.toString()) as Record<string, unknown>;
      lines.push(line);
      for (const w of waiters.splice(0)) if (w.pred(line)) w.resolve(line);
      else waiters.push(w);
      done();
    },
  });
  const next = (pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const seen = lines.find(pred);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pred, resolve }));
  };
  return { logger: pino({ level: 'info' }, stream), lines, next };
}

const oneLine = (s: string): string => {
  expect(s.trim().split('\n'), `expected one line, got: ${s}`).toHaveLength(1);
  return s.trim();
};

describe('tim-gateway init', () => {
  it('writes tim.json and users.json, prints the admin password once, and the files run a gateway the password opens', async () => {
    const dir = join(tempDir(), 'fresh');
    const r = await runCli(['init', dir]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const password = /password[^\n]*:\n\s+(\S+)/.exec(r.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const timJson = readFileSync(join(dir, 'tim.json'), 'utf8');
    expect(timJson).not.toContain(password);
    const raw = JSON.parse(timJson) as { admins: { name: string; pwd: string }[]; users: string };
    expect(raw.admins).toHaveLength(1);
    expect(await verifyPassword(password!, raw.admins[0]!.pwd)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, raw.users), 'utf8'))).toEqual([]);

    const config = buildConfig({ ...raw, client_listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0' }, join(dir, 'tim.json'), dir);
    const gw = await Gateway.start(config, { logger: pino({ level: 'silent' }) });
    onCleanup(() => gw.close());
    const admin = await TimAdminClient.connect(gw.adminUrl, { name: raw.admins[0]!.name, pwd: password! });
    expect(await admin.stats()).toMatchObject({ sessions: 0 });
    await admin.close();

    const again = await runCli(['init', dir]);
    expect(again.code).toBe(1);
    expect(oneLine(again.stderr)).toBe(`tim-gateway: ${join(dir, 'tim.json')} already exists: init never overwrites (choose another folder)`);
    expect(readFileSync(join(dir, 'tim.json'), 'utf8')).toBe(timJson);
  }, 120_000);
});

describe('tim-gateway user', () => {
  it('add, list (all, one domain, JSON) and remove accounts; removing an unknown one exits 1', async () => {
    const dir = tempDir();
    const c = join(dir, 'tim.json');
    writeFileSync(c, JSON.stringify({ users: 'accounts.json' }));
    for (const [domain, name] of [['acme', 'zoe'], ['', 'bob'], ['acme', 'amy']] as const) {
      expect((await runCli(['user', 'add', '-c', c, '--domain', domain, '--name', name], { stdin: 'pw\n' })).code).toBe(0);
    }
    expect((await runCli(['user', 'list', '-c', c])).stdout).toBe('""/bob\n"acme"/amy\n"acme"/zoe\n');
    expect((await runCli(['user', 'list', '-c', c, '--domain', 'acme', '--json'])).stdout).toBe('{"domain":"acme","name":"amy"}\n{"domain":"acme","name":"zoe"}\n');

    const removed = await runCli(['user', 'remove', '-c', c, '--domain', 'acme', '--name', 'zoe']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('removed "zoe" in domain "acme"');
    expect((await runCli(['user', 'list', '-c', c])).stdout).toBe('""/bob\n"acme"/amy\n');
    const unknown = await runCli(['user', 'remove', '-c', c, '--domain', 'acme', '--name', 'zoe']);
    expect(unknown.code).toBe(1);
    expect(oneLine(unknown.stderr)).toBe(`tim-gateway: no account "zoe" in domain "acme" in ${join(dir, 'accounts.json')}`);
  }, 180_000); // seven processes: slow on a busy machine, and not about time

  it('add refuses, in one line, accounts that could never log in (a name or password over max_field_bytes, a control character) and a users file in a missing folder', async () => {
    const dir = tempDir();
    const c = join(dir, 'tim.json');
    writeFileSync(c, JSON.stringify({ users: 'nodir/users.json', max_field_bytes: 16 }));
    const long = await runCli(['user', 'add', '-c', c, '--name', 'n'.repeat(17)], { stdin: 'pw\n' });
    expect(long.code).toBe(1);
    expect(oneLine(long.stderr)).toBe(`tim-gateway: --name is 17 bytes; logins allow at most 16 (max_field_bytes of ${c})`);
    const nowhere = await runCli(['user', 'add', '-c', c, '--name', 'zoe'], { stdin: 'pw\n' });
    expect(nowhere.code).toBe(1);
    expect(oneLine(nowhere.stderr)).toBe(`tim-gateway: the users file ${join(dir, 'nodir', 'users.json')} (key "users" of ${c}) is in a folder that does not exist`);

    writeFileSync(c, JSON.stringify({ max_field_bytes: 16 })); // users.json here
    const tab = await runCli(['user', 'add', '-c', c, '--domain', 'ac\tme', '--name', 'zoe'], { stdin: 'pw\n' });
    expect([tab.code, oneLine(tab.stderr)]).toEqual([1, 'tim-gateway: --domain must be well-formed Unicode without control characters (logins refuse it)']);
    const longPwd = await runCli(['user', 'add', '-c', c, '--name', 'zoe'], { stdin: `${'p'.repeat(17)}\n` });
    expect([longPwd.code, oneLine(longPwd.stderr)]).toEqual([1, `tim-gateway: the password is 17 bytes; logins allow at most 16 (max_field_bytes of ${c})`]);
    expect(existsSync(join(dir, 'users.json'))).toBe(false); // nothing written
  });
});

/** Runs `serve` under script(1), so its stdout is a terminal; resolves with its output once `until` matches it. */
async function serveOnTerminal(args: string[], until: RegExp): Promise<string> {
  const dir = tempDir();
  writeFileSync(join(dir, 'tim.json'), JSON.stringify({ client_listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0' }));
  const command = [process.execPath, builtCli, 'serve', '-c', join(dir, 'tim.json'), ...args].map((a) => `'${a}'`).join(' ');
  const proc = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  onCleanup(async () => {
    if (proc.exitCode === null) process.kill(-proc.pid!, 'SIGKILL');
  });
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString().replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
      if (until.test(out)) resolve(out);
    });
    proc.once('exit', (code) => reject(new Error(`serve exited (${code}) before printing ${until}: ${out}`)));
  });
}

describe('serve logs', () => {
  it('are human-readable on a terminal, JSON lines with --json-logs there, JSON lines when piped', async () => {
    const pretty = await serveOnTerminal([], /gateway listening/);
    expect(pretty).toMatch(/INFO[^\n]*gateway listening/);
    expect(pretty).not.toMatch(/^\{/m);
    const json = await serveOnTerminal(['--json-logs'], /"msg":"gateway listening"/);
    expect(json).toMatch(/^\{"level":30,/m);
  }, 120_000);

  it('at info, one traffic line per busy interval: logins ok and refused, kicks, open sockets', async () => {
    const { logger, next } = capturingLogger();
    const gw = await startGateway({ device_limit: 1, overentry: 'kick', log_summary_interval: 0.1 }, { logger });
    const first = await loggedIn(gw, { name: 'alice' });
    await loggedIn(gw, { name: 'alice' }); // kicks the first
    await first.closed;
    expect(await (await connect(gw)).login({ name: 'alice', pwd: 'wrong' })).toMatchObject({ ok: false });
    const totals = { loginsOk: 0, loginsRefused: 0, kicks: 0 };
    const seen = new Set<Record<string, unknown>>();
    while (totals.loginsOk < 2 || totals.loginsRefused < 1 || totals.kicks < 1) {
      const line = await next((l) => typeof l.msg === 'string' && l.msg.startsWith('traffic:') && !seen.has(l));
      seen.add(line);
      expect(line.level).toBe(30);
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += line[k] as number;
      expect(line.sockets).toBeGreaterThan(0);
    }
    expect(totals).toEqual({ loginsOk: 2, loginsRefused: 1, kicks: 1 });
  });

  it('a quiet interval logs nothing; the next busy one logs only what is new', async () => {
    const { logger, lines } = capturingLogger();
    const metrics = new Metrics();
    onCleanup(async () => metrics.close());
    const summary = new TrafficSummary(metrics, logger, 0); // no timer: intervals end when the test says
    await summary.report();
    expect(lines).toEqual([]);
    metrics.logins.inc({ result: 'ok' });
    metrics.logins.inc({ result: '4111' });
    metrics.connections.set(1);
    await summary.report();
    await summary.report();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ loginsOk: 1, loginsRefused: 1, kicks: 0, sockets: 1, msg: 'traffic: 1 logins ok, 1 refused, 0 kicks, 1 sockets open' });
    metrics.kicks.inc({ reason: 'new_login' });
    await summary.report();
    expect(lines[1]).toMatchObject({ loginsOk: 0, loginsRefused: 0, kicks: 1, sockets: 1 });
  });
});

describe('start-up warnings', () => {
  it('name the tim.json key of risky advice once at start (details: config-advice.test.ts)', async () => {
    const { logger, lines } = capturingLogger();
    await startGateway({ jwt: { jwks_url: 'http://idp.internal/jwks' } }, { logger });
    const warned = lines.filter((l) => l.level === 40 && typeof l.key === 'string').map((l) => [l.key, l.msg]);
    expect(warned).toEqual([
      ['jwt.jwks_url', expect.stringMatching(/^tim.json key "jwt.jwks_url" is plain http to another machine: /)],
      ['jwt.audience', expect.stringMatching(/^tim.json key "jwt.audience" is not set: /)],
    ]);
  });

  it('the users file: missing at start: one warning, then read when it appears; broken later: one warning without its text, and the accounts read before stay', async () => {
    const dir = tempDir();
    const { logger, lines, next } = capturingLogger();
    const clock = new ManualClock(); // re-reads are paced by the gateway's clock
    const config = buildConfig({ client_listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', auth_min_unix: 0 }, join(dir, 'tim.json'), dir);
    const gw = await Gateway.start(config, { logger, clock: clock.now });
    onCleanup(() => gw.close());
    const file = join(dir, 'users.json');
    const about = (msg: string) => lines.filter((l) => l.msg === msg);
    const missing = await next((l) => typeof l.msg === 'string' && l.msg.startsWith('users file not found'));
    expect(missing).toMatchObject({ level: 40, file });
    expect(await (await connect(gw)).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: false, error: { code: 4105 } });

    await writeUsers(dir);
    clock.t += 1000;
    expect(await (await connect(gw)).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
    expect(about('users file read')).toEqual([expect.objectContaining({ level: 30, file, accounts: 42 })]);

    writeFileSync(file, '[{"name": "alice", "pwd": "plain-secret-7" x');
    for (const name of ['bob', 'carol']) {
      clock.t += 1000;
      expect(await (await connect(gw)).login({ name, pwd: PWD })).toMatchObject({ ok: true });
    }
    const broken = about('users file unreadable: the accounts read before stay in use');
    expect(broken).toEqual([expect.objectContaining({ level: 40, file, accounts: 42, err: expect.stringMatching(/: not valid JSON at position \d+$/) })]);
    expect(JSON.stringify(lines)).not.toContain('plain-secret-7');
    expect(about(missing.msg as string)).toHaveLength(1);
  });
});

describe('tim-gateway login mistakes', () => {
  it('a URL without /tim, a wrong path, wss:// to a plain listener, nothing listening and --termtyp abc each get one clear line and exit 1', async () => {
    const gw = await startGateway();
    const host = new URL(gw.clientUrl).host;
    const login = async (...args: string[]): Promise<string> => {
      const r = await runCli(['login', '--name', 'alice', ...args], { stdin: `${PWD}\n` });
      expect(r.code).toBe(1);
      return oneLine(r.stderr);
    };
    expect(await login('--url', `ws://${host}`)).toBe(`tim-gateway: --url ws://${host} has no path: the client socket is ws://${host}/tim`);
    expect(await login('--url', `ws://${host}/chat`)).toBe(`tim-gateway: no client socket at ws://${host}/chat (HTTP 404): its path is /tim`);
    expect(await login('--url', `wss://${host}/tim`)).toBe(`tim-gateway: ${host} is a plain listener, not TLS: use ws://${host}/tim`);
    const nobody = `127.0.0.1:${await freePort()}`;
    expect(await login('--url', `ws://${nobody}/tim`)).toBe(`tim-gateway: nothing listens on ${nobody} (is the gateway running? its client_listen is the address to use)`);
    expect(await login('--url', gw.clientUrl, '--termtyp', 'abc')).toBe('tim-gateway: --termtyp must be an integer from 0 to 127, not "abc"');
    expect(gw.service.local.size).toBe(0);
  }, 180_000); // five processes
});

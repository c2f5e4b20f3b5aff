/**
 * `tim-gateway admin ...` as a real process (the built dist/src/cli/main.js;
 * `npm test` builds first) against a gateway: JSON and text output, password
 * from TIM_ADMIN_PASSWORD or stdin, exit code 1 with the error on refusal.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.js';
import { NoticeKind } from '../src/protocol/types.js';
import { ADMIN, adminGateway } from './admin-helpers.js';
import { connect, loggedIn, onCleanup, PWD } from './helpers.js';
import { builtCli as cli, runCli, type CliRun as Run } from './support/cli-process.js';

/** Runs `tim-gateway admin <args>` against `gw`; the password goes on stdin unless `env` sets it. */
function admin(gw: Gateway, args: string[], env: Record<string, string> = {}, stdin = `${PWD}\n`): Promise<Run> {
  return runCli(['admin', ...args, '--url', gw.adminUrl, '--name', ADMIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdin });
}

/** Lines of a stream, as they arrive. */
function lines(stream: NodeJS.ReadableStream): AsyncIterator<string> {
  return createInterface({ input: stream })[Symbol.asyncIterator]();
}

describe('tim-gateway admin', () => {
  it('is built', () => {
    expect(existsSync(cli), `${cli} missing: run npm run build`).toBe(true);
  });

  it('stats --json prints the table counts', async () => {
    const gw = await adminGateway();
    await loggedIn(gw, { name: 'alice', domain: 'acme' });
    const r = await admin(gw, ['stats', '--json'], { TIM_ADMIN_PASSWORD: PWD }, '');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({ gateway: gw.id, sessions: 1, accounts: 1, connections: 1, gateways: 1, perDomain: { acme: 1 }, tokens: 1 });

    const text = await admin(gw, ['stats']); // password on stdin
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('sessions     1 (cluster)');
    expect(text.stdout).toMatch(/"acme"\s+1/);
  });

  it('notice, online, token and kick print readable results', async () => {
    const gw = await adminGateway();
    const alice = await loggedIn(gw, { name: 'alice', resource: 'phone', termtyp: 1 });

    const notice = await admin(gw, ['notice', '--names', 'alice', '--text', 'maintenance at 22:00', '--extend', 'window=22-23', '--logout']);
    expect(notice.stdout.trim()).toBe('notice delivered to 1 session(s)');
    expect(await alice.nextNotice(NoticeKind.LOGOUT_REQUEST)).toMatchObject({ dataString: 'maintenance at 22:00', extend: { window: '22-23' } });

    const online = await admin(gw, ['online', '--names', 'alice', 'bob']);
    expect(online.stdout).toContain('""/alice: 1 session(s)');
    expect(online.stdout).toContain(alice.lastLogin!.n2!);
    expect(online.stdout).toContain('resource="phone"');
    expect(online.stdout).toContain('""/bob: offline');

    const token = await admin(gw, ['token', '--domain', 'acme', '--user', 'bob', '--json']);
    const issued = JSON.parse(token.stdout) as { token: string; expires: number };
    const bob = await connect(gw);
    expect(await bob.login({ name: 'bob', domain: 'acme', token: issued.token })).toMatchObject({ ok: true });

    const kick = await admin(gw, ['kick', '--names', 'alice', '--reason', 'abuse', '--block', '60']);
    expect(kick.stdout.trim()).toBe('logged out 1 session(s); alice blocked for 60 s');
    expect((await alice.closed).code).toBe(4001);
  });

  it.each([
    ['--json', '{"closed":{"code":1000,"reason":""}}'],
    ['text', 'admin socket closed: 1000'],
  ])('watch (%s) prints presence events until interrupted; the close report goes to stderr, stdout carries events only', async (mode, closeReport) => {
    const gw = await adminGateway();
    const json = mode === '--json' ? ['--json'] : [];
    const child = spawn(process.execPath, [cli, 'admin', 'watch', '--domain', 'acme', ...json, '--url', gw.adminUrl, '--name', ADMIN], {
      env: { PATH: process.env.PATH ?? '', TIM_ADMIN_PASSWORD: PWD },
    });
    onCleanup(async () => child.kill('SIGKILL'));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const out = lines(child.stdout);
    const err = lines(child.stderr);
    expect((await err.next()).value).toBe(`watching domain "acme" on ${gw.id} (Ctrl-C to stop)`);

    await loggedIn(gw, { name: 'bob' }); // another domain: not shown
    const alice = await loggedIn(gw, { name: 'alice', domain: 'acme', resource: 'phone' });
    const event = (await out.next()).value as string;
    if (json.length) expect(JSON.parse(event)).toMatchObject({ kind: 1, domain: 'acme', name: 'alice', ssid: alice.lastLogin!.n2, resource: 'phone', reason: 'login' });
    else expect(event).toMatch(new RegExp(`\\] ONLINE "acme"/alice ssid=${alice.lastLogin!.n2} termtyp=0 resource="phone" reason=login$`));
    child.kill('SIGINT');
    expect((await out.next()).done).toBe(true);
    expect((await err.next()).value).toBe(closeReport);
    expect(await exited).toBe(0);
  });

  it('refuses bad options and an empty password itself, without spending a guess of the address: one line, exit 1', async () => {
    const gw = await adminGateway({ admin_auth_failures: { per_second: 0.001, burst: 1 } });
    const seconds = (key: string, raw: string): string => `--${key} must be a whole number of seconds, 0 or more, not ${JSON.stringify(raw)}`;
    const cases: [string[], string][] = [
      [['kick', '--names', 'alice', '--block', '10m'], seconds('block', '10m')],
      [['kick', '--names', 'alice', '--block', '1.5'], seconds('block', '1.5')],
      [['kick', '--names', 'alice', '--block', ''], seconds('block', '')], // an unset $VAR in a script: not "no block"
      [['token', '--user', 'alice', '--ttl', '2m'], seconds('ttl', '2m')],
      [['token', '--user', 'alice', '--ttl', '-5'], seconds('ttl', '-5')],
      [['token', '--user', 'alice', '--ttl'], 'Not enough arguments following: ttl'],
      [['online'], 'Missing required argument: names'],
      [['online', '--names'], 'Not enough arguments following: names'], // not a request about no one, answered 4104
      [['kick', '--ssids'], 'Not enough arguments following: ssids'],
      [['kick', '--names', 'alice', '--blok', '60'], 'Unknown argument: blok'],
      [[], 'which command? notice, kick, online, stats, token or watch'],
    ];
    for (const [args, message] of cases) {
      const r = await admin(gw, args, {}, ''); // checked before the password is read: no password given
      expect([args, r.code, r.stderr]).toEqual([args, 1, `tim-gateway admin: ${message} (--help lists the options)\n`]);
    }
    const empty = await admin(gw, ['stats'], {}, '');
    expect(empty).toMatchObject({ code: 1, stdout: '', stderr: 'tim-gateway admin: empty password: set TIM_ADMIN_PASSWORD or give it on stdin\n' });
    expect(await admin(gw, ['stats'], { TIM_ADMIN_PASSWORD: PWD })).toMatchObject({ code: 0 }); // the bucket of 1 is whole
  });

  it.each([
    ['notice', /^ {2}--ssids +session ids \(on any node of the cluster\) +\[array\] \[default: \[\]\]$/m],
    ['kick', /^ {2}--ssids +session ids \(on any node of the cluster\) +\[array\] \[default: \[\]\]$/m],
    ['online', /^ {2}--names +account names +\[array\] \[required\]$/m], // required, no default: checked here, not by the gateway
  ])('%s --help describes what the options do', async (command, line) => {
    const r = await runCli(['admin', command, '--help']);
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(line) as unknown });
  });

  it('exits 1 and prints the error code when the gateway refuses', async () => {
    const gw = await adminGateway();
    const wrong = await admin(gw, ['stats'], { TIM_ADMIN_PASSWORD: 'wrong' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('refused: 4105 permission denied');
    const bad = await admin(gw, ['online', '--names', 'n'.repeat(200)]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('refused: 4104 names');
  });
});

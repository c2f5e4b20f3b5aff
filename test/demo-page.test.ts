/**
 * The demo web app's serving, over real HTTP: off by default (the client
 * listener answers 426), with `demo: true` its files at / with the strict
 * Content-Security-Policy and 426 for anything else; and `tim-gateway demo`,
 * a real process, prints the page URL and a one-time password that logs in,
 * with over entry refused in the domain "" and the last login winning in "lastwins".
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { NoticeKind } from '../src/protocol/types.js';
import { builtCli } from './support/cli-process.js';
import { connect, onCleanup, startGateway } from './helpers.js';

/** The http:// base of a gateway's client listener. */
const pageBase = (clientUrl: string): string => clientUrl.replace(/^ws/, 'http').replace(/\/tim$/, '');

describe('demo web app serving', () => {
  it('is off by default: plain HTTP on the client listener answers 426', async () => {
    const gw = await startGateway();
    const res = await fetch(`${pageBase(gw.clientUrl)}/`);
    expect(res.status).toBe(426);
  });

  it('with demo: true serves its files with a strict CSP beside /tim, and 426 for anything else', async () => {
    const gw = await startGateway({ demo: true });
    const base = pageBase(gw.clientUrl);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/app.js"></script>');
    for (const [path, type] of [['/app.js', 'text/javascript'], ['/tim-client.js', 'text/javascript'], ['/style.css', 'text/css']] as const) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
    }
    expect((await fetch(`${base}/app.js`)).headers.get('etag')).toMatch(/^"/);
    for (const path of ['/nothing', '/users.json', '/../package.json']) expect((await fetch(`${base}${path}`)).status, path).toBe(426);
    expect((await fetch(`${base}/`, { method: 'POST', body: '' })).status).toBe(426);
    // the socket is still there
    const c = await connect(gw);
    expect(await c.login({ name: 'alice', pwd: 'wrong' })).toMatchObject({ ok: false, error: { code: 4105 } });
  });

  it('`tim-gateway demo` prints the page and a one-time password; over entry in "", last login wins in "lastwins"', { timeout: 60_000 }, async () => {
    const proc = spawn(process.execPath, [builtCli, 'demo', '--listen', '127.0.0.1:0', '--json-logs'], { stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup(async () => {
      proc.kill('SIGKILL');
      await once(proc, 'close');
    });
    const lines: string[] = [];
    const printed = new Promise<void>((resolve, reject) => {
      createInterface({ input: proc.stdout! }).on('line', (l) => {
        lines.push(l);
        if (l.includes('Ctrl-C')) resolve();
      });
      proc.on('close', (code) => reject(new Error(`demo exited (${code}): ${lines.join('\n')}`)));
    });
    await printed;
    const text = lines.join('\n');
    const base = /open (http:\/\/127\.0\.0\.1:\d+)\/ in two browser tabs/.exec(text)![1]!;
    const pwd = /password \(shown only now\): (\S+)/.exec(text)![1]!;
    expect(text).toContain('accounts alice and bob');
    expect((await fetch(`${base}/`)).status).toBe(200);
    const url = `${base.replace('http', 'ws')}/tim`;

    const first = await connect(url);
    expect(await first.login({ name: 'alice', pwd, termtyp: 1, resource: 'tab 1' })).toMatchObject({ ok: true });
    const second = await connect(url);
    expect(await second.login({ name: 'alice', pwd, termtyp: 2, resource: 'tab 2' })).toMatchObject({ ok: false, error: { code: 4111 } });
    expect((await first.nextNotice(NoticeKind.LOGOUT_REQUEST)).extend).toMatchObject({ resource: 'tab 2' });

    const older = await connect(url);
    expect(await older.login({ name: 'bob', domain: 'lastwins', pwd, termtyp: 1 })).toMatchObject({ ok: true });
    const newer = await connect(url);
    expect(await newer.login({ name: 'bob', domain: 'lastwins', pwd, termtyp: 2 })).toMatchObject({ ok: true });
    expect((await older.nextNotice(NoticeKind.KICKED)).extend).toMatchObject({ reason: 'new_login' });
    expect(await (await connect(url)).login({ name: 'alice', pwd: 'guess' })).toMatchObject({ ok: false, error: { code: 4105 } });
    expect(text).not.toMatch(/"pwd"|scrypt/);
  });
});

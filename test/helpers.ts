/**
 * Test helpers: gateways on port 0 with a users file in a temporary folder,
 * clients that are closed after each test, small waiting utilities.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { buildConfig, ConfigError } from '../src/config/load.js';
import { TimClient, type TimClientOptions } from '../src/client/node.js';
import { Gateway, type GatewayOptions } from '../src/gateway.js';
import { createLogger } from '../src/logger.js';
import { cheapHash } from './support/cheap-hash.js';
import { onCleanup } from './support/cleanups.js';
import { GatewayProcess } from './support/gateway-process.js';
import { tempDir } from './support/temp-dir.js';

export { onCleanup, tempDir };

/** Password of every test account. */
export const PWD = 'correct horse';

let cachedHash: Promise<string> | undefined;
/** A cheap hash of PWD (computed once per test process), so hundreds of logins do not race scrypt against timeouts. */
export function pwdHash(): Promise<string> {
  return (cachedHash ??= cheapHash(PWD));
}

/** Accounts in the users file of test gateways: names alice, bob, carol, dave, u0..u9 in domains "", "acme", "other". */
export async function writeUsers(dir: string, extra: { domain: string; name: string }[] = []): Promise<string> {
  const hash = await pwdHash();
  const names = ['alice', 'bob', 'carol', 'dave', ...Array.from({ length: 10 }, (_, i) => `u${i}`)];
  const users = ['', 'acme', 'other'].flatMap((domain) => names.map((name) => ({ domain, name, pwd: hash })));
  for (const e of extra) users.push({ ...e, pwd: hash });
  const file = join(dir, 'users.json');
  writeFileSync(file, JSON.stringify(users));
  return file;
}


/**
 * Starts a gateway on loopback port 0 with tim.json keys `overrides`; it is closed after the test.
 * auth_timeout is 60 s unless overridden: a busy machine must not turn slow logins into 4003.
 */
export async function startGateway(overrides: Record<string, unknown> = {}, options: GatewayOptions = {}): Promise<Gateway> {
  const dir = tempDir();
  await writeUsers(dir);
  const config = buildConfig(
    { client_listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', auth_min_unix: 0, auth_timeout: 60, log_level: 'silent', ...overrides },
    join(dir, 'tim.json'),
    dir,
  );
  const gw = await Gateway.start(config, { logger: createLogger(config.log_level, false), ...options });
  onCleanup(() => gw.close());
  return gw;
}

/** Runs `tim-gateway serve` in a process with the test accounts and tim.json keys `config`; killed after the test. */
export async function serveGateway(config: Record<string, unknown> = {}, options: { env?: Record<string, string> } = {}): Promise<GatewayProcess> {
  const dir = tempDir();
  await writeUsers(dir);
  const gw = await GatewayProcess.start({ auth_timeout: 60, ...config }, { dir, ...options });
  onCleanup(() => gw.stop('SIGKILL'));
  return gw;
}

/** Connects a client to a gateway; it is closed after the test. */
export async function connect(gw: Gateway | string, options: TimClientOptions = {}): Promise<TimClient> {
  const c = await TimClient.connect(typeof gw === 'string' ? gw : gw.clientUrl, { reconnect: false, ...options });
  onCleanup(async () => {
    c.terminate();
  });
  return c;
}

/** Connects and logs in; throws unless the login succeeded. */
export async function loggedIn(gw: Gateway | string, auth: { name: string; domain?: string; termtyp?: number; resource?: string }): Promise<TimClient> {
  const c = await connect(gw);
  const ack = await c.login({ pwd: PWD, ...auth });
  if (!ack.ok) throw new Error(`login of ${auth.name} failed: ${JSON.stringify(ack.error)}`);
  return c;
}

/** Waits until `check` returns true (polling every 10 ms), or fails after `timeoutMs` naming `what` (a function: read when it fails). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what: string | (() => string) = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The ConfigError message of building `raw` as tim.json (fails when it builds). */
export function configProblem(raw: unknown): string {
  try {
    buildConfig(raw, 'tim.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

/** The value of one /metrics sample line (name with labels, e.g. `tim_logins_total{result="ok"}`); 0 when absent. */
export async function metricValue(gw: Gateway, sample: string): Promise<number> {
  const text = await (await fetch(`${gw.adminHttpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/**
 * A start that fails part-way undoes what it started (issue 10, defect 10):
 * Gateway.start frees the ports it bound, and `serve` exits non-zero naming
 * the listen key that could not be bound.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig, ConfigError } from '../src/config/load.js';
import { Gateway } from '../src/gateway.js';
import { createLogger } from '../src/logger.js';
import { onCleanup, tempDir, writeUsers } from './helpers.js';
import { runCli, type CliRun } from './support/cli-process.js';
import { freePort } from './support/free-port.js';

/** A TCP server holding a loopback port for the rest of the test. */
async function takePort(): Promise<number> {
  const srv: Server = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => srv.close(resolve)));
  return (srv.address() as { port: number }).port;
}

/** Runs `tim-gateway serve` on a tim.json of `keys` to its exit, and says how long it ran. */
async function serve(keys: Record<string, unknown>): Promise<CliRun & { ms: number }> {
  const dir = tempDir();
  await writeUsers(dir);
  writeFileSync(join(dir, 'tim.json'), JSON.stringify({ log_level: 'silent', ...keys }));
  const started = Date.now();
  const run = await runCli(['serve', '-c', join(dir, 'tim.json')]);
  return { ...run, ms: Date.now() - started };
}

describe('a failed start unwinds', () => {
  it('Gateway.start with the admin port taken throws a ConfigError naming admin_listen and frees the client port', async () => {
    const taken = await takePort();
    const clientPort = await freePort();
    const dir = tempDir();
    await writeUsers(dir);
    const config = buildConfig({ client_listen: `127.0.0.1:${clientPort}`, admin_listen: `127.0.0.1:${taken}`, log_level: 'silent' }, join(dir, 'tim.json'), dir);
    const err = await Gateway.start(config, { logger: createLogger('silent', false) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('key "admin_listen" cannot listen on');
    // the client listener it had opened is closed again: the port can be bound
    const again: Server = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(clientPort, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => again.close(resolve));
  });

  it.each(['admin_listen', 'client_listen'] as const)('serve with the %s port taken exits 2 naming the key', async (key) => {
    const taken = await takePort();
    const other = key === 'admin_listen' ? 'client_listen' : 'admin_listen';
    const run = await serve({ [key]: `127.0.0.1:${taken}`, [other]: '127.0.0.1:0' });
    console.log(`serve with ${key} taken exited ${run.code} after ${run.ms} ms`);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`key "${key}" cannot listen on 127.0.0.1:${taken}: EADDRINUSE`);
  });

  it('serve with one port for both listeners is a config error naming admin_listen', async () => {
    const run = await serve({ client_listen: '127.0.0.1:20999', admin_listen: '127.0.0.1:20999' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('key "admin_listen" must not use the port of client_listen');
  });
});

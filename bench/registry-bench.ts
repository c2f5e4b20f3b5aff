/**
 * Registry micro-benchmark process: login decisions per second straight on a
 * SessionRegistry (no sockets), in-memory or Redis. Each decision is a full
 * `login()`: an account that already holds a session in kick mode, so every
 * call reads the account, decides, evicts the old session and inserts the
 * new one with its resume token.
 */
import { performance } from 'node:perf_hooks';
import { buildConfig } from '../src/config/load.js';
import { createLogger } from '../src/logger.js';
import type { Limits } from '../src/policy/login-policy.js';
import type { SessionRegistry } from '../src/session/registry.js';
import { createStore, type Store } from '../src/session/store.js';
import { serveRpc } from './rpc.js';
import { probeHandlers } from './server-probe.js';

const limits: Limits = { deviceLimit: 1, typeLimit: 1, mode: 'kick', minAgeMs: 0 };
let store: Store | null = null;
/** A fixed token hash: the registry only stores it. */
const TOKEN_HASH = 'ab'.repeat(32);
let seq = 0;

async function open(redisUrl: string | undefined): Promise<SessionRegistry> {
  const config = buildConfig(redisUrl ? { redis: { url: redisUrl, prefix: `bench${process.pid}:` }, log_level: 'silent' } : { log_level: 'silent' });
  store = await createStore(config, 'bench-node', createLogger('silent', false));
  return store.registry;
}

/** One full login() of a fresh session of account `a${n % accounts}`, evicting its previous one (kick mode). */
async function decide(registry: SessionRegistry, n: number, accounts: number): Promise<boolean> {
  const now = Date.now();
  const ssid = `s${n}`;
  const name = `a${n % accounts}`;
  const r = await registry.login({
    session: { ssid, domain: 'rb', name, resource: 'bench', termtyp: 1, loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway: 'bench-node', connId: String(n) },
    limits,
    kick: [],
    token: { domain: 'rb', name, ssid, hash: TOKEN_HASH, expires: now + 3600_000 },
    now,
  });
  return r.ok;
}

/**
 * Runs decisions for `durationMs` with `inflight` calls outstanding over
 * `accounts` accounts (one size per process), each of which holds a session
 * before the clock starts, so every timed decision evicts one whatever the
 * number of accounts.
 */
async function run(a: { redisUrl?: string; durationMs: number; inflight: number; accounts: number }): Promise<{ decisions: number; perSecond: number; failures: number; heapMB: number }> {
  const registry = store?.registry ?? (await open(a.redisUrl));
  while (seq < a.accounts) await Promise.all(Array.from({ length: Math.min(a.inflight * 16, a.accounts - seq) }, () => decide(registry, seq++, a.accounts)));
  let decisions = 0;
  let failures = 0;
  const t0 = performance.now();
  const end = t0 + a.durationMs;
  await Promise.all(
    Array.from({ length: a.inflight }, async () => {
      while (performance.now() < end) {
        if (await decide(registry, seq++, a.accounts)) decisions++;
        else failures++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { decisions, perSecond: (decisions + failures) / secs, failures, heapMB: process.memoryUsage().heapUsed / 2 ** 20 };
}

serveRpc({
  ...probeHandlers,
  run,
  close: async () => {
    await store?.registry.close();
    await store?.bus.close();
    await (store as { close?: () => Promise<void> } | null)?.close?.();
    store = null;
  },
});

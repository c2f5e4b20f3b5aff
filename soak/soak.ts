/**
 * Soak test (`npm run soak`; not part of `npm test`): one gateway in this
 * process, thousands of virtual clients logging in (password or resume
 * token), kicking their own other sessions, dropping and resuming, logging out
 * and disconnecting at random for a bounded time. Then it checks:
 *   - the session table (ADMSTATS over the admin socket, and the registry per
 *     account) is exactly the set of sockets that are open and logged in;
 *   - heap memory after every client has gone is back near the baseline;
 *   - no unhandled rejection or exception, no error line in the gateway log.
 * Prints the figures and exits 1 when a check fails.
 *
 * SOAK_SECONDS (default 60) and SOAK_CLIENTS (default 2000) size the run.
 * Users get scrypt hashes with N=1024 (parameters live in the hash string) so
 * thousands of password logins fit in a short run on two cores.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TimAdminClient } from '../src/client/admin-client.js';
import { TimClient } from '../src/client/node.js';
import { buildConfig } from '../src/config/load.js';
import { Gateway } from '../src/gateway.js';
import { createLogger } from '../src/logger.js';
import { cheapHash } from '../test/support/cheap-hash.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 2000);
const ACCOUNTS = 300;
const PWD = 'soak-password';
const DOMAINS = ['', 'acme'];

const unexpected: unknown[] = [];
process.on('unhandledRejection', (e) => unexpected.push(e));
process.on('uncaughtException', (e) => unexpected.push(e));

const heapMb = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

/** One virtual user: at most one socket at a time, its account picked per connection, its resume token kept. */
class VirtualUser {
  client: TimClient | null = null;
  token: { domain: string; name: string; token: string } | null = null;
  readonly counts: Record<string, number>;

  constructor(private readonly url: string, counts: Record<string, number>) {
    this.counts = counts;
  }

  /** True when this user's socket is open and logged in: its ssid must be in the table. */
  get liveSsid(): string | null {
    const c = this.client;
    return c && c.ws.readyState === c.ws.OPEN && c.lastLogin?.ok ? c.lastLogin.n2! : null;
  }

  private count(what: string): void {
    this.counts[what] = (this.counts[what] ?? 0) + 1;
  }

  async step(): Promise<void> {
    const live = this.liveSsid;
    const r = Math.random();
    if (!live) return this.login();
    const c = this.client!;
    if (r < 0.25) {
      const mine = await c.sessions();
      await c.kick(mine.online.map((s) => s.ssid).slice(0, 2));
      return this.count('kick');
    }
    if (r < 0.45) {
      c.terminate(); // a dropped network; then resume with the token
      this.count('drop');
      return this.login(true);
    }
    if (r < 0.6) {
      await c.close();
      return this.count('close');
    }
    if (r < 0.7) {
      await c.logout();
      this.token = null;
      return this.count('logout');
    }
    await c.ping();
    this.count('ping');
  }

  private async login(resume = false): Promise<void> {
    this.client?.terminate();
    this.client = null;
    const c = await TimClient.connect(this.url);
    this.client = c;
    const useToken = this.token && (resume || Math.random() < 0.5);
    const who = useToken ? this.token! : { domain: DOMAINS[Math.floor(Math.random() * 2)]!, name: `s${Math.floor(Math.random() * ACCOUNTS)}`, token: '' };
    const ack = await c.login({
      domain: who.domain,
      name: who.name,
      ...(useToken ? { token: who.token } : { pwd: PWD }),
      termtyp: 1 + Math.floor(Math.random() * 3),
      resource: `soak-${Math.random().toString(36).slice(2, 8)}`,
    });
    this.count(ack.ok ? (useToken ? 'resume' : 'login') : `refused_${ack.error?.code}`);
    if (ack.ok) this.token = { domain: who.domain, name: who.name, token: ack.token! };
    else if (useToken) this.token = null;
  }

  /** Runs random steps until `until` (ms). */
  async run(until: number): Promise<void> {
    while (Date.now() < until) {
      try {
        await this.step();
      } catch {
        this.count('socket_gone'); // kicked or closed under a request: expected under churn
      }
      await sleep(50 + Math.random() * 450);
    }
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tim-soak-'));
  const hash = await cheapHash(PWD); // one hash for all: the soak is about sessions, not salts
  const users = DOMAINS.flatMap((domain) => Array.from({ length: ACCOUNTS }, (_, i) => ({ domain, name: `s${i}`, pwd: hash })));
  writeFileSync(join(dir, 'users.json'), JSON.stringify(users));
  const logFile = join(dir, 'gateway.log');
  const admin = { name: 'ops', pwd: hash };
  const config = buildConfig(
    {
      client_listen: '127.0.0.1:0',
      admin_listen: '127.0.0.1:0',
      admins: [admin],
      device_limit: 3,
      devicetype_limit: 2,
      auth_min_unix: 0,
      domains: { acme: { overentry: 'kick', device_limit: 2 } },
      login_rate_ip: { per_second: 1e6, burst: 1e6 },
      login_rate_account: { per_second: 1e6, burst: 1e6 },
      password_checks: { concurrent: 4, queued: 100_000, per_ip: 100_000 },
      unauth_per_ip: 100_000,
      log_level: 'warn',
    },
    join(dir, 'tim.json'),
    dir,
  );
  const logger = createLogger('warn', false, logFile);
  const gw = await Gateway.start(config, { logger });
  const baseline = heapMb();
  const counts: Record<string, number> = {};
  const vus = Array.from({ length: CLIENTS }, () => new VirtualUser(gw.clientUrl, counts));
  const started = Date.now();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed / 2 ** 20)), 1000);
  await Promise.all(vus.map((v) => v.run(started + SECONDS * 1000)));
  clearInterval(sampler);

  // quiesce: every close and kick has been delivered once the server's socket count matches the open client sockets
  const open = (): number => vus.filter((v) => v.client && v.client.ws.readyState === v.client.ws.OPEN).length;
  const settleEnd = Date.now() + 15_000;
  while ((gw.clients.connections.size !== open() || gw.service.local.size !== vus.filter((v) => v.liveSsid).length) && Date.now() < settleEnd) await sleep(100);

  const live = new Set(vus.map((v) => v.liveSsid).filter((s): s is string => s !== null));
  const table = new Set<string>();
  for (const domain of DOMAINS) {
    for (let i = 0; i < ACCOUNTS; i++) for (const s of await gw.store.registry.list(domain, `s${i}`)) table.add(s.ssid);
  }
  const ops = await TimAdminClient.connect(gw.adminUrl, { name: admin.name, pwd: PWD });
  const stats = await ops.stats();
  await ops.close();
  const missing = [...live].filter((s) => !table.has(s));
  const extra = [...table].filter((s) => !live.has(s));

  for (const v of vus) v.client?.terminate();
  const drainEnd = Date.now() + 15_000;
  while ((gw.clients.connections.size > 0 || gw.service.local.size > 0) && Date.now() < drainEnd) await sleep(100);
  const emptyTable = (await gw.store.registry.stats(Date.now())).sessions;
  for (const v of vus) v.client = null; // the clients live in this process too: let them go before measuring
  await sleep(500);
  const after = heapMb();
  await gw.close();
  logger.flush();
  await sleep(200);
  const errorLines = readFileSync(logFile, 'utf8').split('\n').filter((l) => /"level":(50|60)/.test(l));

  const figures = {
    seconds: SECONDS,
    clients: CLIENTS,
    operations: counts,
    totalOperations: Object.values(counts).reduce((a, b) => a + b, 0),
    liveAtEnd: live.size,
    tableAtEnd: table.size,
    admStatsSessions: stats.sessions,
    admStatsConnections: stats.connections,
    liveResumeTokens: stats.tokens,
    missingFromTable: missing.length,
    extraInTable: extra.length,
    tableAfterAllClosed: emptyTable,
    heapMb: { baseline: +baseline.toFixed(1), peak: +peak.toFixed(1), afterAllClosed: +after.toFixed(1) },
    rssMb: +(process.memoryUsage().rss / 2 ** 20).toFixed(1),
    unhandled: unexpected.length,
    errorLogLines: errorLines.length,
  };
  console.log(JSON.stringify(figures, null, 2));
  const failures = [
    missing.length || extra.length ? `table differs from live sockets: ${missing.length} missing, ${extra.length} extra` : '',
    stats.sessions !== live.size ? `ADMSTATS sessions ${stats.sessions} != live ${live.size}` : '',
    emptyTable !== 0 ? `${emptyTable} sessions left after every client closed` : '',
    after > baseline + 32 ? `heap ${after.toFixed(1)} MB after the run, baseline ${baseline.toFixed(1)} MB` : '',
    unexpected.length ? `unhandled: ${unexpected.map(String).slice(0, 3).join('; ')}` : '',
    errorLines.length ? `error log lines: ${errorLines.slice(0, 3).join('\n')}` : '',
  ].filter(Boolean);
  for (const f of failures) console.error(`SOAK FAILED: ${f}`);
  process.exit(failures.length ? 1 : 0);
}

await main();

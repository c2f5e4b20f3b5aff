/**
 * The two other Redis topologies of cluster mode, started by the tests on
 * free loopback ports: a Redis Cluster of N masters (`redis-cli --cluster
 * create`), and a Sentinel setup (a master, one replica, three sentinels).
 * Vitest-free: bench/ uses them too.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { freePort, startOnFreePort } from './free-port.js';
import { RedisServer, untilServing } from './redis-server.js';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);

/** Polls `check` every 100 ms until it holds, or throws after `timeoutMs`. */
async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** redis-cli with its output, throwing on failure. */
export async function redisCli(...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', args, { timeout: 60_000 });
  return stdout;
}

/** How a Redis Cluster is laid out. */
export interface ClusterLayout {
  /** Replicas per master (default 0). */
  readonly replicas?: number;
  /** cluster-node-timeout in ms (default 3000): how long a master may be silent before its replica takes over. */
  readonly nodeTimeoutMs?: number;
}

/** A running Redis Cluster: masters, and replicas if asked for. */
export class RedisClusterServers {
  private constructor(
    /** Every server, masters and replicas. */
    readonly servers: RedisServer[],
    private readonly replicas: number,
  ) {}

  /** "127.0.0.1:port" of every server (the `redis.cluster` seeds). */
  get seeds(): string[] {
    return this.servers.map((s) => `127.0.0.1:${s.port}`);
  }

  /** Starts `masters` masters (and their replicas) in cluster mode and joins them (slots split evenly). */
  static async start(masters = 3, layout: ClusterLayout = {}): Promise<RedisClusterServers> {
    const { replicas = 0, nodeTimeoutMs = 3000 } = layout;
    // nodes.conf is relative to each server's own --dir; each port is picked with its bus port (port + 10000) free
    const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs)];
    const servers = await Promise.all(Array.from({ length: masters * (1 + replicas) }, () => RedisServer.start(args, () => freePort(10_000))));
    const cluster = new RedisClusterServers(servers, replicas);
    await redisCli('--cluster', 'create', ...cluster.seeds, '--cluster-replicas', String(replicas), '--cluster-yes');
    await cluster.waitHealthy();
    return cluster;
  }

  /** The servers still running. */
  private get running(): RedisServer[] {
    return this.servers.filter((s) => s.process !== null);
  }

  /** Waits until every running server reports cluster_state:ok and knows all the others, and every replica is in sync with its master. */
  async waitHealthy(): Promise<void> {
    await waitFor(
      async () => {
        for (const s of this.running) {
          const info = await redisCli('-p', String(s.port), 'cluster', 'info').catch(() => '');
          if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${this.servers.length}`)) return false;
        }
        if (this.replicas === 0) return true;
        const lines = (await redisCli('-p', String(this.running[0]!.port), 'cluster', 'nodes')).trim().split('\n');
        for (const line of lines.filter((l) => l.split(' ')[2]!.includes('slave') && !l.includes('fail'))) {
          const port = /:(\d+)@/.exec(line.split(' ')[1]!)![1]!;
          if (!(await redisCli('-p', port, 'info', 'replication').catch(() => '')).includes('master_link_status:up')) return false;
        }
        return true;
      },
      30_000,
      'Redis Cluster to be healthy',
    );
  }

  /** The server listening on `port`. */
  server(port: number): RedisServer {
    return this.servers.find((s) => s.port === port)!;
  }

  /** The replica of the master on port `master` (once the master's own view of the cluster lists it: gossip may lag waitHealthy's). */
  async replicaOf(master: number): Promise<RedisServer> {
    const id = await this.nodeId(master);
    let line: string | undefined;
    await waitFor(
      async () => {
        const lines = (await redisCli('-p', String(master), 'cluster', 'nodes')).trim().split('\n');
        line = lines.find((l) => l.split(' ')[3] === id);
        return line !== undefined;
      },
      10_000,
      `the master on ${master} to list its replica`,
    );
    return this.server(Number(/:(\d+)@/.exec(line!.split(' ')[1]!)![1]));
  }

  /** A client for inspecting the cluster in tests (closed by the caller). */
  client(): Cluster {
    return new Cluster(this.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })), { redisOptions: { maxRetriesPerRequest: 1 } });
  }

  /** Sum of one INFO commandstats counter over every server (e.g. "scan"). */
  async commandCalls(command: string): Promise<number> {
    let n = 0;
    for (const s of this.running) {
      const m = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await redisCli('-p', String(s.port), 'info', 'commandstats'));
      n += m ? Number(m[1]) : 0;
    }
    return n;
  }

  /** The node id of the master listening on `port`. */
  async nodeId(port: number): Promise<string> {
    return (await redisCli('-p', String(port), 'cluster', 'myid')).trim();
  }

  /** The port of the master serving `slot`. */
  async ownerOf(slot: number): Promise<number> {
    const nodes = await redisCli('-p', String(this.running[0]!.port), 'cluster', 'nodes');
    for (const line of nodes.trim().split('\n')) {
      const f = line.split(' ');
      if (!f[2]!.includes('master') || f[2]!.includes('fail')) continue;
      for (const range of f.slice(8)) {
        const [lo, hi] = range.split('-').map(Number);
        if (slot >= lo! && slot <= (hi ?? lo)!) return Number(/:(\d+)@/.exec(f[1]!)![1]);
      }
    }
    throw new Error(`no master serves slot ${slot}`);
  }

  /**
   * Moves `slot` to the master on port `to` as redis-cli --cluster reshard
   * does: IMPORTING/MIGRATING, MIGRATE of its keys in batches (clients get
   * ASK, and TRYAGAIN for multi-key commands meanwhile), then SETSLOT NODE on
   * every master. `between` runs after each batch of `batch` keys.
   */
  async migrateSlot(slot: number, to: number, between: () => Promise<void> = async () => {}, batch = 10): Promise<number> {
    const from = await this.ownerOf(slot);
    const [fromId, toId] = [await this.nodeId(from), await this.nodeId(to)];
    await redisCli('-p', String(to), 'cluster', 'setslot', String(slot), 'importing', fromId);
    await redisCli('-p', String(from), 'cluster', 'setslot', String(slot), 'migrating', toId);
    let moved = 0;
    for (;;) {
      const keys = (await redisCli('-p', String(from), 'cluster', 'getkeysinslot', String(slot), String(batch))).split('\n').filter((k) => k !== '');
      if (keys.length === 0) break;
      await redisCli('-p', String(from), 'migrate', '127.0.0.1', String(to), '', '0', '5000', 'REPLACE', 'KEYS', ...keys);
      moved += keys.length;
      await between();
    }
    for (const s of this.servers) await redisCli('-p', String(s.port), 'cluster', 'setslot', String(slot), 'node', toId);
    return moved;
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}

/** A Sentinel setup: one master, one replica, three sentinels watching master name `name`. */
export class SentinelServers {
  readonly name = 'timmaster';
  private sentinels: ChildProcess[] = [];
  /** The sentinels' ports. */
  readonly sentinelPorts: number[] = [];

  private constructor(
    readonly master: RedisServer,
    readonly replica: RedisServer,
  ) {}

  /** "127.0.0.1:port" of every sentinel (the `redis.sentinels` list). */
  get seeds(): string[] {
    return this.sentinelPorts.map((p) => `127.0.0.1:${p}`);
  }

  /** Starts it; `downAfterMs` is the sentinels' down-after-milliseconds. */
  static async start(downAfterMs = 1000): Promise<SentinelServers> {
    const master = await RedisServer.start();
    const replica = await RedisServer.start(['--replicaof', '127.0.0.1', String(master.port)]);
    const set = new SentinelServers(master, replica);
    await Promise.all([1, 2, 3].map(() => startOnFreePort((port) => set.startSentinel(port, downAfterMs))));
    await set.waitReady();
    return set;
  }

  /** Starts one sentinel on `port` (PortTakenError if a parallel test took it meanwhile). */
  private async startSentinel(port: number, downAfterMs: number): Promise<void> {
    const dir = tempDir();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${this.name} 127.0.0.1 ${this.master.port} 2`,
        `sentinel down-after-milliseconds ${this.name} ${downAfterMs}`,
        `sentinel failover-timeout ${this.name} 10000`,
        `sentinel parallel-syncs ${this.name} 1`,
        '',
      ].join('\n'),
    );
    const proc = spawn('redis-sentinel', [conf, '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.sentinels.push(proc);
    await untilServing(proc, port, 'redis-sentinel');
    this.sentinelPorts.push(port);
  }

  /** Waits until every sentinel sees the master with its replica and the other sentinels. */
  private async waitReady(): Promise<void> {
    await waitFor(
      async () => {
        for (const port of this.sentinelPorts) {
          const out = await redisCli('-p', String(port), 'sentinel', 'master', this.name).catch(() => '');
          const lines = out.split('\n');
          const field = (k: string): string => lines[lines.indexOf(k) + 1] ?? '';
          if (field('num-slaves') !== '1' || field('num-other-sentinels') !== '2') return false;
        }
        return true;
      },
      30_000,
      'sentinels to see the master, its replica and each other',
    );
  }

  /** The port of the master the sentinels currently announce. */
  async masterPort(): Promise<number> {
    const out = await redisCli('-p', String(this.sentinelPorts[0]), 'sentinel', 'get-master-addr-by-name', this.name);
    return Number(out.trim().split('\n')[1]);
  }

  /** A client of the current master (through the sentinels; closed by the caller). */
  client(): Redis {
    return new Redis({ sentinels: this.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })), name: this.name, maxRetriesPerRequest: 1 });
  }

  async stop(): Promise<void> {
    for (const p of this.sentinels) p.kill('SIGKILL');
    await Promise.all([this.master.stop(), this.replica.stop()]);
  }
}

/**
 * Node liveness in cluster mode. Each gateway renews a lease (its id in the
 * sorted set `gateways`, scored by expiry) every lease_ttl/4. Sessions of a
 * node whose lease expired stop counting at once (every script skips them as
 * ghosts) and one surviving node, holding a short lock, reaps them and reports
 * them OFFLINE (reason node_lost). A node that
 * finds its own lease lost (it was cut off longer than the TTL, or Redis
 * restarted empty) or that saw Redis fail re-registers its live sessions.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { RedisClient } from './redis-connect.js';
import type { RedisKeys } from './redis-keys.js';
import { scripts } from './redis-script.js';

/** What the lease needs done by the rest of the store. */
export interface LeaseHooks {
  /** Removes sessions of `gateway` registered before `before` (ms). */
  reap(gateway: string, before: number): Promise<void>;
  /** Re-registers this node's live sessions (Redis or the lease came back after `awayMs` without a good renewal). */
  rejoin(awayMs: number): Promise<void>;
}

/** What the registry asks of the lease table. */
export interface LeaseView {
  /** Nodes whose lease expired: id -> expiry (ms). */
  dead(now: number): Promise<Record<string, number>>;
  /** Number of nodes with a live lease. */
  live(now: number): Promise<number>;
  /** A write to Redis failed: re-register and reconcile on the next good beat. */
  storeFailed(): void;
  /** True while this node's own lease is known good: renewed within half its TTL, no failure or rejoin pending. */
  settled(now: number): boolean;
  /** Changes whenever the node's standing changes (a failure, a rejoin starting or ending). */
  readonly generation: number;
}

/** The lease of one gateway node and the reaper of dead ones. */
export class NodeLease implements LeaseView {
  private table = new Map<string, number>();
  private fetchedAt = 0;
  /** The read of the table that dead() waits for (concurrent logins share it). */
  private reading: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | null = null;
  private failed = false;
  private leaseLost = false;
  private renewing: Promise<void> | null = null;
  private rejoining = false;
  private lastRenewed = 0;
  /** The last good renewal before the node lost its standing (a failure or a lapsed lease); unset while in good standing. */
  private awayFrom: number | undefined;
  private gen = 0;
  private hooks: LeaseHooks | undefined;
  /** This process, in the lease's owner key ("<instance>:<renewals>"): two processes given one gateway_id must not both run. */
  private readonly instance = randomBytes(6).toString('hex');
  private renewals = 0;
  /** Whether the log said that another process renews this gateway_id (said once). */
  private twinSaid = false;
  /** ms between beats: a quarter of the TTL. */
  readonly intervalMs: number;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    private readonly gatewayId: string,
    /** Lease TTL in ms (redis.lease_ttl, default 15 s). */
    readonly ttlMs: number,
    private readonly log: Logger,
  ) {
    this.intervalMs = Math.max(50, Math.floor(ttlMs / 4));
  }

  /**
   * Takes the lease and starts beating. What a previous process of the same
   * id left behind is reaped first, whether it left its lease or gave it up
   * (a login may have landed after its shutdown removed its sessions).
   */
  async start(hooks: LeaseHooks): Promise<void> {
    await this.claim();
    this.hooks = hooks;
    await this.renew(Date.now());
    await hooks.reap(this.gatewayId, Number.MAX_SAFE_INTEGER);
    await this.fetch(Date.now());
    // renewing runs on every tick, also while a long rejoin or reap is under way
    this.timer = setInterval(() => {
      void this.renewNow();
      void this.beat();
    }, this.intervalMs);
    this.timer.unref();
  }

  /**
   * Refuses to start while another live process holds this gateway_id: its
   * reaping of "its own" leftovers would wipe that process's sessions. The
   * owner key is rewritten at every renewal, so a holder that renews within
   * one and a half beats is alive; one that does not (a process killed
   * without leaving) is taken over.
   */
  private async claim(): Promise<void> {
    const key = this.keys.leaseOwner(this.gatewayId);
    const seen = await this.client.get(key);
    if (seen === null) return;
    await sleep(this.intervalMs * 1.5);
    const later = await this.client.get(key);
    if (later !== null && later !== seen) {
      throw new Error(`gateway_id "${this.gatewayId}" is in use by another live gateway process (it renewed its lease while this one waited): give every node its own gateway_id (tim.json gateway_id)`);
    }
  }

  /** One beat now (also used when the Redis connection comes back); concurrent calls share it. */
  beat(): Promise<void> {
    this.beating ??= this.beatOnce().finally(() => (this.beating = null));
    return this.beating;
  }

  /**
   * Renews the lease (concurrent calls share one renewal). A lease found
   * lapsed unsettles the node at once: its sessions may have been reaped, and
   * touch must not take that for lost kicks; the next beat rejoins.
   */
  private renewNow(): Promise<void> {
    this.renewing ??= (async () => {
      const now = Date.now();
      const lastGood = this.lastRenewed;
      const previous = await this.renew(now);
      if (previous === null || previous < now) {
        this.awayFrom ??= lastGood;
        this.leaseLost = true;
        this.failed = true;
        this.gen++;
      }
    })()
      .catch((err: unknown) => {
        if (!this.failed) this.log.error({ err }, 'lease renewal failed: Redis unreachable?');
        this.storeFailed();
      })
      .finally(() => (this.renewing = null));
    return this.renewing;
  }

  private async beatOnce(): Promise<void> {
    if (!this.hooks) return;
    try {
      await this.renewNow();
      const now = Date.now();
      await this.fetch(now);
      if (this.failed) {
        const leaseLost = this.leaseLost;
        this.leaseLost = false;
        this.log.warn({ leaseLost }, 'rejoining the cluster: re-registering live sessions');
        this.failed = false;
        this.rejoining = true;
        this.gen++;
        const awayFrom = this.awayFrom ?? now;
        this.awayFrom = undefined;
        try {
          await this.hooks.rejoin(now - awayFrom);
        } catch (err) {
          this.awayFrom = awayFrom; // the next rejoin still covers the whole absence
          throw err;
        } finally {
          this.rejoining = false;
          this.gen++;
        }
      }
      for (const [gateway, expiry] of Object.entries(await this.dead(now))) {
        // another node's ghosts: a failure here says nothing about this node's standing
        await this.reapDead(gateway, expiry).catch((err: unknown) => this.log.warn({ err, dead: gateway }, 'could not reap a dead node yet'));
      }
    } catch (err) {
      if (!this.failed) this.log.error({ err }, 'lease beat failed: Redis unreachable?');
      this.storeFailed();
    }
  }

  private async reapDead(gateway: string, expiry: number): Promise<void> {
    const locked = await this.client.set(this.keys.reapLock(gateway), this.gatewayId, 'PX', this.ttlMs, 'NX');
    if (locked !== 'OK') return;
    await this.hooks!.reap(gateway, expiry);
    await scripts.unlease.run(this.client, [this.keys.gateways, this.keys.nodeSlots(gateway)], [gateway, expiry]);
    this.table.delete(gateway);
    this.log.info({ dead: gateway }, 'reaped the sessions of a dead gateway node');
  }

  private async renew(now: number): Promise<number | null> {
    const keys = [this.keys.gateways, this.keys.leaseOwner(this.gatewayId)];
    const [previous, owner] = (await scripts.lease.run(this.client, keys, [this.gatewayId, now + this.ttlMs, `${this.instance}:${++this.renewals}`, this.ttlMs])) as [string | null, string | null];
    this.lastRenewed = now;
    if (owner !== null && this.renewals > 1 && !owner.startsWith(`${this.instance}:`) && !this.twinSaid) {
      this.twinSaid = true;
      this.log.error({ gateway: this.gatewayId }, 'another gateway process renews this gateway_id: each will remove the other\'s sessions; give every node its own gateway_id');
    }
    return previous === null ? null : Number(previous);
  }

  private async fetch(now: number): Promise<void> {
    const flat = await this.client.zrange(this.keys.gateways, '0', '-1', 'WITHSCORES');
    const table = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) table.set(flat[i]!, Number(flat[i + 1]));
    this.table = table;
    this.fetchedAt = now;
  }

  /**
   * A node is dead once its lease expired as of a read made after the expiry:
   * a lease that lapsed only since the last read may have been renewed since
   * (a late beat under load), so it is read again first; else that node's
   * sessions would stop counting and a login on this node could exceed the
   * limit. At most one extra read per lapse.
   */
  async dead(now: number): Promise<Record<string, number>> {
    const lapsedSinceRead = [...this.table.values()].some((expiry) => expiry >= this.fetchedAt && expiry < now);
    if (lapsedSinceRead || now - this.fetchedAt > 2 * this.intervalMs) await (this.reading ??= this.fetch(now).finally(() => (this.reading = null)));
    const out: Record<string, number> = {};
    for (const [gateway, expiry] of this.table) if (expiry < now) out[gateway] = expiry;
    return out;
  }

  /** Every node in the lease table, live or expired, as of a fresh read: {id: 1}. */
  async leased(): Promise<Record<string, 1>> {
    await this.fetch(Date.now());
    const out: Record<string, 1> = {};
    for (const gateway of this.table.keys()) out[gateway] = 1;
    return out;
  }

  async live(now: number): Promise<number> {
    await this.fetch(now);
    let n = 0;
    for (const expiry of this.table.values()) if (expiry >= now) n++;
    return n;
  }

  storeFailed(): void {
    this.awayFrom ??= this.lastRenewed;
    this.failed = true;
    this.gen++;
  }

  settled(now: number): boolean {
    return !this.failed && !this.rejoining && this.reachable(now);
  }

  /** Whether Redis answered this node's lease renewals lately: one succeeded within half the TTL (renewals run every quarter). */
  reachable(now: number): boolean {
    return now - this.lastRenewed < this.ttlMs / 2;
  }

  get generation(): number {
    return this.gen;
  }

  /** Stops beating and gives the lease up (a clean shutdown, after this node's sessions are removed). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.hooks = undefined;
    await this.beating?.catch(() => {});
    await this.client.zrem(this.keys.gateways, this.gatewayId).catch(() => {});
    await this.client.del(this.keys.leaseOwner(this.gatewayId)).catch(() => {});
  }
}

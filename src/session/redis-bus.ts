/**
 * The cluster-mode Bus on Redis pub/sub: one channel per node for commands
 * (kick, notice) aimed at sockets it holds, and one channel of presence events
 * that a node subscribes to only while it has consumers of them (ADMSUB
 * sockets, event streams: see follow()), so that each login is not delivered
 * to every node of the cluster. Events of this node reach its own subscribers
 * directly (also while Redis is away). On one Redis the table's scripts
 * publish the ONLINE of a login and the OFFLINE of a close themselves (carry()),
 * so each is one command, and the event goes out with the change it reports.
 * On Redis Cluster
 * the channels are sharded (SPUBLISH/SSUBSCRIBE): each lives on the one shard
 * of its slot, so a message does not fan out to every Redis node.
 */
import type { Logger } from 'pino';
import { isKickReason } from '../errors.js';
import type { AdmEvent } from '../protocol/types.js';
import type { Bus, CarriedEvent, EventHandler, NodeCommand } from './bus.js';
import type { RedisClient } from './redis-connect.js';
import type { RedisKeys } from './redis-keys.js';

/** An event as published: with the node it came from, so that node skips its own echo. */
interface EventEnvelope {
  readonly from: string;
  readonly event: AdmEvent;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';

function isCommand(v: unknown): v is NodeCommand {
  if (!isObject(v) || typeof v.ssid !== 'string' || typeof v.connId !== 'string' || !isObject(v.extend)) return false;
  return (v.kind === 'kick' && isKickReason(v.reason)) || (v.kind === 'notice' && typeof v.odType === 'number' && typeof v.dataString === 'string');
}

function isEnvelope(v: unknown): v is EventEnvelope {
  return isObject(v) && typeof v.from === 'string' && isObject(v.event) && typeof v.event.kind === 'number';
}

/** Bus over Redis pub/sub. `sub` must be a connection of its own (subscriber mode; on Redis Cluster built with shardedSubscribers). */
export class RedisBus implements Bus {
  private commandHandlers: ((cmd: NodeCommand) => void)[] = [];
  private eventHandlers: EventHandler[] = [];
  private subscriptionHandlers: ((state: 'lost' | 'back') => void)[] = [];
  private readonly myChannel: string;
  /** The subscriber connection closed and has not subscribed again yet. */
  private lost = false;
  private closing = false;
  /** Local consumers of other nodes' events (follow()). */
  private followers = 0;
  /** The event channel is subscribed on the current connection. */
  private following = false;
  /** Subscription changes of the event channel, one at a time. */
  private eventSync: Promise<void> = Promise.resolve();

  constructor(
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
    private readonly keys: RedisKeys,
    private readonly gatewayId: string,
    private readonly log: Logger,
  ) {
    this.myChannel = keys.nodeChannel(gatewayId);
    sub.on(keys.sharded ? 'smessage' : 'message', (channel: string, message: string) => this.receive(channel, message));
    sub.on('close', () => this.subscriptionLost());
    sub.on('ready', () => void this.resubscribed());
  }

  /** The subscriber connection closed (Redis dropped it, e.g. over its output buffer, or the network did): logged and told once per outage. */
  private subscriptionLost(): void {
    if (this.lost || this.closing) return;
    this.lost = true;
    this.log.warn('pub/sub subscription lost: commands for this node may be missed until it resubscribes');
    for (const h of this.subscriptionHandlers) h('lost');
  }

  /** The connection is back: subscribe (confirmed by Redis) before telling, so nothing sent after the reconcile's read is missed. */
  private async resubscribed(): Promise<void> {
    if (!this.lost || this.closing) return;
    try {
      await this.start();
    } catch (err) {
      this.log.warn({ err }, 'pub/sub resubscription failed; retried on the next reconnect');
      return;
    }
    this.lost = false;
    this.log.info("pub/sub subscription back: reconciling this node's sockets with the table");
    for (const h of this.subscriptionHandlers) h('back');
  }

  onSubscription(handler: (state: 'lost' | 'back') => void): void {
    this.subscriptionHandlers.push(handler);
  }

  private publishTo(channel: string, message: string): Promise<unknown> {
    return this.keys.sharded ? this.pub.spublish(channel, message) : this.pub.publish(channel, message);
  }

  private subscribeTo(channel: string): Promise<unknown> {
    return this.keys.sharded ? this.sub.ssubscribe(channel) : this.sub.subscribe(channel);
  }

  private leave(channel: string): Promise<unknown> {
    return this.keys.sharded ? this.sub.sunsubscribe(channel) : this.sub.unsubscribe(channel);
  }

  /** Subscribes to this node's channel, and to the event channel while followed (again after each reconnect: see resubscribed()). */
  async start(): Promise<void> {
    await this.subscribeTo(this.myChannel);
    // a new connection holds no subscription (autoResubscribe is off)
    this.following = false;
    await this.syncEvents();
  }

  async follow(): Promise<() => void> {
    this.followers++;
    await this.syncEvents();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.followers--;
      void this.syncEvents();
    };
  }

  /** Subscribes to or leaves the event channel as followers come and go; a failure is retried at the next change or reconnect. */
  private syncEvents(): Promise<void> {
    this.eventSync = this.eventSync.then(async () => {
      const want = this.followers > 0 && !this.closing;
      if (want === this.following) return;
      const channel = this.keys.eventChannel;
      try {
        await (want ? this.subscribeTo(channel) : this.leave(channel));
        this.following = want;
      } catch (err) {
        if (!this.closing) this.log.warn({ err }, `could not ${want ? 'subscribe to' : 'leave'} the presence event channel; retried when Redis is back`);
      }
    });
    return this.eventSync;
  }

  private receive(channel: string, message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      parsed = undefined;
    }
    if (channel === this.myChannel && isCommand(parsed)) {
      for (const h of this.commandHandlers) h(parsed);
    } else if (channel === this.keys.eventChannel && isEnvelope(parsed)) {
      if (parsed.from !== this.gatewayId) for (const h of this.eventHandlers) h(parsed.event, false);
    } else {
      this.log.warn({ channel }, 'ignored a malformed bus message');
    }
  }

  async send(gateway: string, cmd: NodeCommand): Promise<void> {
    await this.publishTo(this.keys.nodeChannel(gateway), JSON.stringify(cmd));
  }

  onCommand(handler: (cmd: NodeCommand) => void): void {
    this.commandHandlers.push(handler);
  }

  publish(event: AdmEvent, carried = false): void {
    for (const h of this.eventHandlers) h(event, true);
    if (carried) return;
    this.publishTo(this.keys.eventChannel, this.envelope(event)).catch(() => {
      // Redis away: other nodes miss this event; the store logs the outage once
    });
  }

  carry(event: AdmEvent): CarriedEvent | undefined {
    return this.keys.sharded ? undefined : { channel: this.keys.eventChannel, message: this.envelope(event) };
  }

  /** The message of `event` on the event channel. */
  private envelope(event: AdmEvent): string {
    const envelope: EventEnvelope = { from: this.gatewayId, event };
    return JSON.stringify(envelope);
  }

  onEvent(handler: EventHandler): void {
    this.eventHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.commandHandlers = [];
    this.eventHandlers = [];
    this.subscriptionHandlers = [];
    await this.eventSync;
    const channels = this.following ? [this.myChannel, this.keys.eventChannel] : [this.myChannel];
    for (const c of channels) await this.leave(c).catch(() => {});
  }
}

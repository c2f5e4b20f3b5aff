/**
 * The cluster-mode Bus on Redis pub/sub: one channel per node for commands
 * (kick, notice) aimed at sockets it holds, and one channel of presence events
 * that every node relays to its ADMSUB subscribers. Events of this node reach
 * its own subscribers directly (also while Redis is away). On Redis Cluster
 * the channels are sharded (SPUBLISH/SSUBSCRIBE): each lives on the one shard
 * of its slot, so a message does not fan out to every Redis node.
 */
import type { Logger } from 'pino';
import { isKickReason } from '../errors.js';
import type { AdmEvent } from '../protocol/types.js';
import type { Bus, EventHandler, NodeCommand } from './bus.js';
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
  private readonly myChannel: string;

  constructor(
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
    private readonly keys: RedisKeys,
    private readonly gatewayId: string,
    private readonly log: Logger,
  ) {
    this.myChannel = keys.nodeChannel(gatewayId);
    sub.on(keys.sharded ? 'smessage' : 'message', (channel: string, message: string) => this.receive(channel, message));
  }

  private get channels(): string[] {
    return [this.myChannel, this.keys.eventChannel];
  }

  private publishTo(channel: string, message: string): Promise<unknown> {
    return this.keys.sharded ? this.pub.spublish(channel, message) : this.pub.publish(channel, message);
  }

  /** Subscribes to this node's channel and the event channel (ioredis re-subscribes after reconnects). */
  async start(): Promise<void> {
    // (sharded: one channel per call, each on its own slot)
    if (this.keys.sharded) for (const c of this.channels) await this.sub.ssubscribe(c);
    else await this.sub.subscribe(...this.channels);
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

  publish(event: AdmEvent): void {
    for (const h of this.eventHandlers) h(event, true);
    const envelope: EventEnvelope = { from: this.gatewayId, event };
    this.publishTo(this.keys.eventChannel, JSON.stringify(envelope)).catch(() => {
      // Redis away: other nodes miss this event; the store logs the outage once
    });
  }

  onEvent(handler: EventHandler): void {
    this.eventHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.commandHandlers = [];
    this.eventHandlers = [];
    if (this.keys.sharded) for (const c of this.channels) await this.sub.sunsubscribe(c).catch(() => {});
    else await this.sub.unsubscribe().catch(() => {});
  }
}

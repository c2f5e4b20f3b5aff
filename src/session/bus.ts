/**
 * Delivery between gateway nodes: commands aimed at a session held by another
 * node (kick, notice), and the stream of presence events for ADMSUB. The
 * embedded mode uses LocalBus; cluster mode a Redis pub/sub implementation.
 */
import type { KickReason } from '../errors.js';
import type { AdmEvent } from '../protocol/types.js';
import type { SessionInfo } from './registry.js';

/** A presence event (AdmEvent) about a session, stamped `time` (now by default). */
export function presenceEvent(kind: number, s: Pick<SessionInfo, 'domain' | 'name' | 'ssid' | 'resource' | 'termtyp' | 'ip'>, reason: string, time = Date.now()): AdmEvent {
  return { kind, domain: s.domain, name: s.name, ssid: s.ssid, resource: s.resource, termtyp: s.termtyp, time, reason, ip: s.ip };
}

/** A command for the node holding a session; the node applies it only if `connId` still holds `ssid`. */
export type NodeCommand =
  | {
      readonly kind: 'kick';
      readonly ssid: string;
      readonly connId: string;
      /** KICKED notice `reason` (src/errors.ts, the kick table). */
      readonly reason: KickReason;
      /** Further KICKED notice extend keys (the new device's resource/termtyp/ip). */
      readonly extend: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'notice';
      readonly ssid: string;
      readonly connId: string;
      readonly odType: number;
      readonly dataString: string;
      readonly extend: Readonly<Record<string, string>>;
    };

/** A presence event as a session table script publishes it (Bus.carry): PUBLISH `message` on `channel`. */
export interface CarriedEvent {
  readonly channel: string;
  readonly message: string;
}

/** Receives a presence event; `local` says this node originated it (webhooks post only those). */
export type EventHandler = (event: AdmEvent, local: boolean) => void;

/** Node-to-node delivery and the event stream. */
export interface Bus {
  /** Sends a command to the node `gateway`. */
  send(gateway: string, cmd: NodeCommand): Promise<void>;
  /** Handles commands sent to this node. */
  onCommand(handler: (cmd: NodeCommand) => void): void;
  /**
   * Publishes a presence event to every node's ADMSUB subscribers; with
   * `carried`, the session table's write already told the other nodes (see
   * carry()) and only this node's handlers run.
   */
  publish(event: AdmEvent, carried?: boolean): void;
  /**
   * What the session table's write publishes to the other nodes for `event`
   * itself, along with the change the event reports (one Redis: inside the
   * script), so that a login or a close is one command instead of two;
   * undefined where the table cannot: embedded (no other node), Redis Cluster
   * (a script reaches only its account's slot, the channel lives on another).
   */
  carry(event: AdmEvent): CarriedEvent | undefined;
  /** Handles events published by any node (this one included); `local` is true for this node's own events. */
  onEvent(handler: EventHandler): void;
  /**
   * Says that a local consumer (an ADMSUB socket, an event stream) wants other
   * nodes' events: they reach onEvent handlers while at least one follows.
   * Resolves once they are coming (Redis confirmed the subscription, or it
   * failed and the bus retries when Redis is back) with the release to call
   * when that consumer goes. A node nobody watches receives no one else's events.
   */
  follow(): Promise<() => void>;
  /** Cluster mode: told when this node's subscription is lost and when it is back (commands sent meanwhile were missed). */
  onSubscription?(handler: (state: 'lost' | 'back') => void): void;
  close(): Promise<void>;
}

/** The single-node bus: commands for this node loop back; there is no other node. */
export class LocalBus implements Bus {
  private commandHandlers: ((cmd: NodeCommand) => void)[] = [];
  private eventHandlers: EventHandler[] = [];

  constructor(private readonly gatewayId: string) {}

  async send(gateway: string, cmd: NodeCommand): Promise<void> {
    if (gateway !== this.gatewayId) return;
    for (const h of this.commandHandlers) h(cmd);
  }

  onCommand(handler: (cmd: NodeCommand) => void): void {
    this.commandHandlers.push(handler);
  }

  publish(event: AdmEvent): void {
    for (const h of this.eventHandlers) h(event, true);
  }

  /** There is no other node to tell. */
  carry(): undefined {
    return undefined;
  }

  onEvent(handler: EventHandler): void {
    this.eventHandlers.push(handler);
  }

  /** There is no other node: nothing to follow. */
  async follow(): Promise<() => void> {
    return () => {};
  }

  async close(): Promise<void> {
    this.commandHandlers = [];
    this.eventHandlers = [];
  }
}

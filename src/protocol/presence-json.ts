/**
 * The JSON form of a presence event (PROTOCOL.md section 12), shared by the
 * webhooks and the HTTP API's event stream so both speak the same shape.
 */
import { EventKind, type AdmEvent } from './types.js';

/** An event as webhooks and SSE carry it. */
export interface PresenceJson {
  readonly kind: PresenceKind;
  readonly domain: string;
  readonly name: string;
  readonly ssid: string;
  readonly resource: string;
  readonly termtyp: number;
  readonly ip: string;
  /** ms since epoch. */
  readonly time: number;
  readonly reason: string;
}

/** AdmEvent.kind spelled in lower case. */
export type PresenceKind = 'online' | 'offline' | 'kicked' | 'rejected';

const kindNames: Readonly<Record<number, PresenceKind>> = {
  [EventKind.ONLINE]: 'online',
  [EventKind.OFFLINE]: 'offline',
  [EventKind.KICKED]: 'kicked',
  [EventKind.REJECTED]: 'rejected',
};

/** The lower-case names of every event kind, for config validation. */
export const presenceKinds: readonly PresenceKind[] = Object.values(kindNames);

/** The section 12 JSON of an event; null for a kind this build does not know. */
export function presenceJson(e: AdmEvent): PresenceJson | null {
  const kind = kindNames[e.kind];
  if (!kind) return null;
  return { kind, domain: e.domain, name: e.name, ssid: e.ssid, resource: e.resource, termtyp: e.termtyp, ip: e.ip ?? '', time: Number(e.time), reason: e.reason };
}

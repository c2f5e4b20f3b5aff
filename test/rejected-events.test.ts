/**
 * REJECTED event amplification (issue 10 defect 7, embedded part), over real
 * sockets: one socket sends hundreds of AUTH frames with oversized names.
 * Refusals pass the per-address login bucket before their bounds are
 * checked, only `refusal_events_ip` of them per address become events, and
 * their text fields are cut to max_field_bytes with a mark.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame } from '../src/protocol/codec.js';
import { ClientType } from '../src/protocol/type-codes.js';
import { TRUNCATED_MARK } from '../src/protocol/event-fields.js';
import type { AdmEvent } from '../src/protocol/types.js';
import type { TimAdminClient } from '../src/client/admin-client.js';
import { adminGateway, adminOf } from './admin-helpers.js';
import { connect, onCleanup, PWD } from './helpers.js';

const EventKind = { ONLINE: 1, REJECTED: 4 } as const;

/** Sends `frames` on one socket at once and returns the error code of each ACK, in order. */
async function answers(url: string, frames: Uint8Array[]): Promise<number[]> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  onCleanup(async () => ws.terminate());
  await once(ws, 'open');
  const codes: number[] = [];
  const all = new Promise<void>((resolve) =>
    ws.on('message', (data: Buffer) => {
      const f = decodeFrame('clientOut', data);
      if (f.type === ClientType.ACK && 'payload' in f) codes.push((f.payload as { error?: { code: number } }).error?.code ?? 0);
      if (codes.length === frames.length) resolve();
    }),
  );
  for (const f of frames) ws.send(f);
  await all;
  return codes;
}

/** Resolves at the next ONLINE event `admin` receives. */
function nextOnline(admin: TimAdminClient): Promise<void> {
  return new Promise<void>((resolve) => admin.on('event', (e: AdmEvent) => e.kind === EventKind.ONLINE && resolve()));
}

describe('refusals before authentication', () => {
  it('a flood of over-bound AUTHs on one socket meets the address bucket, and only refusal_events_ip of them become events, with bounded fields', async () => {
    const gw = await adminGateway({ login_rate_ip: { per_second: 0.001, burst: 100 }, refusal_events_ip: { per_second: 0.001, burst: 10 } });
    const admin = await adminOf(gw);
    const seen: AdmEvent[] = [];
    admin.on('event', (e: AdmEvent) => seen.push(e));
    await admin.subscribe('');

    const longName = 'é'.repeat(1000); // 2000 bytes: over max_field_bytes
    const frame = encodeFrame('clientIn', ClientType.AUTH, { name: longName, pwd: 'x', resource: 'r'.repeat(5000) });
    const codes = await answers(gw.clientUrl, Array.from({ length: 300 }, () => frame));
    expect(codes.slice(0, 100)).toEqual(Array(100).fill(4104));
    expect(codes.slice(100)).toEqual(Array(200).fill(5105));

    // events arrive in order: once a later login's ONLINE is here, every REJECTED before it is too
    const online = nextOnline(admin);
    const other = await connect(gw, { ws: { localAddress: '127.0.0.2' } });
    expect(await other.login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
    await online;
    const rejected = seen.filter((e) => e.kind === EventKind.REJECTED);
    expect(rejected).toHaveLength(10);
    for (const e of rejected) {
      expect(e.name).toBe('é'.repeat(57) + TRUNCATED_MARK); // 114 + 14 bytes: whole characters and the mark within max_field_bytes (128)
      expect(e.resource).toBe('r'.repeat(114) + TRUNCATED_MARK);
    }
    expect((await gw.metrics.rejectedEventsDropped.get()).values[0]?.value).toBe(290);
  });

  it('refusal events of one address do not use up another address\'s', async () => {
    const gw = await adminGateway({ refusal_events_ip: { per_second: 0.001, burst: 2 } });
    const admin = await adminOf(gw);
    const seen: AdmEvent[] = [];
    admin.on('event', (e: AdmEvent) => seen.push(e));
    await admin.subscribe('');
    const bad = encodeFrame('clientIn', ClientType.AUTH, { name: 'nobody', pwd: 'wrong' });
    await answers(gw.clientUrl, [bad, bad, bad, bad]);
    const other = await connect(gw, { ws: { localAddress: '127.0.0.2' } });
    expect(await other.login({ name: 'nobody', pwd: 'wrong' })).toMatchObject({ ok: false, error: { code: 4105 } });
    const online = nextOnline(admin);
    expect(await other.login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
    await online;
    expect(seen.filter((e) => e.kind === EventKind.REJECTED).map((e) => e.ip)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.2']);
  });
});

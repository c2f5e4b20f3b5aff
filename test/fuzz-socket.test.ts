/**
 * The frame handler under random input over real sockets: each case opens a
 * socket, sends a few random frames and checks every answer against an
 * oracle written from PROTOCOL.md alone (test/fuzz-oracle.ts, no gateway
 * code): 4113 undecodable, 4105 before AUTH, 4104 naming the field, 4115 bad
 * token, 4005 after max_bad_frames, 1009 over max_frame. After each property a fresh client still logs in and
 * no unhandled rejection or exception has happened.
 */
import { once } from 'node:events';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Config } from '../src/config/defaults.js';
import type { Gateway } from '../src/gateway.js';
import { clientFrame, clientText, predict, readAck, type Expected, type WireState } from './fuzz-oracle.js';
import { loggedIn, startGateway } from './helpers.js';

/** Client type codes (PROTOCOL.md section 2) and the JSON bit. */
const T = { PING: 13, AUTH: 16, LOGOUT: 20, SESSIONS: 30, KICK: 31, JSON: 0x80 } as const;
type Ack = NonNullable<ReturnType<typeof readAck>>;

/** Cases per socket property (each opens a socket). */
const SOCKET_RUNS = Number(process.env.FUZZ_SOCKET_RUNS ?? 500);
const unexpected: unknown[] = [];
const record = (e: unknown): void => void unexpected.push(e);
beforeAll(() => {
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
});
afterAll(() => {
  process.off('unhandledRejection', record);
  process.off('uncaughtException', record);
});

/**
 * Sends `frames` on a fresh socket, then an AUTH without name as a sentinel;
 * returns the ACKs up to and including the sentinel's (the `answers` + 1st),
 * and the close code if the socket closed first.
 */
async function exchange(url: string, frames: (Uint8Array | string)[], answers = 0, text = false): Promise<{ acks: Ack[]; closed: number | null }> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const acks: Ack[] = [];
  let closed: number | null = null;
  ws.on('error', () => {});
  await once(ws, 'open');
  const done = new Promise<void>((resolve, reject) => {
    setTimeout(() => reject(new Error(`no sentinel answer after ${JSON.stringify(acks)}`)), 5000).unref();
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const ack = readAck(data, isBinary);
      if (ack === null) return;
      acks.push(ack);
      if (acks.length > answers) resolve();
    });
    ws.on('close', (code) => {
      closed = code;
      resolve();
    });
  });
  for (const f of frames) ws.send(f, { binary: typeof f !== 'string' });
  ws.send(text ? clientText(T.AUTH, { pwd: 'x' }) : clientFrame(T.AUTH, { pwd: 'x' }));
  await done;
  ws.terminate();
  return { acks, closed };
}

/** Asserts the server answered `frames` exactly as the oracle predicts. */
async function expectDocumentedAnswers(url: string, config: Config, frames: (Uint8Array | string)[]): Promise<void> {
  const state: WireState = { text: null, json: false };
  const expected: Expected[] = [];
  let bad = 0;
  for (const f of frames) {
    if (bad >= config.max_bad_frames) break;
    const e = predict(f, state, config);
    expected.push(e);
    if (e.bad) bad++;
  }
  const answered = expected.filter((e) => e.ack !== null);
  const { acks, closed } = await exchange(url, frames, answered.length, state.text === true);
  const sentinel = closed === null ? acks.pop() : undefined;
  expect(closed).toBe(bad >= config.max_bad_frames ? 4005 : null);
  if (closed === null) expect(sentinel?.error?.info).toBe('name is required');
  expect(acks.map((a) => a.error?.code)).toEqual(answered.map((e) => e.ack));
  answered.forEach((e, i) => {
    expect(acks[i]!.ok).toBe(false);
    if (e.fields) expect(e.fields, `4104 info "${acks[i]!.error?.info}" names a field that is within bounds`).toContain(acks[i]!.error?.info.split(' ')[0]);
  });
}

const typeByte = fc.oneof(fc.constantFrom(T.PING, T.AUTH, T.LOGOUT, T.SESSIONS, T.KICK, T.AUTH | T.JSON), fc.integer({ min: 0, max: 255 }));
const big = fc.oneof(fc.string({ maxLength: 30 }), fc.integer({ min: 100, max: 12_000 }).map((n) => 'é'.repeat(n / 2)));
const fuzzAuth = fc.record({
  name: big,
  pwd: fc.constant(''),
  domain: big,
  resource: big,
  termtyp: fc.oneof(fc.integer({ min: -2, max: 130 }), fc.integer({ min: -0x80000000, max: 0x7fffffff })),
  token: fc.string({ minLength: 1, maxLength: 300 }),
  extend: fc.dictionary(fc.string({ maxLength: 30 }), fc.string({ maxLength: 600 }), { maxKeys: 24 }),
  kick: fc.array(fc.string({ maxLength: 40 }), { maxLength: 60 }),
});
/** A random text-mode message: `{"type","data"}` with known or unknown codes and random or AUTH-shaped data, extra keys, broken JSON, or other JSON. */
const textFrame: fc.Arbitrary<string> = fc.oneof(
  fc.record({ type: typeByte, data: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fuzzAuth) }, { requiredKeys: ['type'] }).map((m) => JSON.stringify(m)),
  fc.record({ type: fc.constantFrom(T.PING, T.AUTH, T.SESSIONS), data: fc.constant({}), extra: fc.jsonValue({ maxDepth: 1 }) }).map((m) => JSON.stringify(m)),
  fc.tuple(fc.constantFrom(T.AUTH, T.KICK, T.PING, -1, 1.5, 1e300), fc.string({ maxLength: 40 })).map(([t, junk]) => `{"type":${t},"data":${junk}`),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
);
/** A random frame: raw bytes, a known type with a random body, JSON-mode text, a random AUTH, a huge KICK, or a text message. */
const frame: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 200 }),
  fc.tuple(typeByte, fc.uint8Array({ maxLength: 200 })).map(([t, body]) => Uint8Array.from([t, ...body])),
  fc.tuple(fc.constantFrom(T.AUTH | T.JSON, T.AUTH, T.KICK), fc.oneof(fc.json({ maxDepth: 4 }), fc.string({ maxLength: 80 }))).map(([t, text]) => Buffer.concat([Buffer.from([t]), Buffer.from(text)])),
  fc.tuple(fuzzAuth, fc.boolean()).map(([a, json]) => clientFrame(T.AUTH, a, json, json)),
  fc.integer({ min: 0, max: 5000 }).map((n) => clientFrame(T.KICK, { ssid: Array.from({ length: n }, (_, i) => `s${i}`) })),
  fc.string({ maxLength: 50 }),
  textFrame,
);

describe('frame handler under random input (real sockets)', () => {
  let gw: Gateway;
  beforeEach(async () => {
    gw = await startGateway({ login_rate_ip: { per_second: 1e6, burst: 1e6 }, login_rate_account: { per_second: 1e6, burst: 1e6 } });
  });

  it(`answers ${SOCKET_RUNS} random frame sequences as documented and keeps serving`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 7 }), (frames) => expectDocumentedAnswers(gw.clientUrl, gw.config, frames)),
      { numRuns: SOCKET_RUNS },
    );
    await (await loggedIn(gw, { name: 'alice' })).close();
    expect(unexpected).toEqual([]);
  }, 180_000); // hundreds of sockets: slow on a busy machine, and the test is not about time

  it(`answers ${SOCKET_RUNS} random text-mode sequences (a text message first) as documented and keeps serving`, async () => {
    await fc.assert(
      fc.asyncProperty(textFrame, fc.array(fc.oneof(textFrame, frame), { maxLength: 6 }), (first, rest) => expectDocumentedAnswers(gw.clientUrl, gw.config, [first, ...rest])),
      { numRuns: SOCKET_RUNS },
    );
    await (await loggedIn(gw, { name: 'alice' })).close();
    expect(unexpected).toEqual([]);
  }, 180_000); // hundreds of sockets: slow on a busy machine, and the test is not about time

  it('closes with 1009 on frames over max_frame (names and kick lists of up to 1 MB / 100k entries) and keeps serving', async () => {
    const huge = fc.oneof(
      fc.integer({ min: gw.config.max_frame, max: 1 << 20 }).map((n) => clientFrame(T.AUTH, { name: 'n'.repeat(n), pwd: 'p' })),
      fc.integer({ min: 20_000, max: 100_000 }).map((n) => clientFrame(T.AUTH, { name: 'a', pwd: 'p', kick: Array.from({ length: n }, (_, i) => `${i}`) })),
      fc.integer({ min: gw.config.max_frame + 1, max: 1 << 20 }).map((n) => Buffer.alloc(n, 0x41)),
    );
    await fc.assert(
      fc.asyncProperty(huge, async (bytes) => {
        const { acks, closed } = await exchange(gw.clientUrl, [bytes]);
        expect(acks).toEqual([]);
        expect(closed).toBe(1009);
      }),
      { numRuns: 30 },
    );
    await (await loggedIn(gw, { name: 'alice' })).close();
    expect(unexpected).toEqual([]);
  });

  it('answers a logged-in KICK of over max_kick ssids with 4104 naming the field, and one within it normally', async () => {
    const c = await loggedIn(gw, { name: 'bob' });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 5000 }), async (n) => {
        const ack = await c.kick(Array.from({ length: n }, (_, i) => `x${i}`));
        if (n > gw.config.max_kick) expect(ack).toMatchObject({ ok: false, timType: 31, error: { code: 4104, info: 'ssid lists more than 32 ssids' } });
        else expect(ack).toMatchObject({ ok: true, timType: 31, t: 0 });
      }),
      { numRuns: 100 },
    );
    await c.ping();
    expect(unexpected).toEqual([]);
  });
});

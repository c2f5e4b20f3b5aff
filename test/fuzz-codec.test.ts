/**
 * Property tests of the codec and the AUTH field bounds, thousands of cases
 * each: whatever bytes arrive, decodeFrame never throws and either names the
 * problem (unknown-type, bad-payload, empty-frame → 4113) or yields a payload
 * of the declared shape, and every decoded AUTH is either within bounds or
 * answered 4104 naming a field that really is over its bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../src/config/load.js';
import { ErrorCode } from '../src/errors.js';
import { checkAuthBounds, checkKickList, MAX_TOKEN_BYTES } from '../src/policy/auth-bounds.js';
import { decodeFrame, decodeText, encodeFrame, isUndecodable } from '../src/protocol/codec.js';
import { ClientType, JSON_FLAG, payloadTypes } from '../src/protocol/type-codes.js';
import type { TimAuth } from '../src/protocol/types.js';

/** Cases per pure property (the default run); FUZZ_RUNS raises it for a longer local hunt. */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const config = buildConfig({});
const known = new Set(Object.keys(payloadTypes.clientIn).map(Number));
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const frame = (type: number, body: Uint8Array | string): Uint8Array =>
  Buffer.concat([Buffer.from([type]), typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);

/** Not well-formed Unicode (UTF-8 cannot carry it unchanged) or holding a control character (category Cc). */
const unclean = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') !== s || /\p{Cc}/u.test(s);

/** What checkAuthBounds must object to, computed independently: the first word of each possible `info`. */
function violations(a: TimAuth): Set<string> {
  const max = config.max_field_bytes;
  const out = new Set<string>();
  if (a.name === '' || bytes(a.name) > max) out.add('name');
  for (const f of ['domain', 'resource', 'pwd'] as const) if (bytes(a[f]) > max) out.add(f);
  for (const f of ['name', 'domain', 'resource'] as const) if (unclean(a[f])) out.add(f);
  if (bytes(a.token) > MAX_TOKEN_BYTES) out.add('token');
  if (a.pwd === '' && a.token === '') out.add('pwd');
  if (!Number.isInteger(a.termtyp) || a.termtyp < 0 || a.termtyp > 127) out.add('termtyp');
  const entries = Object.entries(a.extend);
  if (entries.length > config.max_extend_entries || entries.reduce((n, [k, v]) => n + bytes(k) + bytes(v), 0) > config.max_extend_bytes) out.add('extend');
  if (a.kick.length > config.max_kick || a.kick.some((s) => bytes(s) > max)) out.add('kick');
  return out;
}

/** Asserts the documented answer to an AUTH payload: null within bounds, else 4104 naming a violated field. */
function expectBoundsAnswer(a: TimAuth): void {
  const got = checkAuthBounds(a, config);
  const bad = violations(a);
  if (bad.size === 0) {
    expect(got).toBeNull();
    return;
  }
  expect(got?.code).toBe(ErrorCode.PARAMETER_INCORRECT);
  expect(bad).toContain(got!.info.split(' ')[0]);
}

/** Asserts a decoded AUTH payload has TimAuth's shape (defaults filled in, right types). */
function expectAuthShape(auth: TimAuth): void {
  const p: Record<string, unknown> = { ...auth };
  for (const f of ['name', 'pwd', 'domain', 'resource', 'token']) expect(typeof p[f]).toBe('string');
  expect(Number.isInteger(p.termtyp)).toBe(true);
  expect(Array.isArray(p.kick) && (p.kick as unknown[]).every((s) => typeof s === 'string')).toBe(true);
  expect(Object.values(p.extend as object).every((v) => typeof v === 'string')).toBe(true);
}

/** Decodes a would-be AUTH frame and asserts the documented answer: bad-payload (4113), or a TimAuth with a correct bounds answer. */
function expectAuthAnswer(data: Uint8Array, jsonMode = false): void {
  const f = decodeFrame('clientIn', data, jsonMode);
  if (isUndecodable(f)) {
    expect(f.error).toBe('bad-payload');
    return;
  }
  if (f.type !== ClientType.AUTH) throw new Error(`decoded as type ${f.type}`);
  expectAuthShape(f.payload);
  expectBoundsAnswer(f.payload);
}

/**
 * A string that is sometimes far over the 128-byte bound (up to 64 KB, the
 * client's largest frame; 'names each 1 MB field in info' covers 1 MB), often within it.
 */
const field = fc.oneof(
  { weight: 20, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 8, arbitrary: fc.string({ unit: 'binary', minLength: 100, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 129, max: 1 << 16 }).map((n) => 'x'.repeat(n)) },
);
const auth: fc.Arbitrary<TimAuth> = fc.record({
  name: field,
  pwd: field,
  domain: field,
  resource: field,
  termtyp: fc.oneof(fc.integer({ min: 0, max: 127 }), fc.integer({ min: -0x80000000, max: 0x7fffffff })),
  token: fc.oneof(fc.constant(''), fc.string({ maxLength: 300 })),
  extend: fc.oneof(
    fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), { maxKeys: 20 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ minLength: 200, maxLength: 600 }), { maxKeys: 12 }),
  ),
  kick: fc.oneof(fc.array(fc.string({ maxLength: 24 }), { maxLength: 40 }), fc.array(field, { maxLength: 3 })),
});

describe('codec under random input', () => {
  it('never throws on random bytes, and names the problem when it cannot decode', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.boolean(), (data, jsonMode) => {
        for (const channel of ['clientIn', 'adminIn'] as const) {
          const f = decodeFrame(channel, data, jsonMode);
          if (isUndecodable(f)) expect(['unknown-type', 'bad-payload', 'empty-frame']).toContain(f.error);
          else expect(typeof f.payload).toBe('object');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on random text-mode messages of the client and admin sockets, and names the problem when it cannot decode', () => {
    const message = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.record({ type: fc.oneof(fc.integer({ min: -2, max: 260 }), fc.double(), fc.string({ maxLength: 4 })), data: fc.jsonValue({ maxDepth: 4 }), extra: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: ['type'] }).map((m) => JSON.stringify(m)),
    );
    fc.assert(
      fc.property(message, (text) => {
        for (const channel of ['clientIn', 'adminIn'] as const) {
          const f = decodeText(channel, text);
          if (isUndecodable(f)) expect(['unknown-type', 'bad-payload']).toContain(f.error);
          else expect(typeof f.payload).toBe('object');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('answers unknown-type for every type code the client channel does not have, with or without the JSON bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }).filter((b) => !known.has(b & ~JSON_FLAG)), fc.uint8Array({ maxLength: 64 }), (b, body) => {
        const f = decodeFrame('clientIn', frame(b, body));
        expect(isUndecodable(f) && f.error).toBe('unknown-type');
      }),
      { numRuns: RUNS },
    );
  });

  it('decodes random AUTH payload bytes to bad-payload or a TimAuth-shaped payload with a documented bounds answer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (body) => {
        expectAuthAnswer(frame(ClientType.AUTH, body));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on truncated AUTH frames and keeps every decoded field a prefix-consistent TimAuth', () => {
    fc.assert(
      fc.property(auth, fc.double({ min: 0, max: 1, noNaN: true }), (a, cut) => {
        const whole = encodeFrame('clientIn', ClientType.AUTH, a);
        expectAuthAnswer(whole.subarray(0, Math.max(1, Math.floor(whole.length * cut))));
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects over-long and truncated varints, wraps 10-byte ones to int32 (then 4104 when out of 0..127)', () => {
    const tag = 0x28; // field 5 (termtyp), wire type 0
    fc.assert(
      fc.property(fc.integer({ min: 11, max: 40 }), fc.integer({ min: 1, max: 9 }), (overLong, truncated) => {
        const long = decodeFrame('clientIn', frame(ClientType.AUTH, Uint8Array.from([tag, ...Array(overLong).fill(0x80), 0x01])));
        expect(isUndecodable(long) && long.error).toBe('bad-payload');
        const cut = decodeFrame('clientIn', frame(ClientType.AUTH, Uint8Array.from([tag, ...Array(truncated).fill(0xff)])));
        expect(isUndecodable(cut) && cut.error).toBe('bad-payload');
      }),
      { numRuns: RUNS },
    );
    const minusOne = decodeFrame('clientIn', frame(ClientType.AUTH, Uint8Array.from([tag, ...Array(9).fill(0xff), 0x01])));
    if (isUndecodable(minusOne) || minusOne.type !== ClientType.AUTH) throw new Error('a 10-byte varint must decode');
    expect(minusOne.payload.termtyp).toBe(-1);
    expect(checkAuthBounds({ ...minusOne.payload, name: 'a', pwd: 'p' }, config)?.info).toMatch(/^termtyp/);
  });

  it('skips or rejects fields sent with the wrong wire type, never mistyping them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 40 }), (id, wire, rest) => {
        expectAuthAnswer(frame(ClientType.AUTH, Uint8Array.from([(id << 3) | wire, ...rest])));
      }),
      { numRuns: RUNS },
    );
  });

  it('answers bad-payload or a TimAuth for JSON-mode garbage, nested maps and out-of-range numbers', () => {
    const jsonish = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 6 }),
      fc.record({ name: fc.jsonValue({ maxDepth: 3 }), termtyp: fc.oneof(fc.double(), fc.bigInt().map(String), fc.integer()) }).map((o) => JSON.stringify(o)),
      fc.record({ name: fc.constant('a'), extend: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 30 }) }).map((o) => JSON.stringify(o)),
      fc.integer({ min: 1, max: 20_000 }).map((d) => `{"extend":${'{"a":'.repeat(d)}"x"${'}'.repeat(d)}}`),
    );
    fc.assert(
      fc.property(jsonish, fc.boolean(), (text, flagged) => {
        expectAuthAnswer(frame(flagged ? ClientType.AUTH | JSON_FLAG : ClientType.AUTH, text), !flagged);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses JSON int32 fields outside the int32 range instead of wrapping them into 0..127', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -(2 ** 31) - 1 })), (n) => {
        const f = decodeFrame('clientIn', frame(ClientType.AUTH | JSON_FLAG, JSON.stringify({ name: 'a', pwd: 'p', termtyp: n })));
        expect(isUndecodable(f) && f.error).toBe('bad-payload');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('AUTH field bounds', () => {
  it('answers null within every bound and 4104 naming an over-bound field otherwise', () => {
    fc.assert(fc.property(auth, expectBoundsAnswer), { numRuns: RUNS });
  });

  it('bounds extend by entries and by bytes, and kick by length, up to 100k entries', () => {
    const count = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 64 }) }, { weight: 1, arbitrary: fc.integer({ min: 65, max: 100_000 }) });
    fc.assert(
      fc.property(count, count, (extendEntries, kickEntries) => {
        const extend = Object.fromEntries(Array.from({ length: extendEntries }, (_, i) => [`k${i}`, 'v']));
        const kick = Array.from({ length: kickEntries }, (_, i) => `s${i}`);
        const a: TimAuth = { name: 'alice', pwd: 'p', domain: '', resource: '', termtyp: 0, token: '', extend, kick };
        const got = checkAuthBounds(a, config);
        const tooManyExtend = extendEntries > config.max_extend_entries;
        if (tooManyExtend) expect(got?.info).toMatch(/^extend has more than 16 entries/);
        else if (kickEntries > config.max_kick) expect(got?.info).toMatch(/^kick lists more than 32 ssids/);
        else expect(got).toBeNull();
        expect(checkKickList('ssid', kick, config)?.code ?? null).toBe(kickEntries > config.max_kick ? ErrorCode.PARAMETER_INCORRECT : null);
      }),
      { numRuns: 200 }, // about 10 of them over 64 entries, up to 100k
    );
  });

  it('names each 1 MB field in info', () => {
    const mb = 'n'.repeat(1 << 20);
    const base: TimAuth = { name: 'alice', pwd: 'p', domain: '', resource: '', termtyp: 0, token: '', extend: {}, kick: [] };
    for (const f of ['name', 'domain', 'resource', 'pwd'] as const) {
      expect(checkAuthBounds({ ...base, [f]: mb }, config)).toEqual({ code: 4104, info: `${f} longer than 128 bytes` });
    }
    expect(checkAuthBounds({ ...base, token: mb }, config)?.info).toBe('token longer than 256 bytes');
    expect(checkAuthBounds({ ...base, extend: { k: mb } }, config)?.info).toBe('extend larger than 4096 bytes');
    expect(checkAuthBounds({ ...base, kick: [mb] }, config)?.info).toBe('kick ssid longer than 128 bytes');
    expect(checkAuthBounds({ ...base, termtyp: 128 }, config)?.info).toBe('termtyp must be 0..127');
  });
});

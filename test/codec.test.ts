import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeText, encodeFrame, encodeText, isUndecodable } from '../src/protocol/codec.js';
import { ClientType, JSON_FLAG } from '../src/protocol/type-codes.js';

const auth = { name: 'alice', pwd: 'p', domain: 'acme', resource: 'huawei50', termtyp: 3, token: '', extend: { lang: 'zh' }, kick: ['s1', 's2'] };
const ack = {
  ok: false,
  timType: 16,
  error: { code: 4111, info: 'over entry' },
  t: 1_700_000_000_123,
  n: 'acc',
  t2: 1_700_000_100_000,
  n2: 'ssid',
  token: 'r.x.y',
  sessions: [{ ssid: 'a', resource: 'r', termtyp: 1, loginTime: 1_700_000_000_000, refreshTime: 1_700_000_000_500, ip: '127.0.0.1', gateway: 'g1' }],
};

describe('codec', () => {
  it('round-trips an AUTH frame in binary mode with the type byte first', () => {
    const bytes = encodeFrame('clientIn', ClientType.AUTH, auth);
    expect(bytes[0]).toBe(16);
    const f = decodeFrame('clientIn', bytes);
    expect(isUndecodable(f)).toBe(false);
    expect(f).toMatchObject({ type: 16, json: false, payload: auth });
  });

  it('round-trips an ACK with int64 fields as numbers', () => {
    const f = decodeFrame('clientOut', encodeFrame('clientOut', ClientType.ACK, ack));
    expect(f).toMatchObject({ type: 12, payload: ack });
  });

  it('JSON mode: AUTH with the 0x80 bit carries protobuf-JSON, replies are JSON with the plain type byte', () => {
    const bytes = encodeFrame('clientIn', ClientType.AUTH, auth, true, true);
    expect(bytes[0]).toBe(16 | JSON_FLAG);
    expect(JSON.parse(Buffer.from(bytes.subarray(1)).toString())).toMatchObject({ name: 'alice', termtyp: 3, kick: ['s1', 's2'] });
    expect(decodeFrame('clientIn', bytes)).toMatchObject({ type: 16, json: true, payload: auth });

    const reply = encodeFrame('clientOut', ClientType.ACK, ack, true);
    expect(reply[0]).toBe(12);
    const parsed = JSON.parse(Buffer.from(reply.subarray(1)).toString());
    expect(parsed).toMatchObject({ ok: false, timType: 16, error: { code: 4111 }, t: '1700000000123', sessions: [{ ssid: 'a', loginTime: '1700000000000' }] });
    expect(decodeFrame('clientOut', reply, true)).toMatchObject({ type: 12, payload: ack });
  });

  it('JSON mode: a later client frame may be JSON without the bit', () => {
    const bytes = Buffer.concat([Buffer.from([ClientType.KICK]), Buffer.from(JSON.stringify({ ssid: ['a'] }))]);
    expect(decodeFrame('clientIn', bytes, true)).toMatchObject({ type: 31, json: true, payload: { ssid: ['a'] } });
    expect(isUndecodable(decodeFrame('clientIn', bytes, false))).toBe(true);
  });

  it('an empty payload is a valid empty message', () => {
    expect(decodeFrame('clientIn', Buffer.from([ClientType.AUTH]))).toMatchObject({ type: 16, payload: { name: '', termtyp: 0, kick: [] } });
    expect(decodeFrame('clientIn', Buffer.from([ClientType.PING]))).toMatchObject({ type: 13, payload: {} });
  });

  it.each([
    ['unknown type code', [99, 1, 2], 'unknown-type'],
    ['server-only type from a client', [ClientType.ACK], 'unknown-type'],
    ['truncated length-delimited field', [16, 0x0a, 0x05, 0x61], 'bad-payload'],
    ['JSON array instead of object', [16 | 0x80, ...Buffer.from('[1,2]')], 'bad-payload'],
    ['JSON with a wrong field type', [16 | 0x80, ...Buffer.from('{"termtyp":"x"}')], 'bad-payload'],
    ['broken JSON', [16 | 0x80, ...Buffer.from('{"name":')], 'bad-payload'],
    ['empty frame', [], 'empty-frame'],
  ])('%s is undecodable (%s)', (_name, bytes, error) => {
    const f = decodeFrame('clientIn', Buffer.from(bytes as number[]));
    expect(f).toMatchObject({ error });
  });

  it('admin channel: AdmStats round trip with a map of int64', () => {
    const stats = { sessions: 3, accounts: 2, connections: 5, gateways: 1, perDomain: { '': 1, acme: 2 }, tokens: 4 };
    expect(decodeFrame('adminOut', encodeFrame('adminOut', 43, stats))).toMatchObject({ type: 43, payload: stats });
  });

  it('text mode: {"type","data"} with int64 as numbers when they fit in 2^53, as strings beyond; data omitted for an empty payload', () => {
    const text = encodeText('clientOut', ClientType.ACK, ack);
    expect(JSON.parse(text)).toEqual({ type: 12, data: expect.objectContaining({ t: 1_700_000_000_123, t2: 1_700_000_100_000, sessions: [expect.objectContaining({ loginTime: 1_700_000_000_000 })] }) });
    expect(decodeText('clientOut', text)).toMatchObject({ type: 12, json: true, payload: ack });
    expect(encodeText('clientOut', ClientType.PING)).toBe('{"type":13}');
    const huge = JSON.parse(encodeText('adminOut', 43, { sessions: 2 ** 60 })) as { data: { sessions: unknown } };
    expect(huge.data.sessions).toBe('1152921504606846976');
    expect(decodeText('adminOut', '{"type":43,"data":{"sessions":"12","perDomain":{"a":"3"}}}')).toMatchObject({ type: 43, payload: { sessions: 12, perDomain: { a: 3 } } });
  });

  it.each([
    ['not JSON', '{"type":16', 0, 'bad-payload'],
    ['not an object', '[16]', 0, 'bad-payload'],
    ['no type', '{"data":{}}', 0, 'bad-payload'],
    ['fractional type', '{"type":16.5}', 0, 'bad-payload'],
    ['unknown type', '{"type":99}', 99, 'unknown-type'],
    ['data not an object', '{"type":16,"data":"x"}', 16, 'bad-payload'],
    ['data null', '{"type":16,"data":null}', 16, 'bad-payload'],
    ['a key besides type and data', '{"type":16,"data":{},"id":1}', 16, 'bad-payload'],
    ['a field of the wrong type', '{"type":16,"data":{"termtyp":"x"}}', 16, 'bad-payload'],
    ['an int32 out of range', '{"type":16,"data":{"termtyp":4294967297}}', 16, 'bad-payload'],
  ])('text mode: %s is undecodable', (_name, text, type, error) => {
    expect(decodeText('clientIn', text)).toEqual({ type, error });
  });
});

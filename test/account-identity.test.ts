/**
 * Two accounts never share one identity (issue 10 defect 8): the account id
 * in ACK.n is injective in (domain, name), names, domains and resources that
 * are not well-formed Unicode or hold control characters are refused with
 * 4104 naming the field in binary and JSON mode, and Redis keys keep a lone
 * surrogate apart from U+FFFD.
 */
import { describe, expect, it } from 'vitest';
import { accountId } from '../src/session/account-id.js';
import { keyPart, RedisKeys } from '../src/session/redis-keys.js';
import { connect, PWD, startGateway } from './helpers.js';

describe('account identity', () => {
  it('account ids of (domain "a\\0b", name "c") and (domain "a", name "b\\0c") differ', () => {
    expect(accountId('a\u0000b', 'c')).not.toBe(accountId('a', 'b\u0000c'));
    expect(accountId('ab', 'c')).not.toBe(accountId('a', 'bc'));
    expect(accountId('acme', 'alice')).toBe(accountId('acme', 'alice'));
  });

  it('account ids are the values earlier releases sent (nodes of a rolling upgrade must agree on them)', () => {
    // SHA-256 of "<UTF-8 length of domain>:<domain><name>", base64url, first 22 characters
    expect(accountId('acme', 'alice')).toBe('65syPou5FnsATyyurC9B4j');
    expect(accountId('', 'bob')).toBe('tlVtJRX58gnoAIi8K8i63Y');
    expect(accountId('dömain', '名字')).toBe('RjZlMFCE1CcSbE9aAHIb1b');
  });

  it.each([
    ['name', { name: 'ali\u0000ce' }],
    ['name', { name: 'alice\u001b[2J' }],
    ['domain', { domain: 'ac\u0085me' }],
    ['resource', { resource: 'phone\u007f' }],
    ['name', { name: 'alice\ud800' }],
    ['domain', { domain: '\udc00acme' }],
    ['resource', { resource: 'x\ud83dy' }],
  ] as const)('refuses a %s that is not clean text with 4104 naming it, in binary, JSON and text mode (%j)', async (field, fields) => {
    const gw = await startGateway();
    for (const format of ['binary', 'json', 'text'] as const) {
      // a lone surrogate cannot be written in protobuf's UTF-8: only JSON (binary JSON or text mode) can carry one
      if (format === 'binary' && Object.values(fields).some((v) => /[\ud800-\udfff]/.test(v))) continue;
      const c = await connect(gw, { format });
      const ack = await c.login({ name: 'alice', pwd: PWD, ...fields });
      expect(ack).toMatchObject({ ok: false, error: { code: 4104, info: `${field} must be well-formed Unicode without control characters` } });
    }
  });

  it('accepts names with characters outside the BMP, accents and spaces', async () => {
    const gw = await startGateway();
    const c = await connect(gw, { format: 'json' });
    const ack = await c.login({ name: 'alice', pwd: PWD, resource: 'téléphone 📱 de Zoë' });
    expect(ack.ok).toBe(true);
  });

  it('a lone surrogate and U+FFFD make different Redis keys, and both read back', () => {
    expect(keyPart('a\ud800b')).not.toBe(keyPart('a\ufffdb'));
    expect(keyPart('\udc00')).not.toBe(keyPart('\ufffd'));
    const keys = new RedisKeys('tim:');
    for (const [domain, name] of [
      ['acme', 'a\ud800b'],
      ['acme', 'a\ufffdb'],
      ['d\udfff', '%u0041 {x:y}'],
    ] as const) {
      expect(keys.parseAccountKey(keys.sessions(domain, name))).toEqual({ domain, name, kind: 's' });
    }
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CloseCode, closeCodes, ErrorCode, errorInfo, KickReason, kickText, reconnectAfter } from '../src/errors.js';
import { packageRoot } from '../src/package-root.js';

/** The contract: the shared copy when present (the source of truth), and the repo's copy, which must match it. */
const shared = join(packageRoot, '..', 'shared', 'PROTOCOL.md');
const local = join(packageRoot, 'docs', 'PROTOCOL.md');
const protocol = readFileSync(local, 'utf8');

/** Extensions documented in README, not in PROTOCOL.md. */
const closeExtensions = new Set<number>([CloseCode.SLOW_CONSUMER, CloseCode.POLICY]);

describe('errors table and PROTOCOL.md', () => {
  // Outside CI a checkout without ../shared skips the comparison (and says so); in CI (CI=true) a missing copy fails.
  const inCi = process.env.CI === 'true' || process.env.CI === '1';
  it.skipIf(!existsSync(shared) && !inCi)('docs/PROTOCOL.md is the shared contract (../shared/PROTOCOL.md)', () => {
    expect(existsSync(shared), `${shared} is missing: CI must check out the shared contract beside the repo`).toBe(true);
    expect(protocol).toBe(readFileSync(shared, 'utf8'));
  });

  it('every error code and text of section 7 is in the table, and nothing else', () => {
    const section = protocol.split('## 7.')[1]!.split('## 8.')[0]!.split('\n').slice(1).join(' ').replace(/\s+/g, ' ');
    const documented = section
      .split(' · ')
      .map((item) => /^\s*(\d{4}) ([a-z ]+?)\s*(?:\(.*\))?\.?\s*$/.exec(item)!)
      .map((m) => [Number(m[1]), m[2]!] as const);
    expect(documented.length).toBe(11);
    expect(Object.fromEntries(documented)).toEqual(errorInfo);
    expect(Object.values(ErrorCode).sort()).toEqual(documented.map(([c]) => c).sort());
  });

  it('every close code of section 6 is in the table', () => {
    const section = protocol.split('## 6.')[1]!.split('## 7.')[0]!;
    const documented = [...section.matchAll(/^\| (\d{4}) \|/gm)].map((m) => Number(m[1]));
    expect(documented.sort()).toEqual(Object.values(CloseCode).filter((c) => !closeExtensions.has(c)).sort());
    for (const c of Object.values(CloseCode)) expect(Buffer.byteLength(closeCodes[c].reason)).toBeLessThan(124);
  });

  it('what a client should do after each close code is what section 6 says', () => {
    const section = protocol.split('## 6.')[1]!.split('## 7.')[0]!;
    const rows = [...section.matchAll(/^\| (\d{4}) \| [^|]+ \| ([^|]+) \|/gm)].map((m) => [Number(m[1]), m[2]!.trim()] as const);
    expect(rows.length).toBe(7);
    for (const [code, should] of rows) {
      const want = should.startsWith('reconnect with the resume token') ? 'resume' : should === 'reconnect' ? 'login' : 'never';
      expect(reconnectAfter(code), `${code}: ${should}`).toBe(want);
    }
    expect(reconnectAfter(1006)).toBe('resume'); // dropped without a close frame
    expect(reconnectAfter(1000)).toBe('never');
  });

  it('every KICKED reason of section 5 is in the kick table, with a notice text', () => {
    const row = protocol.split('## 5.')[1]!.split('## 6.')[0]!.split('\n').find((l) => l.startsWith('| 3 |'))!;
    const documented = [...row.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).filter((r) => r !== 'reason');
    expect(documented.length).toBe(4);
    for (const r of documented) expect(Object.values(KickReason)).toContain(r);
    for (const r of Object.values(KickReason)) expect(kickText[r]).toContain(`(${r})`);
  });
});

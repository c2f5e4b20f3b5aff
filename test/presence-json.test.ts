import { describe, expect, it } from 'vitest';
import { EventKind } from '../src/protocol/types.js';
import { presenceJson, presenceKinds } from '../src/protocol/presence-json.js';

describe('presence event JSON (PROTOCOL.md section 12)', () => {
  it('spells the kind in lower case, keeps every field, and drops unknown kinds', () => {
    const base = { domain: 'acme', name: 'alice', ssid: 's1', resource: 'web', termtyp: 3, time: 1700000000000, reason: 'login', ip: '10.0.0.1' };
    expect(presenceJson({ kind: EventKind.ONLINE, ...base })).toEqual({ kind: 'online', ...base });
    expect(presenceJson({ kind: EventKind.REJECTED, ...base, ip: undefined })).toMatchObject({ kind: 'rejected', ip: '' });
    expect(presenceJson({ kind: 99, ...base })).toBeNull();
    expect(presenceKinds).toEqual(['online', 'offline', 'kicked', 'rejected']);
  });
});

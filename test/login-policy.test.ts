import { describe, expect, it } from 'vitest';
import { decideLogin } from '../src/policy/login-policy.js';
import { limitsFor } from '../src/policy/limits.js';
import { buildConfig } from '../src/config/load.js';
import { policyCases, policySession } from './login-policy-table.js';

const NOW = 1_000_000;

describe('decideLogin', () => {
  it.each(policyCases)('$name', ({ sessions, termtyp, limits, accept, ssids }) => {
    const d = decideLogin(sessions.map((spec) => policySession(spec, NOW)), termtyp, limits, NOW);
    expect(d.accept).toBe(accept);
    expect((d.accept ? d.evict : d.blocking).map((x) => x.ssid)).toEqual(ssids);
  });
});

describe('limitsFor', () => {
  const config = buildConfig({
    'device.limit': 4,
    'devicetype.limit': 2,
    overentry: 'reject',
    auth_min_unix: 7,
    domains: { acme: { device_limit: 9, overentry: 'kick' }, beta: { 'devicetype.limit': 3 } },
  });
  it.each([
    { domain: '', want: { deviceLimit: 4, typeLimit: 2, mode: 'reject', minAgeMs: 7000 } },
    { domain: 'acme', want: { deviceLimit: 9, typeLimit: 2, mode: 'kick', minAgeMs: 7000 } },
    { domain: 'beta', want: { deviceLimit: 4, typeLimit: 3, mode: 'reject', minAgeMs: 7000 } },
    { domain: 'toString', want: { deviceLimit: 4, typeLimit: 2, mode: 'reject', minAgeMs: 7000 } },
  ])('domain "$domain": aliases and overrides', ({ domain, want }) => {
    expect(limitsFor(config, domain)).toEqual(want);
  });
});

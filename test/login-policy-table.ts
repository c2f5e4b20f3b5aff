/**
 * The login policy as one table, run against both copies of the decision:
 * the TypeScript one (src/policy/login-policy.ts, test/login-policy.test.ts)
 * and the Lua one that cluster mode runs inside Redis (src/session/lua/lib.lua
 * `decide`, through the Redis registry: test/login-policy-lua.test.ts), so the
 * two cannot drift.
 */
import type { Limits, PolicySession } from '../src/policy/login-policy.js';

/** One login decided against an account's sessions. */
export interface PolicyCase {
  readonly name: string;
  /** The account's sessions, each "ssid:termtyp@age" (age in seconds before now, default 100). */
  readonly sessions: readonly string[];
  /** The termtyp of the login. */
  readonly termtyp: number;
  readonly limits: Limits;
  readonly accept: boolean;
  /** Accepted: the sessions evicted; refused: the sessions that block, in order. */
  readonly ssids: readonly string[];
}

/** A session from its "ssid:termtyp@age" spec, as of `now` (ms). */
export function policySession(spec: string, now: number): PolicySession {
  const [ssid, rest] = spec.split(':') as [string, string];
  const [t, age] = rest.split('@');
  return { ssid, termtyp: Number(t), loginTime: now - Number(age ?? 100) * 1000 };
}

const limits = (deviceLimit: number, typeLimit: number, mode: 'reject' | 'kick' = 'reject', minAgeMs = 10_000): Limits => ({ deviceLimit, typeLimit, mode, minAgeMs });

/** Every case: both copies of the policy must give these answers. */
export const policyCases: readonly PolicyCase[] = [
  { name: 'empty account accepts', sessions: [], termtyp: 1, limits: limits(1, 1), accept: true, ssids: [] },
  { name: 'total limit 1 reached rejects, all block', sessions: ['a:2'], termtyp: 1, limits: limits(1, 1), accept: false, ssids: ['a'] },
  { name: 'total limit 3 not reached accepts', sessions: ['a:1', 'b:2'], termtyp: 3, limits: limits(3, 1), accept: true, ssids: [] },
  { name: 'total limit 3 reached: all block oldest first', sessions: ['a:1@5', 'b:2@50', 'c:3@20'], termtyp: 4, limits: limits(3, 3), accept: false, ssids: ['b', 'c', 'a'] },
  { name: 'type limit reached: only that type blocks', sessions: ['a:1', 'b:2'], termtyp: 1, limits: limits(5, 1), accept: false, ssids: ['a'] },
  { name: 'type limit 2 not reached accepts', sessions: ['a:1', 'b:2'], termtyp: 1, limits: limits(5, 2), accept: true, ssids: [] },
  { name: 'termtyp 0 is not counted per type', sessions: ['a:0', 'b:0'], termtyp: 0, limits: limits(5, 1), accept: true, ssids: [] },
  { name: 'termtyp 0 counts against total', sessions: ['a:0', 'b:0'], termtyp: 0, limits: limits(2, 1), accept: false, ssids: ['a', 'b'] },
  { name: 'type-0 sessions do not block a typed login per type', sessions: ['a:0'], termtyp: 1, limits: limits(2, 1), accept: true, ssids: [] },
  { name: 'both limits: total conflict lists all', sessions: ['a:1@30', 'b:2@20'], termtyp: 1, limits: limits(2, 1), accept: false, ssids: ['a', 'b'] },
  { name: 'kick: total conflict evicts oldest overall', sessions: ['a:1@30', 'b:2@50', 'c:3@20'], termtyp: 4, limits: limits(3, 1, 'kick'), accept: true, ssids: ['b'] },
  { name: 'kick: type conflict evicts oldest of that type, not oldest overall', sessions: ['a:1@30', 'b:2@50', 'c:1@20'], termtyp: 1, limits: limits(5, 2, 'kick'), accept: true, ssids: ['a'] },
  { name: 'kick: type conflict also resolves total', sessions: ['a:2@50', 'b:1@30'], termtyp: 1, limits: limits(2, 1, 'kick'), accept: true, ssids: ['b'] },
  { name: 'kick: type then total conflict evicts two', sessions: ['a:2@50', 'b:1@30', 'c:3@40'], termtyp: 1, limits: limits(2, 1, 'kick'), accept: true, ssids: ['b', 'a'] },
  { name: 'kick: victim younger than auth_min_unix refuses', sessions: ['a:1@5'], termtyp: 2, limits: limits(1, 1, 'kick', 10_000), accept: false, ssids: ['a'] },
  { name: 'kick: old enough victim is evicted though others are young', sessions: ['a:1@60', 'b:2@1'], termtyp: 3, limits: limits(2, 1, 'kick', 10_000), accept: true, ssids: ['a'] },
  { name: 'kick: minAge 0 always evicts', sessions: ['a:1@0'], termtyp: 1, limits: limits(1, 1, 'kick', 0), accept: true, ssids: ['a'] },
  { name: 'reject: many over limit lists all', sessions: ['a:1', 'b:1', 'c:1'], termtyp: 1, limits: limits(2, 5), accept: false, ssids: ['a', 'b', 'c'] },
  { name: 'kick: shrunk limit evicts several', sessions: ['a:1@10', 'b:1@20', 'c:1@30'], termtyp: 2, limits: limits(2, 5, 'kick', 0), accept: true, ssids: ['c', 'b'] },
  { name: 'loginTime ties are broken by ssid, so every node picks the same victim', sessions: ['z:1@1', 'y:1@1'], termtyp: 1, limits: limits(5, 2, 'kick', 0), accept: true, ssids: ['y'] },
];

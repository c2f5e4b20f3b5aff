/**
 * A seeded random sequence of SessionRegistry calls (logins, resumes, AUTH
 * kicks, clean closes, withdrawals, LOGOUTs) over a few small accounts, and
 * the transcript of what the registry answered. The conformance suite runs it
 * against the registry under test and against MemoryRegistry, the reference,
 * and wants the same transcript: the Lua scripts' incremental bookkeeping
 * (counts, token sets) is then checked by stats against the table itself.
 */
import type { Limits } from '../src/policy/login-policy.js';
import type { LoginResult, SessionInfo, SessionRegistry } from '../src/session/registry.js';

/** The accounts of the sequence, and the ssids each may use. */
export const RANDOM_ACCOUNTS = Array.from({ length: 8 }, (_, i) => `u${i}`);
export const RANDOM_SSIDS = Array.from({ length: 24 }, (_, i) => `s${i}`);

/** A small deterministic PRNG (mulberry32): the same seed gives the same sequence. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) as number;
  };
}

const ids = (list: readonly SessionInfo[]): string => list.map((s) => s.ssid).join(',');
const answer = (r: LoginResult): string =>
  r.ok ? `ok removed=${ids(r.removed)} evicted=${ids(r.evicted)} replaced=${r.replaced?.ssid ?? '-'}` : `no ${r.code} blocking=${ids(r.blocking)} removed=${ids(r.removed)}`;

/**
 * Runs `steps` calls chosen by `seed` on `reg` as node `gateway`, on the
 * accounts of `domain`, at times from `t0` on (one ms per step, so that no
 * two sessions are the same age); returns one line per call: what was asked
 * and what came back.
 */
export async function randomOps(reg: SessionRegistry, gateway: string, domain: string, seed: number, steps: number, t0: number): Promise<string[]> {
  const rnd = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[rnd(list.length)]!;
  /** The sessions the sequence believes listed, by account/ssid, and the hash of each ssid's last resume token. */
  const held = new Map<string, SessionInfo>();
  const hashes = new Map<string, string>();
  const out: string[] = [];
  for (let step = 0; step < steps; step++) {
    const now = t0 + step;
    const name = pick(RANDOM_ACCOUNTS);
    const mine = [...held.values()].filter((s) => s.name === name);
    const op = rnd(20);
    if (op < 4 && mine.length > 0) {
      const s = pick(mine);
      const gone = await reg.remove(domain, name, s.ssid, s.connId);
      held.delete(`${name}/${s.ssid}`);
      out.push(`close ${name}/${s.ssid} -> ${gone?.ssid ?? '-'}`);
      continue;
    }
    if (op === 4 && mine.length > 0) {
      const logout = rnd(3) === 0 ? null : [pick(mine).ssid, pick(RANDOM_SSIDS)];
      const r = await reg.removeSessions(domain, name, logout);
      for (const s of r.sessions) held.delete(`${name}/${s.ssid}`);
      for (const x of logout ?? RANDOM_SSIDS) hashes.delete(`${name}/${x}`);
      out.push(`logout ${name} ${logout?.join(',') ?? '*'} -> ${[...r.sessions.map((s) => s.ssid)].sort().join(',')}`);
      continue;
    }
    // a resume presents the last token of an ssid (or a wrong one); a fresh login takes an ssid not listed, as a new ssid would be
    const known = [...hashes.keys()].filter((k) => k.startsWith(`${name}/`));
    const resumes = op >= 15 && known.length > 0;
    const ssid = resumes ? pick(known).slice(name.length + 1) : pick(RANDOM_SSIDS.filter((x) => !held.has(`${name}/${x}`)));
    const key = `${name}/${ssid}`;
    const resume = resumes ? (rnd(4) === 0 ? 'wrong' : hashes.get(key)!) : undefined;
    const kick = op === 5 && mine.length > 0 ? [pick(mine).ssid] : [];
    const limits: Limits = { deviceLimit: 1 + rnd(3), typeLimit: 1 + rnd(2), mode: rnd(2) === 0 ? 'kick' : 'reject', minAgeMs: 0 };
    const session: SessionInfo = { ssid, domain: domain, name, resource: `r${step}`, termtyp: rnd(3), loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway, connId: `c${step}` };
    const hash = `h${step}`;
    const r = await reg.login({ session, limits, kick, token: { domain: domain, name, ssid, hash, expires: now + 600_000 }, now, ...(resume !== undefined ? { resumeHash: resume } : {}) });
    out.push(`login ${key} ${resume === undefined ? 'fresh' : 'resume'} kick=${kick.join(',')} ${limits.mode} ${limits.deviceLimit}/${limits.typeLimit} t${session.termtyp} -> ${answer(r)}`);
    for (const s of r.removed) {
      held.delete(`${name}/${s.ssid}`);
      hashes.delete(`${name}/${s.ssid}`);
    }
    if (!r.ok) continue;
    for (const s of r.evicted) {
      held.delete(`${name}/${s.ssid}`);
      hashes.delete(`${name}/${s.ssid}`);
    }
    const listed = r.session ?? session;
    if (resume === undefined && op === 6) {
      const gone = await reg.withdraw(listed);
      hashes.delete(key);
      out.push(`withdraw ${key} -> ${gone?.ssid ?? '-'}`);
      continue;
    }
    held.set(key, listed);
    hashes.set(key, hash);
  }
  return out;
}

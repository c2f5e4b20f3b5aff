/**
 * A load-generator process: it holds its own share of the client sockets
 * (one Node process can hold about 19,000 under the 20,000 open-files limit)
 * and runs the client side of each scenario on the parent's call. Every loop
 * is bounded in count and in time; loopback only.
 */
import { performance } from 'node:perf_hooks';
import { encodeFrame } from '../src/protocol/codec.js';
import { ClientType } from '../src/protocol/type-codes.js';
import { NoticeKind, type TimAuth, type TimMessage } from '../src/protocol/types.js';
import { BenchSocket, bounded } from './bench-socket.js';
import { serveRpc } from './rpc.js';
import { stormHandlers } from './storm-clients.js';

/** An account as a lane of the load generator uses it: its password, or its current resume token. */
export interface LaneAccount {
  readonly domain: string;
  readonly name: string;
  readonly pwd: string;
  token: string;
}

/** What a login run reports. */
export interface LoginRun {
  readonly logins: number;
  readonly failures: number;
  readonly firstError: string;
  readonly elapsedMs: number;
  /** ms from connect to ACK, one per successful login. */
  readonly latencies: number[];
}

/** Lanes (each a list of accounts it cycles through) per target server, by key. */
const lanesByKey = new Map<string, LaneAccount[][]>();
/** Sockets held open by `hold`, until `release`. */
let held: BenchSocket[] = [];

const baseAuth = { resource: 'bench', termtyp: 1 } as const;

function authOf(acc: LaneAccount, mode: 'pwd' | 'token'): Partial<TimAuth> {
  return mode === 'pwd'
    ? { ...baseAuth, domain: acc.domain, name: acc.name, pwd: acc.pwd }
    : { ...baseAuth, domain: acc.domain, name: acc.name, token: acc.token };
}

/** One login: connect, AUTH, ACK; keeps the new resume token. Returns the latency in ms. */
async function loginOnce(url: string, acc: LaneAccount, mode: 'pwd' | 'token', from?: string): Promise<{ ms: number; sock: BenchSocket }> {
  const t0 = performance.now();
  const sock = await BenchSocket.open(url, from);
  try {
    const ack = await sock.login(authOf(acc, mode));
    const ms = performance.now() - t0;
    if (!ack.ok) throw new Error(`login refused: ${ack.error?.code} ${ack.error?.info}`);
    if (ack.token) acc.token = ack.token;
    return { ms, sock };
  } catch (e) {
    sock.ws.terminate();
    throw e;
  }
}

interface LoginArgs {
  readonly key: string;
  readonly urls: string[];
  readonly mode: 'pwd' | 'token';
  readonly durationMs: number;
  readonly maxLogins: number;
}

/** Each lane logs in, closes cleanly and moves to its next account, until time or count runs out. */
async function logins(a: LoginArgs): Promise<LoginRun> {
  const lanes = lanesByKey.get(a.key);
  if (!lanes) throw new Error(`no lanes for ${a.key}`);
  const latencies: number[] = [];
  let failures = 0;
  let firstError = '';
  let started = 0;
  const t0 = performance.now();
  const end = t0 + a.durationMs;
  await Promise.all(
    lanes.map(async (accounts, li) => {
      for (let i = 0; performance.now() < end && started < a.maxLogins; i++) {
        started++;
        const acc = accounts[i % accounts.length]!;
        try {
          const { ms, sock } = await loginOnce(a.urls[(li + i) % a.urls.length]!, acc, a.mode);
          latencies.push(ms);
          await sock.close();
        } catch (e) {
          failures++;
          firstError ||= String(e);
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    }),
  );
  return { logins: latencies.length, failures, firstError, elapsedMs: performance.now() - t0, latencies };
}

interface HoldArgs {
  readonly key: string;
  /** Sockets go round-robin to these URLs (one gateway, or the nodes of a cluster). */
  readonly urls: string[];
  readonly concurrency: number;
  /** Local addresses to connect from, round-robin (127.x.y.z: more source ports than one address has). */
  readonly from?: string[];
  /** Epoch ms after which no new login starts (the scale bench's time bound). */
  readonly until?: number;
}

/** Attempts of one held login answered 5104 (try again), as the client library retries them. */
const HOLD_ATTEMPTS = 5;

/**
 * Opens and logs in one socket per account of the key's lanes (at most
 * `concurrency` at a time) and keeps them. A login answered 5104 is tried
 * again (up to HOLD_ATTEMPTS, 200 ms more each time), as the client library
 * does: `busy` counts those answers.
 */
async function hold(a: HoldArgs): Promise<{ held: number; failures: number; busy: number; firstError: string }> {
  const accounts = (lanesByKey.get(a.key) ?? []).flat();
  let next = 0;
  let failures = 0;
  let busy = 0;
  let firstError = '';
  await Promise.all(
    Array.from({ length: a.concurrency }, async () => {
      while (next < accounts.length && Date.now() < (a.until ?? Infinity)) {
        const i = next++;
        const from = a.from?.length ? a.from[i % a.from.length] : undefined;
        for (let attempt = 1; ; attempt++) {
          try {
            held.push((await loginOnce(a.urls[i % a.urls.length]!, accounts[i]!, 'token', from)).sock);
            break;
          } catch (e) {
            const again = String(e).includes('5104') && attempt < HOLD_ATTEMPTS;
            if (again) {
              busy++;
              await new Promise((r) => setTimeout(r, 200 * attempt));
              continue;
            }
            failures++;
            firstError ||= String(e);
            break;
          }
        }
      }
    }),
  );
  return { held: held.length, failures, busy, firstError };
}

/** Closes every held socket cleanly (with `logout`, by LOGOUT instead: their sessions end and their tokens die). */
async function release(a: { logout?: boolean }): Promise<{ released: number; failures: number; firstError: string }> {
  const all = held;
  held = [];
  let failures = 0;
  let firstError = '';
  const end = (s: BenchSocket): Promise<void> =>
    (a.logout ? s.logout() : s.close()).catch((e: unknown) => {
      failures++;
      firstError ||= String(e);
      s.ws.terminate();
    });
  for (let i = 0; i < all.length; i += 500) await Promise.all(all.slice(i, i + 500).map(end));
  return { released: all.length, failures, firstError };
}

interface KickArgs {
  readonly urls: string[];
  /** Per lane: the account and one single-use login token per login. */
  readonly lanes: { domain: string; name: string; tokens: string[] }[];
  /** "kicked": time from AUTH sent on a new socket to KICKED on the old one. "ack": time from first frame to ACK (baseline). */
  readonly expect: 'kicked' | 'ack';
}

/** Kick latency: each lane logs in again and again, every new login kicking the previous socket. */
async function kicks(a: KickArgs): Promise<{ latencies: number[]; failures: number; firstError: string }> {
  const latencies: number[] = [];
  let failures = 0;
  let firstError = '';
  await Promise.all(
    a.lanes.map(async (lane) => {
      let old: BenchSocket | null = null;
      for (let k = 0; k < lane.tokens.length; k++) {
        const auth = { ...baseAuth, domain: lane.domain, name: lane.name, token: lane.tokens[k]! };
        let sock: BenchSocket | null = null;
        try {
          sock = await BenchSocket.open(a.urls[k % a.urls.length]!);
          const kicked =
            a.expect === 'kicked' && old
              ? old.next((f) => f.type === ClientType.MESSAGE && (f.payload as unknown as TimMessage).odType === NoticeKind.KICKED)
              : undefined;
          kicked?.catch(() => {});
          const t0 = performance.now();
          const ack = sock.login(auth);
          ack.catch(() => {});
          if (!kicked) {
            const got = await ack;
            if (a.expect === 'ack') latencies.push(performance.now() - t0);
            else if (!got.ok) throw new Error(`login refused: ${got.error?.code}`);
          } else {
            await kicked;
            latencies.push(performance.now() - t0);
            const got = await ack;
            if (!got.ok) throw new Error(`login refused: ${got.error?.code}`);
          }
          if (old) await (a.expect === 'ack' ? old.close() : bounded(old.closed, 'kick close'));
          old = sock;
        } catch (e) {
          failures++;
          firstError ||= String(e);
          sock?.ws.terminate();
          old?.ws.terminate();
          old = null;
        }
      }
      await old?.close();
    }),
  );
  return { latencies, failures, firstError };
}

/** What a ping run reports: the round trip (ms) of each PING echoed. */
export interface PingRun {
  readonly latencies: number[];
  readonly failures: number;
  readonly firstError: string;
}

const PING = encodeFrame('clientIn', ClientType.PING, {});

/** Logs in one socket per account of the key's lanes; then each sends PING every `everyMs` for `durationMs` and times the echo. */
async function pings(a: { key: string; urls: string[]; durationMs: number; everyMs: number }): Promise<PingRun> {
  const latencies: number[] = [];
  let failures = 0;
  let firstError = '';
  const fail = (e: unknown): null => {
    failures++;
    firstError ||= String(e);
    return null;
  };
  const accounts = (lanesByKey.get(a.key) ?? []).flat();
  const socks = await Promise.all(accounts.map((acc, i) => loginOnce(a.urls[i % a.urls.length]!, acc, 'token').then((r) => r.sock, fail)));
  const end = performance.now() + a.durationMs;
  await Promise.all(
    socks.map(async (sock) => {
      while (sock && performance.now() < end) {
        const t0 = performance.now();
        try {
          const echo = sock.next((f) => f.type === ClientType.PING);
          sock.ws.send(PING);
          await echo;
          latencies.push(performance.now() - t0);
        } catch (e) {
          fail(e);
          break;
        }
        await new Promise((r) => setTimeout(r, Math.max(0, t0 + a.everyMs - performance.now())));
      }
    }),
  );
  await Promise.all(socks.map((s) => s?.close()));
  return { latencies, failures, firstError };
}

serveRpc({
  ...stormHandlers,
  pings,
  setLanes: (a: { key: string; lanes: LaneAccount[][] }) => void lanesByKey.set(a.key, a.lanes),
  logins,
  hold,
  release,
  kicks,
});

/**
 * The node's bound on password checks (issue 10 defect 4), against a real
 * `tim-gateway serve` process over real sockets: floods of wrong passwords
 * for unknown accounts (checked against the full-cost decoy hash) come from
 * 127.0.0.2 and 127.0.0.3, the well-behaved client (a cheap fixture hash)
 * from 127.0.0.4. Orderings are read from the ACKs as they arrive, never
 * from timings.
 */
import { describe, expect, it } from 'vitest';
import type { TimAck } from '../src/protocol/types.js';
import type { GatewayProcess } from './support/gateway-process.js';
import { connect, PWD, serveGateway, waitFor } from './helpers.js';

const LEGIT_IP = '127.0.0.4';
/** Rate limits that a flood of a few dozen logins stays within (the bound under test is another). */
const roomyRates = { login_rate_ip: { per_second: 1000, burst: 1000 }, login_rate_account: { per_second: 1000, burst: 1000 } };

/** The /metrics text of a gateway process. */
async function metrics(gw: GatewayProcess): Promise<string> {
  const base = gw.adminUrl.replace(/^ws/, 'http').replace(/\/admin$/, '');
  return (await fetch(`${base}/metrics`)).text();
}

/** The value of one sample (`name{labels}`) of a gateway process's /metrics; 0 when absent. */
async function sample(gw: GatewayProcess, name: string): Promise<number> {
  const line = (await metrics(gw)).split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** The sum of every sample of a counter (all label values). */
async function total(gw: GatewayProcess, name: string): Promise<number> {
  return (await metrics(gw))
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`))
    .reduce((sum, l) => sum + Number(l.split(' ')[1]), 0);
}

/** `n` sockets from `ip`, each sending one AUTH with a wrong password for an unknown account; `arrived` gets each ACK as it comes. */
async function flood(gw: GatewayProcess, ip: string, n: number, arrived: (ack: TimAck) => void) {
  const clients = await Promise.all(Array.from({ length: n }, () => connect(gw.clientUrl, { ws: { localAddress: ip }, requestTimeoutMs: 120_000 })));
  const acks = clients.map((c, i) =>
    c.login({ name: `ghost-${ip}-${i}`, pwd: 'wrong' }).then((ack) => {
      arrived(ack);
      return ack;
    }),
  );
  return { clients, acks };
}

describe('password checks: one bound per node', () => {
  it('a login from another address waits for its turn, not behind a flood from two addresses', async () => {
    const gw = await serveGateway({ ...roomyRates, password_checks: { concurrent: 1, queued: 100, per_ip: 50 } });
    const seen: string[] = [];
    let firstFloodAck!: () => void;
    const started = new Promise<void>((r) => (firstFloodAck = r));
    const arrived = (ack: TimAck): void => {
      seen.push(String(ack.error?.code ?? 'ok'));
      firstFloodAck();
    };
    const floods = await Promise.all(['127.0.0.2', '127.0.0.3'].map((ip) => flood(gw, ip, 8, arrived)));
    await started;
    const legit = await connect(gw.clientUrl, { ws: { localAddress: LEGIT_IP }, requestTimeoutMs: 120_000 });
    const ack = await legit.login({ name: 'alice', pwd: PWD });
    expect(ack).toMatchObject({ ok: true });
    const before = seen.length;
    const all = await Promise.all(floods.flatMap((f) => f.acks));
    expect(all.map((a) => a.error?.code)).toEqual(Array(16).fill(4105));
    // the first flood answer, the check running when alice came, then at most one turn per flooding address
    expect(before).toBeLessThanOrEqual(4);
  });

  it('one address holds at most per_ip checks: beyond, 5105 at once; another address still gets in', async () => {
    const gw = await serveGateway({ ...roomyRates, password_checks: { concurrent: 1, queued: 100, per_ip: 4 } });
    const codes: number[] = [];
    const { acks } = await flood(gw, '127.0.0.2', 7, (ack) => codes.push(ack.error?.code ?? 0));
    const legit = await connect(gw.clientUrl, { ws: { localAddress: LEGIT_IP }, requestTimeoutMs: 120_000 });
    expect(await legit.login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
    const all = await Promise.all(acks);
    expect(all.filter((a) => a.error?.code === 5105)).toHaveLength(3);
    expect(all.find((a) => a.error?.code === 5105)?.error?.info).toBe('too many password checks in flight, retry later');
    // the refusals did not wait for any check
    expect(codes.slice(0, 3)).toEqual([5105, 5105, 5105]);
    expect(await sample(gw, 'tim_password_checks_total{outcome="busy"}')).toBe(3);
  });

  it('checks whose socket closed while they waited are dropped, not run', async () => {
    const gw = await serveGateway({ ...roomyRates, password_checks: { concurrent: 1, queued: 100, per_ip: 50 } });
    let firstAck!: () => void;
    const started = new Promise<void>((r) => (firstAck = r));
    const { clients, acks } = await flood(gw, '127.0.0.2', 12, () => firstAck());
    void Promise.allSettled(acks); // the terminated ones fail with 1006
    await started;
    for (const c of clients) c.terminate();
    // every AUTH settles once: run, or dropped when its turn came
    await waitFor(async () => (await total(gw, 'tim_logins_total')) === 12, 60_000, 'all 12 logins to settle');
    const ran = await sample(gw, 'tim_logins_total{result="4105"}');
    // the first one answered, and the one running when the sockets closed
    expect(ran).toBeLessThanOrEqual(2);
    expect(await sample(gw, 'tim_password_checks_total{outcome="dropped"}')).toBe(12 - ran);
    const legit = await connect(gw.clientUrl, { ws: { localAddress: LEGIT_IP } });
    expect(await legit.login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
  });
});

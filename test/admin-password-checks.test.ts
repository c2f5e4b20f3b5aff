/**
 * Operator password checks (ADMAUTH, dashboard sign-in) run within the node's
 * one bound on password checks (`password_checks`, issue 10 defect 4), next to
 * client password logins: beyond it, an ADMAUTH gets AdmAck 5105 and close
 * 1008 without a check; an ADMAUTH whose socket closed while it waited is
 * dropped, as a client login is. One operator's hash is deliberately costly so
 * that its check holds the only slot while the others arrive; the tests wait
 * for that check to be running (/metrics), never for a time.
 */
import { describe, expect, it } from 'vitest';
import { checksDropped, PasswordCheckLimiter } from '../src/auth/password-checks.js';
import { hashPassword } from '../src/auth/password-hash.js';
import { buildConfig } from '../src/config/load.js';
import type { Gateway } from '../src/gateway.js';
import { Metrics } from '../src/metrics.js';
import { AdminType } from '../src/protocol/type-codes.js';
import { OperatorAuth } from '../src/session/operator-auth.js';
import { ADMIN, authCode, unauthenticatedAdmin } from './admin-helpers.js';
import { connect, onCleanup, PWD, pwdHash, startGateway, waitFor } from './helpers.js';

/** An operator whose password check takes a while (scrypt N=2^17: 128 MiB, hundreds of ms). */
const SLOW = 'slow-ops';

/** One sample (`name` or `name{labels}`) of the gateway's /metrics; 0 when absent. */
async function sample(gw: Gateway, name: string): Promise<number> {
  const text = await (await fetch(`${gw.adminHttpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('operator password checks share the node\'s bound on password checks', () => {
  it('while an operator\'s check holds the only slot, another ADMAUTH gets 5105 and 1008 and a client password login 5105; both get in afterwards', async () => {
    const slowHash = await hashPassword(PWD, { N: 2 ** 17, r: 8, p: 1, keylen: 32, saltBytes: 16 });
    const gw = await startGateway({
      admins: [{ name: ADMIN, pwd: await pwdHash() }, { name: SLOW, pwd: slowHash }],
      password_checks: { concurrent: 1, queued: 0, per_ip: 10 },
    });
    const other = await unauthenticatedAdmin(gw, '127.0.0.3');
    const client = await connect(gw, { ws: { localAddress: '127.0.0.4' } });
    const slow = authCode(gw, PWD, SLOW, '127.0.0.2');
    await waitFor(async () => (await sample(gw, 'tim_password_checks_running')) === 1, 10_000, 'the slow operator check running');

    await expect(other.request(AdminType.AUTH, { name: ADMIN, pwd: PWD })).rejects.toMatchObject({ code: 5105, info: 'too many password checks in flight, retry later' });
    expect((await other.closed).code).toBe(1008);
    expect(await client.login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: false, error: { code: 5105 } });
    expect(await sample(gw, 'tim_password_checks_running')).toBe(1); // the slow check was still running throughout

    expect(await slow).toBe(0);
    expect(await sample(gw, 'tim_password_checks_total{outcome="busy"}')).toBe(2);
    expect(await authCode(gw, PWD, ADMIN, '127.0.0.3')).toBe(0);
    expect(await (await connect(gw, { ws: { localAddress: '127.0.0.4' } })).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
    expect(await sample(gw, 'tim_password_checks_total{outcome="run"}')).toBe(3);
  }, 60_000);

  it('an ADMAUTH waiting for a slot whose admin socket closes is dropped, not checked', async () => {
    const gw = await startGateway({
      admins: [{ name: ADMIN, pwd: await pwdHash() }, { name: SLOW, pwd: await hashPassword(PWD, { N: 2 ** 17, r: 8, p: 1, keylen: 32, saltBytes: 16 }) }],
      password_checks: { concurrent: 1, queued: 10, per_ip: 10 },
    });
    const slow = authCode(gw, PWD, SLOW, '127.0.0.2');
    await waitFor(async () => (await sample(gw, 'tim_password_checks_running')) === 1, 10_000, 'the slow operator check running');
    const gone = await unauthenticatedAdmin(gw, '127.0.0.3');
    void gone.request(AdminType.AUTH, { name: ADMIN, pwd: PWD }).catch(() => {}); // fails with the socket
    await waitFor(async () => (await sample(gw, 'tim_password_checks_waiting')) === 1, 10_000, 'the second ADMAUTH to wait for the slot');
    gone.terminate();
    await waitFor(async () => (await sample(gw, 'tim_admin_connections')) === 1, 10_000, 'the gateway to see the waiting socket close');

    expect(await slow).toBe(0);
    await waitFor(async () => (await sample(gw, 'tim_password_checks_running')) + (await sample(gw, 'tim_password_checks_waiting')) === 0, 10_000, 'no check left');
    expect(await sample(gw, 'tim_password_checks_total{outcome="run"}')).toBe(1);
    expect(await sample(gw, 'tim_password_checks_total{outcome="dropped"}')).toBe(1);
  }, 60_000);

  it('an operator sign-in queued behind its own address whose caller went away is dropped without a check', async () => {
    const config = buildConfig({ admins: [{ name: ADMIN, pwd: await pwdHash() }] });
    const metrics = new Metrics();
    onCleanup(async () => metrics.close());
    const operators = new OperatorAuth(config, new PasswordCheckLimiter(config.password_checks, metrics.registry));
    let waiting = true;
    // one address is checked one attempt at a time: the second waits behind the first (no slot bound involved)
    const first = operators.authenticate('10.0.0.1', ADMIN, PWD);
    const second = operators.authenticate('10.0.0.1', ADMIN, PWD, () => waiting);
    waiting = false;
    expect(await first).toBeNull();
    expect(await second).toEqual(checksDropped);
    const text = await metrics.registry.metrics();
    expect(text).toContain('tim_password_checks_total{outcome="run"} 1');
    expect(text).toContain('tim_password_checks_total{outcome="dropped"} 1');
  });
});

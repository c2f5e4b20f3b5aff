/**
 * Operator password checks (ADMAUTH, dashboard sign-in) run within the node's
 * one bound on password checks (`password_checks`, issue 10 defect 4), next to
 * client password logins: beyond it, an ADMAUTH gets AdmAck 5105 and close
 * 1008 without a check. One operator's hash is deliberately costly so that its
 * check holds the only slot while the others arrive; the test waits for that
 * check to be running (/metrics), never for a time.
 */
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/password-hash.js';
import type { Gateway } from '../src/gateway.js';
import { AdminType } from '../src/protocol/type-codes.js';
import { ADMIN, authCode, unauthenticatedAdmin } from './admin-helpers.js';
import { connect, PWD, pwdHash, startGateway, waitFor } from './helpers.js';

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
});

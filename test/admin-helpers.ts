/**
 * Helpers of the admin socket tests: gateways with an operator account
 * (ADMIN / helpers.PWD) and admin clients closed after each test.
 */
import { TimAdminClient } from '../src/client/admin-client.js';
import type { Gateway, GatewayOptions } from '../src/gateway.js';
import { AdminType } from '../src/protocol/type-codes.js';
import { onCleanup, PWD, pwdHash, startGateway } from './helpers.js';

/** Name of the operator account of test gateways. */
export const ADMIN = 'ops';

/** A gateway whose `admins` holds ADMIN with password PWD. */
export async function adminGateway(overrides: Record<string, unknown> = {}, options: GatewayOptions = {}): Promise<Gateway> {
  return startGateway({ admins: [{ name: ADMIN, pwd: await pwdHash() }], ...overrides }, options);
}

/** An authenticated admin client of `gw`; terminated after the test. */
export async function adminOf(gw: Gateway): Promise<TimAdminClient> {
  const a = await TimAdminClient.connect(gw.adminUrl, { name: ADMIN, pwd: PWD });
  onCleanup(async () => a.terminate());
  return a;
}

/** An admin socket that has not authenticated, from `localAddress` (default 127.0.0.1); terminated after the test. */
export async function unauthenticatedAdmin(gw: Gateway, localAddress?: string): Promise<TimAdminClient> {
  // replies may take long on a loaded machine (a costly operator hash): raised, no test here is about the client's timeout
  const a = await TimAdminClient.open(gw.adminUrl, { timeoutMs: 60_000, ...(localAddress ? { ws: { localAddress } } : {}) });
  onCleanup(async () => a.terminate());
  return a;
}

/** Tries ADMAUTH on a fresh socket; the error code, or 0 when it succeeded. */
export async function authCode(gw: Gateway, pwd: string, name = ADMIN, localAddress?: string): Promise<number> {
  const a = await unauthenticatedAdmin(gw, localAddress);
  return a.request(AdminType.AUTH, { name, pwd }).then(
    () => 0,
    (e: { code?: number }) => e.code ?? -1,
  );
}

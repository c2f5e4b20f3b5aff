/**
 * Helpers of the admin socket tests: gateways with an operator account
 * (ADMIN / helpers.PWD) and admin clients closed after each test.
 */
import { TimAdminClient } from '../src/client/admin-client.js';
import type { Gateway, GatewayOptions } from '../src/gateway.js';
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

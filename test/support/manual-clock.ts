/**
 * A clock a test moves by hand, for what takes a Clock (GatewayOptions.clock,
 * the memory registry, the admin service): time passes only when the test
 * says so, so a block or an expiry is reached without sleeping.
 */
export class ManualClock {
  /** The time now, ms since epoch; starts at the real time. */
  t = Date.now();
  /** The Clock to inject. */
  readonly now = (): number => this.t;
}

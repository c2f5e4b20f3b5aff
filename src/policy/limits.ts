import type { LimitsOverride } from '../auth/authenticator.js';
import type { Config } from '../config/defaults.js';
import type { Limits } from './login-policy.js';

/** The effective limits of an account: the identity's override, over its domain's from `domains`, over the global keys. */
export function limitsFor(config: Config, domain: string, identity: LimitsOverride = {}): Limits {
  const o = { ...(Object.hasOwn(config.domains, domain) ? config.domains[domain]! : {}), ...identity };
  return {
    deviceLimit: o.device_limit ?? config.device_limit,
    typeLimit: o.devicetype_limit ?? config.devicetype_limit,
    mode: o.overentry ?? config.overentry,
    minAgeMs: (o.auth_min_unix ?? config.auth_min_unix) * 1000,
  };
}

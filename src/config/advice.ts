/**
 * Advice on a valid config that is probably not what its operator wants for
 * production: said once at start as warnings naming the key, never refused
 * (a test rig or a private network may mean it).
 */
import { isIP } from 'node:net';
import type { Config } from './defaults.js';
import { parseListen } from './schema.js';

/** One piece of advice: the tim.json key and what is wrong with it. */
export interface ConfigAdvice {
  readonly key: string;
  readonly advice: string;
}

/** True for a host name or address of this machine only (localhost or a loopback address; '' = all interfaces is not). */
function loopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** True for an http:// URL to another machine (what it carries crosses the network in the clear). */
const plainAcrossNetwork = (raw: string): boolean => {
  const url = new URL(raw);
  return url.protocol === 'http:' && !loopback(url.hostname.replace(/^\[|\]$/g, ''));
};

/** The advice on `config` (empty when there is none). */
export function configAdvice(config: Config): ConfigAdvice[] {
  const out: ConfigAdvice[] = [];
  const admin = parseListen(config.admin_listen);
  if (admin && !loopback(admin.host)) {
    out.push({ key: 'admin_listen', advice: `listens beyond this machine (${config.admin_listen}): the admin socket, the HTTP API, /metrics and the dashboard can be reached from the network (firewall it${config.admin_tls ? '' : ', and consider admin_tls'})` });
  }
  if (config.auth_url !== undefined && plainAcrossNetwork(config.auth_url)) {
    out.push({ key: 'auth_url', advice: 'is plain http to another machine: every password crosses the network in the clear (use https)' });
  }
  const jwt = config.jwt;
  if (jwt?.jwks_url !== undefined && plainAcrossNetwork(jwt.jwks_url)) {
    out.push({ key: 'jwt.jwks_url', advice: 'is plain http to another machine: anyone on the path can substitute the signing keys and log in as anyone (use https)' });
  }
  if (jwt && jwt.secret === undefined && jwt.audience === undefined) {
    out.push({ key: 'jwt.audience', advice: 'is not set: a token your identity provider signed for any other application logs in here (set it to this application\'s audience)' });
  }
  return out;
}

/**
 * The key layout of cluster mode. Everything of one account shares one hash
 * slot through the tag `{domain:name}` (both parts percent-encoded, so no
 * character of a name can end the tag or fake a separator), which keeps each
 * login script on one slot of a Redis Cluster.
 */

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `s` with lone UTF-16 surrogates replaced by U+FFFD (what UTF-8 on the wire makes of them anyway). */
export function wellFormed(s: string): string {
  return s.replace(loneSurrogate, '\ufffd');
}

/** Percent-encoding of a key part: only A-Z a-z 0-9 - _ . ! ~ * ' ( ) stay as they are. */
export function keyPart(s: string): string {
  return encodeURIComponent(wellFormed(s));
}

/** Key names under a prefix (redis.prefix, default "tim:"). */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** `{domain:name}`: the hash tag of an account. */
  tag(domain: string, name: string): string {
    return `{${keyPart(domain)}:${keyPart(name)}}`;
  }

  /** Hash ssid -> session JSON. */
  sessions(domain: string, name: string): string {
    return `${this.prefix}${this.tag(domain, name)}:s`;
  }

  /** Hash ssid -> resume token JSON. */
  tokens(domain: string, name: string): string {
    return `${this.prefix}${this.tag(domain, name)}:t`;
  }

  /** String: ms until which logins are refused (expires then). */
  block(domain: string, name: string): string {
    return `${this.prefix}${this.tag(domain, name)}:b`;
  }

  /** String: a single-use login token (expires with it). */
  loginToken(id: string): string {
    return `${this.prefix}l:${keyPart(id)}`;
  }

  /** Sorted set: gateway id -> lease expiry (ms). */
  get gateways(): string {
    return `${this.prefix}gateways`;
  }

  /** Lock taken by the one node that reaps a dead node. */
  reapLock(gateway: string): string {
    return `${this.prefix}reap:${keyPart(gateway)}`;
  }

  /** Pub/sub channel of the commands for one node. */
  nodeChannel(gateway: string): string {
    return `${this.prefix}node:${keyPart(gateway)}`;
  }

  /** Pub/sub channel of presence events (ADMSUB). */
  get eventChannel(): string {
    return `${this.prefix}events`;
  }

  /** SCAN pattern of every account key (`…{tag}:s` and `…{tag}:t`). */
  get accountPattern(): string {
    return `${globEscape(this.prefix)}{*}:[st]`;
  }

  /** SCAN pattern of the sessions hashes of every account of one domain. */
  domainSessionsPattern(domain: string): string {
    return `${globEscape(this.prefix)}{${globEscape(keyPart(domain))}:*}:s`;
  }

  /** SCAN pattern of login tokens. */
  get loginTokenPattern(): string {
    return `${globEscape(this.prefix)}l:*`;
  }

  /** Splits an account key back into its domain, name and kind, or null when it is not one. */
  parseAccountKey(key: string): { domain: string; name: string; kind: string } | null {
    if (!key.startsWith(this.prefix)) return null;
    const m = /^\{([^{}:]*):([^{}:]*)\}:([stb])$/.exec(key.slice(this.prefix.length));
    if (!m) return null;
    return { domain: decodeURIComponent(m[1]!), name: decodeURIComponent(m[2]!), kind: m[3]! };
  }
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * The narrow port through which gateway tokens (src/auth/token.ts) reach the
 * session store: a stored token is looked up or consumed, nothing more. The
 * session registries implement it; the auth layer never imports them.
 */

/** A stored token: the SHA-256 of its secret (hex) and where it leads. */
export interface TokenRecord {
  readonly domain: string;
  readonly name: string;
  /** Resume tokens: the ssid they re-attach to. Login tokens: "". */
  readonly ssid: string;
  readonly hash: string;
  /** ms since epoch. */
  readonly expires: number;
  /** Login tokens: extend fields the issuing backend attaches to the session (ADMTOKEN extend). */
  readonly extend?: Readonly<Record<string, string>>;
}

/** What checking a presented token needs of the store. */
export interface TokenStore {
  /** The resume token stored for an ssid, if live. */
  getResumeToken(domain: string, name: string, ssid: string, now: number): Promise<TokenRecord | null>;
  /**
   * Takes (reads and deletes, atomically) a live login token of
   * domain+name whose secret hashes to `hash`. A wrong secret or account
   * leaves the token alone, so knowing an id does not let anyone burn it.
   */
  takeLoginToken(id: string, domain: string, name: string, hash: string, now: number): Promise<TokenRecord | null>;
}

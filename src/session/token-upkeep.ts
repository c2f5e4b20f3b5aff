/**
 * The token screens of the reference "last login wins" service (PROTOCOL.md
 * section 13): how many resume and login tokens are live and stored
 * (GET /api/v1/token-stats), and removing the expired ones now
 * (POST /api/v1/cleanup-tokens). The registry bounds the work of a cleanup.
 */
import type { Logger } from 'pino';
import { storeGuarded, success, type Outcome } from '../outcome.js';
import type { SessionRegistry } from './registry.js';

/** GET /api/v1/token-stats. */
export interface TokenStats {
  /** Live resume and login tokens (ADMSTATS tokens). */
  readonly activeTokenCount: number;
  /** Tokens stored: the live ones and the expired ones not removed yet. */
  readonly totalTokenCount: number;
}

/** POST /api/v1/cleanup-tokens. */
export interface TokenCleanup {
  /** Expired tokens removed by this call. */
  readonly removed: number;
  /** When it ran, ms since epoch. */
  readonly timestamp: number;
}

/** Token statistics and cleanup over the session table. */
export class TokenUpkeep {
  constructor(
    private readonly registry: SessionRegistry,
    private readonly log: Logger,
  ) {}

  /** Live and stored token counts. */
  stats(): Promise<Outcome<TokenStats>> {
    return storeGuarded(this.log, 'token-stats', async () => {
      const s = await this.registry.stats(Date.now());
      return success({ activeTokenCount: s.tokens, totalTokenCount: s.storedTokens });
    });
  }

  /** Removes expired tokens now (a bounded amount; call again while totalTokenCount exceeds activeTokenCount). */
  cleanup(): Promise<Outcome<TokenCleanup>> {
    return storeGuarded(this.log, 'cleanup-tokens', async () => {
      const timestamp = Date.now();
      const removed = await this.registry.removeExpiredTokens(timestamp);
      this.log.info({ removed }, 'expired tokens removed');
      return success({ removed, timestamp });
    });
  }
}

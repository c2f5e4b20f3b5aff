/**
 * GET /api/v1/gateways (extension): `{"mode", "gateways": [{"id", "sessions",
 * "lease", "expires"}]}`. In cluster mode every node of the lease table (and
 * any node the table still lists sessions for), `lease` "live" or "expired"
 * (an expired node's sessions are about to be reaped); in embedded mode this
 * node alone, `lease` "none".
 */
import type { Store } from '../session/store.js';

/** One node as the answer lists it. */
export interface GatewayNode {
  readonly id: string;
  readonly sessions: number;
  readonly lease: 'live' | 'expired' | 'none';
  /** ms since epoch at which the lease ends unless renewed (0 without a lease). */
  readonly expires: number;
}

/** The answer of GET /api/v1/gateways. */
export interface GatewayNodesAnswer {
  readonly mode: 'embedded' | 'cluster';
  readonly gateways: GatewayNode[];
}

/** Lists the gateway nodes of this node's store. */
export class GatewayNodes {
  constructor(private readonly store: Store) {}

  /** The nodes at time `now`. */
  async list(now: number): Promise<GatewayNodesAnswer> {
    const nodes = await this.store.membership.nodes();
    return {
      mode: this.store.mode,
      gateways: nodes.map((n) => ({ id: n.id, sessions: n.sessions, lease: n.expires === 0 ? 'none' : n.expires >= now ? 'live' : 'expired', expires: n.expires })),
    };
  }
}

/**
 * A gateway node in a bench process: started in-process from a tim.json (as
 * `tim-gateway serve` would), so that the bench can read its CPU and memory and
 * pre-issue tokens straight into its session table.
 */
import { issueLoginToken, issueResumeToken, randomId } from '../src/auth/token.js';
import { loadConfig } from '../src/config/load.js';
import { Gateway } from '../src/gateway.js';
import { createLogger } from '../src/logger.js';
import { limitsFor } from '../src/policy/limits.js';
import { probeHandlers } from './server-probe.js';
import { childArgs, serveRpc } from './rpc.js';

/** An account of the bench's users file. */
export interface Account {
  readonly domain: string;
  readonly name: string;
}

const { config: file } = childArgs<{ config: string }>();
const config = loadConfig(file);
const gateway = await Gateway.start(config, { logger: createLogger(config.log_level, false) });
const registry = gateway.store.registry;
const tokenLife = () => Date.now() + 3600_000;

/**
 * What a password login followed by a clean close leaves behind (PROTOCOL.md
 * rule 6): the session is registered with its resume token, as a login does,
 * then removed; the token stays. Returns the token.
 */
async function loggedInAndClosed(acc: Account): Promise<string> {
  const now = Date.now();
  const t = issueResumeToken(acc.domain, acc.name, randomId(12), tokenLife());
  const { ssid } = t.record;
  const session = { ssid, domain: acc.domain, name: acc.name, resource: 'bench', termtyp: 0, loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway: gateway.id, connId: `mint-${ssid}` };
  const r = await registry.login({ session, limits: limitsFor(config, acc.domain), kick: [], token: t.record, now });
  if (!r.ok) throw new Error(`cannot mint a resume token for ${acc.name}: login refused with ${r.code}`);
  await registry.remove(acc.domain, acc.name, ssid, session.connId);
  return t.token;
}

serveRpc({
  ...probeHandlers,
  url: () => gateway.clientUrl,
  /**
   * Resume tokens for fresh ssids, as if each account had logged in once with
   * its password and closed cleanly (PROTOCOL.md rule 6).
   */
  mintResume: async (a: { accounts: Account[] }) => {
    const out: string[] = [];
    for (let i = 0; i < a.accounts.length; i += 100) {
      out.push(...(await Promise.all(a.accounts.slice(i, i + 100).map(loggedInAndClosed))));
    }
    return out;
  },
  /** Single-use login tokens, as ADMTOKEN issues them. */
  mintLogin: async (a: { accounts: Account[] }) => {
    const out: string[] = [];
    for (const acc of a.accounts) {
      const t = issueLoginToken(acc.domain, acc.name, tokenLife());
      await registry.putLoginToken(t.id, t.record);
      out.push(t.token);
    }
    return out;
  },
  /** Open client sockets of this node. */
  connections: () => gateway.clients.connections.size,
  /** This node's id in the cluster. */
  id: () => gateway.id,
  /**
   * The table's view of `accounts`: sessions listed, accounts holding more
   * than `limit`, and sessions still listed for the node `ghostOf`.
   */
  audit: async (a: { accounts: Account[]; limit: number; ghostOf: string }) => {
    let sessions = 0;
    let over = 0;
    let ghosts = 0;
    for (let i = 0; i < a.accounts.length; i += 200) {
      const lists = await Promise.all(a.accounts.slice(i, i + 200).map((acc) => registry.list(acc.domain, acc.name)));
      for (const l of lists) {
        sessions += l.length;
        if (l.length > a.limit) over++;
        ghosts += l.filter((s) => s.gateway === a.ghostOf).length;
      }
    }
    return { sessions, over, ghosts };
  },
  /** This node's counters of login results, of sockets it closed and of sessions it kicked, by label (result, close code, reason). */
  counts: async () => {
    const byLabel = async (name: string, label: string): Promise<Record<string, number>> => {
      const m = gateway.metrics.registry.getSingleMetric(name);
      const out: Record<string, number> = {};
      for (const v of m ? (await m.get()).values : []) out[String(v.labels[label])] = v.value;
      return out;
    };
    return { logins: await byLabel('tim_logins_total', 'result'), closes: await byLabel('tim_closes_total', 'code'), kicks: await byLabel('tim_kicks_total', 'reason') };
  },
});

const stop = (): void => {
  void gateway.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);

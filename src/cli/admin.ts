/**
 * `tim-gateway admin notice|kick|online|stats|token|watch`: drives a running
 * gateway through its admin socket with TimAdminClient. The operator's
 * password comes from TIM_ADMIN_PASSWORD or stdin. Output is readable text, or
 * one JSON object per result with --json. Exit code 1 when the gateway
 * refuses (the error code and text go to stderr).
 */
import type { Argv } from 'yargs';
import type { TimAdminClient } from '../client/admin-client.js';
import { NoticeKind, type AdmAccount, type AdmEvent, type AdmStats } from '../protocol/types.js';
import { readSecret } from './stdin.js';

/** Options every admin subcommand takes. */
interface Common {
  url: string;
  name: string;
  json: boolean;
}

const eventKinds: Record<number, string> = { 1: 'ONLINE', 2: 'OFFLINE', 3: 'KICKED', 4: 'REJECTED' };
const iso = (ms: number): string => new Date(ms).toISOString();
const account = (domain: string, name: string): string => `${JSON.stringify(domain)}/${name}`;

/** Parses repeated `key=value` options into an extend map. */
function parseExtend(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`--extend ${JSON.stringify(p)}: expected key=value`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** Connects as the operator, runs `work`, prints its text or JSON result (to stderr with `toStderr`), closes. */
async function run<T>(o: Common, work: (admin: TimAdminClient) => Promise<T>, text: (result: T) => string, toStderr = false): Promise<void> {
  // loaded here, not at the top: the other commands of the CLI do not need the admin client
  const [{ TimAdminClient }, { AdminError }] = await Promise.all([import('../client/admin-client.js'), import('../client/admin-types.js')]);
  try {
    const pwd = process.env.TIM_ADMIN_PASSWORD ?? (await readSecret('Admin password: '));
    // (sent, it would be refused with 4105 and spend one of the address's admin_auth_failures)
    if (!pwd) throw new Error('empty password: set TIM_ADMIN_PASSWORD or give it on stdin');
    const admin = await TimAdminClient.connect(o.url, { name: o.name, pwd, reconnect: false }); // one-shot commands and watch end with the socket
    try {
      const result = await work(admin);
      (toStderr ? console.error : console.log)(o.json ? JSON.stringify(result) : text(result));
    } finally {
      await admin.close();
    }
  } catch (e) {
    const why = e instanceof AdminError ? `refused: ${e.code} ${e.info}` : e instanceof Error ? e.message : String(e);
    console.error(`tim-gateway admin: ${why}`);
    process.exitCode = 1;
  }
}

function statsText(gateway: string, s: AdmStats): string {
  const domains = Object.entries(s.perDomain).sort(([a], [b]) => (a < b ? -1 : 1));
  return [
    `gateway      ${gateway}`,
    `sessions     ${s.sessions} (cluster)`,
    `accounts     ${s.accounts} (cluster)`,
    `connections  ${s.connections} (this node)`,
    `gateways     ${s.gateways}`,
    `tokens       ${s.tokens}`,
    'per domain:',
    ...(domains.length ? domains.map(([d, n]) => `  ${JSON.stringify(d).padEnd(12)} ${n}`) : ['  (no sessions)']),
  ].join('\n');
}

function onlineText(accounts: readonly AdmAccount[]): string {
  return accounts
    .flatMap((a) => [
      `${account(a.domain, a.name)}: ${a.sessions.length ? `${a.sessions.length} session(s)` : 'offline'}`,
      ...a.sessions.map(
        (s) => `  ${s.ssid}  termtyp=${s.termtyp}  resource=${JSON.stringify(s.resource)}  ip=${s.ip}  gateway=${s.gateway}  since ${iso(s.loginTime)}  seen ${iso(s.refreshTime)}`,
      ),
    ])
    .join('\n');
}

function eventText(ev: AdmEvent): string {
  const who = `${account(ev.domain, ev.name)}${ev.ssid ? ` ssid=${ev.ssid}` : ''}`;
  return `[${iso(ev.time)}] ${eventKinds[ev.kind] ?? ev.kind} ${who} termtyp=${ev.termtyp} resource=${JSON.stringify(ev.resource)} reason=${ev.reason}`;
}

/** A repeatable list option; given, it needs a value (a bare --names would ask the gateway about no one). */
const list = { type: 'array', string: true, requiresArg: true, default: [] as string[] } as const;

/**
 * A whole number of seconds (--block, --ttl), digits only: the API takes an
 * integer, and yargs' number type would read "10m" as NaN and "" as 0.
 */
const seconds = (key: string, describe: string) =>
  ({
    type: 'string',
    default: 0,
    requiresArg: true,
    describe,
    coerce: (raw: unknown): number => {
      const s = String(raw);
      if (!/^\d+$/.test(s)) throw new Error(`--${key} must be a whole number of seconds, 0 or more, not ${JSON.stringify(s)}`);
      return Number(s);
    },
  }) as const;

/** A usage mistake (an unknown option, a missing or malformed value): one line like a refusal, not the help, and exit 1 before reading a password. */
function usageError(msg: string | null, err: Error | undefined): never {
  console.error(`tim-gateway admin: ${msg || err?.message} (--help lists the options)`);
  process.exit(1);
}

/** The options naming whom a notice or kick is for. */
function targetOptions<T>(c: Argv<T>) {
  return c
    .option('domain', { type: 'string', default: '', describe: 'account domain' })
    .option('names', { ...list, describe: 'account names' })
    .option('ssids', { ...list, describe: 'session ids (on any node of the cluster)' });
}

/** Registers the admin subcommands on the `admin` command. */
export function adminCommands(y: Argv): Argv<Common> {
  return y
    .option('url', { type: 'string', default: 'ws://127.0.0.1:20002/admin', describe: 'admin socket URL' })
    .option('name', { type: 'string', default: 'admin', describe: 'operator name (admins in tim.json)' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of text' })
    .fail(usageError)
    .command(
      'notice',
      'send a system notice to accounts or sessions',
      (c) =>
        targetOptions(c)
          .option('text', { type: 'string', demandOption: true, describe: 'the notice text (dataString)' })
          .option('logout', { type: 'boolean', default: false, describe: 'send a LOGOUT_REQUEST instead of INFO' })
          .option('extend', { ...list, describe: 'key=value detail, repeatable' }),
      (a) =>
        run(
          a,
          async (admin) => ({
            reached: await admin.notice({
              domain: a.domain,
              names: a.names,
              ssids: a.ssids,
              dataString: a.text,
              odType: a.logout ? NoticeKind.LOGOUT_REQUEST : NoticeKind.INFO,
              extend: parseExtend(a.extend),
            }),
          }),
          (r) => `notice delivered to ${r.reached} session(s)`,
        ),
    )
    .command(
      'kick',
      'log out accounts or sessions (KICKED, close 4001), optionally blocking new logins',
      (c) =>
        targetOptions(c)
          .option('reason', { type: 'string', default: '', describe: 'text shown to the device (KICKED extend "message")' })
          .option('block', seconds('block', 'seconds to refuse new logins of the named accounts (4110)')),
      (a) =>
        run(
          a,
          async (admin) => ({ kicked: await admin.kick({ domain: a.domain, names: a.names, ssids: a.ssids, reason: a.reason, blockSeconds: a.block }) }),
          (r) => `logged out ${r.kicked} session(s)${a.block > 0 ? `; ${a.names.join(', ')} blocked for ${a.block} s` : ''}`,
        ),
    )
    .command(
      'online',
      'list the sessions of accounts',
      (c) =>
        c
          .option('domain', { type: 'string', default: '', describe: 'account domain' })
          .option('names', { type: 'array', string: true, requiresArg: true, demandOption: true, describe: 'account names' }),
      (a) =>
        run(
          a,
          async (admin) => ({ accounts: await admin.online(a.domain, a.names) }),
          (r) => onlineText(r.accounts),
        ),
    )
    .command('stats', 'table-wide counts', (c) => c, (a) =>
      run(
        a,
        async (admin) => ({ gateway: admin.gateway, ...(await admin.stats()) }),
        ({ gateway, ...s }) => statsText(gateway, s),
      ),
    )
    .command(
      'token',
      'issue a single-use login token for an account',
      (c) =>
        c
          .option('domain', { type: 'string', default: '', describe: 'account domain' })
          .option('user', { type: 'string', demandOption: true, describe: 'account name' })
          .option('ttl', seconds('ttl', 'seconds the token lives (0 = token_timeout)')),
      (a) =>
        run(
          a,
          (admin) => admin.token(a.domain, a.user, a.ttl),
          (t) => `login token for ${account(a.domain, a.user)} (single use, until ${iso(t.expires)}):\n${t.token}`,
        ),
    )
    .command(
      'watch',
      'print presence events (ONLINE, OFFLINE, KICKED, REJECTED) until interrupted',
      (c) => c.option('domain', { type: 'string', default: '', describe: 'only this domain ("" = all)' }),
      (a) =>
        run(
          a,
          async (admin) => {
            admin.on('event', (ev: AdmEvent) => console.log(a.json ? JSON.stringify(ev) : eventText(ev)));
            await admin.subscribe(a.domain);
            console.error(`watching ${a.domain ? `domain ${JSON.stringify(a.domain)}` : 'every domain'} on ${admin.gateway} (Ctrl-C to stop)`);
            process.once('SIGINT', () => void admin.close());
            const { code, reason } = await admin.closed;
            return { closed: { code, reason } };
          },
          (r) => `admin socket closed: ${r.closed.code}${r.closed.reason ? ` ${r.closed.reason}` : ''}`,
          true, // stdout carries events only
        ),
    )
    .demandCommand(1, 'which command? notice, kick, online, stats, token or watch');
}

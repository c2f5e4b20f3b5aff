import { TimClient } from '../client/node.js';
import type { TimAck, TimMessage, TimSession } from '../protocol/types.js';
import { checkClientUrl, explainConnectFailure, parseTermtyp } from './login-args.js';
import { readSecret } from './stdin.js';

/** Options of `tim-gateway login`. */
export interface LoginOptions {
  url: string;
  name: string;
  domain: string;
  termtyp: string | number;
  resource: string;
  kick: string[];
  token?: string | undefined;
  json: boolean;
}

const kinds: Record<number, string> = { 1: 'INFO', 2: 'LOGOUT_REQUEST', 3: 'KICKED' };

function sessionLine(s: TimSession): string {
  return `  ${s.ssid}  termtyp=${s.termtyp}  resource=${JSON.stringify(s.resource)}  ip=${s.ip}  since ${new Date(s.loginTime).toISOString()}`;
}

function printAck(ack: TimAck, json: boolean): void {
  if (json) return console.log(JSON.stringify({ ack }));
  if (ack.ok) {
    console.log(`logged in: ssid ${ack.n2}, account ${ack.n}, at ${new Date(ack.t!).toISOString()}`);
    console.log(`resume token (until ${new Date(ack.t2!).toISOString()}): ${ack.token}`);
    return;
  }
  console.log(`login refused: ${ack.error?.code} ${ack.error?.info}`);
  if (ack.sessions?.length) {
    console.log('sessions blocking this login (they were asked to log out):');
    for (const s of ack.sessions) console.log(sessionLine(s));
    console.log('to log one of them out and take its place, run again with --kick SSID');
  }
}

function printNotice(m: TimMessage, json: boolean): void {
  if (json) return console.log(JSON.stringify({ notice: m }));
  const extend = Object.entries(m.extend).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log(`[${new Date(m.timestamp).toISOString()}] ${kinds[m.odType] ?? m.odType}: ${m.dataString}${extend ? `  (${extend})` : ''}`);
}

/**
 * `tim-gateway login`: logs in (password on stdin, or --token), prints the
 * ACK, then every notice until the socket closes. Exit code 0 when the
 * session ended normally, 1 when the login was refused or the socket dropped.
 */
export async function login(o: LoginOptions): Promise<number> {
  const termtyp = parseTermtyp(o.termtyp);
  const url = checkClientUrl(o.url);
  const pwd = o.token ? '' : await readSecret();
  const client = await TimClient.connect(url, {}).catch(async (e: unknown) => Promise.reject(await explainConnectFailure(url, e)));
  client.on('notice', (m: TimMessage) => printNotice(m, o.json));
  const ack = await client.login({ name: o.name, domain: o.domain, termtyp, resource: o.resource, pwd, token: o.token ?? '', kick: o.kick });
  printAck(ack, o.json);
  if (!ack.ok) {
    await client.close();
    return 1;
  }
  process.once('SIGINT', () => void client.logout().catch(() => client.close()));
  const { code, reason } = await client.closed;
  if (o.json) console.log(JSON.stringify({ close: { code, reason } }));
  else console.log(`socket closed: ${code} ${reason}`);
  return code === 4002 || code === 1000 ? 0 : 1;
}

/**
 * One-line answers for the mistakes people make with `tim-gateway login`:
 * a URL without the /tim path, wss:// to a plain listener (or nothing
 * listening at all), a termtyp that is not a number.
 */
import { connect } from 'node:net';

/** The client socket's path (PROTOCOL.md section 1). */
const CLIENT_PATH = '/tim';

/** Parses --termtyp: an integer 0..127, else an error saying so. */
export function parseTermtyp(raw: string | number): number {
  const n = typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 127) throw new Error(`--termtyp must be an integer from 0 to 127, not ${JSON.stringify(String(raw))}`);
  return n;
}

/** Checks --url before connecting: ws:// or wss://, with the /tim path. Returns the URL. */
export function checkClientUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--url ${JSON.stringify(raw)} is not a URL; the client socket is ws://HOST:PORT${CLIENT_PATH}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`--url ${raw}: the client socket is a WebSocket: ws://${url.host}${CLIENT_PATH} (wss:// when client_listen has TLS)`);
  if (url.pathname === '/' || url.pathname === '') throw new Error(`--url ${raw} has no path: the client socket is ${url.protocol}//${url.host}${CLIENT_PATH}`);
  return raw;
}

/** Whether a TCP connection to host:port opens, and if so whether it answers plain HTTP (not TLS). */
async function probe(host: string, port: number): Promise<'refused' | 'plain' | 'other'> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(3000, () => (s.destroy(), resolve('other')));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : 'other'));
    s.once('connect', () => s.end(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    s.once('data', (d: Buffer) => (s.destroy(), resolve(d.toString('latin1').startsWith('HTTP/1.') ? 'plain' : 'other')));
  });
}

/** Turns a failed connect to `raw` into one line saying what is wrong and what to do. */
export async function explainConnectFailure(raw: string, err: unknown): Promise<Error> {
  const url = new URL(raw);
  const why = err instanceof Error ? err.message : String(err);
  const status = /^HTTP (\d+)/.exec(why)?.[1];
  if (status === '404') return new Error(`no client socket at ${raw} (HTTP 404): its path is ${CLIENT_PATH}`);
  if (status) return new Error(`${raw} refused the WebSocket upgrade: HTTP ${status}`);
  const port = Number(url.port || (url.protocol === 'wss:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const found = await probe(host, port);
  if (found === 'refused') return new Error(`nothing listens on ${url.host} (is the gateway running? its client_listen is the address to use)`);
  if (found === 'plain' && url.protocol === 'wss:') return new Error(`${url.host} is a plain listener, not TLS: use ws://${url.host}${url.pathname}`);
  return new Error(`could not open ${raw}: ${why}`);
}

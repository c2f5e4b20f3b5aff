/**
 * HTTP(S) listeners for the client and admin sockets: parses "host:port",
 * serves TLS when a certificate is configured, and reports the bound address.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { configPath } from '../config/load.js';
import type { Config } from '../config/defaults.js';
import { parseListen } from '../config/schema.js';

/** A bound listener and the URL base clients use to reach it. */
export interface Listener {
  readonly server: Server;
  /** "ws://host:port" or "wss://host:port". */
  readonly wsBase: string;
  /** "http://host:port" or "https://host:port". */
  readonly httpBase: string;
  readonly port: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Listens on `addr` ("host:port"), over TLS when `tls` is set and the config has a certificate. */
export async function listen(addr: string, config: Config, tls: boolean, handler: Handler): Promise<Listener> {
  const parsed = parseListen(addr);
  if (!parsed) throw new Error(`bad listen address ${addr}`);
  const secure = tls && config.ssl_certificate !== undefined;
  const server: Server = secure
    ? createHttpsServer({ cert: readFileSync(configPath(config, config.ssl_certificate!)), key: readFileSync(configPath(config, config.ssl_certificate_key!)) }, handler)
    : createHttpServer(handler);
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: parsed.host || undefined, port: parsed.port, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = parsed.host === '' || parsed.host === '0.0.0.0' ? '127.0.0.1' : parsed.host === '::' ? '[::1]' : parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  return { server, port, wsBase: `${secure ? 'wss' : 'ws'}://${host}:${port}`, httpBase: `${secure ? 'https' : 'http'}://${host}:${port}` };
}

/**
 * HTTP(S) listeners for the client and admin sockets: parses "host:port",
 * serves TLS when a certificate is configured, and reports the bound address.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { configPath, ConfigError } from '../config/load.js';
import type { Config } from '../config/defaults.js';
import { parseListen } from '../config/schema.js';
import type { Metrics } from '../metrics.js';
import { guardPendingConnections } from './pending-connections.js';

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

/** The certificate and key named in the config, checked as a pair; a ConfigError naming the key when unusable. */
function tlsOptions(config: Config): { cert: Buffer; key: Buffer } {
  const read = (key: 'ssl_certificate' | 'ssl_certificate_key'): Buffer => {
    try {
      return readFileSync(configPath(config, config[key]!));
    } catch (e) {
      throw new ConfigError(config.file, key, `cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  };
  const pair = { cert: read('ssl_certificate'), key: read('ssl_certificate_key') };
  try {
    createSecureContext(pair);
  } catch (e) {
    throw new ConfigError(config.file, 'ssl_certificate', `and ssl_certificate_key are not a usable PEM certificate and key: ${(e as Error).message}`);
  }
  return pair;
}

/**
 * Listens on the address of config key `key` ("host:port"), over TLS when
 * `tls` is set and the config has a certificate. An address that cannot be
 * bound (taken, not local, not allowed) is a ConfigError naming the key.
 * Connections that do not finish their first request are bounded (pending-connections.ts).
 */
export async function listen(key: 'client_listen' | 'admin_listen', config: Config, tls: boolean, handler: Handler, metrics: Metrics): Promise<Listener> {
  const addr = config[key];
  const parsed = parseListen(addr);
  if (!parsed) throw new ConfigError(config.file, key, `is not a "host:port" address: ${addr}`);
  const secure = tls && config.ssl_certificate !== undefined;
  const server: Server = secure ? createHttpsServer(tlsOptions(config), handler) : createHttpServer(handler);
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  const listener = key === 'client_listen' ? 'client' : 'admin';
  guardPendingConnections(server, config, (reason) => metrics.refusedConnections.inc({ listener, reason }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new ConfigError(config.file, key, `cannot listen on ${addr}: ${e.code ?? e.message}`)));
    server.listen({ host: parsed.host || undefined, port: parsed.port, backlog: 4096 }, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = parsed.host === '' || parsed.host === '0.0.0.0' ? '127.0.0.1' : parsed.host === '::' ? '[::1]' : parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  return { server, port, wsBase: `${secure ? 'wss' : 'ws'}://${host}:${port}`, httpBase: `${secure ? 'https' : 'http'}://${host}:${port}` };
}

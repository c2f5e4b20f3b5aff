/**
 * Loopback ports for processes that cannot listen on port 0 themselves
 * (redis-server, sentinels, a gateway restarted on its port).
 *
 * Test files run in parallel, so a port found free may be taken before the
 * process binds it, or while a server restarts on it. Ports are therefore
 * picked at random BELOW the kernel's ephemeral range: no outgoing connection
 * and no port-0 listener of another test can land there. Only another pick can,
 * and starters retry on a fresh port when theirs was taken (startOnFreePort).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Lowest port of the picking range (above the well-known and registered ports commonly in use). */
const PICK_LOW = 10_100;

/** First port of the kernel's ephemeral range (Linux default 32768). */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

/** Highest port a pick may return (so that port + 10000, a Redis Cluster bus port, stays below the ephemeral range too). */
const PICK_HIGH = Math.min(ephemeralLow(), 65_536) - 1 - 10_000;

/** True when nothing listens on loopback `port` (bound and released at once). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A port the kernel hands out for port 0 (the fallback when the ephemeral range leaves no room below it). */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A free loopback port below the ephemeral range; with `alsoFree`, one whose
 * port + alsoFree is free as well (a Redis Cluster node's bus port: 10000).
 */
export async function freePort(alsoFree?: number): Promise<number> {
  if (PICK_HIGH - PICK_LOW < 1000) return kernelPort();
  for (;;) {
    const port = PICK_LOW + Math.floor(Math.random() * (PICK_HIGH - PICK_LOW + 1));
    if ((await portFree(port)) && (alsoFree === undefined || (await portFree(port + alsoFree)))) return port;
  }
}

/** Thrown by a starter whose port was taken between the pick and the bind: startOnFreePort picks another. */
export class PortTakenError extends Error {}

/** Runs `start` on freshly picked ports until one is not taken (PortTakenError), at most 8 times. */
export async function startOnFreePort<T>(start: (port: number) => Promise<T>, pick: () => Promise<number> = () => freePort()): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await pick());
    } catch (e) {
      if (!(e instanceof PortTakenError) || attempt >= 8) throw e;
    }
  }
}

/**
 * Runs `start` on a fixed port (a restart on the same port) again while it
 * throws PortTakenError, for up to 20 s: a test running in parallel may hold
 * the port for a moment.
 */
export async function startWhilePortTaken<T>(start: () => Promise<T>): Promise<T> {
  const end = Date.now() + 20_000;
  for (;;) {
    try {
      return await start();
    } catch (e) {
      if (!(e instanceof PortTakenError) || Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

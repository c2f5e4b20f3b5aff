/**
 * What a bench server process reports about itself: its own CPU time
 * (process.cpuUsage, all threads, so scrypt on the thread pool counts) and
 * memory after a full GC, and a CPU profile of a chosen window.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** CPU and memory of a server process at one moment. */
export interface Usage {
  /** Microseconds of CPU (user + system) since the process started. */
  readonly cpuMicros: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** Memory outside the JS heap held by JS objects (Buffers included). */
  readonly external: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** The process's usage now; with `collect`, after full garbage collections (needs --expose-gc). */
export async function usage(collect: boolean): Promise<Usage> {
  if (collect && gc) {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
  }
  const c = process.cpuUsage();
  const m = process.memoryUsage();
  return { cpuMicros: c.user + c.system, rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

let session: Session | null = null;

/** RPC handlers every bench server offers: usage, profile start/stop. */
export const probeHandlers = {
  usage: (a: { collect?: boolean }) => usage(a.collect ?? false),
  profileStart: async () => {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  },
  profileStop: async (a: { file: string }) => {
    if (!session) throw new Error('no profile running');
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(a.file, JSON.stringify(profile));
    session.disconnect();
    session = null;
    return a.file;
  },
};

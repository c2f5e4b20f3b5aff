/**
 * Box-wide readings for npm run bench:scale, from /proc: the resident memory
 * and CPU time of any process, the busy time of the whole machine, and
 * Redis's own memory figure.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { procCpuMicros } from './redis-server.js';

/** Resident memory of process `pid` in bytes (VmRSS), 0 when it is gone. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function boxTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, x) => a + x, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** CPU over a window: of the whole box (% of all its cores) and of each group of our processes (% of one core). */
export async function cpuOverWindow(groups: Record<string, number[]>, ms: number): Promise<{ box: number; groups: Record<string, number> }> {
  const sum = async (pids: number[]): Promise<number> => (await Promise.all(pids.map((p) => procCpuMicros(p).catch(() => 0)))).reduce((a, x) => a + x, 0);
  const b0 = boxTicks();
  const g0 = await Promise.all(Object.values(groups).map(sum));
  const w0 = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  const b1 = boxTicks();
  const g1 = await Promise.all(Object.values(groups).map(sum));
  const wall = (Date.now() - w0) * 1000;
  const out: Record<string, number> = {};
  Object.keys(groups).forEach((k, i) => (out[k] = (100 * (g1[i]! - g0[i]!)) / wall));
  return { box: (100 * (b1.busy - b0.busy)) / Math.max(1, b1.total - b0.total), groups: out };
}

/** Redis's used_memory in bytes. */
export async function redisUsedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
}

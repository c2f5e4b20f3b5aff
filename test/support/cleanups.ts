/**
 * What the current test started and must undo (gateways, clients, servers).
 * Vitest-free: test/support/after-each-cleanups.ts runs them after every test.
 */

const cleanups: (() => Promise<unknown>)[] = [];

/** Registers something to undo after the current test. */
export function onCleanup(fn: () => Promise<unknown>): void {
  cleanups.push(fn);
}

/** Undoes everything registered since the last call, newest first; a failing undo does not stop the others. */
export async function runCleanups(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
}

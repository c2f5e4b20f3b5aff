/**
 * Temporary folders for fixtures (tests, soak, the Redis topology bench), under
 * the OS temp dir. A test file's folders go when it ends (the setup file calls
 * removeTempDirs after its own hooks); any other process's, when it exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The folders made and not removed yet. */
const made: string[] = [];
let removedAtExit = false;

/** Removes every folder tempDir made, with its content. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh temporary folder named tim-test-XXXXXX (see above for when it goes). */
export function tempDir(): string {
  if (!removedAtExit) {
    removedAtExit = true;
    process.once('exit', removeTempDirs);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tim-test-'));
  made.push(dir);
  return dir;
}

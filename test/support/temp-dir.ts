/** Temporary folders for fixtures (tests, bench, soak): under the OS temp dir, never cleaned up automatically. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder named tim-test-XXXXXX. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tim-test-'));
}

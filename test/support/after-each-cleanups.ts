/**
 * Setup file of every test project: runs the test's registered clean-ups
 * after each test, and removes the file's temporary folders after the file
 * (after its own afterAll hooks, which stop the servers writing there). It is
 * a setup file, not a top-level hook in a helper module, because the core
 * project runs its files without isolation: a helper module is evaluated once
 * per worker, so a hook registered when it loads would only reach the first
 * file that worker runs, while setup files run again for every file.
 */
import { afterAll, afterEach } from 'vitest';
import { runCleanups } from './cleanups.js';
import { removeTempDirs } from './temp-dir.js';

afterEach(runCleanups);
afterAll(removeTempDirs);

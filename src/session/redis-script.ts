/**
 * The Lua scripts of cluster mode (src/session/lua/*.lua), read from the
 * source tree (dist/ holds no .lua files) with lua/lib.lua prepended, and run
 * by EVALSHA, falling back to EVAL once when Redis does not know the script yet
 * (first use, or after a Redis restart).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import type { RedisClient } from './redis-connect.js';

const luaDir = join(packageRoot, 'src', 'session', 'lua');
const lib = readFileSync(join(luaDir, 'lib.lua'), 'utf8');

/** A script's text as sent to Redis, and its SHA-1 for EVALSHA. */
interface Loaded {
  readonly source: string;
  readonly sha: string;
}

/**
 * The text of `body` for one kind of deployment: lib.lua's
 * ON_REDIS_CLUSTER says whether the script runs on a Redis Cluster (where a
 * slot can migrate under it) or on one Redis (where the check of that costs a
 * command for nothing).
 */
function loaded(body: string, onCluster: boolean): Loaded {
  const source = `local ON_REDIS_CLUSTER = ${onCluster}\n${body}`;
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** One script of src/session/lua, by file name without `.lua`. */
export class RedisScript {
  private readonly single: Loaded;
  private readonly cluster: Loaded;

  constructor(readonly name: string) {
    const body = `${lib}\n${readFileSync(join(luaDir, `${name}.lua`), 'utf8')}`;
    this.single = loaded(body, false);
    this.cluster = loaded(body, true);
  }

  /** The variant for `client`'s deployment. */
  private variant(client: RedisClient): Loaded {
    return client.isCluster ? this.cluster : this.single;
  }

  /** Runs the script on `keys` (all of one hash slot) with `args`. */
  async run(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const { sha, source } = this.variant(client);
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return client.eval(source, keys.length, ...keys, ...args);
    }
  }

  /**
   * Runs the script by its text (EVAL), in one command: for a script that must
   * run right after the commands sent before it on the connection. With
   * EVALSHA, a server that does not know the script yet (the first use since
   * it started, or a promoted replica) answers NOSCRIPT, and the EVAL that
   * follows runs one round trip later.
   */
  runInOrder(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return client.eval(this.variant(client).source, keys.length, ...keys, ...args);
  }
}

/** Every script, loaded once per process. */
export const scripts = {
  login: new RedisScript('login'),
  restore: new RedisScript('restore'),
  remove: new RedisScript('remove'),
  withdraw: new RedisScript('withdraw'),
  removeSessions: new RedisScript('remove_sessions'),
  reap: new RedisScript('reap'),
  touch: new RedisScript('touch'),
  takeLoginToken: new RedisScript('take_login_token'),
  counts: new RedisScript('counts'),
  reconcile: new RedisScript('reconcile'),
  recountBegin: new RedisScript('recount_begin'),
  recountEnd: new RedisScript('recount_end'),
  hold: new RedisScript('hold'),
  cleanupTokens: new RedisScript('cleanup_tokens'),
  putLoginToken: new RedisScript('put_login_token'),
  unindex: new RedisScript('unindex'),
  lease: new RedisScript('lease'),
  unlease: new RedisScript('unlease'),
};

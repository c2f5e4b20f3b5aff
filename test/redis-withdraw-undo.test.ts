/**
 * A login that Redis runs after the gateway gave up on it (5104 at
 * command_timeout) is withdrawn, and the withdrawal gives back what that login
 * used up: the client never got the resume token the login was issued, so the
 * token it presented (a resume token, or a single-use login token) works again
 * for the retry of the same AUTH. Without this, a resume answered 5104 during a
 * reconnect storm got 4115 on its retry and its client gave up.
 *
 * The late run is made real: redis-server is stopped (SIGSTOP: the connection
 * stays open) while the login is on its way, and continued once the gateway has
 * answered 5104; Redis then runs the login and, after it, the withdrawal the
 * gateway sent on the same connection.
 */
import { describe, expect, it } from 'vitest';
import { TimAdminClient } from '../src/client/admin-client.js';
import { TimClient } from '../src/client/node.js';
import { ErrorCode } from '../src/errors.js';
import { EventKind, type AdmEvent } from '../src/protocol/types.js';
import { onCleanup, PWD, pwdHash, tempDir, waitFor, writeUsers } from './helpers.js';
import { GatewayProcess } from './support/gateway-process.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

const ADMIN = { name: 'ops', pwd: PWD };

interface Attempt {
  readonly code: number;
  readonly ssid: string;
  readonly token: string;
}

/** One Redis, alice's users file, and the means to start gateways on them and to stop Redis for a while. */
async function setting() {
  const redis = await RedisServer.start();
  onCleanup(() => redis.stop());
  const dir = tempDir();
  await writeUsers(dir, [{ domain: '', name: 'alice' }]);
  const adminHash = await pwdHash();
  const clients: TimClient[] = [];
  onCleanup(async () => clients.forEach((c) => c.terminate()));
  let stopped = false;
  onCleanup(async () => {
    if (stopped) process.kill(redis.pid, 'SIGCONT');
  });
  return {
    /** A gateway on the Redis; its table answers within `commandTimeout` s or 5104. */
    async gateway(id: string, commandTimeout: number): Promise<GatewayProcess> {
      const gw = await GatewayProcess.start(
        {
          gateway_id: id,
          users: 'users.json',
          admins: [{ name: ADMIN.name, pwd: adminHash }],
          device_limit: 1,
          overentry: 'reject',
          auth_timeout: 60,
          // no lease beat (nor the rejoin a failed write schedules for it) within this test
          redis: { url: redis.url, lease_ttl: 600, command_timeout: commandTimeout },
          log_level: 'info',
        },
        { dir, name: id },
      );
      onCleanup(() => gw.stop());
      return gw;
    },
    /** A login of alice through `gw` on a new socket (kept open when it succeeds). */
    async attempt(gw: GatewayProcess, auth: { pwd?: string; token?: string }): Promise<Attempt> {
      const c = await TimClient.connect(gw.clientUrl);
      clients.push(c);
      const ack = await c.login({ name: 'alice', resource: 'phone', ...auth });
      if (!ack.ok) c.terminate();
      return { code: ack.ok ? 0 : (ack.error?.code ?? -1), ssid: ack.n2 ?? '', token: ack.token ?? '' };
    },
    /** Closes the last socket that logged in. */
    dropLast(): void {
      clients.pop()!.terminate();
    },
    stop(): void {
      process.kill(redis.pid, 'SIGSTOP');
      stopped = true;
    },
    cont(): void {
      if (stopped) process.kill(redis.pid, 'SIGCONT');
      stopped = false;
    },
  };
}

describe.skipIf(!redisSuitesEnabled())('a login Redis runs after its 5104 gives back the token it used', () => {
  it('the presented resume token, and a single-use login token, resume or log in after the withdrawn login', async () => {
    const s = await setting();
    const gw = await s.gateway('gw-undo', 1);
    const ops = await TimAdminClient.connect(gw.adminUrl, ADMIN);
    onCleanup(async () => ops.terminate());
    const listed = async (): Promise<string[]> => (await ops.online('', ['alice'])).flatMap((a) => a.sessions.map((x) => x.ssid));
    /** Runs `auth` while Redis is stopped (5104), then continues Redis and waits until the late login and its withdrawal ran. */
    const lateAttempt = async (auth: { token: string }): Promise<number> => {
      s.stop();
      const late = await s.attempt(gw, auth);
      s.cont();
      // ADMONLINE goes over the gateway's connection after the login and its withdrawal: once it answers, both ran
      await waitFor(async () => (await listed().catch(() => ['not yet'])).length === 0, 20_000, 'the late login to be withdrawn');
      return late.code;
    };

    // the phone logs in, and its socket drops: its resume token stays
    const first = await s.attempt(gw, { pwd: PWD });
    expect(first.code).toBe(0);
    s.dropLast();
    await waitFor(async () => (await listed()).length === 0, 10_000, 'the dropped session to leave');

    // its resume is answered 5104 but carried out late
    expect(await lateAttempt({ token: first.token })).toBe(ErrorCode.HEAVY_LOAD);
    // the retry with the same token resumes the same session
    const retried = await s.attempt(gw, { token: first.token });
    expect(retried).toMatchObject({ code: 0, ssid: first.ssid });
    expect(await listed()).toEqual([first.ssid]);
    s.dropLast();
    await waitFor(async () => (await listed()).length === 0, 10_000, 'the resumed session to leave');

    // a single-use login token: taken by the late login, given back by its withdrawal, taken once by the retry
    const { token: loginToken } = await ops.token('', 'alice', 600);
    expect(await lateAttempt({ token: loginToken })).toBe(ErrorCode.HEAVY_LOAD);
    const withToken = await s.attempt(gw, { token: loginToken });
    expect(withToken.code).toBe(0);
    expect(await listed()).toEqual([withToken.ssid]);
    s.dropLast();
    await waitFor(async () => (await listed()).length === 0, 10_000, 'the token session to leave');
    expect((await s.attempt(gw, { token: loginToken })).code).toBe(ErrorCode.ERROR_TOKEN);
  }, 120_000);

  it('a node watching presence hears of a late login and of its withdrawal: its ONLINE, then its OFFLINE', async () => {
    const s = await setting();
    const [quick, watching] = await Promise.all([s.gateway('gw-quick', 1), s.gateway('gw-watch', 30)]);
    const watcher = await TimAdminClient.connect(watching.adminUrl, ADMIN);
    onCleanup(async () => watcher.terminate());
    const seen: AdmEvent[] = [];
    watcher.on('event', (e: AdmEvent) => seen.push(e));
    await watcher.subscribe('');

    // a first login and its close: Redis knows the scripts from here on (an EVALSHA answered NOSCRIPT late is not sent again)
    expect((await s.attempt(quick, { pwd: PWD })).code).toBe(0);
    s.dropLast();
    await waitFor(() => seen.some((e) => e.kind === EventKind.OFFLINE), 10_000, 'the first session to leave');
    seen.length = 0;

    s.stop();
    expect((await s.attempt(quick, { pwd: PWD })).code).toBe(ErrorCode.HEAVY_LOAD);
    s.cont();
    // the late login script announces the session, and the withdrawal behind it announces that it is gone
    await waitFor(() => seen.some((e) => e.kind === EventKind.OFFLINE), 20_000, 'the OFFLINE of the withdrawn login');
    // (the node that answered 5104 also told of the refusal: REJECTED, reason store_unavailable)
    const presence = seen.filter((e) => e.kind === EventKind.ONLINE || e.kind === EventKind.OFFLINE);
    expect(presence.map((e) => [e.kind, e.name, e.reason])).toEqual([
      [EventKind.ONLINE, 'alice', 'login'],
      [EventKind.OFFLINE, 'alice', 'closed'],
    ]);
    expect(presence[1]!.ssid).toBe(presence[0]!.ssid);
    expect((await watcher.online('', ['alice']))[0]!.sessions).toEqual([]);
  }, 120_000);

  it('the withdrawal runs right behind the late login, before a retry sent meanwhile through another node, also as the first withdrawal Redis sees', async () => {
    const s = await setting();
    // the node that gives up after 1 s, and the one the client retries on, patient enough to wait for Redis
    const [quick, patient] = await Promise.all([s.gateway('gw-quick', 1), s.gateway('gw-patient', 30)]);
    const first = await s.attempt(quick, { pwd: PWD }); // the login script is known to Redis from here on; the withdrawal's is not
    expect(first.code).toBe(0);
    s.dropLast();
    const ops = await TimAdminClient.connect(quick.adminUrl, ADMIN);
    onCleanup(async () => ops.terminate());
    await waitFor(async () => (await ops.online('', ['alice']))[0]!.sessions.length === 0, 10_000, 'the dropped session to leave');

    s.stop();
    expect((await s.attempt(quick, { token: first.token })).code).toBe(ErrorCode.HEAVY_LOAD);
    // the retry reaches Redis (stopped) behind the late login and its withdrawal, on another connection
    const retry = s.attempt(patient, { token: first.token });
    await new Promise((r) => setTimeout(r, 300));
    s.cont();
    expect(await retry).toMatchObject({ code: 0, ssid: first.ssid });
  }, 120_000);
});

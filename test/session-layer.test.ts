/**
 * The session layer alone: a real SessionService on the real memory registry,
 * password checks against a users file, the local bus, one fake clock for the
 * layer and the registry, and fake sockets (SessionHolders that record
 * notices and closes). The races
 * that over real sockets need luck and sleeps are set up here step by step:
 * the registry can hold a login at its door while the test closes the socket,
 * runs a reconcile or a rejoin's lostPlace.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryRevocations } from '../src/auth/jwt-revocations.js';
import { LoginAuthenticator } from '../src/auth/login-authenticator.js';
import { PasswordCheckLimiter } from '../src/auth/password-checks.js';
import { buildConfig } from '../src/config/load.js';
import { CloseCode, ErrorCode, KickReason } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { Metrics } from '../src/metrics.js';
import { EventKind, NoticeKind, type AdmEvent, type TimAuth, type TimMessage } from '../src/protocol/types.js';
import { LocalBus } from '../src/session/bus.js';
import { heldSession, UNAUTHENTICATED, type LoginState } from '../src/session/login-state.js';
import { MemoryRegistry } from '../src/session/memory-registry.js';
import type { LoginRequest, LoginResult, LoginUsed, Removal, SessionInfo } from '../src/session/registry.js';
import type { SessionHolder } from '../src/session/session-holder.js';
import { SessionService } from '../src/session/session-service.js';
import { MemoryTokenIndex } from '../src/session/token-index.js';
import { onCleanup, PWD, tempDir, waitFor, writeUsers } from './helpers.js';

const GATEWAY = 'node-1';
const RESUME_TIMEOUT_S = 600;

/**
 * The memory registry, with a door the test can close in front of the next
 * login (to act while that login is being decided) and a switch that makes
 * removals fail as an unreachable store does.
 */
class DoorRegistry extends MemoryRegistry {
  private door: { arrived: () => void; opened: Promise<void> } | null = null;
  /** When true, removals and withdrawals fail (the store is unreachable). */
  unreachable = false;

  /** Holds the next login at the door: `arrived` settles when it gets there, `open()` lets it in. */
  holdNextLogin(): { arrived: Promise<void>; open: () => void } {
    let arrived!: () => void;
    let open!: () => void;
    const arrival = new Promise<void>((r) => (arrived = r));
    this.door = { arrived, opened: new Promise<void>((r) => (open = r)) };
    return { arrived: arrival, open };
  }

  override async login(req: LoginRequest): Promise<LoginResult> {
    const door = this.door;
    if (door) {
      this.door = null;
      door.arrived();
      await door.opened;
    }
    return super.login(req);
  }

  override async remove(domain: string, name: string, ssid: string, connId: string): Promise<SessionInfo | null> {
    if (this.unreachable) throw new Error('session store unreachable');
    return super.remove(domain, name, ssid, connId);
  }

  override async withdraw(s: SessionInfo, used?: LoginUsed): Promise<SessionInfo | null> {
    if (this.unreachable) throw new Error('session store unreachable');
    return super.withdraw(s, used);
  }

  override async removeSessions(domain: string, name: string, ssids: readonly string[] | null): Promise<Removal> {
    if (this.unreachable) throw new Error('session store unreachable');
    return super.removeSessions(domain, name, ssids);
  }
}

/** A client socket as the session layer sees it; its close starts the layer's close handling, as the transport's does. */
class FakeSocket implements SessionHolder {
  login: LoginState = UNAUTHENTICATED;
  closed = false;
  closeCode: CloseCode | null = null;
  lastSeen: number;
  readonly notices: TimMessage[] = [];
  /** The session layer's handling of the close, once closed. */
  gone: Promise<void> | null = null;

  constructor(
    readonly connId: string,
    private readonly service: SessionService,
    now: number,
    readonly ip = '127.0.0.1',
  ) {
    this.lastSeen = now;
  }

  notify(message: TimMessage): void {
    this.notices.push(message);
  }

  /** The server closes the socket with `code`. */
  close(code: CloseCode): void {
    this.closeCode = code;
    this.drop();
  }

  /** The socket is gone (the peer dropped it, or the server closed it). */
  drop(): void {
    if (this.closed) return;
    this.closed = true;
    this.gone = this.service.closed(this, 'closed');
  }

  /** The `reason` of each KICKED notice received. */
  kickReasons(): string[] {
    return this.notices.filter((n) => n.odType === NoticeKind.KICKED).map((n) => n.extend.reason ?? '');
  }
}

/** A session layer on a fresh memory registry and a fake clock (logging to `log`, silent by default). */
async function sessionLayer(overrides: Record<string, unknown> = {}, log = createLogger('silent', false)) {
  const dir = tempDir();
  await writeUsers(dir);
  const config = buildConfig({ auth_min_unix: 0, resume_timeout: RESUME_TIMEOUT_S, log_level: 'silent', ...overrides }, join(dir, 'tim.json'), dir);
  let time = 1_800_000_000_000;
  const clock = { now: (): number => time, advance: (ms: number): void => void (time += ms) };
  const registry = new DoorRegistry(clock.now);
  const metrics = new Metrics();
  const bus = new LocalBus(GATEWAY);
  const events: AdmEvent[] = [];
  bus.onEvent((e) => events.push(e));
  const passwordChecks = new PasswordCheckLimiter(config.password_checks, metrics.registry);
  const authenticator = await LoginAuthenticator.create({ config, gatewayId: GATEWAY, registry, revocations: new MemoryRevocations(), log, metrics: metrics.registry, passwordChecks });
  const tokenIndex = new MemoryTokenIndex();
  const service = new SessionService({ config, gatewayId: GATEWAY, registry, tokenIndex, bus, authenticator, metrics, log, now: clock.now });
  onCleanup(async () => {
    metrics.close();
    authenticator.close();
    tokenIndex.close();
    await registry.close();
  });
  const socket = (connId: string): FakeSocket => new FakeSocket(connId, service, clock.now());
  const events_ = (kind: number, reason: string): AdmEvent[] => events.filter((e) => e.kind === kind && e.reason === reason);
  return { config, clock, registry, service, socket, events: events_ };
}

/** A password AUTH of `name` in the default domain (or a resume when `token` is given). */
function auth(name: string, extra: Partial<TimAuth> = {}): TimAuth {
  return { name, pwd: PWD, domain: '', resource: 'phone', termtyp: 1, token: '', extend: {}, kick: [], ...extra };
}


/** A session layer where `name` logged in on socket c1 and its LOGOUT failed because the table was unreachable (and still is: the test makes it reachable). */
async function unrecordedLogout(name: string) {
  const layer = await sessionLayer();
  const sock = layer.socket('c1');
  const ack = await layer.service.login(sock, auth(name));
  layer.registry.unreachable = true;
  await expect(layer.service.logout(sock)).rejects.toThrow('unreachable');
  return { ...layer, ack };
}
describe('session layer (fake sockets, memory registry, fake clock)', () => {
  it('a socket that closes while the table decides its login leaves no session, and its login is answered as failed', async () => {
    const { registry, service, socket, events } = await sessionLayer();
    const sock = socket('c1');
    const door = registry.holdNextLogin();
    const pending = service.login(sock, auth('alice'));
    await door.arrived;
    expect(sock.login.phase).toBe('deciding');
    expect(service.local.get('c1')).toBe(sock);

    sock.drop();
    await sock.gone;
    door.open();
    const ack = await pending;

    expect(ack.ok).toBe(false);
    expect(ack.error?.code).toBe(ErrorCode.UNDEFINED);
    expect(await registry.list('', 'alice')).toEqual([]);
    expect(service.local.size).toBe(0);
    expect(sock.login.phase).toBe('closed');
    expect(events(EventKind.ONLINE, 'login')).toEqual([]);
  });

  it('a LOGOUT received before the socket closes is carried out after the close: the session ends and its resume token dies', async () => {
    const { clock, registry, service, socket, events } = await sessionLayer();
    const sock = socket('c1');
    const ack = await service.login(sock, auth('bob'));
    expect(ack.ok).toBe(true);
    const ssid = ack.n2!;

    sock.drop(); // the connection drops while the LOGOUT waits its turn behind another request
    await sock.gone;
    expect(await registry.list('', 'bob')).toEqual([]);
    expect(await registry.getResumeToken('', 'bob', ssid, clock.now())).not.toBeNull(); // a close alone keeps the token

    const out = await service.logout(sock); // the LOGOUT's turn
    expect(out.ok).toBe(true);
    expect(await registry.getResumeToken('', 'bob', ssid, clock.now())).toBeNull();
    expect(events(EventKind.OFFLINE, 'logout').map((e) => e.ssid)).toEqual([ssid]);
    const resume = await service.login(socket('c2'), auth('bob', { pwd: '', token: ack.token! }));
    expect(resume.error?.code).toBe(ErrorCode.ERROR_TOKEN);
  });

  it('a resume while the old socket is still attached replaces it in place: the old socket is kicked (resumed), the ssid and loginTime stay', async () => {
    const { clock, registry, service, socket } = await sessionLayer();
    const old = socket('c1');
    const loginTime = clock.now();
    const first = await service.login(old, auth('carol'));
    expect(first.t).toBe(loginTime);

    clock.advance(5000);
    const fresh = socket('c2');
    const second = await service.login(fresh, auth('carol', { pwd: '', token: first.token! }));

    expect(second.ok).toBe(true);
    expect(second.n2).toBe(first.n2);
    expect(second.t).toBe(loginTime);
    expect(second.t2).toBe(clock.now() + RESUME_TIMEOUT_S * 1000);
    expect(old.closeCode).toBe(CloseCode.KICKED);
    expect(old.kickReasons()).toEqual([KickReason.RESUMED]);
    expect(old.login).toEqual({ phase: 'closed', session: null });
    await old.gone; // the old socket's close must not take the record that is now the new socket's
    expect(fresh.login.phase).toBe('live');
    expect([...service.local.keys()]).toEqual(['c2']);
    expect((await registry.list('', 'carol')).map((s) => [s.ssid, s.connId, s.loginTime])).toEqual([[first.n2, 'c2', loginTime]]);
  });

  it('a login the table refuses (4111) leaves its socket unauthenticated, free to log in again once there is room', async () => {
    const { service, socket } = await sessionLayer();
    const holder = socket('c1');
    expect((await service.login(holder, auth('dave'))).ok).toBe(true);
    const second = socket('c2');
    const refused = await service.login(second, auth('dave', { resource: 'tablet' }));
    expect(refused.error?.code).toBe(ErrorCode.OVER_ENTRY);
    expect(second.login).toBe(UNAUTHENTICATED);
    expect(holder.notices.map((n) => [n.odType, n.extend.resource])).toEqual([[NoticeKind.LOGOUT_REQUEST, 'tablet']]);

    expect((await service.logout(holder)).ok).toBe(true);
    const again = await service.login(second, auth('dave', { resource: 'tablet' }));
    expect(again.ok).toBe(true);
    expect(heldSession(second.login)?.resource).toBe('tablet');
  });

  it('a heartbeat reconcile writes each live socket\'s lastSeen as refreshTime and closes no socket the table still lists', async () => {
    const { clock, registry, service, socket } = await sessionLayer({ device_limit: 2 });
    const a = socket('c1');
    const b = socket('c2');
    expect((await service.login(a, auth('u0'))).ok).toBe(true);
    expect((await service.login(b, auth('u0', { resource: 'tablet', termtyp: 2 }))).ok).toBe(true);

    clock.advance(30_000);
    a.lastSeen = clock.now();
    await service.reconcile();

    const refresh = Object.fromEntries((await registry.list('', 'u0')).map((s) => [s.connId, s.refreshTime]));
    expect(refresh).toEqual({ c1: clock.now(), c2: clock.now() - 30_000 });
    expect([a.closed, b.closed]).toEqual([false, false]);
    expect((await service.sessions(b)).online.map((s) => s.refreshTime)).toEqual([clock.now()]);
  });

  it('a session the table no longer lists for its socket (a kick whose delivery was lost) is closed by the next reconcile: KICKED, revoked', async () => {
    const { registry, service, socket } = await sessionLayer({ device_limit: 2 });
    const lost = socket('c1');
    const kept = socket('c2');
    const ack = await service.login(lost, auth('u1'));
    expect((await service.login(kept, auth('u1', { resource: 'tablet', termtyp: 2 }))).ok).toBe(true);
    await registry.removeSessions('', 'u1', [ack.n2!]); // removed on another node; the kick never arrived
    expect(lost.closed).toBe(false);

    await service.reconcile();

    expect(lost.closeCode).toBe(CloseCode.KICKED);
    expect(lost.kickReasons()).toEqual([KickReason.REVOKED]);
    expect(kept.closed).toBe(false);
    expect([...service.local.keys()]).toEqual(['c2']);
  });

  it('a socket whose login the table is still deciding is neither touched nor kicked by a reconcile or a rejoin\'s lostPlace', async () => {
    const { registry, service, socket } = await sessionLayer();
    const sock = socket('c1');
    const door = registry.holdNextLogin();
    const pending = service.login(sock, auth('u2'));
    await door.arrived;

    await service.reconcile(); // the table does not list it yet: a touch would report it gone
    service.lostPlace(heldSession(sock.login)!, KickReason.DISPLACED);
    expect(sock.closed).toBe(false);

    door.open();
    expect((await pending).ok).toBe(true);
    expect(sock.login.phase).toBe('live');
    expect((await registry.list('', 'u2')).map((s) => s.connId)).toEqual(['c1']);
  });

  it('a closed socket whose removal the table refused leaves the table once it answers again, without waiting for a reconcile', async () => {
    const { registry, service, socket, events } = await sessionLayer();
    const sock = socket('c1');
    expect((await service.login(sock, auth('u5'))).ok).toBe(true);
    registry.unreachable = true;
    sock.drop();
    await sock.gone;
    expect((await registry.list('', 'u5')).map((s) => s.connId)).toEqual(['c1']); // refused: still listed, and owed
    registry.unreachable = false;
    await waitFor(async () => (await registry.list('', 'u5')).length === 0, 10_000, 'the owed removal to be retried');
    expect(events(EventKind.OFFLINE, 'closed').map((e) => e.name)).toEqual(['u5']);
    expect(service.logins.owed.size).toBe(0);
  });

  it('removals refused during an outage are logged at most once a second, saying how many waited, not once per socket', async () => {
    const lines: { msg: string; waiting?: number }[] = [];
    const { registry, service, socket } = await sessionLayer({}, pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) }));
    const socks = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9'].map((name) => ({ name, sock: socket(`c-${name}`) }));
    for (const { name, sock } of socks) expect((await service.login(sock, auth(name))).ok).toBe(true);
    registry.unreachable = true;
    for (const { sock } of socks) {
      sock.drop();
      await sock.gone;
    }
    expect(service.logins.owed.size).toBe(10);
    expect(lines.map((l) => [l.msg, l.waiting])).toEqual([['could not remove a closed session; retrying', 1]]);
    registry.unreachable = false;
    await waitFor(() => service.logins.owed.size === 0, 10_000, 'the owed removals to be retried');
  });

  it('a login whose socket closed while it was decided, and whose take-back the table refused, is taken back once it answers', async () => {
    const { registry, service, socket } = await sessionLayer();
    const sock = socket('c1');
    const door = registry.holdNextLogin();
    const pending = service.login(sock, auth('u6'));
    await door.arrived;
    sock.drop();
    await sock.gone;
    registry.unreachable = true;
    door.open();
    expect((await pending).error?.code).toBe(ErrorCode.UNDEFINED);
    expect((await registry.list('', 'u6')).map((s) => s.connId)).toEqual(['c1']);
    registry.unreachable = false;
    await waitFor(async () => (await registry.list('', 'u6')).length === 0, 10_000, 'the take-back to be retried');
  });

  it('a resume whose socket closed while it was decided is taken back, and the token it presented resumes on the next socket', async () => {
    const { registry, service, socket } = await sessionLayer();
    const first = socket('c1');
    const ack = await service.login(first, auth('u7'));
    first.drop();
    await first.gone;
    const dropped = socket('c2');
    const door = registry.holdNextLogin();
    const pending = service.login(dropped, auth('u7', { pwd: '', token: ack.token! }));
    await door.arrived;
    dropped.drop();
    await dropped.gone;
    door.open();
    expect((await pending).error?.code).toBe(ErrorCode.UNDEFINED);
    expect(await registry.list('', 'u7')).toEqual([]);
    const again = await service.login(socket('c3'), auth('u7', { pwd: '', token: ack.token! }));
    expect(again.ok && again.n2).toBe(ack.n2);
  });

  it('a LOGOUT the table could not record is retried by a reconcile within resume_timeout, and its resume token then dies', async () => {
    const { clock, registry, service, events, ack } = await unrecordedLogout('u3');
    expect(await registry.getResumeToken('', 'u3', ack.n2!, clock.now())).not.toBeNull();

    clock.advance(RESUME_TIMEOUT_S * 1000 - 1000);
    registry.unreachable = false;
    await service.reconcile();

    expect(await registry.getResumeToken('', 'u3', ack.n2!, clock.now())).toBeNull();
    expect(events(EventKind.OFFLINE, 'logout').map((e) => e.ssid)).toEqual([ack.n2]);
  });

  it('a LOGOUT the table could not record for resume_timeout is dropped (its token has expired by then): no reconcile retries it', async () => {
    const { clock, registry, service, events, ack } = await unrecordedLogout('u4');

    clock.advance(RESUME_TIMEOUT_S * 1000);
    registry.unreachable = false;
    await service.reconcile();
    await service.reconcile();

    expect(events(EventKind.OFFLINE, 'logout')).toEqual([]);
    expect(await registry.getResumeToken('', 'u4', ack.n2!, clock.now() - 1)).not.toBeNull(); // it expired by the clock; nothing removed it
  });
});

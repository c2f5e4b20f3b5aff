/**
 * The demo web app: log in to the gateway that serves this page, see your
 * devices, meet over entry (4111) with the devices in the way, get the
 * logout request of a refused device as a banner, be logged out by another
 * device, and watch the client library resume the session after a drop.
 * It imports the browser build of the client library (./tim-client.js).
 */
import { NoticeKind, TimClient, type TimAck, type TimAuth, type TimClientEvents } from './tim-client.js';
import { button, byId, connection, deviceText, logLine, pick, say, sessionTable, show, thisDevice } from './view.js';

/** The gateway's client socket: same origin as this page. */
const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/tim`;

let client: TimClient | null = null;
/** The login waiting on the over-entry screen (with its password), until it succeeds or the user goes back. */
let pending: Partial<TimAuth> | null = null;

/** Why a session was logged out, as the kicked screen says it. */
const kickedText: Record<string, string> = {
  new_login: 'Your account was logged in on another device, which took this device\'s place.',
  session: 'One of your other devices logged this device out.',
  admin: 'An operator logged this device out.',
  revoked: 'This login is no longer valid.',
};

function ssidOf(ack: TimAck | null): string {
  return ack?.n2 ?? '';
}

/** A client on this page's gateway, its events wired to the page. */
function newClient(): TimClient {
  const c = new TimClient(url, { reconnect: { baseMs: 500, maxMs: 10_000 } });
  const on = <K extends keyof TimClientEvents>(event: K, fn: (e: TimClientEvents[K]) => void): void => {
    c.on(event, (e) => {
      if (c === client) fn(e);
    });
  };
  on('logoutRequest', (r) => {
    say('logout-request-text', `A login from ${deviceText(r.device)} was refused: this account is on all the devices it may use. Log out here to let it in?`);
    byId('logout-request').hidden = false;
    logLine('events', `logout request from ${deviceText(r.device)}`);
  });
  on('kicked', (k) => {
    say('kicked-text', `${kickedText[k.reason] ?? k.message.dataString}${k.device ? ` New device: ${deviceText(k.device)}.` : ''}`);
    byId('kicked-screen').dataset.reason = k.reason;
    show('kicked-screen');
    logLine('events', `kicked (${k.reason}): not reconnecting`);
  });
  on('notice', (m) => {
    if (m.odType === NoticeKind.INFO) logLine('notices', m.dataString);
  });
  on('close', (e) => {
    connection(e.reconnect ? 'reconnecting' : 'offline', e.reconnect ? 'reconnecting…' : `offline (${e.code})`);
    logLine('events', `socket closed with ${e.code}${e.reason ? ` ${e.reason}` : ''}${e.reconnect ? ': resuming the session' : ''}`);
  });
  on('reconnecting', (r) => {
    connection('reconnecting', `reconnecting (attempt ${r.attempt})`);
    logLine('events', `reconnect attempt ${r.attempt} in ${Math.round(r.delayMs)} ms`);
  });
  on('reconnected', (ack) => {
    connection('online', 'online');
    logLine('events', `resumed session ${ssidOf(ack)} on a new socket`);
    void refresh();
  });
  on('reconnectFailed', (f) => {
    say('login-note', `Your session could not be resumed (${f.reason}); log in again.`);
    connection('offline', 'offline');
    show('login-screen');
  });
  return c;
}

/** Logs in with `auth`; shows the devices, the over-entry screen or the error. */
async function login(auth: Partial<TimAuth>): Promise<void> {
  client ??= newClient();
  say('login-error', '');
  let ack: TimAck;
  try {
    ack = await client.login(auth);
  } catch (e) {
    say('login-error', `Cannot reach the gateway: ${e instanceof Error ? e.message : String(e)}`);
    show('login-screen');
    return;
  }
  if (ack.ok) {
    pending = null;
    connection('online', 'online');
    say('who', `${auth.name}${auth.domain ? ` @ ${auth.domain}` : ''}`);
    say('session-info', `Session ${ssidOf(ack)} on ${auth.resource || 'this device'}.`);
    byId('logout-request').hidden = true;
    logLine('events', `logged in, session ${ssidOf(ack)}`);
    show('session-screen');
    return void refresh();
  }
  if (ack.error?.code === 4111) return overEntry(auth, ack);
  say('login-error', `${ack.error?.code ?? ''} ${ack.error?.info ?? 'refused'}`);
  show('login-screen');
}

/** The over-entry screen: the devices in the way (each asked to log out), to pick and log out. */
function overEntry(auth: Partial<TimAuth>, ack: TimAck): void {
  pending = auth;
  const sessions = ack.sessions ?? [];
  say('overentry-text', `This account is already logged in on as many devices as it may use (${ack.error!.code} ${ack.error!.info}). Each was asked to log out; or log out some here.`);
  sessionTable('blocking', sessions, pick);
  show('overentry-screen');
  logLine('events', `over entry: ${sessions.length} device(s) in the way`);
}

/** Reloads the devices table. */
async function refresh(): Promise<void> {
  if (!client) return;
  try {
    const list = await client.sessions();
    const own = list.self?.ssid;
    const all = [...(list.self ? [list.self] : []), ...list.online.filter((s) => s.ssid !== own)];
    sessionTable('sessions', all, (s) => (s.ssid === own ? thisDevice() : button('Log out', `Log out ${s.resource || s.ssid}`, () => void kick([s.ssid]))));
    byId<HTMLButtonElement>('logout-others').disabled = all.length < 2;
  } catch (e) {
    say('session-status', `Could not list the sessions: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Logs out own sessions by ssid. */
async function kick(ssids: readonly string[]): Promise<void> {
  if (!client || ssids.length === 0) return;
  const ack = await client.kick(ssids);
  say('session-status', ack.ok ? `Logged out ${ack.t ?? 0} device(s).` : `Refused: ${ack.error?.code} ${ack.error?.info}`);
  await refresh();
}

/** Back to the login form with a note; the next login starts on a fresh client. */
function toLogin(note: string): void {
  client?.close().catch(() => {});
  client = null;
  pending = null;
  say('who', '');
  say('login-note', note);
  show('login-screen');
}

byId<HTMLFormElement>('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target as HTMLFormElement);
  const text = (k: string): string => String(f.get(k) ?? '');
  void login({ name: text('name'), pwd: text('pwd'), domain: text('domain'), resource: text('resource'), termtyp: Number(text('termtyp')) || 0 });
});
byId('kick-and-login').addEventListener('click', () => {
  const kickList = [...document.querySelectorAll<HTMLInputElement>('#blocking input[name=kick]:checked')].map((i) => i.value);
  if (pending) void login({ ...pending, kick: kickList });
});
byId('overentry-back').addEventListener('click', () => toLogin(''));
byId('refresh').addEventListener('click', () => void refresh());
byId('logout-others').addEventListener('click', () => {
  const others = [...document.querySelectorAll('#sessions tbody tr[data-ssid]')].map((tr) => tr.getAttribute('data-ssid')!).filter((s) => s !== ssidOf(client?.lastLogin ?? null));
  void kick(others);
});
const logout = async (): Promise<void> => {
  await client?.logout().catch(() => undefined);
  connection('offline', 'offline');
  logLine('events', 'logged out');
  toLogin('You logged out.');
};
byId('logout').addEventListener('click', () => void logout());
byId('logout-request-accept').addEventListener('click', () => void logout());
byId('logout-request-dismiss').addEventListener('click', () => (byId('logout-request').hidden = true));
byId('login-again').addEventListener('click', () => toLogin(''));

/**
 * The dashboard's entry: sign-in, then the shell (header, navigation by URL
 * hash) around the overview, account, events and tokens views, all fed by
 * one event stream.
 */
import { AccountView } from './account.js';
import { api, onSignedOut, setCsrf } from './api.js';
import { h, replace } from './dom.js';
import { EventStream } from './event-stream.js';
import { Feed } from './feed.js';
import { Overview } from './overview.js';
import { Rates } from './rates.js';
import { signInScreen, type SessionInfo } from './signin.js';
import { TokensView } from './tokens.js';

const root = document.getElementById('app')!;
/** Query of the page loaded after the server ended the session. */
const ENDED = 'session-ended';

/** Views by hash, in navigation order. */
const routes = ['overview', 'account', 'events', 'tokens'] as const;
type Route = (typeof routes)[number];
const titles: Record<Route, string> = { overview: 'Overview', account: 'Account', events: 'Live events', tokens: 'Tokens' };

function showSignIn(notice = ''): void {
  replace(root, signInScreen(start, notice));
  document.title = 'Sign in · tim-gateway';
}

function start(session: SessionInfo): void {
  setCsrf(session.csrf);
  const events = new EventStream();
  // a fresh page: no timer or stream of this session survives it
  const ended = (): void => location.replace(`/?${ENDED}`);
  onSignedOut(ended);
  const tokens = new TokensView();
  const views: Record<Route, HTMLElement> = {
    overview: new Overview(events, new Rates(events)).element,
    account: new AccountView(events).element,
    events: new Feed(events).element,
    tokens: tokens.element,
  };
  const links = routes.map((r) => h('a', { href: `#${r}`, 'data-route': r }, titles[r]));
  const live = h('span', { class: 'pill', id: 'stream-state', role: 'status' }, 'connecting');
  events.onState((up) => {
    live.textContent = up ? 'live' : 'reconnecting';
    live.classList.toggle('pill-ok', up);
    // the server ends the stream when the session ends (sign-out elsewhere, expiry): ask whether it did
    // (no answer: the gateway is away, EventSource keeps retrying)
    if (!up) {
      api<SessionInfo | { operator: null }>('GET', '/api/v1/session').then(
        (s) => s.operator === null && ended(),
        () => {},
      );
    }
  });
  const signOut = h('button', { type: 'button', class: 'link', id: 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', () => {
    events.stop();
    void api('DELETE', '/api/v1/session').finally(() => location.assign('/'));
  });
  const main = h('main', { id: 'main' });
  replace(
    root,
    h('header', { class: 'top' }, h('span', { class: 'brand' }, 'tim-gateway'), h('nav', { 'aria-label': 'Views' }, links), live, h('span', { class: 'who' }, session.operator), signOut),
    main,
  );
  const show = (): void => {
    const route = (routes as readonly string[]).includes(location.hash.slice(1)) ? (location.hash.slice(1) as Route) : 'overview';
    for (const a of links) {
      if (a.dataset.route === route) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    replace(main, views[route]);
    if (route === 'tokens') void tokens.show();
    document.title = `${titles[route]} · tim-gateway`;
  };
  window.addEventListener('hashchange', show);
  show();
  events.start();
}

const ended = location.search === `?${ENDED}`;
if (ended) history.replaceState(null, '', '/');
api<SessionInfo | { operator: null }>('GET', '/api/v1/session').then(
  (s) => (s.operator ? start(s as SessionInfo) : showSignIn(ended ? 'Your session ended: sign in again.' : '')),
  () => showSignIn('The gateway did not answer.'),
);

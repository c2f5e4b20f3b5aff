/**
 * The operators' dashboard in headless Chromium against a real gateway:
 * sign-in (wrong then right password), live overview counts, the account view
 * (kick one session, kick all and block, notice, request to log out), the
 * events feed, tokens (stats, clean-up, a login token), sign-in with an API key,
 * a phone-sized screen, sign-out (the old cookie is refused), and no console
 * error anywhere.
 * Set TIM_SCREENSHOTS=1 to rewrite docs/dashboard-*.png.
 */
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.js';
import { NoticeKind } from '../src/protocol/types.js';
import { ADMIN, adminGateway } from './admin-helpers.js';
import { chromiumSuitesEnabled, clickNow, closeBrowser, newPage, textWhen } from './support/browser.js';
import { connect, loggedIn, PWD, waitFor } from './helpers.js';
import { api, API_KEY, apiGateway } from './http-helpers.js';

const screenshots = process.env.TIM_SCREENSHOTS === '1';
const docs = join(import.meta.dirname, '..', 'docs');

/** Opens the dashboard and signs in as the test operator. */
async function signIn(page: Page, gw: Gateway, pwd = PWD): Promise<void> {
  await page.goto(`${gw.adminHttpUrl}/`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#signin-operator input[name=name]');
  await page.$eval('#signin-operator input[name=pwd]', (el) => ((el as HTMLInputElement).value = ''));
  await page.type('#signin-operator input[name=name]', ADMIN);
  await page.type('#signin-operator input[name=pwd]', pwd);
  await page.click('#signin-operator button[type=submit]');
}

/** The value shown on an overview count card. */
const countCard = (name: string): string => `[data-count=${name}] .card-value`;

/** The session cookie of a page, as a Cookie header. */
async function cookieHeader(page: Page): Promise<string> {
  const cookies = await page.browserContext().cookies();
  const c = cookies.find((x) => x.name === 'tim_dashboard');
  if (!c) throw new Error('no session cookie');
  expect(c).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  return `${c.name}=${c.value}`;
}

/** Browser tests wait on a loaded machine (launch, scrypt, rendering): a generous timeout; nothing here is timed. */
const slow = { timeout: 120_000 };

describe.skipIf(!chromiumSuitesEnabled())('dashboard in Chromium', () => {
  afterAll(() => closeBrowser());

  it('signs in (wrong then right password), counts sessions live, signs out and the old cookie is refused', slow, async () => {
    const gw = await adminGateway({ device_limit: 3, devicetype_limit: 3, domains: { acme: { device_limit: 1, devicetype_limit: 1 } } });
    const { page, errors } = await newPage();

    await signIn(page, gw, 'not the password');
    await textWhen(page, '#signin-error', /Wrong name, password or key/);
    await signIn(page, gw);
    await textWhen(page, countCard('sessions'), /^0$/);
    await textWhen(page, '#stream-state', /live/);

    const alice = await loggedIn(gw, { name: 'alice', termtyp: 1, resource: 'phone' });
    await textWhen(page, countCard('sessions'), /^1$/);
    await loggedIn(gw, { name: 'alice', termtyp: 2, resource: 'pc' });
    await loggedIn(gw, { name: 'bob', domain: 'acme' });
    await textWhen(page, countCard('sessions'), /^3$/);
    await textWhen(page, countCard('accounts'), /^2$/);
    await textWhen(page, '#per-domain', /\(default\)\s+2[\s\S]*acme\s+1/);
    await textWhen(page, '#rates', /Logins[\s\S]*3 in 10 min/);

    const refused = await connect(gw);
    expect((await refused.login({ name: 'carol', pwd: 'wrong' })).error?.code).toBe(4105);
    await textWhen(page, '#rates', /Refused 4105 permission denied[\s\S]*1 in 10 min/);
    // acme allows one device: a second bob is refused with 4111 (reject mode)
    expect((await refused.login({ name: 'bob', domain: 'acme', pwd: PWD })).error?.code).toBe(4111);
    await textWhen(page, '#rates', /Refused 4111 over entry[\s\S]*1 in 10 min/);

    await alice.logout();
    await textWhen(page, countCard('sessions'), /^2$/);
    if (screenshots) await page.screenshot({ path: join(docs, 'dashboard-overview.png') });

    const cookie = await cookieHeader(page);
    expect((await fetch(`${gw.adminHttpUrl}/api/v1/stats`, { headers: { cookie } })).status).toBe(200);
    await page.click('#sign-out');
    await page.waitForSelector('#signin-operator');
    const after = await fetch(`${gw.adminHttpUrl}/api/v1/stats`, { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: number } }).error.code).toBe(4105);

    // the wrong password's 401 is the one error the browser may log
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    expect(errors.length).toBeLessThanOrEqual(1);
  });

  it('finds an account, sends a notice, kicks one session, kicks all with a block; the feed shows it all', slow, async () => {
    const gw = await adminGateway({ device_limit: 3, devicetype_limit: 3 });
    const phone = await loggedIn(gw, { name: 'alice', termtyp: 1, resource: 'phone' });
    const pc = await loggedIn(gw, { name: 'alice', termtyp: 2, resource: 'pc' });
    const { page, errors } = await newPage();
    await signIn(page, gw);
    await textWhen(page, '#stream-state', /live/);

    await page.goto(`${gw.adminHttpUrl}/#account`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#account-title');
    await page.type('form[role=search] input[name=name]', 'alice');
    await page.click('form[role=search] button[type=submit]');
    await textWhen(page, '#account-heading', /alice in \(default\): 2 sessions/);
    const table = await textWhen(page, '#sessions', /phone[\s\S]*pc/);
    expect(table).toContain(phone.lastLogin!.n2!);
    expect(table).toMatch(/127\.0\.0\.1/);
    await textWhen(page, '#limits', /Limits\s+the domain's\s+Devices\s+3\s+Per terminal type\s+3\s+Over entry\s+reject/);
    if (screenshots) await page.screenshot({ path: join(docs, 'dashboard-account.png'), fullPage: true });

    await page.type('form[aria-label="Send a notice"] textarea', 'maintenance at 22:00');
    await page.click('form[aria-label="Send a notice"] button[type=submit]');
    await textWhen(page, '#account-status', /Notice reached 2 sessions/);
    for (const c of [phone, pc]) expect(await c.nextNotice(NoticeKind.INFO)).toMatchObject({ dataString: 'maintenance at 22:00' });
    await page.select('form[aria-label="Send a notice"] select[name=odType]', String(NoticeKind.LOGOUT_REQUEST));
    await page.$eval('form[aria-label="Send a notice"] textarea', (el) => ((el as HTMLTextAreaElement).value = 'please sign out'));
    await page.click('form[aria-label="Send a notice"] button[type=submit]');
    await textWhen(page, '#account-status', /Request to log out reached 2 sessions/);
    for (const c of [phone, pc]) expect(await c.nextNotice(NoticeKind.LOGOUT_REQUEST)).toMatchObject({ dataString: 'please sign out' });

    const kick = `button[aria-label="Kick session ${phone.lastLogin!.n2!}"]`;
    await clickNow(page, kick);
    await textWhen(page, kick, /Confirm kick/);
    await clickNow(page, kick);
    expect((await phone.nextNotice(NoticeKind.KICKED)).extend).toMatchObject({ reason: 'admin' });
    expect((await phone.closed).code).toBe(4001);
    await textWhen(page, '#account-heading', /: 1 session$/);

    await page.$eval('form[aria-label="Kick all sessions"] input[name=blockMinutes]', (el) => ((el as HTMLInputElement).value = '5'));
    await page.click('form[aria-label="Kick all sessions"] button[type=submit]');
    await textWhen(page, '#account-status', /1 session kicked, logins blocked for 5 min/);
    expect((await pc.nextNotice(NoticeKind.KICKED)).extend).toMatchObject({ reason: 'admin' });
    expect((await pc.closed).code).toBe(4001);
    const blocked = await connect(gw);
    expect((await blocked.login({ name: 'alice', pwd: PWD })).error?.code).toBe(4110);
    await textWhen(page, '#account-heading', /: 0 sessions$/);

    await page.click('a[data-route=events]');
    const feed = await textWhen(page, '#event-rows', /REJECTED\s+\(default\)\s+alice[\s\S]*blocked/);
    expect(feed).toMatch(/KICKED\s+\(default\)\s+alice[\s\S]*admin/);
    if (screenshots) await page.screenshot({ path: join(docs, 'dashboard-events.png') });
    await page.click('input[name=online]');
    await page.click('input[name=kicked]');
    await page.click('input[name=offline]');
    const rejectedOnly = await textWhen(page, '#event-rows', /REJECTED/);
    expect(rejectedOnly).not.toMatch(/ONLINE|KICKED|OFFLINE/);
    await page.click('input[name=online]');
    await page.click('#events-pause');
    await loggedIn(gw, { name: 'bob' });
    await textWhen(page, '#events-summary', /Paused: 1 new event/);
    expect(await page.$eval('#event-rows', (el) => (el as HTMLElement).innerText)).not.toMatch(/bob/);
    await page.click('#events-pause');
    await textWhen(page, '#event-rows', /ONLINE\s+\(default\)\s+bob/);

    // an identity's own limits, when its session's extend carries them
    const dave = await connect(gw);
    expect((await dave.login({ name: 'dave', pwd: PWD, extend: { device_limit: '5', overentry: 'kick' } })).ok).toBe(true);
    await page.click('a[data-route=account]');
    await page.waitForSelector('#account-title');
    await page.$eval('form[role=search] input[name=name]', (el) => ((el as HTMLInputElement).value = 'dave'));
    await page.click('form[role=search] button[type=submit]');
    await textWhen(page, '#limits', /Limits\s+the account's own[^\n]*\s+Devices\s+5\s+Per terminal type\s+3\s+Over entry\s+kick/);

    expect(errors).toEqual([]);
  });

  it('shows token stats, refreshes them, cleans up expired tokens, and issues a single-use login token shown once', slow, async () => {
    const gw = await apiGateway({ resume_timeout: 1 });
    await loggedIn(gw, { name: 'alice' }); // her resume token lives a second
    const { page, errors } = await newPage();
    await page.browserContext().overridePermissions(gw.adminHttpUrl, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
    await signIn(page, gw);
    await page.waitForSelector('a[data-route=tokens]');
    await page.click('a[data-route=tokens]');
    await textWhen(page, '#token-stats', /Stored tokens\s+1/);

    await waitFor(async () => ((await api(gw, 'GET', '/api/v1/token-stats')).json as { activeTokenCount: number }).activeTokenCount === 0, 10_000, "alice's resume token to expire");
    await page.click('#tokens-refresh');
    await textWhen(page, '#token-stats', /Active tokens\s+0\s+Stored tokens\s+1\s+Expired, not yet removed\s+1/);
    await page.click('#tokens-cleanup');
    await textWhen(page, '#tokens-status', /Removed 1 expired token at \d\d:\d\d:\d\d/);
    await textWhen(page, '#token-stats', /Active tokens\s+0\s+Stored tokens\s+0/);

    await page.type('form[aria-label="Issue a login token"] input[name=name]', 'carol');
    await page.click('form[aria-label="Issue a login token"] button[type=submit]');
    await page.waitForSelector('#token-value');
    await textWhen(page, '#issued-token', /Token for carol, single use, valid until .*shown only once/);
    const token = await page.$eval('#token-value', (el) => (el as HTMLInputElement).value);
    await page.click('#issued-token button');
    await textWhen(page, '#issued-token button', /Copied/);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    if (screenshots) await page.screenshot({ path: join(docs, 'dashboard-tokens.png') });
    const c = await connect(gw);
    expect((await c.login({ name: 'carol', token })).ok).toBe(true);

    // shown once: leaving the view forgets it
    await page.click('a[data-route=overview]');
    await page.click('a[data-route=tokens]');
    await page.waitForSelector('#token-stats');
    expect(await page.$('#token-value')).toBeNull();
    expect(errors).toEqual([]);
  });

  it("signs in with an API key; the browser's own cookie without the CSRF header cannot change anything", slow, async () => {
    const gw = await apiGateway();
    const alice = await loggedIn(gw, { name: 'alice' });
    const { page, errors } = await newPage();
    await page.goto(`${gw.adminHttpUrl}/`, { waitUntil: 'domcontentloaded' });
    // the page shows the sign-in once GET /api/v1/session answered, not at domcontentloaded
    await clickNow(page, 'main.signin details summary');
    await page.waitForSelector('#signin-key input[name=apiKey]', { visible: true });
    await page.type('#signin-key input[name=apiKey]', 'tim_not-the-key');
    await page.click('#signin-key button[type=submit]');
    await textWhen(page, '#signin-error', /Wrong name, password or key/);
    await page.$eval('#signin-key input[name=apiKey]', (el) => ((el as HTMLInputElement).value = ''));
    await page.type('#signin-key input[name=apiKey]', API_KEY);
    await page.click('#signin-key button[type=submit]');
    await textWhen(page, countCard('sessions'), /^1$/);
    await textWhen(page, 'header .who', /key:crm/);

    // a script of this very page (the cookie goes along) that leaves out X-Tim-CSRF is refused and kicks nobody
    const forged = await page.evaluate(async (names: string[]) => {
      const res = await fetch('/api/v1/kick', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ domain: '', names }) });
      return { status: res.status, body: (await res.json()) as { error: { code: number } } };
    }, ['alice']);
    expect(forged).toMatchObject({ status: 401, body: { error: { code: 4105 } } });
    expect((await api(gw, 'GET', '/api/v1/online?name=alice')).json).toMatchObject({ accounts: [{ sessions: [{ ssid: alice.lastLogin!.n2 }] }] });
    // the wrong key's 401 and the forged request's 401 are the errors the browser may log
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });

  it('shows the sign-in again, saying why, when the session ends elsewhere', slow, async () => {
    const gw = await adminGateway();
    const { page, errors } = await newPage();
    await signIn(page, gw);
    await textWhen(page, countCard('sessions'), /^0$/);
    const cookie = await cookieHeader(page);
    const csrf = ((await (await fetch(`${gw.adminHttpUrl}/api/v1/session`, { headers: { cookie } })).json()) as { csrf: string }).csrf;
    expect((await fetch(`${gw.adminHttpUrl}/api/v1/session`, { method: 'DELETE', headers: { cookie, 'x-tim-csrf': csrf } })).status).toBe(200);
    // the server ends the page's event stream with the session; the page asks and finds it gone: a fresh page asks to sign in
    await textWhen(page, '#signin-error', /Your session ended: sign in again/);
    // the refused read is the one error the browser may log
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });

  it('is usable on a phone: no sideways scrolling of the page', slow, async () => {
    const gw = await adminGateway();
    await loggedIn(gw, { name: 'alice' });
    const { page, errors } = await newPage(390, 844);
    await signIn(page, gw);
    await textWhen(page, countCard('sessions'), /^1$/);
    for (const route of ['overview', 'account', 'events', 'tokens']) {
      await page.click(`a[data-route=${route}]`);
      await page.waitForSelector(`#${route}-title`);
      const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      expect(scroll, route).toBeLessThanOrEqual(width);
    }
    expect(errors).toEqual([]);
  });
});

/**
 * The demo web app (examples/web, served with `demo: true`) in headless
 * Chromium against a real gateway process: two pages as one account beyond
 * its device limit. Over entry (4111) lists the device in the way, that
 * device gets the logout request as a banner, the second page logs the first
 * out (the first shows the logged-out screen and does not reconnect); in
 * last-login-wins mode the older page is logged out naming the new device;
 * a page whose connection is cut resumes its session (same ssid); "log out my
 * other devices" works. Screenshots of each state go to the test's temp
 * folder; TIM_SCREENSHOTS=1 also rewrites the three README shows in docs/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumSuitesEnabled, closeBrowser, newPage, textWhen, type RecordedPage } from './support/browser.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { tempDir } from './support/temp-dir.js';
import { onCleanup, PWD, serveGateway } from './helpers.js';

const shots = tempDir();
const docs = process.env.TIM_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', 'docs', 'screenshots') : null;

/** The screenshots README shows. */
const shownInReadme = new Set(['demo-over-entry', 'demo-logout-request', 'demo-kicked-last-login-wins']);

/** Saves a screenshot of `page` as `name`.png in the temp folder (and, README's, in docs/screenshots with TIM_SCREENSHOTS=1). */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`) });
  if (docs && shownInReadme.has(name)) {
    mkdirSync(docs, { recursive: true });
    await page.screenshot({ path: join(docs, `${name}.png`) });
  }
}

/** A gateway process serving the demo: one device per account, over entry refused, last login wins in "acme", two devices in "other". */
async function demoGateway(): Promise<{ base: string; port: number }> {
  const gw = await serveGateway({
    demo: true,
    device_limit: 1,
    devicetype_limit: 1,
    domains: { acme: { overentry: 'kick' }, other: { device_limit: 2, devicetype_limit: 2 } },
  });
  const url = new URL(gw.clientUrl);
  return { base: `http://${url.host}`, port: Number(url.port) };
}

/** Opens the demo page at `base`. */
async function openDemo(base: string): Promise<RecordedPage> {
  const rp = await newPage(1000, 700);
  await rp.page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
  await rp.page.waitForSelector('#login-form');
  return rp;
}

/** Fills the login form and submits it. */
async function logIn(page: Page, fields: { name: string; domain?: string; resource: string; termtyp: number }): Promise<void> {
  const values = { pwd: PWD, domain: '', ...fields, termtyp: String(fields.termtyp) };
  await page.evaluate((v: Record<string, string>) => {
    for (const [k, x] of Object.entries(v)) document.querySelector<HTMLInputElement>(`#login-form [name=${k}]`)!.value = x;
  }, values);
  await page.click('#login-form button[type=submit]');
}

/** The ssids of the rows of table `id`. */
const rowSsids = (page: Page, id: string): Promise<string[]> => page.$$eval(`#${id} tbody tr`, (trs) => trs.map((tr) => tr.getAttribute('data-ssid') ?? ''));

/** The ssid the page shows as its own session. */
async function ownSsid(page: Page): Promise<string> {
  const info = await textWhen(page, '#session-info', /^Session \S+ on /);
  return info.split(' ')[1]!;
}

/** Whether the element is shown. */
const visible = (page: Page, selector: string): Promise<boolean> => page.$eval(selector, (el) => !(el as HTMLElement).hidden && (el as HTMLElement).offsetParent !== null);

/** Browser tests wait on a loaded machine (launch, logins, rendering): a generous timeout; nothing here is timed. */
const slow = { timeout: 120_000 };

describe.skipIf(!chromiumSuitesEnabled())('demo web app in Chromium', () => {
  afterAll(() => closeBrowser());

  it('over entry: the second page lists the device in the way, the first gets the logout request, the second logs it out and the first stays out', slow, async () => {
    const { base } = await demoGateway();
    const a = await openDemo(base);
    await logIn(a.page, { name: 'alice', resource: 'laptop', termtyp: 2 });
    const laptop = await ownSsid(a.page);
    await textWhen(a.page, '#conn', /^online$/);
    // the devices table is filled by a SESSIONS request after the login shows: wait for it before reading it
    await textWhen(a.page, '#sessions', /laptop\s+2\s+127\.0\.0\.1[\s\S]*this device/);
    expect(await rowSsids(a.page, 'sessions')).toEqual([laptop]);

    const b = await openDemo(base);
    await logIn(b.page, { name: 'alice', resource: 'phone', termtyp: 1 });
    await textWhen(b.page, '#overentry-text', /\(4111 over entry\)/);
    await textWhen(b.page, '#blocking', /laptop\s+2\s+127\.0\.0\.1/);
    expect(await rowSsids(b.page, 'blocking')).toEqual([laptop]);
    await textWhen(a.page, '#logout-request-text', /^A login from phone \(termtyp 1\) from 127\.0\.0\.1 was refused/);
    expect(await visible(a.page, '#logout-request')).toBe(true);
    await screenshot(b.page, 'demo-over-entry');
    await screenshot(a.page, 'demo-logout-request');

    await b.page.click('#kick-and-login');
    const phone = await ownSsid(b.page);
    expect(phone).not.toBe(laptop);
    await textWhen(a.page, '#kicked-text', /One of your other devices logged this device out/);
    expect(await visible(a.page, '#kicked-screen')).toBe(true);
    await textWhen(a.page, '#conn', /^offline \(4001\)$/);
    await textWhen(b.page, '#sessions', /phone/);
    expect(await rowSsids(b.page, 'sessions')).toEqual([phone]);
    await screenshot(a.page, 'demo-logged-out');
    expect(await a.page.$eval('#events', (el) => el.textContent)).not.toMatch(/reconnect attempt/);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('the logout request banner logs this device out, and the refused device then gets in', slow, async () => {
    const { base } = await demoGateway();
    const a = await openDemo(base);
    await logIn(a.page, { name: 'bob', resource: 'laptop', termtyp: 2 });
    await ownSsid(a.page);
    const b = await openDemo(base);
    await logIn(b.page, { name: 'bob', resource: 'phone', termtyp: 1 });
    await textWhen(b.page, '#overentry-text', /4111/);
    await textWhen(a.page, '#logout-request-text', /phone/);
    await a.page.click('#logout-request-accept');
    await textWhen(a.page, '#login-note', /^You logged out\.$/);
    expect(await visible(a.page, '#login-form')).toBe(true);

    await b.page.$eval('#blocking input[name=kick]', (el) => ((el as HTMLInputElement).checked = false));
    await b.page.click('#kick-and-login');
    const phone = await ownSsid(b.page);
    // the devices table is filled by a SESSIONS request after the login shows: wait for it
    await textWhen(b.page, '#sessions', /phone/);
    expect(await rowSsids(b.page, 'sessions')).toEqual([phone]);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('last login wins: the older page is logged out and told which device took its place', slow, async () => {
    const { base } = await demoGateway();
    const a = await openDemo(base);
    await logIn(a.page, { name: 'alice', domain: 'acme', resource: 'laptop', termtyp: 2 });
    await ownSsid(a.page);
    const b = await openDemo(base);
    await logIn(b.page, { name: 'alice', domain: 'acme', resource: 'phone', termtyp: 1 });
    const phone = await ownSsid(b.page);
    await textWhen(a.page, '#kicked-text', /^Your account was logged in on another device, which took this device's place\. New device: phone \(termtyp 1\) from 127\.0\.0\.1\.$/);
    expect(await a.page.$eval('#kicked-screen', (el) => (el as HTMLElement).dataset.reason)).toBe('new_login');
    await textWhen(a.page, '#conn', /^offline \(4001\)$/);
    await textWhen(b.page, '#sessions', /phone/);
    expect(await rowSsids(b.page, 'sessions')).toEqual([phone]);
    await screenshot(a.page, 'demo-kicked-last-login-wins');
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('a page whose connection is cut resumes its session with the resume token (same ssid)', slow, async () => {
    const { port } = await demoGateway();
    const proxy = await TcpProxy.start(port);
    onCleanup(() => proxy.close());
    const a = await openDemo(`http://127.0.0.1:${proxy.port}`);
    await logIn(a.page, { name: 'carol', resource: 'laptop', termtyp: 2 });
    const ssid = await ownSsid(a.page);
    await textWhen(a.page, '#sessions', /laptop/);

    expect(proxy.dropAll()).toBeGreaterThanOrEqual(1);
    await textWhen(a.page, '#events', /socket closed with 1006: resuming the session/);
    await textWhen(a.page, '#events', new RegExp(`resumed session ${ssid} on a new socket`));
    await textWhen(a.page, '#conn', /^online$/);
    expect(await a.page.$eval('#events', (el) => el.textContent)).toMatch(/reconnect attempt 1 in \d+ ms/);
    await textWhen(a.page, '#sessions', /laptop/);
    expect(await rowSsids(a.page, 'sessions')).toEqual([ssid]);
    expect(await ownSsid(a.page)).toBe(ssid);
    await screenshot(a.page, 'demo-resumed');
    expect(a.errors).toEqual([]);
  });

  it('"log out my other devices" logs the other page out', slow, async () => {
    const { base } = await demoGateway();
    const a = await openDemo(base);
    await logIn(a.page, { name: 'dave', domain: 'other', resource: 'laptop', termtyp: 2 });
    const laptop = await ownSsid(a.page);
    const b = await openDemo(base);
    await logIn(b.page, { name: 'dave', domain: 'other', resource: 'phone', termtyp: 1 });
    const phone = await ownSsid(b.page);
    await a.page.click('#refresh');
    await textWhen(a.page, '#sessions', /laptop[\s\S]*phone/);
    expect(await rowSsids(a.page, 'sessions')).toEqual([laptop, phone]);
    await screenshot(a.page, 'demo-devices');

    await a.page.click('#logout-others');
    await textWhen(a.page, '#session-status', /^Logged out 1 device\(s\)\.$/);
    await textWhen(b.page, '#kicked-text', /One of your other devices logged this device out/);
    // the page shows its status before it lists the sessions again (one more round trip): wait for the new list
    await a.page.waitForFunction((n: number) => document.querySelectorAll('#sessions tbody tr').length === n, { polling: 'mutation', timeout: 30_000 }, 1);
    expect(await rowSsids(a.page, 'sessions')).toEqual([laptop]);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});

/// <reference lib="dom" />
/**
 * Headless Chromium for page tests (Debian's /usr/bin/chromium driven by
 * puppeteer-core): one browser per test file, pages that record every console
 * error and uncaught exception, closed after each test.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { onCleanup } from '../helpers.js';

/** Where Debian installs chromium (.ci/run installs it). */
export const CHROMIUM = process.env.TIM_CHROMIUM ?? '/usr/bin/chromium';

/** Whether browser suites run; prints the skip line once, throws when Chromium is required but missing. */
export function chromiumSuitesEnabled(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.TIM_REQUIRE_CHROMIUM === '1') throw new Error(`TIM_REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing (apt-get install chromium)`);
  console.warn(`browser suites skipped: ${CHROMIUM} is missing (apt-get install chromium, or set TIM_REQUIRE_CHROMIUM=1 to make this a failure)`);
  return false;
}

let browser: Promise<Browser> | undefined;

/** The file's browser, launched on first use. */
export function sharedBrowser(): Promise<Browser> {
  return (browser ??= puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  }));
}

/** Closes the file's browser (afterAll). */
export async function closeBrowser(): Promise<void> {
  if (browser) await (await browser).close();
  browser = undefined;
}

/** A page and what went wrong on it. */
export interface RecordedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions, in order. */
  readonly errors: string[];
}

/** A new page (own cookie jar) of `width`×`height`, closed after the test. */
export async function newPage(width = 1280, height = 900): Promise<RecordedPage> {
  const context = await (await sharedBrowser()).createBrowserContext();
  onCleanup(() => context.close());
  const page = await context.newPage();
  await page.setViewport({ width, height });
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`${msg.text()} ${msg.location().url ?? ''}`.trim());
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err instanceof Error ? err.message : String(err)}`));
  return { page, errors };
}

/** Waits (on DOM mutations, no polling) until the text of `selector` matches `pattern`; returns that text. */
export async function textWhen(page: Page, selector: string, pattern: RegExp, timeout = 10_000): Promise<string> {
  try {
    await page.waitForFunction(
      (sel: string, source: string, flags: string) => new RegExp(source, flags).test(document.querySelector<HTMLElement>(sel)?.innerText ?? '\u0000none'),
      { polling: 'mutation', timeout },
      selector,
      pattern.source,
      pattern.flags,
    );
  } catch (e) {
    const last = await page.$eval(selector, (el) => (el as HTMLElement).innerText).catch(() => '(no such element)');
    throw new Error(`${selector} never matched ${pattern}; its text: ${JSON.stringify(last)}`, { cause: e });
  }
  return page.$eval(selector, (el) => (el as HTMLElement).innerText);
}

/**
 * Clicks the element `selector` matches at that moment, inside the page: a
 * view that re-renders (a table refreshed by an event) between puppeteer's
 * finding and clicking cannot leave it holding a detached node.
 */
export async function clickNow(page: Page, selector: string): Promise<void> {
  await page.waitForSelector(selector);
  await page.$eval(selector, (el) => (el as HTMLElement).click());
}

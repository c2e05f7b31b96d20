import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { TestServer } from './harness.js';

/** The page's document, in functions that run in the browser (the tests compile without the DOM library). */
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
};

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Where the screenshots go (not committed); override with STEADFAST_SCREENSHOT_DIR. */
export const SHOTS = process.env.STEADFAST_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'steadfast-dashboard-shots-'));
/** The widths every screenshot is taken at: a desktop window, and one narrow enough to stack the panels. */
export const WIDTHS = [1400, 800] as const;
/** Times on the page are local: the tests pin the zone, so what the page shows can be checked. */
export const TIME_ZONE = 'Europe/Berlin';

let chromiumReady = existsSync(CHROMIUM);

function aptInstallChromium(): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', 'chromium'], { env, stdio: 'inherit', timeout: 900_000 });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update'], { env, stdio: 'inherit', timeout: 600_000 });
    install();
  }
}

/** Installs Debian's chromium with apt if it is missing (as root); whether the browser tests can run. Fails under CI=true if not. */
function ensureChromium(): boolean {
  if (!chromiumReady && process.getuid?.() === 0) {
    try {
      aptInstallChromium();
    } catch (error) {
      console.warn(`apt-get could not install chromium: ${error instanceof Error ? error.message : String(error)}`);
    }
    chromiumReady = existsSync(CHROMIUM);
  }
  if (!chromiumReady) {
    const message = `${CHROMIUM} is missing (install the Debian package chromium): the dashboard browser test cannot run`;
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(`\n${'*'.repeat(100)}\n*** SKIPPING THE DASHBOARD BROWSER TEST: ${message}\n${'*'.repeat(100)}\n`);
  }
  return chromiumReady;
}

/** One headless Chromium on a fresh profile, and what went wrong on its pages. */
export class Browser {
  /** Page errors, console errors and HTTP answers of 400 and above: a test expects none unless it causes them. */
  readonly problems: string[] = [];
  private context: BrowserContext | undefined;
  private profile: string | undefined;

  async open(headers: Record<string, string> = {}): Promise<Page> {
    this.profile = mkdtempSync(join(tmpdir(), 'steadfast-chromium-profile-'));
    // A persistent context on a fresh, empty profile directory: Playwright's launch() refuses --user-data-dir.
    this.context = await chromium.launchPersistentContext(this.profile, {
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      viewport: { width: WIDTHS[0], height: 1000 },
      timezoneId: TIME_ZONE,
      extraHTTPHeaders: headers,
    });
    const page = this.context.pages()[0] ?? (await this.context.newPage());
    page.on('pageerror', (error) => this.problems.push(`pageerror: ${error.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.problems.push(`console: ${msg.text()}`);
    });
    page.on('response', (res) => {
      if (res.status() >= 400) this.problems.push(`HTTP ${res.status()} for ${res.url()}`);
    });
    return page;
  }

  async close(): Promise<void> {
    await this.context?.close();
    this.context = undefined;
    if (this.profile) rmSync(this.profile, { recursive: true, force: true });
    this.profile = undefined;
  }
}

export async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim();
}

export async function waitForText(page: Page, selector: string, text: string, timeout = 15_000, match: 'exact' | 'part' = 'exact'): Promise<void> {
  await page.waitForFunction(
    ([sel, want, how]) => {
      const got = (document.querySelector(sel as string)?.textContent ?? '').trim();
      return how === 'part' ? got.includes(want as string) : got === want;
    },
    [selector, text, match],
    { timeout },
  );
}

export async function waitForCount(page: Page, selector: string, count: number, timeout = 15_000): Promise<void> {
  await page.waitForFunction(([sel, want]) => document.querySelectorAll(sel as string).length === want, [selector, count] as const, { timeout });
}

/**
 * Full-page screenshots at each of {@link WIDTHS} (`<name>-1400.png`, `<name>-800.png`), running `check`
 * at each width first; the page is left at the first width. Returns the paths.
 */
export async function screenshots(page: Page, name: string, check: (width: number) => Promise<void> = async () => {}): Promise<string[]> {
  const paths: string[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 1000 });
    await check(width);
    const path = join(SHOTS, `${name}-${width}.png`);
    await page.screenshot({ path, fullPage: true });
    expect(statSync(path).size).toBeGreaterThan(10_000);
    paths.push(path);
  }
  await page.setViewportSize({ width: WIDTHS[0], height: 1000 });
  return paths;
}

/** What a browser test file shares: its browser, whether Chromium is there, and the server of the running test. */
export interface BrowserSuite {
  readonly browser: Browser;
  /** False when Chromium is missing (and CI is not set): the test skips itself. */
  ready(): boolean;
  /** Set by each test; closed after it. */
  server: TestServer | undefined;
}

/** Registers a browser test file's hooks: Chromium checked once; browser and server closed after each test. */
export function browserSuite(): BrowserSuite {
  const suite: BrowserSuite = { browser: new Browser(), ready: () => chromiumReady, server: undefined };
  beforeAll(() => void ensureChromium(), 1_800_000);
  afterEach(async () => {
    await suite.browser.close();
    suite.browser.problems.splice(0);
    await suite.server?.close();
    suite.server = undefined;
  });
  afterAll(() => console.info(`dashboard screenshots: ${SHOTS}`));
  return suite;
}

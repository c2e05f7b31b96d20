import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { checkout, failedCheckout, napper, startServer, switches, waitFor, type TestServer } from './harness.js';

/** The page's document, in functions that run in the browser (the tests compile without the DOM library). */
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
};

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Where the screenshots go (not committed); override with STEADFAST_SCREENSHOT_DIR. */
const SHOTS = process.env.STEADFAST_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'steadfast-dashboard-shots-'));

let chromiumReady = existsSync(CHROMIUM);
let server: TestServer | undefined;
let context: BrowserContext | undefined;
let profile: string | undefined;

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

beforeAll(() => {
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
}, 1_800_000);

afterEach(async () => {
  await context?.close();
  context = undefined;
  if (profile) rmSync(profile, { recursive: true, force: true });
  await server?.close();
  server = undefined;
});

afterAll(() => {
  console.info(`dashboard screenshots: ${SHOTS}`);
});

async function openBrowser(headers: Record<string, string>): Promise<Page> {
  profile = mkdtempSync(join(tmpdir(), 'steadfast-chromium-profile-'));
  // A persistent context on a fresh, empty profile directory: Playwright's launch() refuses --user-data-dir.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1440, height: 1100 },
    extraHTTPHeaders: headers,
  });
  return context.pages()[0] ?? (await context.newPage());
}

async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim();
}

async function waitForText(page: Page, selector: string, text: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    ([sel, want]) => (document.querySelector(sel as string)?.textContent ?? '').trim() === want,
    [selector, text],
    { timeout },
  );
}

describe('dashboard in headless Chromium', () => {
  it('shows counts, the queue chart and a failed workflow with its error; Retry completes it', async (ctx) => {
    if (!chromiumReady) ctx.skip();
    server = await startServer({ authorize: (req) => req.get('authorization') === 'Bearer ui' });
    const { runtime } = server;
    switches.chargeFails = false;
    await (await runtime.startWorkflow(checkout, ['ok', 100], { id: 'ui-completed' })).result();
    await failedCheckout(runtime, 'ui-failed');
    await runtime.startWorkflow(napper, [], { id: 'ui-sleeping' });
    await runtime.startWorkflow(checkout, ['b1', 1], { id: 'ui-bulk-1', queue: 'bulk' });
    await runtime.startWorkflow(checkout, ['b2', 1], { id: 'ui-bulk-2', queue: 'bulk' });
    await waitFor(async () => (await (await runtime.getWorkflow('ui-sleeping')).status()) === 'sleeping', 10_000, 'ui-sleeping');

    const page = await openBrowser({ authorization: 'Bearer ui' });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`);
    });
    // Without the trailing slash: the router redirects so that the page's relative URLs resolve.
    await page.goto(server.base);
    expect(new URL(page.url()).pathname).toBe('/steadfast/');

    await waitForText(page, '#counts [data-status="failed"] .value', '1');
    expect(await textOf(page, '#counts [data-status="completed"] .value')).toBe('1');
    expect(await textOf(page, '#counts [data-status="sleeping"] .value')).toBe('1');
    expect(await textOf(page, '#counts [data-status="pending"] .value')).toBe('2');
    await page.waitForSelector('#chart polyline[data-queue="bulk"]', { state: 'attached' });
    expect(await textOf(page, '#chart-legend')).toContain('bulk: 2 due');

    const row = page.locator('#list tbody tr[data-id="ui-failed"]');
    await row.waitFor();
    expect(await row.locator('.status').textContent()).toBe('failed');
    expect(await page.locator('#list tbody tr').count()).toBe(5);

    // Filter by status through the form.
    await page.selectOption('#filters select[name="status"]', 'failed');
    await page.click('#filters button[type="submit"]');
    await page.waitForFunction(() => document.querySelectorAll('#list tbody tr').length === 1);
    expect(page.url()).toContain('status=failed');

    await row.click();
    await page.locator('#detail').waitFor({ state: 'visible' });
    await waitForText(page, '#detail-status', 'failed');
    expect(await textOf(page, '#error-name')).toBe('NonRetryableError');
    expect(await textOf(page, '#error-message')).toBe('card declined for ui-failed');
    expect(await textOf(page, '#error-code')).toBe('(NON_RETRYABLE)');
    expect(await textOf(page, '#error-stack')).toContain('NonRetryableError: card declined for ui-failed');
    expect(await page.locator('#steps tbody tr').count()).toBe(2);
    expect(await textOf(page, '#steps tbody tr:nth-child(2)')).toContain('payments.charge');
    const events = await page.locator('#timeline li').evaluateAll((items) => items.map((li) => li.getAttribute('data-type')));
    expect(events).toEqual(['created', 'claimed', 'step_completed', 'step_failed', 'failed']);
    expect(await page.locator('#retry').isVisible()).toBe(true);
    expect(await page.locator('#cancel').isVisible()).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'dashboard-failed.png'), fullPage: true });

    switches.chargeFails = false;
    await page.click('#retry');
    await waitForText(page, '#detail-status', 'completed');
    await page.waitForSelector('#detail-error', { state: 'hidden' });
    expect(await page.locator('#retry').isVisible()).toBe(false);
    expect(await textOf(page, '#detail-output')).toContain('"chargeId": "ch-ui-failed-4200"');
    expect(await (await runtime.getWorkflow('ui-failed')).status()).toBe('completed');
    const after = await page.locator('#timeline li').evaluateAll((items) => items.map((li) => li.getAttribute('data-type')));
    expect(after.slice(-4)).toEqual(['retried', 'claimed', 'step_completed', 'completed']);
    await page.selectOption('#filters select[name="status"]', '');
    await page.click('#filters button[type="submit"]');
    await waitForText(page, '#counts [data-status="completed"] .value', '2');
    await waitForText(page, '#counts [data-status="failed"] .value', '0');
    const shot = join(SHOTS, 'dashboard-retried.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
  }, 120_000);

  it('cancels with a two-step confirmation, and a read-only dashboard shows no buttons', async (ctx) => {
    if (!chromiumReady) ctx.skip();
    server = await startServer({ authorize: () => true });
    await server.runtime.startWorkflow(napper, [], { id: 'ui-nap' });
    const page = await openBrowser({});
    await page.goto(`${server.base}/#wf=ui-nap`);
    await waitForText(page, '#detail-status', 'sleeping');
    await page.click('#cancel');
    expect(await textOf(page, '#cancel')).toBe('Confirm cancel');
    expect(await (await server.runtime.getWorkflow('ui-nap')).status()).toBe('sleeping');
    await page.click('#cancel');
    await waitForText(page, '#detail-status', 'cancelled');
    expect(await page.locator('#cancel').isVisible()).toBe(false);
    await context!.close();
    context = undefined;
    await server.close();

    server = await startServer({ readOnly: true, allowUnauthenticatedReadOnly: true });
    await failedCheckout(server.runtime, 'ui-ro');
    const readOnly = await openBrowser({});
    await readOnly.goto(`${server.base}/#wf=ui-ro`);
    await waitForText(readOnly, '#detail-status', 'failed');
    expect(await readOnly.locator('#read-only').isVisible()).toBe(true);
    expect(await readOnly.locator('#retry').isVisible()).toBe(false);
    expect(await readOnly.locator('#cancel').isVisible()).toBe(false);
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite, screenshots, textOf, TIME_ZONE, waitForCount, waitForText } from './browser.js';
import { checkout, failedCheckout, LONG_NAME, longNamed, napper, startServer, switches, waitFor } from './harness.js';

const suite = browserSuite();
const { browser } = suite;

/** `YYYY-MM-DD HH:mm:ss`: the one date format of the page. */
const DATE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

/** The wall-clock time of `iso` in the page's zone, as the page must show it. */
function local(iso: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Every date on the page is in the one format (or `–` for none), with its UTC instant as the tooltip. */
async function expectOneDateFormat(page: Page): Promise<void> {
  const times = await page.locator('time').evaluateAll((els) => els.map((el) => [el.textContent, el.getAttribute('datetime')]));
  expect(times.length).toBeGreaterThan(5);
  for (const [text, datetime] of times) {
    if (datetime === null) expect(text).toBe('–');
    else expect(text).toBe(local(datetime));
    expect(text === '–' || DATE.test(text!), String(text)).toBe(true);
  }
}

describe('dashboard in headless Chromium', () => {
  it('shows counts, the queue chart and a failed workflow with its error; Retry completes it', async (ctx) => {
    if (!suite.ready()) ctx.skip();
    const server = (suite.server = await startServer({ authorize: (req) => req.get('authorization') === 'Bearer ui' }));
    const { runtime } = server;
    switches.chargeFails = false;
    await (await runtime.startWorkflow(checkout, ['ok', 100], { id: 'ui-completed' })).result();
    await failedCheckout(runtime, 'ui-failed');
    await runtime.startWorkflow(napper, [], { id: 'ui-sleeping' });
    await runtime.startWorkflow(checkout, ['b1', 1], { id: 'ui-bulk-1', queue: 'bulk' });
    await runtime.startWorkflow(checkout, ['b2', 1], { id: 'ui-bulk-2', queue: 'bulk' });
    await waitFor(async () => (await (await runtime.getWorkflow('ui-sleeping')).status()) === 'sleeping', 10_000, 'ui-sleeping');

    const page = await browser.open({ authorization: 'Bearer ui' });
    // Without the trailing slash: the router redirects so that the page's relative URLs resolve.
    await page.goto(server.base);
    expect(new URL(page.url()).pathname).toBe('/steadfast/');

    await waitForText(page, '#counts [data-status="failed"] .value', '1');
    expect(await textOf(page, '#counts [data-status="completed"] .value')).toBe('1');
    expect(await textOf(page, '#counts [data-status="sleeping"] .value')).toBe('1');
    expect(await textOf(page, '#counts [data-status="pending"] .value')).toBe('2');
    await page.waitForSelector('#chart polyline[data-queue="bulk"]', { state: 'attached' });
    expect(await textOf(page, '#chart-legend')).toContain('bulk: 2 due');
    expect(await textOf(page, '#zone')).toMatch(/^times in UTC\+0[12]:00 \(Europe\/Berlin\)$/);

    const row = page.locator('#list tbody tr[data-id="ui-failed"]');
    await row.waitFor();
    expect(await row.locator('.status').textContent()).toBe('failed');
    expect(await page.locator('#list tbody tr').count()).toBe(5);

    // Filter by status through the form.
    await page.selectOption('#filters select[name="status"]', 'failed');
    await page.click('#filters button[type="submit"]');
    await waitForCount(page, '#list tbody tr', 1);
    expect(page.url()).toContain('status=failed');

    await row.click();
    await page.locator('#detail').waitFor({ state: 'visible' });
    await waitForText(page, '#detail-status', 'failed');
    expect(await textOf(page, '#error-name')).toBe('NonRetryableError');
    expect(await textOf(page, '#error-message')).toBe('card declined for ui-failed');
    expect(await textOf(page, '#error-code')).toBe('(NON_RETRYABLE)');
    expect(await textOf(page, '#error-stack')).toContain('NonRetryableError: card declined for ui-failed');
    expect(await page.locator('#steps tbody tr.step').count()).toBe(2);
    expect(await textOf(page, '#steps tr.step[data-position="1"]')).toContain('payments.charge');
    const events = await page.locator('#timeline li').evaluateAll((items) => items.map((li) => li.getAttribute('data-type')));
    expect(events).toEqual(['created', 'claimed', 'step_completed', 'step_failed', 'failed']);
    expect(await page.locator('#retry').isVisible()).toBe(true);
    expect(await page.locator('#cancel').isVisible()).toBe(false);
    await expectOneDateFormat(page);
    await screenshots(page, 'dashboard-failed');

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
    await screenshots(page, 'dashboard-retried');
    expect(browser.problems).toEqual([]);
  }, 120_000);

  it('finds a workflow by id, pages past the first page, and keeps long names from squeezing the columns', async (ctx) => {
    if (!suite.ready()) ctx.skip();
    const server = (suite.server = await startServer({ authorize: () => true }));
    const { runtime } = server;
    const longId = `import-${'2026-03-01-warehouse-berlin-'.repeat(3)}batch-0042`;
    const longQueue = `imports-${'eu-central-priority-'.repeat(3)}lane`;
    await (await runtime.startWorkflow(longNamed, [], { id: longId })).result();
    for (let i = 0; i < 29; i++) await runtime.startWorkflow(napper, [], { id: `later-${String(i).padStart(2, '0')}`, delay: '1h', queue: longQueue });
    const page = await browser.open();
    await page.goto(`${server.base}/#limit=25`);
    await waitForCount(page, '#list tbody tr', 25);
    expect(await textOf(page, '#page-label')).toBe('page 1 · 1–25');
    expect(await page.locator('#page-newer').isDisabled()).toBe(true);

    await page.click('#page-older');
    await waitForText(page, '#page-label', 'page 2 · 26–30');
    expect(await page.locator('#list tbody tr').count()).toBe(5);
    expect(await page.locator('#page-older').isDisabled()).toBe(true);
    expect(page.url()).toMatch(/after=/);
    const oldest = page.locator(`#list tbody tr[data-id="${longId}"]`);
    await oldest.waitFor();

    // A long id, name and queue are cut to one line with an ellipsis (whole in the tooltip), not wrapped a
    // character a line: every column keeps its width, at both widths.
    const shots = await screenshots(page, 'dashboard-long-names', async (width) => {
      const cells = await page.locator('#list tbody tr').first().locator('td').evaluateAll((tds) => tds.map((td) => td.getBoundingClientRect().toJSON()));
      const rowHeight = await oldest.evaluate((tr) => tr.getBoundingClientRect().height);
      expect(rowHeight, `row height at ${width}px`).toBeLessThan(40);
      // After the selection's checkbox: id, name, queue, status.
      for (const cell of cells.slice(1, 5)) expect(cell.width, `column width at ${width}px`).toBeGreaterThan(60);
      const name = oldest.locator('td').nth(2);
      expect(await name.getAttribute('title')).toBe(LONG_NAME);
      expect(await name.evaluate((td) => td.scrollWidth > td.clientWidth)).toBe(true);
    });
    expect(shots).toHaveLength(2);

    await page.click('#page-newer');
    await waitForText(page, '#page-label', 'page 1 · 1–25');

    // Find by id: opens the workflow, wherever it is in the list; an unknown id says so.
    await page.fill('#find input[name="id"]', longId);
    await page.press('#find input[name="id"]', 'Enter');
    await waitForText(page, '#detail-id', longId);
    await waitForText(page, '#detail-status', 'completed');
    expect(await textOf(page, '#detail-title')).toBe(LONG_NAME);
    expect(page.url()).toContain(`wf=${encodeURIComponent(longId)}`);
    await screenshots(page, 'dashboard-found', async (width) => {
      const title = await page.locator('#detail-title').evaluate((el) => el.getBoundingClientRect().width);
      const panel = await page.locator('#detail').evaluate((el) => el.getBoundingClientRect().width);
      expect(title, `title width at ${width}px`).toBeLessThanOrEqual(panel);
    });
    await page.fill('#find input[name="id"]', 'no-such-run');
    await page.click('#find button[type="submit"]');
    await waitForText(page, '#notice', 'There is no workflow with the id "no-such-run" (or it was purged).');
    expect(await page.locator('#detail').isVisible()).toBe(false);
    // The lookup of the unknown id is the one failed request (Chromium also logs it on the console).
    expect(browser.problems).toContainEqual(expect.stringMatching(/^HTTP 404 for .*\/api\/workflows\/no-such-run$/));
    expect(browser.problems.filter((problem) => !problem.includes('404'))).toEqual([]);
  }, 120_000);

  it('cancels with a two-step confirmation, and a read-only dashboard shows no buttons', async (ctx) => {
    if (!suite.ready()) ctx.skip();
    let server = (suite.server = await startServer({ authorize: () => true }));
    await server.runtime.startWorkflow(napper, [], { id: 'ui-nap' });
    const page = await browser.open();
    await page.goto(`${server.base}/#wf=ui-nap`);
    await waitForText(page, '#detail-status', 'sleeping');
    await page.click('#cancel');
    expect(await textOf(page, '#cancel')).toBe('Confirm cancel');
    expect(await (await server.runtime.getWorkflow('ui-nap')).status()).toBe('sleeping');
    await page.click('#cancel');
    await waitForText(page, '#detail-status', 'cancelled');
    expect(await page.locator('#cancel').isVisible()).toBe(false);
    // Its timer never fires now.
    await waitForText(page, '#steps tr.step[data-position="0"] .status', 'cancelled');
    await browser.close();
    await server.close();

    server = suite.server = await startServer({ readOnly: true, allowUnauthenticatedReadOnly: true });
    await failedCheckout(server.runtime, 'ui-ro');
    const readOnly = await browser.open();
    await readOnly.goto(`${server.base}/#wf=ui-ro`);
    await waitForText(readOnly, '#detail-status', 'failed');
    expect(await readOnly.locator('#read-only').isVisible()).toBe(true);
    expect(await readOnly.locator('#retry').isVisible()).toBe(false);
    expect(await readOnly.locator('#cancel').isVisible()).toBe(false);
    expect(browser.problems).toEqual([]);
  }, 120_000);
});

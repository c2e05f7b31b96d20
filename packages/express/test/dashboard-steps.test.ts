import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite, screenshots, textOf, waitForText } from './browser.js';
import { checkout, failedCheckout, napper, receipt, startServer, switches, waitFor } from './harness.js';

const suite = browserSuite();
const { browser } = suite;

const step = (position: number) => `#steps tr.step[data-position="${position}"]`;

/** The kinds of the waterfall segments drawn in a step's row. */
async function segments(page: Page, position: number): Promise<string[]> {
  return page.locator(`${step(position)} .seg`).evaluateAll((els) => els.map((el) => el.getAttribute('data-kind') ?? ''));
}

/** Opens a step's row and returns the text of its input and output. */
async function openStep(page: Page, position: number): Promise<{ input: string; output: string }> {
  await page.click(step(position));
  const detail = page.locator(`#steps tr.step-detail[data-position="${position}"]`);
  await detail.waitFor({ state: 'visible' });
  return { input: (await detail.locator('.step-input').textContent()) ?? '', output: (await detail.locator('.step-output').textContent()) ?? '' };
}

describe('a workflow\'s steps in the dashboard', () => {
  it('shows a sleep as "timer set, wakes at …" while the workflow sleeps, not completed', async (ctx) => {
    if (!suite.ready()) ctx.skip();
    const server = (suite.server = await startServer({ authorize: () => true }));
    await server.runtime.startWorkflow(napper, [], { id: 'ui-sleeper' });
    await waitFor(async () => (await (await server!.runtime.getWorkflow('ui-sleeper')).status()) === 'sleeping', 10_000, 'ui-sleeper');
    const [timer] = await (await server.runtime.getWorkflow('ui-sleeper')).steps();
    const page = await browser.open();
    await page.goto(`${server.base}/#wf=ui-sleeper`);
    await waitForText(page, '#detail-status', 'sleeping');
    // The page used to say "completed" here: the sleep's checkpoint is written when the timer is set.
    await waitForText(page, `${step(0)} .status`, 'timer set');
    expect(await page.locator(`${step(0)}`).getAttribute('data-status')).toBe('sleeping');
    const wakes = await page.locator(`${step(0)} .wakes time`).getAttribute('datetime');
    expect(wakes).toBe(timer!.wakeAt!.toISOString());
    expect(await textOf(page, `${step(0)} .wakes`)).toMatch(/^wakes at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(await textOf(page, `${step(0)} .took`)).toMatch(/^wakes in (59|60) min \d\d s$/);
    expect(await segments(page, 0)).toEqual(['timer']);
    expect(await page.locator(`${step(0)} .seg.timer.ahead`).count()).toBe(1);
    // In the timeline too: the checkpoint's step_completed event reads as the timer being set.
    const event = page.locator('#timeline li[data-type="step_completed"]');
    expect(await event.locator('.type').textContent()).toBe('timer set');
    expect(await event.locator('.what').textContent()).toMatch(/wakes at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect((await openStep(page, 0)).output).toMatch(/^wakes at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    await screenshots(page, 'dashboard-sleeping');
    expect(browser.problems).toEqual([]);
  }, 120_000);

  it('draws retries with their backoff and a timer as a waterfall, shows each step\'s input and output, and the last hour\'s activity', async (ctx) => {
    if (!suite.ready()) ctx.skip();
    const server = (suite.server = await startServer({ authorize: () => true }));
    const { runtime } = server;
    // Finished before the page opens: the activity panel reads the stored runs, not what it saw itself.
    switches.chargeFails = false;
    await (await runtime.startWorkflow(checkout, ['ok', 1], { id: 'ui-ok' })).result();
    await failedCheckout(runtime, 'ui-declined');
    expect(await (await runtime.startWorkflow(receipt, ['o-9'], { id: 'ui-receipt' })).result()).toBe('sent-o-9');

    const page = await browser.open();
    await page.goto(`${server.base}/#wf=ui-receipt`);
    await waitForText(page, '#detail-status', 'completed');
    await waitForText(page, '#activity-summary dd[data-key="completed"]', '2');
    expect(await textOf(page, '#activity-summary dd[data-key="failed"]')).toBe('1');
    expect(await textOf(page, '#activity-summary dd[data-key="failure-rate"]')).toBe('33 %');
    expect(await textOf(page, '#activity-summary dd[data-key="p50"]')).toMatch(/^\d+ ms$|^[\d.]+ s$/);
    expect(await textOf(page, '#activity-title')).toBe('Last 1 h, from the stored runs');
    expect(await page.locator('#chart-throughput rect.bar.completed').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-failure-rate rect.bar.failed').count()).toBeGreaterThan(0);
    const tips = await page.locator('#chart-throughput rect.hover title').allTextContents();
    expect(tips).toHaveLength(60);
    expect(tips.filter((t) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d: [1-9]\d* completed/.test(t)).length).toBeGreaterThan(0);

    expect(await segments(page, 0)).toEqual(['failed', 'backoff', 'failed', 'backoff', 'run']);
    expect(await segments(page, 1)).toEqual(['timer']);
    expect(await textOf(page, `${step(0)} .status`)).toBe('completed');
    expect(await textOf(page, `${step(1)} .status`)).toBe('completed');
    expect(await page.locator(`${step(0)} td:nth-child(4)`).evaluate((td) => td.firstChild?.textContent)).toBe('3');
    expect(await textOf(page, `${step(0)} .retried`)).toBe('2 retried');
    expect(await page.locator(`${step(0)} .seg.backoff`).first().getAttribute('title')).toMatch(/^backoff: \d+ ms, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d → /);
    const send = await openStep(page, 0);
    expect(JSON.parse(send.input)).toEqual(['o-9']);
    expect(JSON.parse(send.output)).toBe('sent-o-9');
    const retries = await page.locator(`#steps tr.step-detail[data-position="0"] ul.retries li`).allTextContents();
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatch(/^attempt 1 failed at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: Error: mail server busy \(attempt 1\), retried after \d+ ms at /);
    // An opened row stays open across the refreshes.
    await page.waitForTimeout(2_500);
    expect(await page.locator('#steps tr.step-detail[data-position="0"]').isVisible()).toBe(true);
    await screenshots(page, 'dashboard-waterfall');

    // A failed step's output is its error.
    await page.fill('#find input[name="id"]', 'ui-declined');
    await page.press('#find input[name="id"]', 'Enter');
    await waitForText(page, '#detail-status', 'failed');
    const charge = await openStep(page, 1);
    expect(JSON.parse(charge.input)).toEqual(['ui-declined', 4200]);
    expect(charge.output).toMatch(/^NonRetryableError: card declined for ui-declined\n\s+at /);
    expect(await segments(page, 1)).toEqual(['failed']);
    expect(browser.problems).toEqual([]);
  }, 120_000);
});

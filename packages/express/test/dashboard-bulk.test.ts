import { describe, expect, it } from 'vitest';
import { browserSuite, screenshots, waitForCount, waitForText } from './browser.js';
import { napper, startServer, waitFor } from './harness.js';

const suite = browserSuite();
const { browser } = suite;

describe('dashboard multi-select in headless Chromium', () => {
  it('cancels the ticked workflows after confirming the count a dry run gives; declining changes nothing', async (ctx) => {
    if (!suite.ready()) ctx.skip();
    const server = (suite.server = await startServer({ authorize: () => true }));
    const { runtime } = server;
    for (const id of ['pick-1', 'pick-2', 'pick-3']) await runtime.startWorkflow(napper, [], { id });
    await (await runtime.startWorkflow(napper, [], { id: 'pick-done' })).cancel();
    await waitFor(async () => (await runtime.listWorkflows({ status: 'sleeping' })).length === 3, 10_000, 'the nappers to sleep');
    const status = async (id: string) => (await runtime.getWorkflow(id)).status();

    const page = await browser.open();
    await page.goto(`${server.base}/`);
    await waitForCount(page, '#list tbody tr', 4);
    expect(await page.locator('#bulk-bar').isVisible()).toBe(false);
    for (const id of ['pick-1', 'pick-2', 'pick-done']) await page.check(`#list tbody tr[data-id="${id}"] input[type="checkbox"]`);
    await waitForText(page, '#bulk-count', '3 selected');
    // Ticking a row does not open it.
    expect(await page.locator('#detail').isVisible()).toBe(false);
    await screenshots(page, 'dashboard-bulk-selected');

    const questions: string[] = [];
    page.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.dismiss();
    });
    await page.click('#bulk-cancel');
    await waitFor(() => questions.length === 1, 10_000, 'the confirmation');
    expect(questions[0]).toBe('Cancel 2 of the 3 selected workflows (the unfinished ones)?');
    expect([await status('pick-1'), await status('pick-2')]).toEqual(['sleeping', 'sleeping']);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#bulk-cancel');
    await waitForText(page, '#notice', 'Cancelled 2 workflows.');
    expect(await status('pick-1')).toBe('cancelled');
    expect(await status('pick-2')).toBe('cancelled');
    expect(await status('pick-3')).toBe('sleeping');
    await page.waitForSelector('#bulk-bar', { state: 'hidden' });
    await waitForText(page, '#list tbody tr[data-id="pick-1"] .status', 'cancelled');

    // The page's checkbox ticks every row; delete asks about the finished ones only.
    await page.check('#pick-page');
    await waitForText(page, '#bulk-count', '4 selected');
    page.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.accept();
    });
    await page.click('#bulk-purge');
    await waitForText(page, '#notice', 'Deleted 3 workflows.');
    expect(questions[1]).toBe('Delete 3 of the 4 selected workflows (the finished ones)? Their history is deleted for good.');
    await waitForCount(page, '#list tbody tr', 1);
    expect(browser.problems).toEqual([]);
  }, 120_000);
});

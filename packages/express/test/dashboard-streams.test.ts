import { describe, expect, it } from 'vitest';
import { browserSuite, screenshots, waitForText } from './browser.js';
import { startServer, teller } from './harness.js';

const suite = browserSuite();
const { browser } = suite;

describe('dashboard: events and a live stream in headless Chromium', () => {
  it('shows the events a workflow set and its stream as it is written, as text', async (ctx) => {
    if (!suite.ready()) ctx.skip();
    const server = (suite.server = await startServer({ authorize: () => true }));
    const words = ['Once', ' upon', ' <img src=x onerror="document.title=1">', ' a', ' time'];
    await server.runtime.startWorkflow(teller, [words, 500], { id: 'ui-tale' });
    const page = await browser.open();
    await page.goto(`${server.base}/#wf=ui-tale`);
    await page.locator('#pub-streams li[data-key="answer"] button').click();
    await waitForText(page, '#stream-output', words.join(''), 20_000);
    await waitForText(page, '#stream-state', 'ended · 5 chunks', 10_000);
    // Markup in a chunk stays text: no element was made of it.
    expect(await page.locator('#stream-output img').count()).toBe(0);
    expect(await page.title()).toBe('Steadfast');
    await page.waitForSelector('#pub-events tr[data-key="progress"]');
    await waitForText(page, '#pub-events tr[data-key="progress"] td:nth-child(2)', '{"done":5,"of":5}');
    // The last event is set before the stream is closed: a refresh between the two shows 5/5, still open.
    await waitForText(page, '#pub-streams li[data-key="answer"]', '5 chunks, closed', 15_000, 'part');
    await screenshots(page, 'dashboard-stream');
    await page.click('#stream-stop');
    expect(await page.locator('#stream-live').isVisible()).toBe(false);
    expect(browser.problems).toEqual([]);
  }, 120_000);
});

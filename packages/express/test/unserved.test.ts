// Queues with unfinished work that no live worker serves: nothing runs that work, so /api/stats lists them
// and the steadfast_queue_unserved gauge count them, and the dashboard says so in a banner (before, the work
// only sat there).
import { afterEach, describe, expect, it } from 'vitest';
import { browserSuite, screenshots, waitForText } from './browser.js';
import { napper, startServer, type TestServer } from './harness.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('queues no live worker serves', () => {
  it('are in /api/stats with their unfinished workflows; a served queue is not', async () => {
    server = await startServer({ authorize: () => true });
    await server.runtime.startWorkflow(napper, [], { id: 'nap-unserved', queue: 'narrow' });
    await server.runtime.startWorkflow(napper, [], { id: 'nap-served' });
    const res = await fetch(`${server.base}/api/stats`);
    const stats = (await res.json()) as { unserved: unknown; workers: Array<{ queues: string[] }> };
    expect(stats.unserved).toEqual([{ queue: 'narrow', count: 1 }]);
    expect(stats.workers.map((w) => w.queues)).toEqual([['default']]);
    // And a gauge to alert on: the unserved queue with its count, the served one not at all.
    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    expect(metrics).toMatch(/^steadfast_queue_unserved\{queue="narrow"\} 1$/m);
    expect(metrics).not.toMatch(/^steadfast_queue_unserved\{queue="default"\}/m);
  });
});

const suite = browserSuite();

describe('the dashboard and unserved queues', () => {
  it('says loudly which queues no live worker serves', async (ctx) => {
    if (!suite.ready()) ctx.skip();
    const ui = (suite.server = await startServer({ authorize: () => true }));
    await ui.runtime.startWorkflow(napper, [], { id: 'ui-unserved', queue: 'narrow' });
    const page = await suite.browser.open();
    await page.goto(`${ui.base}/`);
    await waitForText(page, '#unserved-text', '1 unfinished in queue narrow: no live worker serves these queues (live workers: ', 15_000, 'part');
    expect(await page.locator('#unserved').isVisible()).toBe(true);
    expect(await page.locator('#stranded').isVisible()).toBe(false);
    await screenshots(page, 'unserved-queue');
    expect(suite.browser.problems).toEqual([]);
  }, 120_000);
});

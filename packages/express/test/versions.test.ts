import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowClient } from '@steadfast/core';
import { browserSuite, textOf, waitForText } from './browser.js';
import { checkout, CSRF, napper, startServer, switches, waitFor, type TestServer } from './harness.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(server!.base + path, init);
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

const post = (path: string, body: unknown, headers: Record<string, string> = CSRF) =>
  call(path, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A run pinned to `version` (started by a client of that version), on the server's storage. */
async function pinnedRun(version: string, id: string): Promise<void> {
  // Shares the server's adapter: never closed here.
  await new WorkflowClient({ storage: server!.runtime.storage, version }).startWorkflow(napper, [], { id });
}

describe('fork through the API', () => {
  it('starts a new run from step n that reuses the earlier checkpoints (201), with the CSRF header', async () => {
    server = await startServer({ authorize: () => true });
    switches.chargeFails = false;
    await (await server.runtime.startWorkflow(checkout, ['o-1', 100], { id: 'src' })).result();
    const refused = await post('/api/workflows/src/fork', { fromStep: 1 }, {});
    expect(refused.status).toBe(403);
    const forked = await post('/api/workflows/src/fork', { fromStep: 1, id: 'src-again' });
    expect(forked.status, forked.text).toBe(201);
    expect(forked.body.workflow).toMatchObject({ id: 'src-again', name: 'orders.checkout' });
    const handle = await server.runtime.getWorkflow('src-again');
    await handle.result();
    const [source, copy] = await Promise.all([(await server.runtime.getWorkflow('src')).steps(), handle.steps()]);
    // Step 0 is the source's checkpoint (not run again: the same time); step 1 ran anew.
    expect(copy[0]!.recordedAt).toEqual(source[0]!.recordedAt);
    expect(copy[1]!.recordedAt.getTime()).toBeGreaterThan(source[1]!.recordedAt.getTime());
  });

  it('refuses bad bodies with 400 VALIDATION naming the problem, and an unknown source with 404', async () => {
    server = await startServer({ authorize: () => true });
    switches.chargeFails = false;
    await (await server.runtime.startWorkflow(checkout, ['o-2', 100], { id: 'src' })).result();
    for (const [body, message] of [
      [[], /must be a JSON object/],
      [{}, /needs "fromStep"/],
      [{ fromStep: -1 }, /needs "fromStep"/],
      [{ fromStep: 1.5 }, /needs "fromStep"/],
      [{ fromStep: 1, id: 7 }, /"id", if given, must be a string/],
      [{ fromStep: 1, version: 'x' }, /unknown field "version"/],
      [{ fromStep: 9 }, /has checkpoints up to step 1 only/],
      [{ fromStep: 0, id: 'src' }, /needs an id of its own/],
    ] as const) {
      const answer = await post('/api/workflows/src/fork', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION');
      expect(answer.body.error.message).toMatch(message);
      expect(answer.text).not.toMatch(/at .*\.js:\d+/);
    }
    expect((await post('/api/workflows/ghost/fork', { fromStep: 0 })).status).toBe(404);
  });
});

describe('runs stranded by version', () => {
  it('are in /api/stats and in the steadfast_workflows_stranded_by_version gauge', async () => {
    // Not started: no live worker at all, so a pinned run waits for one that is not there.
    server = await startServer({ authorize: () => true }, { start: false });
    await pinnedRun('v1', 'old-1');
    await pinnedRun('v1', 'old-2');
    await server.runtime.startWorkflow(napper, [], { id: 'unpinned' });
    const stats = await call('/api/stats');
    expect(stats.body).toMatchObject({ stranded: [{ queue: 'default', version: 'v1', count: 2 }], workers: [] });
    const metrics = await call('/metrics');
    expect(metrics.text).toMatch(/^steadfast_workflows_stranded_by_version\{queue="default",version="v1"\} 2$/m);
  });

  it('are not stranded while a worker serves them', async () => {
    server = await startServer({ authorize: () => true });
    await pinnedRun('v1', 'served');
    const stats = await call('/api/stats');
    expect(stats.body.stranded).toEqual([]);
    expect(stats.body.workers).toEqual([expect.objectContaining({ versions: null, queues: ['default'] })]);
  });
});

const suite = browserSuite();


describe('the dashboard and versions', () => {
  it('forks from a step with the button on its row, and shows the new run', async (ctx) => {
    if (!suite.ready()) ctx.skip();
    const ui = (suite.server = await startServer({ authorize: () => true }));
    switches.chargeFails = false;
    await (await ui.runtime.startWorkflow(checkout, ['o-3', 100], { id: 'ui-src' })).result();
    const page = await suite.browser.open();
    await page.goto(`${ui.base}/#wf=ui-src`);
    await waitForText(page, '#detail-status', 'completed');
    await page.click('#steps tr.step[data-position="1"]');
    expect(await textOf(page, '#steps tr.step-detail[data-position="1"] button.fork')).toBe('Re-run from step 1 (fork)');
    await page.click('#steps tr.step-detail[data-position="1"] button.fork');
    await waitForText(page, '#notice', 'Forked ui-src from step 1: the new run', 15_000, 'part');
    const forked = await waitFor(async () => (await ui.runtime.listWorkflows({ name: 'orders.checkout' })).find((w) => w.id !== 'ui-src'), 10_000, 'the fork');
    await waitForText(page, '#detail-id', forked!.id);
    expect(await (await ui.runtime.getWorkflow(forked!.id)).result()).toMatchObject({ reservation: 'res-o-3' });
    expect(suite.browser.problems).toEqual([]);
  }, 120_000);

  it('says loudly which runs are stranded by version; a read-only dashboard offers no fork', async (ctx) => {
    if (!suite.ready()) ctx.skip();
    const ui = (suite.server = await startServer({ authorize: () => true, readOnly: true }, { start: false }));
    await new WorkflowClient({ storage: ui.runtime.storage, version: 'v-gone' }).startWorkflow(napper, [], { id: 'ui-stranded' });
    const page = await suite.browser.open();
    await page.goto(`${ui.base}/#wf=ui-stranded`);
    await waitForText(page, '#stranded-text', '1 of version v-gone on queue default: no live worker serves them (live workers: none)', 15_000, 'part');
    expect(await page.locator('#stranded').isVisible()).toBe(true);
    await waitForText(page, '#detail-status', 'pending');
    expect(await page.locator('button.fork').count()).toBe(0);
    expect(suite.browser.problems).toEqual([]);
  }, 120_000);
});

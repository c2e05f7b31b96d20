import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActivityJson, StepJson, WorkflowDetailJson, WorkflowListJson } from '../src/index.js';
import { checkout, failedCheckout, napper, patient, receipt, startServer, switches, waitFor, type TestServer } from './harness.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get<T = any>(path: string): Promise<{ status: number; body: T; type: string | null; csp: string | null }> {
  const res = await fetch(server!.base + path);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: a script
  }
  return { status: res.status, body: body as T, type: res.headers.get('content-type'), csp: res.headers.get('content-security-policy') };
}

const ms = (iso: string | null) => Date.parse(iso!);
const kinds = (step: StepJson) => step.segments.map((s) => s.kind);

describe('GET /api/workflows/:id steps', () => {
  it('shows a sleep whose wake time is ahead as sleeping (timer set), with its wake time and its timer on the waterfall', async () => {
    server = await startServer({ authorize: () => true });
    await server.runtime.startWorkflow(napper, [], { id: 'nap' });
    await waitFor(async () => (await (await server!.runtime.getWorkflow('nap')).status()) === 'sleeping', 10_000, 'nap to sleep');
    const { body } = await get<WorkflowDetailJson>('/api/workflows/nap');
    const [timer] = body.steps;
    // Before handle.steps(), this step was 'completed' (its step_completed event is written when the timer is set).
    expect(timer).toMatchObject({ position: 0, name: 'sleep', kind: 'sleep', status: 'sleeping', attempts: 1, checkpointed: true, endedAt: timer!.wakeAt });
    // Set an hour ahead; its checkpoint is logged a moment after the wake time was computed.
    expect(ms(timer!.wakeAt) - ms(timer!.firstAt)).toBeGreaterThan(3_599_000);
    expect(ms(timer!.wakeAt) - ms(timer!.firstAt)).toBeLessThanOrEqual(3_600_000);
    expect(timer!.segments).toEqual([{ kind: 'timer', from: timer!.firstAt, to: timer!.wakeAt, attempt: null }]);
  });

  it('has each step\'s input and output, and a waterfall of failed attempts, backoffs, the run and a timer', async () => {
    server = await startServer({ authorize: () => true });
    const handle = await server.runtime.startWorkflow(receipt, ['o-9'], { id: 'receipt' });
    expect(await handle.result()).toBe('sent-o-9');
    const { body } = await get<WorkflowDetailJson>('/api/workflows/receipt');
    const [send, nap] = body.steps;
    expect(send).toMatchObject({ name: 'mail.sendReceipt', kind: 'task', status: 'completed', attempts: 3, args: ['o-9'], argsPreview: '["o-9"]', output: 'sent-o-9', wakeAt: null });
    expect(send!.retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(kinds(send!)).toEqual(['failed', 'backoff', 'failed', 'backoff', 'run']);
    expect(send!.segments.map((s) => s.attempt)).toEqual([1, null, 2, null, 3]);
    // A fixed 200 ms backoff, drawn from when the failure was logged (a moment after the retry time was set).
    for (const backoff of send!.segments.filter((s) => s.kind === 'backoff')) {
      expect(ms(backoff.to) - ms(backoff.from)).toBeGreaterThan(0);
      expect(ms(backoff.to) - ms(backoff.from)).toBeLessThanOrEqual(200);
    }
    // Each attempt begins where the backoff before it ends; the step spans all of them.
    expect(send!.segments[2]!.from).toBe(send!.segments[1]!.to);
    expect(send!.startedAt).toBe(send!.segments[0]!.from);
    expect(send!.endedAt).toBe(send!.lastAt);
    expect(nap).toMatchObject({ kind: 'sleep', status: 'completed', args: null, argsPreview: null });
    expect(kinds(nap!)).toEqual(['timer']);
    expect(ms(nap!.endedAt) - ms(nap!.startedAt)).toBeGreaterThan(250);
    expect(ms(nap!.endedAt) - ms(nap!.startedAt)).toBeLessThanOrEqual(300);
    expect(ms(nap!.startedAt)).toBeGreaterThanOrEqual(ms(send!.endedAt));
  });

  it('shows a step waiting out its backoff as retrying: no end yet, the backoff drawn up to the next attempt', async () => {
    server = await startServer({ authorize: () => true });
    await server.runtime.startWorkflow(patient, [], { id: 'patient' });
    await waitFor(async () => (await (await server!.runtime.getWorkflow('patient')).status()) === 'sleeping', 10_000, 'patient to park');
    const { body } = await get<WorkflowDetailJson>('/api/workflows/patient');
    const [send] = body.steps;
    // Its name is not known yet: retry_scheduled events do not carry it, and there is no checkpoint.
    expect(send).toMatchObject({ name: null, status: 'retrying', attempts: 1, checkpointed: false, output: null, endedAt: null });
    expect(kinds(send!)).toEqual(['failed', 'backoff']);
    expect(send!.segments[1]!.to).toBe(send!.retries[0]!.retryAt);
    expect(ms(send!.segments[1]!.to)).toBeGreaterThan(Date.now() + 3_500_000);
  });

  it('shows a failed step with its arguments and error, and keeps the earlier fields', async () => {
    server = await startServer({ authorize: () => true });
    await failedCheckout(server.runtime, 'declined');
    const { body } = await get<WorkflowDetailJson>('/api/workflows/declined');
    const [reserve, charge] = body.steps;
    expect(Object.keys(charge!)).toEqual(expect.arrayContaining(['position', 'name', 'kind', 'status', 'attempts', 'firstAt', 'lastAt', 'retries', 'error']));
    expect(reserve).toMatchObject({ status: 'completed', args: ['declined'], output: 'res-declined', segments: [{ kind: 'run', attempt: 1 }] });
    expect(charge).toMatchObject({ name: 'payments.charge', status: 'failed', args: ['declined', 4200], output: null, error: { name: 'NonRetryableError', message: 'card declined for declined' } });
    expect(kinds(charge!)).toEqual(['failed']);
  });
});

describe('GET /api/workflows pages', () => {
  it('pages through every workflow with nextCursor, newest first, and refuses a bad cursor or limit naming the parameter', async () => {
    server = await startServer({ authorize: () => true });
    const ids = Array.from({ length: 7 }, (_, i) => `page-${i}`);
    for (const id of ids) await server.runtime.startWorkflow(napper, [], { id, delay: '1h' });
    const seen: string[][] = [];
    let path = '/api/workflows?limit=3';
    for (;;) {
      const { status, body } = await get<WorkflowListJson>(path);
      expect(status).toBe(200);
      seen.push(body.workflows.map((w) => w.id));
      if (body.nextCursor === null) break;
      path = `/api/workflows?limit=3&after=${encodeURIComponent(body.nextCursor)}`;
    }
    expect(seen.map((page) => page.length)).toEqual([3, 3, 1]);
    const listed = await server.runtime.listWorkflows();
    expect(seen.flat()).toEqual(listed.map((w) => w.id));
    expect(new Set(seen.flat())).toEqual(new Set(ids));
    // Filters hold across pages.
    expect((await get<WorkflowListJson>('/api/workflows?status=completed')).body).toEqual({ workflows: [], nextCursor: null });

    for (const [query, parameter] of [
      ['after=nonsense!', 'after'], [`after=${Buffer.from('[1]').toString('base64url')}`, 'after'], ['after=a&after=b', 'after'], ['limit=0', 'limit'],
    ] as const) {
      const { status, body } = await get(`/api/workflows?${query}`);
      expect(status, query).toBe(400);
      expect(body.error.code).toBe('VALIDATION');
      expect(body.error.message, query).toContain(`query parameter ${parameter}`);
      expect(body.error.message).not.toMatch(/\n\s+at /);
    }
  });
});

describe('GET /api/activity', () => {
  it('counts what finished in the last hour from the stored runs, per minute, with failure rate and latency', async () => {
    server = await startServer({ authorize: () => true });
    switches.chargeFails = false;
    await (await server.runtime.startWorkflow(checkout, ['a', 1])).result();
    await (await server.runtime.startWorkflow(checkout, ['b', 1])).result();
    await failedCheckout(server.runtime, 'act-failed');
    const { status, body } = await get<ActivityJson>('/api/activity');
    expect(status).toBe(200);
    expect(body.bucketMs).toBe(60_000);
    expect(body.buckets).toHaveLength(60);
    expect(ms(body.until) - ms(body.since)).toBe(3_600_000);
    expect(body.total).toMatchObject({ completed: 2, failed: 1, cancelled: 0, failureRate: 1 / 3 });
    expect(body.total.latency).toMatchObject({ count: 2 });
    expect(body.total.latency!.p95Ms).toBeLessThanOrEqual(body.total.latency!.maxMs);
    expect(body.buckets.reduce((sum, b) => sum + b.completed, 0)).toBe(2);
    const ten = await get<ActivityJson>('/api/activity?window=10m&bucket=30s');
    expect(ten.body.buckets).toHaveLength(20);
    expect(ten.body.total.completed).toBe(2);
  });

  it('refuses a bad window or bucket with a 400 naming the parameter', async () => {
    server = await startServer({ authorize: () => true });
    for (const [query, parameter] of [
      ['window=soon', 'window'], ['window=10s', 'window'], ['window=90d', 'window'], ['bucket=5ms', 'bucket'], ['window=1h&bucket=1s', 'bucket'], ['bucket=1m&bucket=2m', 'bucket'],
    ] as const) {
      const { status, body } = await get(`/api/activity?${query}`);
      expect(status, query).toBe(400);
      expect(body.error.code, query).toBe('VALIDATION');
      expect(body.error.message, query).toContain(parameter);
      expect(body.error.message).not.toMatch(/\n\s+at /);
    }
  });
});

describe('the dashboard script', () => {
  it('is served as ES modules from dist (the entry and every module it imports), with the CSP, and is in the packed package', async () => {
    server = await startServer({ authorize: () => true });
    const entry = await get<string>('/dashboard.js');
    expect(entry.status).toBe(200);
    expect(entry.type).toBe('text/javascript; charset=utf-8');
    expect(entry.csp).toContain("script-src 'self'");
    const seen = new Set<string>();
    const queue = ['dashboard.js'];
    while (queue.length) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const { status, body } = await get<string>(`/${file}`);
      expect(status, file).toBe(200);
      for (const [, imported] of body.matchAll(/from '\.\/([\w-]+\.js)'/g)) queue.push(imported!);
    }
    expect([...seen]).toEqual(expect.arrayContaining(['dashboard.js', 'workflow-list.js', 'step-waterfall.js', 'activity-panel.js']));
    // npm publishes what files: ["dist"] holds: the compiled script must be in it.
    const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: packageDir, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>;
    const files = packed!.files.map((f) => f.path);
    for (const file of seen) expect(files).toContain(`dist/dashboard/browser/${file}`);
    expect(files.some((f) => f.startsWith('src/'))).toBe(false);
  });
});

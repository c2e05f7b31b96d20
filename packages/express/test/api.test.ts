import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import type { Runtime } from '@steadfast/core';
import { approval, checkout, CSRF, failedCheckout, napper, startServer, switches, waitFor, type TestServer } from './harness.js';
import { steadfastRouter } from '../src/index.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const bearer = { authorization: 'Bearer s3cret' };
const authorize = (req: express.Request) => req.get('authorization') === 'Bearer s3cret';

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(server!.base + path, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

describe('construction', () => {
  const runtime = { stats: async () => ({}), listWorkflows: async () => [] } as never;

  it('requires authorize unless a public read-only view is asked for explicitly', () => {
    expect(() => steadfastRouter(runtime, {})).toThrow(/authorize is required/);
    expect(() => steadfastRouter(runtime, undefined as never)).toThrow(/options are required/);
    expect(() => steadfastRouter(runtime, { readOnly: true })).toThrow(/authorize is required/);
    expect(() => steadfastRouter(runtime, { allowUnauthenticatedReadOnly: true })).toThrow(/requires readOnly: true/);
    expect(() => steadfastRouter(runtime, { authorize: 'yes' as never })).toThrow(/authorize must be a function/);
    expect(() => steadfastRouter(runtime, { authorize: () => true, basePath: 'x' })).toThrow(/basePath/);
    expect(() => steadfastRouter(runtime, { authorize: () => true, colour: 1 } as never)).toThrow(/unknown option "colour"/);
    expect(() => steadfastRouter(runtime, { authorize: () => true, authorizeTimeoutMs: 0 })).toThrow(/authorizeTimeoutMs must be a positive whole number/);
    expect(() => steadfastRouter({} as never, { authorize: () => true })).toThrow(/must be a Steadfast Runtime/);
    expect(steadfastRouter(runtime, { readOnly: true, allowUnauthenticatedReadOnly: true })).toBeTypeOf('function');
    expect(steadfastRouter(runtime, { authorize: () => true })).toBeTypeOf('function');
  });
});

describe('authorization', () => {
  it('answers 401 JSON without credentials, and serves with them; health checks need none', async () => {
    server = await startServer({ authorize });
    for (const path of ['/api/workflows', '/api/stats', '/api/workflows/x', '/metrics', '/', '/dashboard.js']) {
      const { status, body } = await call(path);
      expect(status, path).toBe(401);
      expect(body, path).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
    const retry = await call('/api/workflows/x/retry', { method: 'POST', headers: CSRF });
    expect(retry.status).toBe(401);
    expect((await call('/api/workflows', { headers: bearer })).status).toBe(200);
    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/readyz')).status).toBe(200);
  });

  it('awaits an async authorize, and leaves the app’s own routes alone', async () => {
    server = await startServer({ authorize: async (req) => req.get('x-user') === 'ada' });
    expect((await call('/api/stats', { headers: { 'x-user': 'bob' } })).status).toBe(401);
    expect((await call('/api/stats', { headers: { 'x-user': 'ada' } })).status).toBe(200);
    const app = await fetch(server.base.replace('/steadfast', '/app-route'));
    expect(app.status).toBe(200);
  });

  it('answers 503 (not 200, not 500) when authorize throws or rejects, and logs it without telling the client', async () => {
    const logged: Array<{ obj: { err?: unknown }; msg: string }> = [];
    const logger = { error: (obj: object, msg: string) => logged.push({ obj, msg }) };
    let fail = (): never => {
      throw new Error('auth backend down');
    };
    server = await startServer({ authorize: () => fail() }, { wrap: (runtime) => Object.create(runtime, { logger: { value: logger } }) as Runtime });
    for (const path of ['/api/stats', '/']) {
      const { status, body } = await call(path);
      expect(status, path).toBe(503);
      expect(body, path).toEqual({ error: { code: 'AUTHORIZATION_UNAVAILABLE', message: 'authorization failed on the server; try again later' } });
    }
    expect(logged).toHaveLength(2);
    expect(logged[0]!.msg).toBe('steadfast router: authorize threw; answered 503');
    expect((logged[0]!.obj.err as Error).message).toBe('auth backend down');
    fail = () => Promise.reject(new Error('rejected')) as never;
    expect((await call('/api/stats')).status).toBe(503);
  });

  it('answers 503 when authorize does not settle within authorizeTimeoutMs, instead of hanging the request', async () => {
    server = await startServer({ authorize: () => new Promise<boolean>(() => {}), authorizeTimeoutMs: 300 });
    const began = Date.now();
    const { status, body } = await call('/api/workflows');
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    expect(status).toBe(503);
    expect(body).toEqual({ error: { code: 'AUTHORIZATION_UNAVAILABLE', message: 'authorization did not answer within 300 ms; try again later' } });
    // A slow answer within the limit still counts.
    await server.close();
    server = await startServer({ authorize: () => new Promise<boolean>((done) => setTimeout(() => done(true), 100)), authorizeTimeoutMs: 2_000 });
    expect((await call('/api/workflows')).status).toBe(200);
  });
});

describe('JSON API', () => {
  it('lists, filters and shows workflows with rich values converted to JSON', async () => {
    server = await startServer({ authorize });
    const { runtime } = server;
    switches.chargeFails = false;
    const done = await runtime.startWorkflow(checkout, ['o-1', 100], { id: 'ok-1' });
    await done.result();
    await failedCheckout(runtime, 'bad-1');

    const all = await call('/api/workflows', { headers: bearer });
    expect(all.status).toBe(200);
    expect(all.body.workflows.map((w: { id: string }) => w.id).sort()).toEqual(['bad-1', 'ok-1']);
    const failed = await call('/api/workflows?status=failed', { headers: bearer });
    expect(failed.body.workflows.map((w: { id: string }) => w.id)).toEqual(['bad-1']);
    const several = await call('/api/workflows?status=failed,completed&name=orders.checkout&queue=default&limit=1', { headers: bearer });
    expect(several.body.workflows).toHaveLength(1);
    expect((await call('/api/workflows?name=nope', { headers: bearer })).body.workflows).toEqual([]);

    const ok = await call('/api/workflows/ok-1', { headers: bearer });
    expect(ok.status).toBe(200);
    expect(ok.body.workflow).toMatchObject({ id: 'ok-1', status: 'completed', args: ['o-1', 100], error: null });
    expect(ok.body.workflow.output).toEqual({
      reservation: 'res-o-1', chargeId: 'ch-o-1-100', big: (2n ** 70n).toString(), tags: [['vip', true]], at: '1970-01-01T00:00:00.000Z',
    });
    expect(ok.body.workflow.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(ok.body.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['stock.reserve', 'completed'],
      ['payments.charge', 'completed'],
    ]);
    expect(ok.body.history.map((e: { type: string }) => e.type)).toEqual(['created', 'claimed', 'step_completed', 'step_completed', 'completed']);

    const bad = await call('/api/workflows/bad-1', { headers: bearer });
    expect(bad.body.workflow.status).toBe('failed');
    expect(bad.body.workflow.error).toMatchObject({ name: 'NonRetryableError', message: 'card declined for bad-1', code: 'NON_RETRYABLE' });
    expect(bad.body.workflow.error.stack).toContain('card declined');
    expect(bad.body.steps[1]).toMatchObject({ position: 1, name: 'payments.charge', status: 'failed', attempts: 1 });
    expect(bad.body.steps[1].error.message).toBe('card declined for bad-1');

    const stats = await call('/api/stats', { headers: bearer });
    expect(stats.body).toMatchObject({ byStatus: { completed: 1, failed: 1, pending: 0 }, due: [] });
    expect(stats.body.counts).toEqual(expect.arrayContaining([{ queue: 'default', status: 'failed', count: 1 }]));
  });

  it('answers 404 and 400 with error codes', async () => {
    server = await startServer({ authorize });
    const missing = await call('/api/workflows/nope', { headers: bearer });
    expect(missing).toEqual({ status: 404, body: { error: { code: 'WORKFLOW_NOT_FOUND', message: 'no workflow with id "nope"' } } });
    expect((await call('/api/workflows/nope/retry', { method: 'POST', headers: { ...bearer, ...CSRF } })).status).toBe(404);
    expect((await call('/api/workflows/nope/cancel', { method: 'POST', headers: { ...bearer, ...CSRF } })).status).toBe(404);
    const badStatus = await call('/api/workflows?status=sideways', { headers: bearer });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.code).toBe('VALIDATION');
    expect(badStatus.body.error.message).toMatch(/invalid status "sideways"/);
    expect((await call('/api/workflows?limit=0', { headers: bearer })).status).toBe(400);
    expect((await call('/api/workflows?limit=abc', { headers: bearer })).status).toBe(400);
    expect((await call('/api/workflows?limit=100000', { headers: bearer })).status).toBe(400);
    expect((await call('/api/workflows?status=failed&status=pending', { headers: bearer })).status).toBe(400);
    expect((await call('/api/nowhere', { headers: bearer })).body.error.code).toBe('NOT_FOUND');
  });

  it('refuses unknown and malformed query parameters of the list with 400 VALIDATION naming them', async () => {
    server = await startServer({ authorize });
    await failedCheckout(server.runtime, 'listed-1');
    const refused = async (query: string, message: string | RegExp) => {
      const res = await call(`/api/workflows?${query}`, { headers: bearer });
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe('VALIDATION');
      expect(res.body.error.message, query).toMatch(message);
    };
    await refused('statuses=failed', 'unknown query parameter "statuses"; GET /api/workflows takes status, name, queue, limit');
    await refused('status=failed&colour=red', 'unknown query parameter "colour"');
    await refused('name[a]=b', 'unknown query parameter "name[a]"');
    await refused('name=a&name=b', 'query parameter name must be given once, as a plain string');
    await refused('status=failed,sideways', /^query parameter status: invalid status "sideways"; expected one or more of pending, running,/);
    await refused('status=Failed', 'invalid status "Failed"');
    await refused('status=,', 'query parameter status names no status: ","');
    // What the dashboard sends still works: known parameters, empty ones left out or blank.
    const listed = await call('/api/workflows?status=failed,&name=&limit=100', { headers: bearer });
    expect(listed.status).toBe(200);
    expect(listed.body.workflows.map((w: { id: string }) => w.id)).toEqual(['listed-1']);
  });

  it('answers 400 for bad mutations and signals', async () => {
    server = await startServer({ authorize });

    switches.chargeFails = false;
    await (await server.runtime.startWorkflow(checkout, ['o-2', 1], { id: 'done-2' })).result();
    const notFailed = await call('/api/workflows/done-2/retry', { method: 'POST', headers: { ...bearer, ...CSRF } });
    expect(notFailed.status).toBe(400);
    expect(notFailed.body.error.message).toMatch(/only a failed workflow can be retried/);
    const badJson = await call('/api/workflows/done-2/signal', {
      method: 'POST', headers: { ...bearer, ...CSRF, 'content-type': 'application/json' }, body: '{nope',
    });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('BAD_REQUEST');
    const noName = await call('/api/workflows/done-2/signal', {
      method: 'POST', headers: { ...bearer, ...CSRF, 'content-type': 'application/json' }, body: JSON.stringify({ payload: 1 }),
    });
    expect(noName.status).toBe(400);
    const finished = await call('/api/workflows/done-2/signal', {
      method: 'POST', headers: { ...bearer, ...CSRF, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'decision' }),
    });
    expect(finished.status).toBe(400);
    expect(finished.body.error.message).toMatch(/completed; it can no longer receive signal/);
  });

  it('retries a failed workflow, which then completes', async () => {
    server = await startServer({ authorize });
    await failedCheckout(server.runtime, 'retry-me');
    switches.chargeFails = false;
    const res = await call('/api/workflows/retry-me/retry', { method: 'POST', headers: { ...bearer, ...CSRF } });
    expect(res.status).toBe(200);
    expect(['pending', 'running', 'completed']).toContain(res.body.workflow.status);
    const handle = await server.runtime.getWorkflow('retry-me');
    expect(await handle.result()).toMatchObject({ chargeId: 'ch-retry-me-4200' });
    const shown = await call('/api/workflows/retry-me', { headers: bearer });
    expect(shown.body.workflow.status).toBe('completed');
    expect(shown.body.steps.map((s: { status: string }) => s.status)).toEqual(['completed', 'completed']);
    expect(shown.body.history.map((e: { type: string }) => e.type)).toContain('retried');
  });

  it('cancels a sleeping workflow', async () => {
    server = await startServer({ authorize });
    const handle = await server.runtime.startWorkflow(napper, [], { id: 'nap-1' });
    await waitFor(async () => (await handle.status()) === 'sleeping', 10_000, 'nap-1 to sleep');
    const res = await call('/api/workflows/nap-1/cancel', { method: 'POST', headers: { ...bearer, ...CSRF } });
    expect(res.status).toBe(200);
    expect(res.body.workflow.status).toBe('cancelled');
    await expect(handle.result()).rejects.toMatchObject({ code: 'CANCELLED' });
    // Again: the state asked for holds (a retried request must not fail because its first try landed).
    const again = await call('/api/workflows/nap-1/cancel', { method: 'POST', headers: { ...bearer, ...CSRF } });
    expect(again.status).toBe(200);
    expect(again.body.workflow.status).toBe('cancelled');
  });

  it('refuses to cancel a completed workflow with 409 naming its status, and changes nothing', async () => {
    server = await startServer({ authorize });
    const handle = await server.runtime.startWorkflow(checkout, ['o-done', 100], { id: 'done-1' });
    await handle.result();
    const res = await call('/api/workflows/done-1/cancel', { method: 'POST', headers: { ...bearer, ...CSRF } });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: { code: 'WORKFLOW_FINISHED', message: 'workflow done-1 is completed; only an unfinished workflow can be cancelled' } });
    expect(await handle.status()).toBe('completed');
  });

  it('delivers a signal with its payload', async () => {
    server = await startServer({ authorize });
    const handle = await server.runtime.startWorkflow(approval, ['o-9'], { id: 'approve-9' });
    const res = await call('/api/workflows/approve-9/signal', {
      method: 'POST',
      headers: { ...bearer, ...CSRF, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'decision', payload: { approved: true } }),
    });
    expect(res.status).toBe(200);
    expect(res.body.workflow.id).toBe('approve-9');
    expect(await handle.result()).toEqual({ orderId: 'o-9', approved: true });
  });

  it('refuses a signal payload nested too deeply with 400 VALIDATION naming its path, stores nothing and logs no stack', async () => {
    const logged: unknown[] = [];
    const logger = { error: (obj: object, msg: string) => logged.push({ obj, msg }) };
    server = await startServer({ authorize }, { wrap: (runtime) => Object.create(runtime, { logger: { value: logger } }) as Runtime });
    const handle = await server.runtime.startWorkflow(approval, ['o-deep'], { id: 'approve-deep' });
    const deep = '{"a":'.repeat(2_000) + '1' + '}'.repeat(2_000);
    const res = await call('/api/workflows/approve-deep/signal', {
      method: 'POST',
      headers: { ...bearer, ...CSRF, 'content-type': 'application/json' },
      body: `{"name":"decision","payload":${deep}}`,
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        code: 'VALIDATION',
        message: "cannot serialize payload of signal decision.a.a.a….a.a.a: the payload is nested more than 256 levels deep (the serializer's maxDepth)",
      },
    });
    expect(logged).toEqual([]);
    expect((await handle.history()).map((e) => e.type)).not.toContain('signal_sent');
  });
});

describe('CSRF and read-only mode', () => {
  it('refuses mutations without the CSRF header, or marked cross-site by the browser', async () => {
    server = await startServer({ authorize });
    await failedCheckout(server.runtime, 'csrf-1');
    for (const action of ['retry', 'cancel', 'signal']) {
      const res = await call(`/api/workflows/csrf-1/${action}`, { method: 'POST', headers: bearer });
      expect(res.status, action).toBe(403);
      expect(res.body.error.code, action).toBe('CSRF');
    }
    const crossSite = await call('/api/workflows/csrf-1/retry', { method: 'POST', headers: { ...bearer, ...CSRF, 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    // A simple cross-site form post (no custom header possible) is refused too.
    const form = await call('/api/workflows/csrf-1/retry', {
      method: 'POST', headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1',
    });
    expect(form.status).toBe(403);
    expect(await (await server.runtime.getWorkflow('csrf-1')).status()).toBe('failed');
  });

  it('a read-only router refuses mutations (403) and still serves reads', async () => {
    server = await startServer({ authorize, readOnly: true });
    await failedCheckout(server.runtime, 'ro-1');
    for (const action of ['retry', 'cancel', 'signal']) {
      const res = await call(`/api/workflows/ro-1/${action}`, { method: 'POST', headers: { ...bearer, ...CSRF } });
      expect(res.status, action).toBe(403);
      expect(res.body.error.code, action).toBe('READ_ONLY');
    }
    expect((await call('/api/workflows/ro-1', { headers: bearer })).body.workflow.status).toBe('failed');
    expect((await call('/api/workflows/ro-1')).status).toBe(401);
    const page = await fetch(server.base + '/', { headers: bearer });
    expect(await page.text()).toContain('data-read-only="true"');
  });

  it('a public read-only router serves reads to anyone and refuses mutations', async () => {
    server = await startServer({ readOnly: true, allowUnauthenticatedReadOnly: true });
    await failedCheckout(server.runtime, 'pub-1');
    expect((await call('/api/workflows/pub-1')).body.workflow.status).toBe('failed');
    expect((await call('/api/workflows/pub-1/retry', { method: 'POST', headers: CSRF })).status).toBe(403);
  });
});

describe('mounting', () => {
  it('serves under basePath, and redirects the dashboard to a trailing slash so relative URLs resolve', async () => {
    server = await startServer({ authorize: () => true, basePath: '/ops' }, { mountPath: '/' });
    expect((await fetch(server.base + '/ops/api/stats')).status).toBe(200);
    expect((await fetch(server.base + '/api/stats')).status).toBe(404);
    const redirect = await fetch(server.base + '/ops?x=1', { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('./ops/?x=1');
    const page = await fetch(server.base + '/ops/');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('src="dashboard.js"');
    expect(html).not.toMatch(/(src|href)="\//);
    expect((await fetch(server.base + '/app-route')).status).toBe(200);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type express from 'express';
import { CSRF, failedCheckout, napper, startServer, switches, waitFor, type TestServer } from './harness.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const bearer = { authorization: 'Bearer s3cret' };
const authorize = (req: express.Request) => req.get('authorization') === 'Bearer s3cret';

async function bulk(action: string, body: unknown, headers: Record<string, string> = { ...bearer, ...CSRF }): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server!.base}/api/bulk/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe('bulk operations API', () => {
  it('counts with dryRun, then cancels, retries and purges the workflows a filter selects', async () => {
    server = await startServer({ authorize });
    const { runtime } = server;
    for (const id of ['n-1', 'n-2', 'n-3']) await runtime.startWorkflow(napper, [], { id, concurrencyKey: id === 'n-3' ? 'tenant-b' : 'tenant-a' });
    await waitFor(async () => (await runtime.listWorkflows({ status: 'sleeping' })).length === 3, 10_000, 'the nappers to sleep');

    expect(await bulk('cancel', { filter: { concurrencyKey: 'tenant-a' }, dryRun: true })).toEqual({ status: 200, body: { action: 'cancel', dryRun: true, count: 2 } });
    expect((await runtime.listWorkflows({ status: 'cancelled' })).length).toBe(0);
    expect(await bulk('cancel', { filter: { ids: ['n-1', 'n-2', 'n-3'], concurrencyKey: 'tenant-a' } })).toEqual({ status: 200, body: { action: 'cancel', dryRun: false, count: 2 } });
    expect((await runtime.listWorkflows({ status: 'cancelled' })).map((w) => w.id).sort()).toEqual(['n-1', 'n-2']);

    await failedCheckout(runtime, 'c-1');
    switches.chargeFails = false;
    expect((await bulk('retry', { filter: { name: 'orders.checkout' } })).body.count).toBe(1);
    await waitFor(async () => (await (await runtime.getWorkflow('c-1')).status()) === 'completed', 10_000, 'the retried checkout');

    expect((await bulk('purge', { filter: { status: ['cancelled', 'completed'], createdBefore: new Date().toISOString() } })).body.count).toBe(3);
    expect((await runtime.listWorkflows({})).map((w) => w.id)).toEqual(['n-3']);
  });

  it('refuses bad bodies and filters with 400 VALIDATION naming the problem, changing nothing', async () => {
    server = await startServer({ authorize });
    await server.runtime.startWorkflow(napper, [], { id: 'keep' });
    const refusals: Array<[unknown, RegExp]> = [
      [[], /the body must be a JSON object/],
      [{ filter: {} }, /cancelMany needs a filter/],
      [{}, /the body needs "filter"/],
      [{ filter: { name: 'x' }, dryRun: 'yes' }, /"dryRun" must be true or false/],
      [{ filter: { name: 'x' }, force: true }, /unknown field "force"/],
      [{ filter: { status: 'completed' } }, /acts on pending, running, sleeping workflows only/],
      [{ filter: { statuses: ['pending'] } }, /unknown option "statuses" for the filter of cancelMany/],
      [{ filter: { createdBefore: 'last tuesday' } }, /createdBefore of the filter of cancelMany/],
      [{ filter: { ids: 'keep' } }, /expected an array of workflow ids/],
    ];
    for (const [body, message] of refusals) {
      const { status, body: answer } = await bulk('cancel', body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(answer.error.code).toBe('VALIDATION');
      expect(answer.error.message).toMatch(message);
      expect(answer.error.message).not.toMatch(/\n\s+at /);
    }
    const malformed = await bulk('cancel', '{"filter": ');
    expect(malformed.status).toBe(400);
    expect(await (await server.runtime.getWorkflow('keep')).status()).not.toBe('cancelled');
  });

  it('is a mutation: 401 without authorization, 403 without the CSRF header or on a read-only router', async () => {
    server = await startServer({ authorize });
    expect((await bulk('cancel', { filter: { name: 'x' } }, CSRF)).status).toBe(401);
    expect(await bulk('cancel', { filter: { name: 'x' } }, bearer)).toMatchObject({ status: 403, body: { error: { code: 'CSRF' } } });
    await server.close();
    server = await startServer({ authorize, readOnly: true });
    expect(await bulk('purge', { filter: { name: 'x' } })).toMatchObject({ status: 403, body: { error: { code: 'READ_ONLY' } } });
  });
});

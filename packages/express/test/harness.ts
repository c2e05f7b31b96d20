import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { pino } from 'pino';
import { defineTask, defineWorkflow, NonRetryableError, Runtime, sleep, waitForSignal } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { steadfastRouter, type RouterRuntime, type SteadfastRouterOptions } from '../src/index.js';

/** Whether `payments.charge` fails; tests flip it to let a retried workflow complete. */
export const switches = { chargeFails: true };

export const charge = defineTask('payments.charge', async (orderId: string, cents: number) => {
  if (switches.chargeFails) throw new NonRetryableError(`card declined for ${orderId}`);
  return `ch-${orderId}-${cents}`;
});
export const reserve = defineTask('stock.reserve', async (orderId: string) => `res-${orderId}`);
export const checkout = defineWorkflow('orders.checkout', async (orderId: string, cents: number) => {
  const reservation = await reserve(orderId);
  const chargeId = await charge(orderId, cents);
  return { reservation, chargeId, big: 2n ** 70n, tags: new Map([['vip', true]]), at: new Date(0) };
});
export const approval = defineWorkflow('orders.approval', async (orderId: string) => {
  const answer = await waitForSignal<{ approved: boolean }>('decision', { timeout: '1h' });
  return { orderId, approved: answer?.approved ?? false };
});
export const napper = defineWorkflow('orders.napper', async () => {
  await sleep('1h');
  return 'rested';
});

export interface TestServer {
  runtime: Runtime;
  /** URL of the router's base, without a trailing slash, e.g. `http://127.0.0.1:1234/steadfast`. */
  base: string;
  close(): Promise<void>;
}

/** A started runtime on a fresh SQLite file, with the router mounted at `/steadfast` of an app on an ephemeral port. */
export async function startServer(
  options: SteadfastRouterOptions,
  {
    start = true,
    mountPath = '/steadfast',
    wrap = (runtime) => runtime,
  }: { start?: boolean; mountPath?: string; wrap?: (runtime: Runtime) => RouterRuntime } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-express-'));
  const runtime = new Runtime({
    storage: new SqliteAdapter({ filename: join(dir, 'test.db'), synchronous: 'NORMAL' }),
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 50,
    inMemoryWaitMs: 1000,
  });
  runtime.register(checkout, charge, reserve, approval, napper);
  if (start) await runtime.start();
  const app = express();
  app.get('/app-route', (_req, res) => {
    res.json({ app: true });
  });
  app.use(mountPath, steadfastRouter(wrap(runtime), options));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    runtime,
    base: `http://127.0.0.1:${port}${mountPath === '/' ? '' : mountPath}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.shutdown({ timeout: 1000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts a checkout that fails (its charge is declined) and waits until it is `failed`. */
export async function failedCheckout(runtime: Runtime, id: string): Promise<void> {
  switches.chargeFails = true;
  const handle = await runtime.startWorkflow(checkout, [id, 4200], { id });
  await handle.result().catch(() => undefined);
  await waitFor(async () => (await handle.status()) === 'failed', 10_000, `${id} to fail`);
}

export const CSRF = { 'X-Steadfast-CSRF': '1' };

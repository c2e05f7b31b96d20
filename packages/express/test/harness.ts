import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { pino } from 'pino';
import { closeStream, type PayloadCodec, defineTask, defineWorkflow, NonRetryableError, Runtime, setEvent, sleep, taskContext, waitForSignal, writeStream } from '@steadfast/core';
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

/** Fails its first two attempts, then succeeds: each retry after a fixed 200 ms backoff. */
export const sendReceipt = defineTask(
  'mail.sendReceipt',
  async (orderId: string) => {
    const { attempt } = taskContext();
    if (attempt < 3) throw new Error(`mail server busy (attempt ${attempt})`);
    return `sent-${orderId}`;
  },
  { retries: 2, backoff: { type: 'fixed', initial: '200ms' } },
);
/** A retried task, then a short sleep (held in memory): a waterfall with failed attempts, backoffs and a timer. */
export const receipt = defineWorkflow('orders.receipt', async (orderId: string) => {
  const sent = await sendReceipt(orderId);
  await sleep('300ms');
  return sent;
});
/** Fails its first attempt and is retried an hour later: a step that is retrying, its backoff ahead. */
export const sendLater = defineTask(
  'mail.sendLater',
  async () => {
    if (taskContext().attempt === 1) throw new Error('mail server down');
    return 'sent';
  },
  { retries: 1, backoff: { type: 'fixed', initial: '1h' } },
);
export const patient = defineWorkflow('orders.patient', async () => sendLater());
/** Writes `words` to the stream `answer`, one every `pauseMs`, with its progress as the event `progress`; closes it if asked. */
export const teller = defineWorkflow('orders.teller', async (words: string[], pauseMs: number, close = true) => {
  for (const [i, word] of words.entries()) {
    await writeStream('answer', word);
    await setEvent('progress', { done: i + 1, of: words.length });
    await sleep(pauseMs);
  }
  if (close) await closeStream('answer');
  return words.length;
});
/** A workflow with a long name, for layouts that must not let it squeeze other columns. */
export const LONG_NAME = `reports.${'quarterly-revenue-reconciliation-'.repeat(4)}final`;
export const longNamed = defineWorkflow(LONG_NAME, async () => 'done');

export interface TestServer {
  runtime: Runtime;
  /** The SQLite file, for a second process (a router of its own) on the same database. */
  filename: string;
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
    codec,
  }: { start?: boolean; mountPath?: string; wrap?: (runtime: Runtime) => RouterRuntime; codec?: PayloadCodec[] } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-express-'));
  const runtime = new Runtime({
    storage: new SqliteAdapter({ filename: join(dir, 'test.db'), synchronous: 'NORMAL' }),
    codec,
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 50,
    inMemoryWaitMs: 1000,
  });
  runtime.register(checkout, charge, reserve, approval, napper, receipt, sendReceipt, patient, sendLater, longNamed, teller);
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
    filename: join(dir, 'test.db'),
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

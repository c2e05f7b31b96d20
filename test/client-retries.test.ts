// Client calls survive cut connections: a start, an enqueue, a signal, a cancel and a retry made through a
// proxy that cuts every connection to PostgreSQL again and again all succeed, each exactly once (the id of a
// start and the key of a signal are fixed before the first try, so a try whose answer was lost is not done
// twice). Before, such a call failed with StorageUnavailableError and the caller had to retry it itself.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { defineTask, defineWorkflow, NonRetryableError, waitForSignal, WorkflowClient } from '@steadfast/core';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { TcpProxy } from '../soak/lib/tcp-proxy.mjs';
import { memoryLogger } from './helpers.js';
import { createTestSchema, PG_URL, requirePostgres, type TestSchema } from './support/postgres.js';

const waiting = defineWorkflow('retries.waiting', async () => (await waitForSignal<number>('go')) ?? -1);
const flaky = defineTask('retries.flaky', async () => {
  throw new NonRetryableError('fails until retried');
});

describe.skipIf(!(await requirePostgres()))('client calls through a connection-cutting proxy', () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let cutter: NodeJS.Timeout | undefined;
  const clients: WorkflowClient[] = [];
  let log: ReturnType<typeof memoryLogger>;

  beforeEach(async () => {
    log = memoryLogger();
    schema = await createTestSchema('sf_cut');
    const url = new URL(PG_URL);
    proxy = new TcpProxy({ targetHost: url.hostname, targetPort: Number(url.port || 5432) });
    const port = await proxy.start();
    url.port = String(port);
    const client = (via: string, logger = pino({ level: 'silent' })) =>
      new WorkflowClient({ storage: new PostgresAdapter({ connection: via, schema: schema.schema, pool: { max: 2 } }), logger });
    clients.push(client(PG_URL), client(url.toString(), log.logger));
    await clients[0]!.stats(); // migrated before the cutting starts
  });

  afterEach(async () => {
    clearInterval(cutter);
    for (const client of clients.splice(0)) await client.close().catch(() => {});
    await proxy.close();
    await schema.drop();
  });

  it('start, enqueue, signal, cancel and retry each take effect once while connections are cut every 30 ms', async () => {
    const [direct, cut] = clients as [WorkflowClient, WorkflowClient];
    cutter = setInterval(() => proxy.cutAll(), 30);
    const started = [];
    for (let i = 0; i < 15; i++) started.push(await cut.startWorkflow(waiting, []));
    const jobs = [];
    for (let i = 0; i < 15; i++) jobs.push(await cut.enqueue(flaky, [], { id: `job-${i}` }));
    for (const handle of started) await cut.signal(handle.id, 'go', 1);
    // A cancel retried after its first try landed finds the workflow cancelled: that is its answer, not an error.
    for (const handle of started.slice(0, 5)) await cut.cancel(handle.id);
    clearInterval(cutter);
    // Calls were cut mid-way and retried (the log says so), not merely made between cuts.
    const retried = log.entries.filter((e) => String(e.msg).startsWith('storage unavailable during')).length;
    expect(retried).toBeGreaterThan(0);

    expect((await direct.listWorkflows({ name: 'retries.waiting', limit: 100 })).length).toBe(15);
    expect((await direct.listWorkflows({ name: 'retries.flaky', limit: 100 })).length).toBe(15);
    const signals = await Promise.all(started.map(async (h) => (await h.history()).filter((e) => e.type === 'signal_sent').length));
    expect(signals).toEqual(started.map(() => 1));
    for (const handle of started.slice(0, 5)) expect(await (await direct.getWorkflow(handle.id)).status()).toBe('cancelled');
    expect(jobs.map((j) => j.id)).toEqual(Array.from({ length: 15 }, (_, i) => `job-${i}`));
  }, 60_000);

  it('a signal repeated with the same idempotency key is stored once', async () => {
    const [direct] = clients as [WorkflowClient, WorkflowClient];
    const handle = await direct.startWorkflow(waiting, []);
    await direct.signal(handle.id, 'go', 1, { idempotencyKey: 'once' });
    await direct.signal(handle.id, 'go', 2, { idempotencyKey: 'once' });
    await direct.signal(handle.id, 'go', 3);
    expect((await handle.history()).filter((e) => e.type === 'signal_sent')).toHaveLength(2);
  });
});

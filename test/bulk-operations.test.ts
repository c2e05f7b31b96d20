import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError, defineTask, defineWorkflow, ValidationError, waitForSignal, WorkflowClient, type StorageAdapter } from '@steadfast/core';
import { ADAPTERS, type TestStorage } from './adapters.js';
import { waitFor } from './helpers.js';

describe.each(ADAPTERS.filter((a) => a.available))('bulk operations on $name', (kind) => {
  let storage: TestStorage;
  beforeEach(async () => {
    storage = await kind.create();
  });
  afterEach(async () => {
    await storage.cleanup();
  });

  const approval = defineWorkflow('bulk.approval', async (order: string) => (await waitForSignal<string>('approve')) ?? order);
  let failing = true;
  const flaky = defineTask('bulk.flaky', async (n: number) => {
    if (failing) throw new Error(`not yet ${n}`);
    return n * 2;
  });

  const statuses = async (client: WorkflowClient, name: string) =>
    Object.fromEntries((await client.listWorkflows({ name, limit: 1_000 })).map((w) => [w.id, w.status]));

  it('cancelMany cancels the unfinished workflows of one concurrency key in batches, counts them first, and leaves the rest', async () => {
    const worker = storage.runtime().register(approval);
    await worker.start();
    const client = new WorkflowClient({ storage: storage.adapter() });
    const handles = [];
    for (let i = 0; i < 7; i++) {
      handles.push(await client.startWorkflow(approval, [`o-${i}`], { id: `a-${i}`, concurrencyKey: i < 5 ? 'tenant-a' : 'tenant-b' }));
    }
    await waitFor(async () => Object.values(await statuses(client, 'bulk.approval')).every((s) => s === 'sleeping'), 10_000, 'every workflow parked');

    expect(await client.cancelMany({ concurrencyKey: 'tenant-a' }, { dryRun: true })).toBe(5);
    expect(Object.values(await statuses(client, 'bulk.approval')).filter((s) => s === 'cancelled')).toEqual([]);
    expect(await client.cancelMany({ concurrencyKey: 'tenant-a' }, { batchSize: 2 })).toBe(5);
    const after = await statuses(client, 'bulk.approval');
    expect(after).toEqual({ 'a-0': 'cancelled', 'a-1': 'cancelled', 'a-2': 'cancelled', 'a-3': 'cancelled', 'a-4': 'cancelled', 'a-5': 'sleeping', 'a-6': 'sleeping' });
    await expect(handles[0]!.result()).rejects.toBeInstanceOf(CancelledError);
    // Nothing left to do: a second run (or the resumption of an interrupted one) finds none.
    expect(await client.cancelMany({ concurrencyKey: 'tenant-a' })).toBe(0);
    // The others still work.
    await client.signal('a-5', 'approve', 'yes');
    expect(await handles[5]!.result()).toBe('yes');
    await client.close();
  });

  it('an interrupted cancelMany keeps the batches it committed, and running it again does the rest', async () => {
    const client = storage.runtime();
    for (let i = 0; i < 6; i++) await client.startWorkflow(approval, [`o-${i}`], { id: `i-${i}`, delay: '1h', concurrencyKey: 'tenant-a' });
    const real = storage.adapter();
    let batches = 0;
    // The real adapter, failing its second batch as a lost connection would.
    const interrupted = new Proxy(real, {
      get(target, key, receiver) {
        if (key === 'cancelWorkflows') {
          return (...args: Parameters<StorageAdapter['cancelWorkflows']>) => (++batches === 2 ? Promise.reject(new Error('connection lost')) : target.cancelWorkflows(...args));
        }
        return Reflect.get(target, key, receiver);
      },
    });
    const flakyClient = new WorkflowClient({ storage: interrupted });
    await expect(flakyClient.cancelMany({ status: 'pending', concurrencyKey: 'tenant-a' }, { batchSize: 2 })).rejects.toThrow('connection lost');
    const cancelled = Object.values(await statuses(client.client, 'bulk.approval')).filter((s) => s === 'cancelled');
    expect(cancelled).toHaveLength(2);
    expect(await flakyClient.cancelMany({ status: 'pending', concurrencyKey: 'tenant-a' }, { batchSize: 2 })).toBe(4);
    expect(new Set(Object.values(await statuses(client.client, 'bulk.approval')))).toEqual(new Set(['cancelled']));
    await flakyClient.close();
  });

  it('retryMany retries the failed jobs of a name created before a time, and each resumes and completes', async () => {
    failing = true;
    const worker = storage.runtime().register(flaky);
    await worker.start();
    const jobs = await worker.enqueueMany(flaky, [[1], [2], [3]]);
    await waitFor(async () => Object.values(await statuses(worker.client, 'bulk.flaky')).every((s) => s === 'failed'), 10_000, 'the jobs to fail');
    const cutoff = new Date();
    const late = await worker.enqueue(flaky, [4], { delay: '1h' });
    expect(await worker.retryMany({ name: 'bulk.flaky', createdBefore: cutoff }, { dryRun: true })).toBe(3);
    failing = false;
    expect(await worker.retryMany({ name: 'bulk.flaky', createdBefore: cutoff }, { batchSize: 2 })).toBe(3);
    expect(await Promise.all(jobs.map((job) => job.result()))).toEqual([2, 4, 6]);
    expect(await late.status()).toBe('pending');
    expect(await worker.retryMany({ name: 'bulk.flaky' })).toBe(0);
  });

  it('purgeMany deletes finished workflows by status and ids, never unfinished ones', async () => {
    const client = storage.runtime();
    for (let i = 0; i < 4; i++) await client.startWorkflow(approval, [`o-${i}`], { id: `p-${i}`, delay: '1h' });
    expect(await client.cancelMany({ ids: ['p-0', 'p-1', 'p-2'] })).toBe(3);
    expect(await client.purgeMany({ ids: ['p-0', 'p-1', 'p-3'] }, { dryRun: true })).toBe(2);
    expect(await client.purgeMany({ ids: ['p-0', 'p-1', 'p-3'] })).toBe(2);
    expect(Object.keys(await statuses(client.client, 'bulk.approval')).sort()).toEqual(['p-2', 'p-3']);
    expect(await client.purgeMany({ status: 'cancelled' })).toBe(1);
    expect(Object.keys(await statuses(client.client, 'bulk.approval'))).toEqual(['p-3']);
  });

  it('refuses a missing or bad filter before reading anything, naming the problem', async () => {
    const client = storage.runtime();
    await client.startWorkflow(approval, ['o'], { id: 'keep', delay: '1h' });
    await expect(client.cancelMany({})).rejects.toThrow(/cancelMany needs a filter/);
    await expect(client.cancelMany({ status: 'completed' })).rejects.toThrow(/cancelMany acts on pending, running, sleeping workflows only; status "completed"/);
    await expect(client.retryMany({ status: 'pending' })).rejects.toThrow(/retryMany acts on failed workflows only/);
    await expect(client.purgeMany({ status: 'running' })).rejects.toThrow(/purgeMany acts on completed, failed, cancelled/);
    await expect(client.cancelMany({ status: 'bogus' as never })).rejects.toThrow(/invalid status "bogus"/);
    await expect(client.cancelMany({ nmae: 'x' } as never)).rejects.toThrow(/unknown option "nmae" for the filter of cancelMany/);
    await expect(client.cancelMany({ createdBefore: '2024-01-01T00:00' })).rejects.toThrow(ValidationError);
    await expect(client.cancelMany({ ids: Array.from({ length: 1_001 }, (_, i) => `x${i}`) })).rejects.toThrow(/more than 1000/);
    await expect(client.cancelMany({ ids: ['ok', ''] })).rejects.toThrow(/ids\[1\]/);
    await expect(client.cancelMany({ name: 'x' }, { batchSize: 0 })).rejects.toThrow(/batchSize of cancelMany/);
    await expect(client.startWorkflow(approval, ['o'], { concurrencyKey: '' })).rejects.toThrow(/concurrencyKey of bulk.approval/);
    expect(await (await client.getWorkflow('keep')).status()).toBe('pending');
  });
});

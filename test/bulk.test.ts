import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineTask, defineWorkflow, SerializationError, ValidationError, WorkflowClient, WorkflowConflictError, type Runtime } from '@steadfast/core';
import { ADAPTERS, type TestStorage } from './adapters.js';

describe.each(ADAPTERS.filter((a) => a.available))('bulk starts on $name', (kind) => {
  let storage: TestStorage;
  beforeEach(async () => {
    storage = await kind.create();
  });
  afterEach(async () => {
    await storage.cleanup();
  });

  const runs: string[] = [];
  const record = defineTask('bulk.record', async (tag: string) => {
    runs.push(tag);
    return `done ${tag}`;
  });
  const greet = defineWorkflow('bulk.greet', async (who: string) => `hi ${who}`);

  const count = async (r: Runtime | WorkflowClient) => (await r.listWorkflows({ limit: 10_000 })).length;

  it('enqueueMany stores every job in bulk, each runs once, and the handles give their results', async () => {
    runs.length = 0;
    const worker = storage.runtime({ concurrency: 32 }).register(record);
    await worker.start();
    const client = new WorkflowClient({ storage: storage.adapter() });
    const items = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? { args: [`t${i}`] as [string], id: `job-${i}` } : ([`t${i}`] as [string])));
    const handles = await client.enqueueMany(record, items, { priority: 1 });
    expect(handles).toHaveLength(300);
    expect(handles[3]!.id).toBe('job-3');
    const results = await Promise.all(handles.map((h) => h.result()));
    expect(results[7]).toBe('done t7');
    expect([...runs].sort()).toEqual(items.map((_, i) => `t${i}`).sort());
    expect((await handles[1]!.info()).priority).toBe(1);
    // Idempotent by id: the same ids again start nothing new.
    const again = await client.enqueueMany(record, [{ args: ['t0'], id: 'job-0' }, { args: ['t3'], id: 'job-3' }]);
    expect(again.map((h) => h.id)).toEqual(['job-0', 'job-3']);
    expect(await count(client)).toBe(300);
    expect(runs).toHaveLength(300);
    await client.close();
  });

  it('refuses a bad item before storing any, naming it', async () => {
    const client = storage.runtime();
    const bad = [['a'], ['b'], [() => 1]] as unknown as Array<[string]>;
    await expect(client.enqueueMany(record, bad)).rejects.toThrow(SerializationError);
    await expect(client.enqueueMany(record, bad)).rejects.toThrow(/enqueueMany items\[2\]: .*args\[0\]/);
    await expect(client.startMany(greet, [['x'], { args: ['y'], id: '' }])).rejects.toThrow(/startMany items\[1\]: invalid workflow id/);
    await expect(client.startMany(greet, [{ args: ['x'], id: 'same' }, { args: ['y'], id: 'same' }])).rejects.toThrow(/items\[1\]: id "same" is given twice \(also items\[0\]\)/);
    await expect(client.startMany(greet, [{ args: ['x'], when: 1 } as never])).rejects.toThrow(ValidationError);
    await expect(client.startMany(greet, 'nope' as never)).rejects.toThrow(/expects an array of items/);
    await expect(client.startMany(record as unknown as typeof greet, [['x']])).rejects.toThrow(/startMany expects a workflow/);
    expect(await count(client)).toBe(0);
  });

  it('startMany starts workflows, honours dedupe keys, and reports an id taken by another workflow as a conflict', async () => {
    const worker = storage.runtime().register(greet, record);
    await worker.start();
    const handles = await worker.startMany(greet, [['ada'], ['grace']]);
    expect(await Promise.all(handles.map((h) => h.result()))).toEqual(['hi ada', 'hi grace']);
    const first = await worker.enqueueMany(record, [{ args: ['later'], dedupeKey: 'k', startAt: Date.now() + 60_000 }]);
    const second = await worker.enqueueMany(record, [{ args: ['later again'], dedupeKey: 'k' }]);
    expect(second[0]!.id).toBe(first[0]!.id);
    await expect(worker.enqueueMany(record, [{ args: ['x'], id: handles[0]!.id }])).rejects.toThrow(WorkflowConflictError);
  });
});

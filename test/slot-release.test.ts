// A slot holds a workflow's body, not its last write: once a body has stopped and only its completion (or
// failure, or park) is being written, the worker gives the slot to the next due workflow, so the write and
// the next run overlap. `concurrency` still bounds the bodies running at once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineTask, type StorageAdapter } from '@steadfast/core';
import { ADAPTERS, type TestStorage } from './adapters.js';

describe.each(ADAPTERS.filter((a) => a.available))('a slot is freed when only the last write remains, on $name', (kind) => {
  let storage: TestStorage;
  beforeEach(async () => {
    storage = await kind.create();
  });
  afterEach(async () => {
    await storage.cleanup();
  });

  it('runs the next job while the previous one’s completion is written, never two bodies at once', async () => {
    let running = 0;
    let mostAtOnce = 0;
    const events: string[] = [];
    const job = defineTask('slotJob', async (n: number) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      events.push(`start ${n}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      return n;
    });
    const runtime = storage.runtime({ concurrency: 1 });
    runtime.register(job);
    const adapter: StorageAdapter = runtime.storage;
    const complete = adapter.complete.bind(adapter);
    adapter.complete = async (...args) => {
      events.push(`completing ${args[0].workflowId}`);
      await new Promise((resolve) => setTimeout(resolve, 300)); // a slow commit
      await complete(...args);
      events.push(`completed ${args[0].workflowId}`);
    };
    const handles = await runtime.enqueueMany(job, [{ args: [1], id: 'slot-1' }, { args: [2], id: 'slot-2' }]);
    await runtime.start();
    expect(await Promise.all(handles.map((h) => h.result()))).toEqual([1, 2]);
    // The second body started while the first completion was still being written, and bodies never overlapped.
    const second = events.indexOf('start 2');
    const firstDone = events.findIndex((e) => e.startsWith('completed'));
    expect(second).toBeGreaterThan(-1);
    expect(second).toBeLessThan(firstDone);
    expect(mostAtOnce).toBe(1);
    const infos = await Promise.all(handles.map((h) => h.info()));
    expect(infos.map((i) => i.status)).toEqual(['completed', 'completed']);
    await runtime.shutdown();
  });
});

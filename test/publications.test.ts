import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { closeStream, defineTask, defineWorkflow, Runtime, setEvent, ValidationError, WorkflowClient, writeStream } from '@steadfast/core';
import { story } from './fixtures/stream-workflows.mjs';
import { waitFor } from './helpers.js';
import { DATABASES, type Database } from './support/databases.js';
import { spawnWorkerProcess, waitForWorkers, type WorkerProcess } from './support/worker-processes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER = 'test/fixtures/stream-worker.mjs';

describe.each(DATABASES.filter((k) => k.available))('events and streams on $name', (kind) => {
  let db: Database;
  const closers: Array<() => Promise<unknown>> = [];
  const workers: WorkerProcess[] = [];
  beforeEach(async () => {
    db = await kind.create();
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
    await db.drop();
  });

  /** A client that executes nothing; its fallback poll is a minute, so anything sooner came from a notification. */
  function client(pollIntervalMs = 60_000): WorkflowClient {
    const c = new WorkflowClient({ storage: db.adapter(), logger: pino({ level: 'silent' }), pollIntervalMs });
    closers.push(() => c.close());
    return c;
  }

  function runtime(...items: Array<(...args: any[]) => Promise<unknown>>): Runtime {
    const r = new Runtime({ storage: db.adapter(), logger: pino({ level: 'silent' }), leaseMs: 1_500, heartbeatMs: 500, pollIntervalMs: 100 });
    r.register(...items);
    closers.push(() => r.shutdown({ timeout: 1_000 }));
    return r;
  }

  async function startWorker(): Promise<WorkerProcess> {
    const worker = spawnWorkerProcess(WORKER, [], ROOT, db.env);
    workers.push(worker);
    await waitForWorkers([worker], 'the worker to be ready', () => worker.messages.some((m) => m.type === 'ready'));
    return worker;
  }

  it('a stream read in this process yields each chunk as a worker process writes it, woken by the storage, not by polling', async () => {
    const reader = client();
    await startWorker();
    const handle = await reader.startWorkflow(story, [6, 150], { id: 'story-1' });
    const arrivals: Array<[string, number]> = [];
    const started = Date.now();
    for await (const chunk of handle.readStream<string>('story')) arrivals.push([chunk, Date.now() - started]);
    expect(arrivals.map(([chunk]) => chunk)).toEqual(['piece-0', 'piece-1', 'piece-2', 'piece-3', 'piece-4', 'piece-5']);
    // Written every ~150 ms; read as written (the reader's own poll would wait a minute).
    expect(arrivals.at(-1)![1]).toBeLessThan(10_000);
    const gaps = arrivals.slice(1).map(([, at], i) => at - arrivals[i]![1]);
    expect(Math.max(...gaps), `gaps ${gaps.join(', ')}`).toBeLessThan(2_000);
    expect(await handle.getEvent('progress', { timeout: 0 })).toEqual({ done: 6, of: 6 });
    expect(await handle.result()).toBe(6);
    // Resumable: from a position, the rest; past the end, nothing.
    const rest: string[] = [];
    for await (const chunk of handle.readStream<string>('story', { from: 4 })) rest.push(chunk);
    expect(rest).toEqual(['piece-4', 'piece-5']);
    const none: string[] = [];
    for await (const chunk of handle.readStream<string>('story', { from: 6 })) none.push(chunk);
    expect(none).toEqual([]);
    expect(await handle.streams()).toEqual([{ key: 'story', chunks: 6, closed: true, updatedAt: expect.any(Date) }]);
  });

  it('getEvent waits for a value a worker process sets, and gives undefined once the timeout passes', async () => {
    const reader = client();
    await startWorker();
    const handle = await reader.startWorkflow(story, [3, 400], { id: 'story-2' });
    expect(await handle.getEvent('never-set', { timeout: '300ms' })).toBeUndefined();
    const seen: unknown[] = [];
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const progress = (await handle.getEvent<{ done: number }>('progress', { timeout: '5s' }))!;
      if (seen.at(-1) === undefined || (seen.at(-1) as { done: number }).done !== progress.done) seen.push(progress);
      if (progress.done === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen.at(-1)).toEqual({ done: 3, of: 3 });
    expect(seen.length).toBeGreaterThan(1);
    await handle.result();
    // Finished without it: undefined at once, not after the timeout.
    const t0 = Date.now();
    expect(await handle.getEvent('never-set', { timeout: '30s' })).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('a worker killed mid-stream is replaced; the stream holds each chunk exactly once, the replay writing none again', async () => {
    const reader = client(1_000);
    const first = await startWorker();
    const handle = await reader.startWorkflow(story, [8, 300], { id: 'story-3' });
    const chunks: string[] = [];
    const iterator = handle.readStream<string>('story');
    for await (const chunk of iterator) {
      chunks.push(chunk);
      if (chunks.length === 3) break;
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await startWorker();
    // Resumed from where this reader stopped.
    for await (const chunk of handle.readStream<string>('story', { from: chunks.length })) chunks.push(chunk);
    expect(chunks).toEqual(Array.from({ length: 8 }, (_, i) => `piece-${i}`));
    expect(await handle.result()).toBe(8);
    // The second worker replayed the first one's chunks (its tasks did not run again) and wrote only the rest.
    const ranOnSecond = second.messages.filter((m) => m.type === 'piece').map((m) => m.i as number);
    expect(ranOnSecond.length).toBeGreaterThan(0);
    expect(Math.min(...ranOnSecond)).toBeGreaterThanOrEqual(3);
    const stored = await db.adapter().readStream('story-3', 'story', 0, 100);
    expect(stored.map((c) => c.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(stored.at(-1)!.data).toBeNull();
  });

  it('in one process: a runtime’s own handle reads what its worker writes; a chunk after closeStream fails the step, the same on replay', async () => {
    const answer = defineWorkflow('pub.answer', async (words: string[]) => {
      for (const word of words) await writeStream('answer', word);
      await closeStream('answer');
      await setEvent('done', true);
      try {
        await writeStream('answer', 'late');
      } catch (error) {
        return (error as Error).message;
      }
      return 'wrote after close';
    });
    const r = runtime(answer);
    await r.start();
    const handle = await r.startWorkflow(answer, [['to', 'be', 'or']], { id: 'answer-1' });
    const words: string[] = [];
    for await (const word of handle.readStream<string>('answer')) words.push(word);
    expect(words).toEqual(['to', 'be', 'or']);
    expect(await handle.result()).toMatch(/stream "answer" of workflow answer-1 was closed with closeStream\(\)/);
    expect(await handle.getEvent('done')).toBe(true);
    expect((await handle.events()).map((e) => [e.key, e.value])).toEqual([['done', true]]);
    const steps = await handle.steps();
    expect(steps.map((s) => [s.kind, s.name, s.status])).toEqual([
      ['stream', 'answer', 'completed'], ['stream', 'answer', 'completed'], ['stream', 'answer', 'completed'], ['stream', 'answer', 'completed'],
      ['event', 'done', 'completed'], ['stream', 'answer', 'failed'],
    ]);
  });

  it('refuses bad keys and values, and publishing from a task, before anything is stored', async () => {
    const fromTask = defineTask('pub.fromTask', async () => setEvent('x', 1));
    const bad = defineWorkflow('pub.bad', async (which: string) => {
      if (which === 'key') await setEvent('', 1);
      if (which === 'value') await writeStream('s', () => 1);
      if (which === 'task') await fromTask();
      return 'unreachable';
    });
    const r = runtime(bad, fromTask);
    await r.start();
    for (const [which, message] of [['key', /invalid event key of setEvent\(\): it is empty/], ['value', /chunk of stream s: a function/], ['task', /setEvent\(\) is a workflow step/]] as const) {
      const handle = await r.startWorkflow(bad, [which]);
      await expect(handle.result()).rejects.toThrow(message);
      expect(await handle.streams()).toEqual([]);
      expect(await handle.events()).toEqual([]);
    }
    expect(() => setEvent('x', 1)).toThrow(/can only be called inside a workflow body/);
    const reader = client();
    const handle = await r.startWorkflow(bad, ['none']);
    expect(() => handle.readStream('s', { from: -1 })).toThrow(ValidationError);
    expect(() => handle.readStream('', {})).toThrow(/stream key of readStream/);
    await expect(handle.getEvent('k', { timeout: 'soon' })).rejects.toThrow(/timeout of getEvent/);
    await expect((await reader.getWorkflow('nope').catch((e: Error) => e)) as Error).toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
    await waitFor(async () => (await handle.status()) === 'completed', 5_000, 'the last one');
  });
});

// What the default logs say about expected events: a retried attempt and a cancelled running workflow are
// info lines without stacks (before: a full stack at warn for every attempt, and `LeaseLostError … the
// write was refused` at warn for a cancel); warn and error stay for what needs a person.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineTask, defineWorkflow, NonRetryableError, taskContext, WorkflowClient } from '@steadfast/core';
import { ADAPTERS, type TestStorage } from './adapters.js';
import { memoryLogger, waitFor } from './helpers.js';

type Entry = Record<string, unknown>;
const WARN = 40;
const hasStack = (entry: Entry) => /\n\s+at /.test(JSON.stringify(entry).replace(/\\n/g, '\n'));
const summary = (entries: Entry[]) => entries.map((e) => `${String(e.level)} ${String(e.msg)}`);

const flaky = defineTask('logs.flaky', async () => {
  if (taskContext().attempt < 3) throw new Error(`boom ${taskContext().attempt}`);
  return 'ok';
}, { retries: 3, backoff: { type: 'fixed', initial: 20 } });
const retried = defineWorkflow('logs.retried', async () => flaky());

let release: (() => void) | undefined;
const slow = defineTask('logs.slow', async () => {
  await new Promise<void>((resolve) => (release = resolve));
  return 'late';
});
const after = defineTask('logs.after', async () => 'after');
const cancellable = defineWorkflow('logs.cancellable', async () => {
  await slow();
  return after();
});

const declined = defineTask('logs.declined', async () => {
  throw new NonRetryableError('card declined');
});
const failing = defineWorkflow('logs.failing', async () => declined());

describe.each(ADAPTERS.filter((a) => a.available))('default logs on $name', (kind) => {
  let storage: TestStorage;
  beforeEach(async () => {
    storage = await kind.create();
  });
  afterEach(async () => {
    release?.();
    await storage.cleanup();
  });

  it('a retried attempt is an info line naming the error, without a stack', async () => {
    const log = memoryLogger();
    const runtime = storage.runtime({ logger: log.logger }).register(retried, flaky);
    await runtime.start();
    expect(await (await runtime.startWorkflow(retried, [])).result()).toBe('ok');
    const retries = log.entries.filter((e) => String(e.msg).startsWith('step attempt failed'));
    expect(retries.map((e) => [e.level, e.error])).toEqual([
      [30, 'Error: boom 1'],
      [30, 'Error: boom 2'],
    ]);
    expect(log.entries.filter(hasStack)).toEqual([]);
    expect(summary(log.entries.filter((e) => Number(e.level) >= WARN))).toEqual([]);
  });

  it.each(['this runtime', 'another client'])('a running workflow cancelled from %s logs its stop at info, without a stack', async (from) => {
    const log = memoryLogger();
    const runtime = storage.runtime({ logger: log.logger }).register(cancellable, slow, after);
    await runtime.start();
    const handle = await runtime.startWorkflow(cancellable, []);
    await waitFor(() => release !== undefined, 5_000, 'the slow task to start');
    if (from === 'this runtime') {
      await runtime.cancel(handle.id);
    } else {
      const client = new WorkflowClient({ storage: storage.adapter(), logger: memoryLogger().logger });
      await client.cancel(handle.id);
      await client.close();
    }
    release!(); // the task finishes; its checkpoint is refused (the lease is gone)
    await waitFor(() => log.entries.some((e) => String(e.msg).startsWith('execution stopped')), 10_000, 'the stop to be logged');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stop = log.entries.find((e) => String(e.msg).startsWith('execution stopped'))!;
    expect(stop).toMatchObject({ level: 30, msg: 'execution stopped: the workflow was cancelled' });
    expect(await handle.status()).toBe('cancelled');
    expect(log.entries.filter(hasStack)).toEqual([]);
    expect(summary(log.entries.filter((e) => Number(e.level) >= WARN))).toEqual([]);
  });

  it('a workflow that fails for good is still an error line with its stack: a person has to look', async () => {
    const log = memoryLogger();
    const runtime = storage.runtime({ logger: log.logger }).register(failing, declined);
    await runtime.start();
    await expect((await runtime.startWorkflow(failing, [])).result()).rejects.toThrow('card declined');
    const errors = log.entries.filter((e) => Number(e.level) >= WARN);
    expect(summary(errors)).toEqual(['50 workflow failed']);
    expect(hasStack(errors[0]!)).toBe(true);
  });
});

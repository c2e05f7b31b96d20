import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defineTask,
  defineWorkflow,
  PayloadTooLargeError,
  Runtime,
  SerializationError,
  sleep,
  task,
  taskContext,
  ValidationError,
  workflow,
} from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { sqliteRuntime, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let runtime: Runtime;
const noop = defineWorkflow('noop', async (..._args: unknown[]) => 'ok');
beforeEach(() => {
  tmp = tempDir();
  runtime = sqliteRuntime(tmp.file(), { maxPayloadBytes: 1_000 }).register(noop);
});
afterEach(async () => {
  await runtime.shutdown().catch(() => {});
  tmp.cleanup();
});

/** Bad input is refused before anything is stored. */
async function expectNothingStored() {
  expect(await runtime.listWorkflows()).toEqual([]);
}

describe('options are validated when decorators are applied', () => {
  it('refuses a bad timeout duration, naming the value', () => {
    expect(() => {
      class Bad {
        @task({ timeout: '10 parsecs' })
        async t() {}
      }
      return Bad;
    }).toThrow(/invalid timeout of task Bad\.t "10 parsecs"/);
  });

  it('refuses a negative retry count', () => {
    expect(() => defineTask('neg', async () => 1, { retries: -1 })).toThrow(
      'invalid retries for task neg: -1 (expected a whole number from 0 to 1000)',
    );
  });

  it('refuses an unknown backoff type', () => {
    expect(() => defineTask('bk', async () => 1, { backoff: 'linear' as never })).toThrow(/linear/);
  });

  it('refuses unknown options and bad workflow options', () => {
    expect(() => defineWorkflow('w', async () => 1, { retries: 3 } as never)).toThrow('unknown option "retries" for workflow w');
    expect(() => defineWorkflow('w', async () => 1, { priority: 1.5 })).toThrow('invalid priority of workflow w: 1.5');
    expect(() => defineWorkflow('', async () => 1)).toThrow('invalid workflow name: it is empty');
    expect(() => defineWorkflow('bad\nname', async () => 1)).toThrow('invalid workflow name "bad\\nname": contains a control character');
    expect(() => {
      class C {
        @workflow({ queue: '' })
        async w() {}
      }
      return C;
    }).toThrow('invalid queue of workflow C.w: it is empty');
  });
});

describe('arguments are refused before anything is stored', () => {
  it('a function in the arguments names its path', async () => {
    const error = await runtime.startWorkflow(noop, ['x', { callback: () => 1 }]).catch((e) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toContain('args[1].callback');
    await expectNothingStored();
  });

  it('a symbol, a circular structure and a class instance are refused with their paths', async () => {
    await expect(runtime.startWorkflow(noop, [{ s: Symbol('x') }])).rejects.toThrow('args[0].s');
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    await expect(runtime.startWorkflow(noop, [loop])).rejects.toThrow(/args\[0\]\.self.*circular/);
    class Money {
      constructor(readonly cents: number) {}
      format() {
        return `${this.cents}`;
      }
    }
    await expect(runtime.startWorkflow(noop, [new Money(5)])).rejects.toThrow(/args\[0\].*Money/);
    await expectNothingStored();
  });

  it('an oversized payload gives PayloadTooLargeError', async () => {
    const error = await runtime.startWorkflow(noop, ['x'.repeat(2_000)]).catch((e) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.message).toMatch(/args is \d+ bytes serialized, over the limit of 1000 bytes/);
    await expectNothingStored();
  });

  it('bad ids, delays, start times and queues are refused, naming them', async () => {
    await expect(runtime.startWorkflow(noop, [], { id: '' })).rejects.toThrow('invalid workflow id: it is empty');
    await expect(runtime.startWorkflow(noop, [], { id: 'a\u0000b' })).rejects.toThrow('contains a control character');
    await expect(runtime.startWorkflow(noop, [], { id: 'x'.repeat(201) })).rejects.toThrow('longer than 200 characters');
    await expect(runtime.startWorkflow(noop, [], { delay: '10 parsecs' })).rejects.toThrow('invalid delay of noop "10 parsecs"');
    await expect(runtime.startWorkflow(noop, [], { delay: -5 })).rejects.toThrow(/invalid delay of noop -5/);
    await expect(runtime.startWorkflow(noop, [], { startAt: '2026-01-01T10:00' })).rejects.toThrow(/startAt of noop.*offset/);
    await expect(runtime.startWorkflow(noop, [], { startAt: new Date(), delay: 5 })).rejects.toThrow('give either startAt or delay for noop, not both');
    await expect(runtime.startWorkflow(noop, [], { queue: 'q\n' })).rejects.toThrow('invalid queue of noop');
    await expect(runtime.startWorkflow(noop, [], { priority: 'high' as never })).rejects.toThrow('invalid priority of noop: "high"');
    await expect(runtime.startWorkflow(noop, [], { wait: true } as never)).rejects.toThrow('unknown option "wait" for startWorkflow');
    await expectNothingStored();
  });

  it('startWorkflow and enqueue refuse what is not a workflow or a task', async () => {
    const t = defineTask('aTask', async () => 1);
    await expect(runtime.startWorkflow(t as any, [])).rejects.toThrow('startWorkflow expects a workflow (a @workflow() method or a defineWorkflow function), got the task aTask');
    await expect(runtime.enqueue(noop as any, [])).rejects.toThrow('enqueue expects a task (a @task() method or a defineTask function), got the workflow noop');
    await expect(runtime.startWorkflow((async () => 1) as any, [])).rejects.toThrow('got a function');
    await expectNothingStored();
  });
});

describe('runtime and adapter options', () => {
  it('refuses bad runtime options with a message naming them', () => {
    const storage = new SqliteAdapter({ filename: ':memory:' });
    expect(() => new Runtime({ storage, concurrency: 0 })).toThrow('invalid concurrency: 0 (expected a whole number from 1 to 10000)');
    expect(() => new Runtime({ storage, leaseMs: 3_000, heartbeatMs: 2_000 })).toThrow('heartbeatMs: 2000 must be at most a third of leaseMs');
    expect(() => new Runtime({ storage, queues: [] })).toThrow('invalid queues');
    expect(() => new Runtime({ storage, pollInterval: 5 } as never)).toThrow('unknown Runtime option "pollInterval"');
    expect(() => new Runtime({} as never)).toThrow('options.storage must be a storage adapter');
  });

  it('refuses a hostile table prefix', () => {
    expect(() => new SqliteAdapter({ filename: ':memory:', tablePrefix: 'x; DROP TABLE users; --' })).toThrow(
      'invalid tablePrefix "x; DROP TABLE users; --"',
    );
    expect(() => new SqliteAdapter({ filename: '' })).toThrow('options.filename must be a file path');
  });

  it('steps outside a workflow body say where they belong', async () => {
    expect(() => sleep('1s')).toThrow('sleep() can only be called inside a workflow body');
    expect(() => taskContext()).toThrow('taskContext() can only be called inside a task body');
  });

  it('an invalid sleep duration inside a workflow fails it with the reason', async () => {
    const wf = defineWorkflow('badSleep', async () => {
      await sleep('soon' as never);
    });
    runtime.register(wf);
    await runtime.start();
    const error = await (await runtime.startWorkflow(wf, [])).result().catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('invalid sleep() duration "soon"');
  });
});

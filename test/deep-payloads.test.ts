/**
 * Payloads nested too deeply for the codec, end to end through a runtime on SQLite: refused with a
 * SerializationError that names the path, never a RangeError from an overflowing call stack.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineTask, defineWorkflow, Runtime, SerializationError, waitForSignal } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { pino } from 'pino';

/** `levels` objects `{ a: { a: … 1 } }`, built without recursion. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

const echo = defineWorkflow('deep.echo', async (value: unknown) => value);
const deepResult = defineTask('deep.result', async (levels: number) => nested(levels), { retries: 2 });
const callsDeep = defineWorkflow('deep.callsTask', async (levels: number) => {
  await deepResult(levels);
  return 'unreachable';
});
const waits = defineWorkflow('deep.waits', async () => waitForSignal('go', { timeout: '1h' }));

let runtime: Runtime;
beforeEach(async () => {
  runtime = new Runtime({ storage: new SqliteAdapter({ filename: ':memory:' }), logger: pino({ level: 'silent' }), pollIntervalMs: 20 });
  runtime.register(echo, deepResult, callsDeep, waits);
  await runtime.start();
});
afterEach(async () => {
  await runtime.shutdown({ timeout: 1_000 });
});

describe('deeply nested payloads', () => {
  it('startWorkflow with an argument nested 10,000 deep is refused before anything is stored', async () => {
    const error = await runtime.startWorkflow(echo, [nested(10_000)], { id: 'deep-start' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect(error).toMatchObject({ path: 'args[0].a.a….a.a.a', message: expect.stringContaining('nested more than 256 levels deep') });
    expect(await runtime.listWorkflows()).toEqual([]);
    // The limit is the only problem: a value at it runs.
    const handle = await runtime.startWorkflow(echo, [nested(255)], { id: 'deep-ok' });
    expect(await handle.result()).toEqual(nested(255));
  });

  it('a task returning a result nested 2,000 deep fails its step and workflow with a SerializationError, not retried', async () => {
    const handle = await runtime.startWorkflow(callsDeep, [2_000], { id: 'deep-result' });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).name).toBe('SerializationError');
    expect((error as Error).message).toBe(
      "cannot serialize result of task deep.result.a.a.a….a.a.a: the payload is nested more than 256 levels deep (the serializer's maxDepth)",
    );
    expect(await handle.status()).toBe('failed');
    const history = await handle.history();
    const failed = history.filter((event) => event.type === 'step_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({ name: 'deep.result' });
    expect(history.some((event) => event.type === 'retry_scheduled')).toBe(false);
  });

  it('a signal payload nested 2,000 deep is refused before it is stored, and the workflow still takes a good one', async () => {
    const handle = await runtime.startWorkflow(waits, [], { id: 'deep-signal' });
    const error = await runtime.signal('deep-signal', 'go', nested(2_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toMatch(/^cannot serialize payload of signal go\.a\.a\.a….a.a.a: the payload is nested more than 256 levels deep/);
    expect((await handle.history()).some((event) => event.type === 'signal_sent')).toBe(false);
    await runtime.signal('deep-signal', 'go', { ok: true });
    expect(await handle.result()).toEqual({ ok: true });
  });
});

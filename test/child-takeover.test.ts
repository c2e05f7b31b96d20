// A parent taken over right after it created a child: the old owner must not cancel the child (a takeover is
// not a cancel), and the new owner re-attaches to the same child. Found by the soak (a stale execution
// re-read its parent after creating the child, saw the new epoch and cancelled the child; the parent failed).
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { defineTask, defineWorkflow, Runtime, StorageUnavailableError, type StorageAdapter } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { tempDir } from './helpers.js';

const tmp = tempDir();
const runtimes: Runtime[] = [];
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.shutdown({ timeout: 0 }).catch(() => {});
});

/** W1's storage: once the child exists, claims and heartbeats fail for 2.5 s, as if the process were paused. */
function pausedAfterChild(adapter: StorageAdapter, paused: { until: number; cancels: string[] }): StorageAdapter {
  return new Proxy(adapter, {
    get(target, prop) {
      const value = (target as unknown as Record<string | symbol, unknown>)[prop];
      if (typeof value !== 'function') return value;
      const call = value as (...args: unknown[]) => Promise<unknown>;
      if (prop === 'createWorkflow') {
        return async (input: { parentId: string | null }) => {
          const result = await call.call(target, input);
          if (input.parentId) paused.until = Date.now() + 2_500;
          return result;
        };
      }
      if (prop === 'getWorkflow') {
        // Whatever the old owner reads of its parent during the pause, it reads after the takeover.
        return async (...args: unknown[]) => {
          const wait = paused.until - Date.now();
          if (wait > 0 && args[0] === 'p1') await new Promise((resolve) => setTimeout(resolve, wait));
          return call.apply(target, args);
        };
      }
      if (prop === 'cancelWorkflow') {
        return async (...args: unknown[]) => {
          paused.cancels.push(String(args[0]));
          return call.apply(target, args);
        };
      }
      if (prop === 'claim' || prop === 'renewLeases' || prop === 'recordStep' || prop === 'suspend') {
        return async (...args: unknown[]) => {
          if (Date.now() < paused.until) throw new StorageUnavailableError('paused');
          return call.apply(target, args);
        };
      }
      return call.bind(target);
    },
  });
}

describe('a parent taken over after creating a child', () => {
  it('completes on the new owner with the child it created; the old owner cancels nothing', async () => {
    const file = tmp.file('takeover.db');
    const slow = defineTask('takeover.slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      return 'child done';
    });
    const child = defineWorkflow('takeover.child', async () => slow());
    const parent = defineWorkflow('takeover.parent', async () => `parent got: ${await child()}`);
    const paused = { until: 0, cancels: [] as string[] };
    const options = { leaseMs: 1_000, heartbeatMs: 300, pollIntervalMs: 100, idlePollIntervalMs: 200, logger: pino({ level: 'silent' }) };
    const w1 = new Runtime({ ...options, storage: pausedAfterChild(new SqliteAdapter({ filename: file }), paused), workerId: 'W1' });
    const w2 = new Runtime({ ...options, storage: new SqliteAdapter({ filename: file }), workerId: 'W2' });
    runtimes.push(w1, w2);
    for (const runtime of [w1, w2]) runtime.register(parent, child, slow);
    await w1.start();
    await w1.startWorkflow(parent, [], { id: 'p1' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await w2.start();
    expect(await (await w2.getWorkflow('p1')).result()).toBe('parent got: child done');
    expect(paused.cancels).toEqual([]);
    expect((await (await w2.getWorkflow('p1/0')).info()).status).toBe('completed');
    const history = (await (await w2.getWorkflow('p1')).history()).map((e) => e.type);
    expect(history).toContain('recovered');
    expect(history).not.toContain('cancelled');
  }, 20_000);
});

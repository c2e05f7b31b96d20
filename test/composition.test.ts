import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CancelledError,
  defineTask,
  defineTransaction,
  defineWorkflow,
  NonDeterminismError,
  patched,
  sleep,
  taskContext,
  TimeoutError,
  ValidationError,
  waitForSignal,
  WorkflowFinishedError,
  WorkflowNotFoundError,
  type Runtime,
} from '@steadfast/core';
import { ADAPTERS, type TestStorage } from './adapters.js';
import { waitFor } from './helpers.js';

class OutOfStock extends Error {
  override name = 'OutOfStock';
}

describe.each(ADAPTERS.filter((a) => a.available))('composition on $name', (kind) => {
  let storage: TestStorage;
  beforeEach(async () => {
    storage = await kind.create();
  });
  afterEach(async () => {
    await storage.cleanup();
  });

  const statusOf = async (r: Runtime, id: string) => (await r.getWorkflow(id)).status();

  describe('child workflows', () => {
    it('starts a child with a deterministic id, suspends the parent while it runs, and returns its result', async () => {
      const childRuns: string[] = [];
      const child = defineWorkflow('child', async (n: number) => {
        childRuns.push(`child ${n}`);
        await sleep('200ms');
        return n * 10;
      });
      const parent = defineWorkflow('parent', async () => {
        const a = await child(1);
        const b = await child(2);
        return a + b;
      });
      const r = storage.runtime({ inMemoryWaitMs: 0 }).register(parent, child);
      await r.start();
      const handle = await r.startWorkflow(parent, [], { id: 'p1' });
      await waitFor(async () => (await r.listWorkflows({ name: 'child' })).length === 1, 5_000, 'first child');
      const [first] = await r.listWorkflows({ name: 'child' });
      expect(first).toMatchObject({ id: 'p1/0', parentId: 'p1' });
      await waitFor(async () => (await handle.status()) === 'sleeping', 5_000, 'parent parked');
      expect((await handle.info()).nextAt).toBeUndefined(); // parked until the child wakes it, no slot held
      expect(await handle.result()).toBe(30);
      expect(childRuns.filter((r) => r === 'child 1')).toHaveLength(2); // the child's own body replays after its sleep
      expect((await r.listWorkflows({ name: 'child' })).map((w) => w.id).sort()).toEqual(['p1/0', 'p1/1']);
    });

    it('a child outlives a restart of its parent and is re-attached, not started again', async () => {
      let childStarts = 0;
      const child = defineWorkflow('longChild', async () => {
        childStarts++;
        await sleep('400ms');
        return 'child done';
      });
      const parent = defineWorkflow('restartingParent', async () => `parent got ${await child()}`);
      const first = storage.runtime({ inMemoryWaitMs: 0 }).register(parent, child);
      await first.start();
      await first.startWorkflow(parent, [], { id: 'rp' });
      await waitFor(async () => (await statusOf(first, 'rp')) === 'sleeping' && (await statusOf(first, 'rp/0')) === 'sleeping', 5_000, 'both parked');
      await first.shutdown();

      const second = storage.runtime({ inMemoryWaitMs: 0 }).register(parent, child);
      await second.start();
      expect(await (await second.getWorkflow('rp')).result()).toBe('parent got child done');
      expect((await second.listWorkflows({ name: 'longChild' })).length).toBe(1);
    });

    it("brings a child's error back into the parent as the same class, which may catch it", async () => {
      const child = defineWorkflow('failingChild', async () => {
        throw new OutOfStock('sku-1 is out of stock');
      });
      const parent = defineWorkflow('catchingParent', async () => {
        try {
          await child();
          return 'no error';
        } catch (error) {
          return `${error instanceof OutOfStock} ${(error as Error).message}`;
        }
      });
      const r = storage.runtime({ errorClasses: [OutOfStock] }).register(parent, child);
      await r.start();
      expect(await (await r.startWorkflow(parent, [])).result()).toBe('true sku-1 is out of stock');
    });

    it('cancelling a parent cancels its unfinished children', async () => {
      const child = defineWorkflow('sleepyChild', async () => sleep('1h'));
      const parent = defineWorkflow('sleepyParent', async () => child());
      const r = storage.runtime().register(parent, child);
      await r.start();
      const handle = await r.startWorkflow(parent, [], { id: 'sp' });
      await waitFor(async () => (await r.listWorkflows({ name: 'sleepyChild', status: 'sleeping' })).length === 1, 5_000, 'child sleeping');
      await handle.cancel();
      await expect(handle.result()).rejects.toBeInstanceOf(CancelledError);
      expect(await statusOf(r, 'sp/0')).toBe('cancelled');
    });
  });

  describe('signals', () => {
    const approval = defineWorkflow('approval', async (timeout?: string) => {
      const first = await waitForSignal<{ ok: boolean }>('decision', timeout ? { timeout } : {});
      return first === undefined ? 'timed out' : first.ok ? 'approved' : 'rejected';
    });

    it('delivers a signal sent after the wait began', async () => {
      const r = storage.runtime().register(approval);
      await r.start();
      const handle = await r.startWorkflow(approval, [], { id: 'ap1' });
      await waitFor(async () => (await handle.status()) === 'sleeping', 5_000, 'waiting');
      await r.signal('ap1', 'decision', { ok: true });
      expect(await handle.result()).toBe('approved');
    });

    it('delivers a signal sent before the wait began, from a client runtime', async () => {
      const client = storage.runtime().register(approval);
      const handle = await client.startWorkflow(approval, [], { id: 'ap2' });
      await client.signal('ap2', 'decision', { ok: false });
      const worker = storage.runtime().register(approval);
      await worker.start();
      expect(await handle.result()).toBe('rejected');
    });

    it('returns undefined when the timeout passes', async () => {
      const r = storage.runtime().register(approval);
      await r.start();
      expect(await (await r.startWorkflow(approval, ['150ms'])).result()).toBe('timed out');
    });

    it('delivers each signal exactly once, in the order sent', async () => {
      const collector = defineWorkflow('collector', async () => [await waitForSignal('item'), await waitForSignal('item'), await waitForSignal('item')]);
      const r = storage.runtime().register(collector);
      await r.start();
      const handle = await r.startWorkflow(collector, [], { id: 'col' });
      await r.signal('col', 'item', 'a');
      await r.signal('col', 'item', 'b');
      await waitFor(async () => (await handle.history()).filter((e) => e.type === 'step_completed').length >= 2, 5_000, 'two received');
      await r.signal('col', 'item', 'c');
      expect(await handle.result()).toEqual(['a', 'b', 'c']);
    });

    it('refuses a signal to an unknown or a finished workflow', async () => {
      const quick = defineWorkflow('quick', async () => 'done');
      const r = storage.runtime().register(quick);
      await r.start();
      await expect(r.signal('nobody', 'decision', 1)).rejects.toBeInstanceOf(WorkflowNotFoundError);
      const handle = await r.startWorkflow(quick, [], { id: 'done-1' });
      await handle.result();
      await expect(r.signal('done-1', 'decision', 1)).rejects.toThrow('workflow done-1 is completed; it can no longer receive signal "decision"');
      await expect(r.signal('done-1', '', 1)).rejects.toBeInstanceOf(ValidationError);
    });

    it('refuses to cancel a completed or failed workflow naming its status; a cancelled one again resolves', async () => {
      const quick = defineWorkflow('quick', async () => 'done');
      const broken = defineWorkflow('broken', async () => {
        throw new OutOfStock('none left');
      });
      const r = storage.runtime().register(quick, broken, approval);
      await r.start();
      await (await r.startWorkflow(quick, [], { id: 'done-1' })).result();
      await (await r.startWorkflow(broken, [], { id: 'failed-1' })).result().catch(() => undefined);
      const refused = await r.cancel('done-1').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(WorkflowFinishedError);
      expect(refused).toMatchObject({ code: 'WORKFLOW_FINISHED', workflowId: 'done-1', status: 'completed', message: 'workflow done-1 is completed; only an unfinished workflow can be cancelled' });
      await expect((await r.getWorkflow('failed-1')).cancel()).rejects.toMatchObject({ code: 'WORKFLOW_FINISHED', status: 'failed' });
      expect(await statusOf(r, 'done-1')).toBe('completed');
      expect(await statusOf(r, 'failed-1')).toBe('failed');

      const waiting = await r.startWorkflow(approval, [], { id: 'ap-c' });
      await r.cancel('ap-c');
      await r.cancel('ap-c');
      await waiting.cancel();
      expect((await waiting.history()).filter((e) => e.type === 'cancelled')).toHaveLength(1);
      await expect(r.cancel('nobody')).rejects.toBeInstanceOf(WorkflowNotFoundError);
    });

    it('cancels a workflow waiting for a signal at once', async () => {
      const r = storage.runtime().register(approval);
      await r.start();
      const handle = await r.startWorkflow(approval, []);
      await waitFor(async () => (await handle.status()) === 'sleeping', 5_000, 'waiting');
      await handle.cancel();
      await expect(handle.result()).rejects.toBeInstanceOf(CancelledError);
    });
  });

  describe('races between a long wait and other steps', () => {
    it('a signal that wins a race against a long sleep resumes the workflow at once, now and on replay', async () => {
      const approval = defineWorkflow('raceApproval', async () => {
        const winner = await Promise.race([sleep('1h').then(() => 'timed out'), waitForSignal<string>('approve')]);
        await sleep('150ms'); // suspends again: the race is replayed
        return winner;
      });
      const r = storage.runtime({ inMemoryWaitMs: 0 }).register(approval);
      await r.start();
      const handle = await r.startWorkflow(approval, [], { id: 'race-1' });
      await waitFor(async () => (await handle.status()) === 'sleeping', 5_000, 'parked on the race');
      await r.signal('race-1', 'approve', 'yes');
      expect(await handle.result()).toBe('yes');
      // Parked once for the race, once for the sleep after it: no claim/park loop in between.
      expect((await handle.history()).filter((e) => e.type === 'sleeping')).toHaveLength(2);
    });

    it('Promise.race picks the same winner on replay as on the first run', async () => {
      const slowLookup = defineTask('slowLookup', async () => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        return 'found';
      });
      const onTimeout = defineTask('onTimeout', async () => 'fallback used');
      const onFound = defineTask('onFound', async () => 'lookup used');
      const wf = defineWorkflow('raceReplay', async () => {
        // The sleep (in memory) wins; the lookup finishes later and is checkpointed too.
        const winner = await Promise.race([slowLookup().then(() => 'lookup'), sleep('200ms').then(() => 'timeout')]);
        const used = winner === 'timeout' ? await onTimeout() : await onFound();
        await sleep('1s'); // suspends: the race is replayed from checkpoints, both recorded
        return used;
      });
      const r = storage.runtime({ inMemoryWaitMs: 300 }).register(wf, slowLookup, onTimeout, onFound);
      await r.start();
      expect(await (await r.startWorkflow(wf, [])).result()).toBe('fallback used');
    });

    it('a task racing a long sleep runs and wins; the workflow does not spin', async () => {
      const quick = defineTask('quickRacer', async () => 'task won');
      const wf = defineWorkflow('taskRace', async () => Promise.race([sleep('1h').then(() => 'sleep won'), quick()]));
      const r = storage.runtime({ inMemoryWaitMs: 0 }).register(wf, quick);
      await r.start();
      const handle = await r.startWorkflow(wf, []);
      expect(await handle.result()).toBe('task won');
      expect((await handle.history()).filter((e) => e.type === 'claimed' || e.type === 'woke')).toHaveLength(1);
    });
  });

  describe('retry of a parent failed by its child', () => {
    it('retries the failed child too, so the parent can succeed', async () => {
      let healthy = false;
      const flaky = defineTask('childFlaky', async () => {
        if (!healthy) throw new Error('not yet');
        return 'fine';
      });
      const child = defineWorkflow('failingOnce', async () => flaky());
      const parent = defineWorkflow('parentOfFailing', async () => `parent: ${await child()}`);
      const r = storage.runtime().register(parent, child, flaky);
      await r.start();
      const handle = await r.startWorkflow(parent, [], { id: 'pf' });
      await expect(handle.result()).rejects.toThrow('not yet');
      healthy = true;
      await r.retry('pf');
      expect(await handle.result()).toBe('parent: fine');
      expect(await (await r.getWorkflow('pf/0')).status()).toBe('completed');
    });
  });

  describe('timeouts', () => {
    it('retries a task attempt that timed out, and succeeds', async () => {
      const aborted: boolean[] = [];
      const slowOnce = defineTask(
        'slowOnce',
        async () => {
          const { attempt, signal } = taskContext();
          if (attempt === 1) {
            await new Promise((resolve) => signal.addEventListener('abort', resolve));
            aborted.push(signal.reason instanceof TimeoutError);
            return 'too late';
          }
          return 'fast';
        },
        { timeout: '100ms', retries: 2, backoff: { type: 'fixed', initial: 10 } },
      );
      const wf = defineWorkflow('timesOut', async () => slowOnce());
      const r = storage.runtime().register(wf, slowOnce);
      await r.start();
      const handle = await r.startWorkflow(wf, []);
      expect(await handle.result()).toBe('fast');
      expect(aborted).toEqual([true]);
      const retry = (await handle.history()).find((e) => e.type === 'retry_scheduled');
      expect((retry?.data?.error as Error).name).toBe('TimeoutError');
    });

    it('cancels a workflow that reaches its deadline, with a TimeoutError as the reason', async () => {
      const slow = defineWorkflow('deadlined', async () => sleep('1h'), { timeout: '300ms' });
      const r = storage.runtime().register(slow);
      await r.start();
      const handle = await r.startWorkflow(slow, []);
      const error = await handle.result().catch((e) => e);
      expect(error).toBeInstanceOf(CancelledError);
      expect(error.cause).toBeInstanceOf(TimeoutError);
      expect(error.message).toContain('reached its deadline');
      expect(await handle.status()).toBe('cancelled');
    });
  });

  describe('transactional steps', () => {
    it('commits the step’s writes with its checkpoint, so a failed attempt leaves nothing behind', async () => {
      const adapter = storage.adapter() as unknown as { knex: any; migrate(): Promise<void> };
      await adapter.migrate();
      const knex = adapter.knex;
      // A table of the application's own, in the database's default schema: unique per run, dropped after.
      const table = `ledger_${process.pid}_${Date.now()}`;
      await knex.schema.createTable(table, (t: any) => {
        t.string('account');
        t.integer('cents');
      });
      let attempts = 0;
      const debit = defineTransaction(
        'debit',
        async (account: string, cents: number) => {
          attempts++;
          await taskContext().trx(table).insert({ account, cents: -cents });
          if (attempts === 1) throw new Error('crash after the insert, before the commit');
          return 'debited';
        },
        { retries: 2, backoff: { type: 'fixed', initial: 10 } },
      );
      const wf = defineWorkflow('pay', async () => debit('acc-1', 500));
      const r = storage.runtime().register(wf, debit);
      try {
        await r.start();
        expect(await (await r.startWorkflow(wf, [])).result()).toBe('debited');
        expect(attempts).toBe(2);
        expect(await knex(table).select('account', 'cents')).toEqual([{ account: 'acc-1', cents: -500 }]);
      } finally {
        await knex.schema.dropTableIfExists(table);
      }
    });
  });

  describe('versioning and determinism', () => {
    it('patched() takes the new branch in new executions and replays the old one in old executions', async () => {
      const ran: string[] = [];
      const stepA = defineTask('stepA', async () => ran.push('A'));
      const stepB = defineTask('stepB', async () => ran.push('B'));
      const stepC = defineTask('stepC', async () => ran.push('C'));
      const v1 = defineWorkflow('versioned', async () => {
        await stepA();
        await sleep('200ms');
        await stepB();
        return 'v1 path';
      });
      const first = storage.runtime({ inMemoryWaitMs: 0 }).register(v1, stepA, stepB);
      await first.start();
      await first.startWorkflow(v1, [], { id: 'old' });
      await waitFor(async () => (await statusOf(first, 'old')) === 'sleeping', 5_000, 'old parked');
      await first.shutdown();

      const v2 = defineWorkflow('versioned', async () => {
        await stepA();
        await sleep('200ms');
        if (await patched('add-step-c')) {
          await stepC();
          await stepB();
          return 'new path';
        }
        await stepB();
        return 'old path';
      });
      const second = storage.runtime({ inMemoryWaitMs: 0 }).register(v2, stepA, stepB, stepC);
      await second.start();
      // The old execution had recorded nothing past the sleep, so it is at the frontier: it takes the new path.
      // An execution that recorded stepB at that position already replays the old one:
      expect(await (await second.getWorkflow('old')).result()).toBe('new path');
      const fresh = await second.startWorkflow(v2, [], { id: 'new' });
      expect(await fresh.result()).toBe('new path');
      expect(ran.filter((s) => s === 'C')).toHaveLength(2);
    });

    it('replays the old branch for an execution that recorded a step where the patch now stands', async () => {
      const stepB = defineTask('stepB2', async () => 'b');
      const v1 = defineWorkflow('versioned2', async () => {
        await stepB();
        await sleep('200ms');
        return 'v1';
      });
      const first = storage.runtime({ inMemoryWaitMs: 0 }).register(v1, stepB);
      await first.start();
      await first.startWorkflow(v1, [], { id: 'old2' });
      await waitFor(async () => (await statusOf(first, 'old2')) === 'sleeping', 5_000, 'old parked');
      await first.shutdown();
      const stepC = defineTask('stepC2', async () => 'c');
      const v2 = defineWorkflow('versioned2', async () => {
        if (await patched('c-first')) await stepC();
        await stepB();
        await sleep('200ms');
        return 'v2';
      });
      const second = storage.runtime({ inMemoryWaitMs: 0 }).register(v2, stepB, stepC);
      await second.start();
      expect(await (await second.getWorkflow('old2')).result()).toBe('v2');
      const history = await (await second.getWorkflow('old2')).history();
      expect(history.filter((e) => e.type === 'step_completed').map((e) => e.data?.name)).toEqual(['stepB2', 'sleep']);
    });

    it('detects a replay that calls a task with other arguments, showing both', async () => {
      const charge = defineTask('chargeFp', async (cents: number) => cents);
      const v1 = defineWorkflow('fp', async () => {
        await charge(4200);
        await sleep('200ms');
      });
      const first = storage.runtime({ inMemoryWaitMs: 0 }).register(v1, charge);
      await first.start();
      await first.startWorkflow(v1, [], { id: 'fp1' });
      await waitFor(async () => (await statusOf(first, 'fp1')) === 'sleeping', 5_000, 'parked');
      await first.shutdown();
      const v2 = defineWorkflow('fp', async () => {
        await charge(4300);
        await sleep('200ms');
      });
      const second = storage.runtime({ inMemoryWaitMs: 0 }).register(v2, charge);
      await second.start();
      const error = (await (await second.getWorkflow('fp1')).result().catch((e: Error) => e)) as Error;
      expect(error).toBeInstanceOf(NonDeterminismError);
      expect(error.message).toContain('step 0 was recorded as task chargeFp with arguments [4200] but the code now calls it with arguments [4300]');
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { Lease, StorageAdapter, TransactionStep } from '../storage/storage-adapter.js';
import { expectLeaseLost, sleep, withoutUpdatedAt, type SuiteContext } from './context.js';

/**
 * runTransactionStep (with `capabilities.transactions`): the body's writes and the checkpoint commit together
 * or not at all, fenced; a step checkpointed already does not run again. Assertions on the body's own
 * writes need the target's `transactionProbe`.
 */
export function describeTransactionCases(ctx: SuiteContext): void {
  const step = (seq: number, overrides: Partial<TransactionStep> = {}): TransactionStep => ({
    seq, name: 'debit', attempts: 1, fingerprint: `0cc175b9:[${seq}]`, ...overrides,
  });

  /** The adapter's runTransactionStep, skipping the test when the adapter declares no transactions. */
  function transactional(skip: (note?: string) => never): NonNullable<StorageAdapter['runTransactionStep']> {
    const { adapter } = ctx;
    if (!adapter.capabilities.transactions) skip('the adapter does not declare capabilities.transactions');
    return adapter.runTransactionStep!.bind(adapter);
  }

  /** Sets up the probe table if the target has a probe; returns a writer for bodies and a reader (undefined without). */
  async function probe(): Promise<{ write: (trx: unknown, value: string) => Promise<void>; read: () => Promise<string[] | undefined> }> {
    const target = ctx.target.transactionProbe;
    if (target) await target.setup(ctx.adapter);
    return {
      write: async (trx, value) => target?.write(trx, value),
      read: async () => target?.read(ctx.adapter),
    };
  }

  /** The body's committed writes are `expected` (checked only with a probe). */
  async function expectProbe(read: () => Promise<string[] | undefined>, expected: string[]): Promise<void> {
    const values = await read();
    if (values !== undefined) expect(values).toEqual(expected);
  }

  describe('runTransactionStep', () => {
    it('exists when capabilities.transactions is declared', () => {
      if (ctx.adapter.capabilities.transactions) expect(typeof ctx.adapter.runTransactionStep).toBe('function');
      else expect(ctx.adapter.capabilities.transactions).toBe(false);
    });

    it("commits the body's result as the step's checkpoint, with its event and the body's writes", async ({ skip }) => {
      const run = transactional(skip);
      const { t0 } = ctx;
      const { write, read } = await probe();
      const { lease, record } = await ctx.start();
      const id = lease.workflowId;
      let trxSeen: unknown;
      const output = await run(lease, step(0, { name: 'debit', attempts: 3, fingerprint: 'abc123:["acct-1",42]' }), async (trx) => {
        trxSeen = trx;
        await write(trx, 'debited 42');
        return '{"balance":58}';
      }, t0 + 10);
      expect(output).toBe('{"balance":58}');
      expect(trxSeen).toBeDefined();
      const { steps } = await ctx.adapter.loadExecution(lease);
      expect(steps).toEqual([
        { workflowId: id, seq: 0, name: 'debit', kind: 'task', output: '{"balance":58}', error: null, attempts: 3, fingerprint: 'abc123:["acct-1",42]', createdAt: expect.any(Number) },
      ]);
      ctx.expectTime(steps[0]!.createdAt, t0 + 10);
      const event = (await ctx.adapter.history(id)).at(-1)!;
      expect([event.type, event.seq]).toEqual(['step_completed', 0]);
      expect(withoutUpdatedAt(await ctx.record(id))).toEqual(withoutUpdatedAt(record));
      await expectProbe(read, ['debited 42']);
    });

    it("rolls back the body's writes when it throws, writes no step or event, and rethrows its error", async ({ skip }) => {
      const run = transactional(skip);
      const { t0 } = ctx;
      const { write, read } = await probe();
      const { lease } = await ctx.start();
      const before = await ctx.snapshot(lease.workflowId);
      const failure = new Error('insufficient funds');
      const outcome = run(lease, step(0), async (trx) => {
        await write(trx, 'half-done');
        throw failure;
      }, t0 + 10);
      await expect(outcome).rejects.toBe(failure);
      expect(await ctx.adapter.history(lease.workflowId)).toEqual(before.history);
      expect(withoutUpdatedAt(await ctx.record(lease.workflowId))).toEqual(withoutUpdatedAt(before.record));
      expect((await ctx.adapter.loadExecution(lease)).steps).toEqual([]);
      await expectProbe(read, []);

      // The next attempt runs the body again and commits.
      let calls = 0;
      const output = await run(lease, step(0, { attempts: 2 }), async (trx) => {
        calls++;
        await write(trx, 'done');
        return '"ok"';
      }, t0 + 20);
      expect([output, calls]).toEqual(['"ok"', 1]);
      expect((await ctx.adapter.loadExecution(lease)).steps.map((s) => [s.seq, s.output, s.attempts])).toEqual([[0, '"ok"', 2]]);
      await expectProbe(read, ['done']);
    });

    it('with a lease already lost: LeaseLostError, and neither the step nor the body\'s writes are committed', async ({ skip }) => {
      const run = transactional(skip);
      const { t0 } = ctx;
      const { write, read } = await probe();
      const { lease } = await ctx.start();
      const id = lease.workflowId;
      await ctx.adapter.release(lease, t0 + 1);
      const holder = await ctx.reclaim(id, t0 + 1);
      const before = await ctx.snapshot(id);
      const stale = (lost: Lease, value: string) => run(lost, step(0), async (trx) => {
        await write(trx, value);
        return '"stale"';
      }, t0 + 2);
      await expectLeaseLost(stale(lease, 'earlier epoch'), id);
      await expectLeaseLost(stale({ ...holder, owner: 'worker-intruder' }, 'other owner'), id);
      expect(await ctx.snapshot(id)).toEqual(before);
      expect((await ctx.adapter.loadExecution(holder)).steps).toEqual([]);
      await expectProbe(read, []);
      // The holder runs the step.
      expect(await run(holder, step(0), async (trx) => {
        await write(trx, 'holder');
        return '"holder"';
      }, t0 + 3)).toBe('"holder"');
      expect((await ctx.adapter.loadExecution(holder)).steps.map((s) => s.output)).toEqual(['"holder"']);
      await expectProbe(read, ['holder']);

      const cancelled = await ctx.start();
      await ctx.adapter.cancelWorkflow(cancelled.lease.workflowId, t0 + 4);
      await expectLeaseLost(stale(cancelled.lease, 'cancelled'), cancelled.lease.workflowId);
      await expectProbe(read, ['holder']);
    });

    it('with a lease already lost and the seq checkpointed: LeaseLostError rather than the checkpoint, body not run', async ({ skip }) => {
      const run = transactional(skip);
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      const id = lease.workflowId;
      expect(await run(lease, step(0), async () => '"committed"', t0 + 1)).toBe('"committed"');
      await ctx.adapter.recordStep(lease, { seq: 1, name: 'debit', kind: 'task', output: '"recorded"', error: null, attempts: 1, fingerprint: null }, t0 + 2);
      await ctx.adapter.release(lease, t0 + 3);
      const holder = await ctx.reclaim(id, t0 + 3);
      const before = await ctx.snapshot(id);
      for (const seq of [0, 1]) {
        await expectLeaseLost(run(lease, step(seq), async () => expect.fail('a stale lease ran the body'), t0 + 4), id);
      }
      expect(await ctx.snapshot(id)).toEqual(before);
      expect(await run(holder, step(0), async () => expect.fail('the body ran again'), t0 + 5)).toBe('"committed"');
    });

    it('a lease lost while the body runs: the step and the body\'s writes commit together or not at all', async ({ skip }) => {
      const run = transactional(skip);
      const { t0 } = ctx;
      const { write, read } = await probe();
      const { lease } = await ctx.start();
      const id = lease.workflowId;
      let cancelling: Promise<unknown> | undefined;
      const outcome = await run(lease, step(0), async (trx) => {
        await write(trx, 'in flight');
        // Cancelled mid-body (through the same adapter: a second SQLite adapter in this process would block
        // the event loop in its busy wait). An adapter may make the cancel wait for the commit, or refuse the commit.
        cancelling = ctx.adapter.cancelWorkflow(id, t0 + 5);
        await sleep(100);
        return '"body done"';
      }, t0 + 10).then(
        (output) => ({ committed: true as const, output }),
        (error: unknown) => ({ committed: false as const, error }),
      );
      await cancelling;
      expect((await ctx.record(id)).status).toBe('cancelled');
      const steps = (await ctx.adapter.history(id)).filter((e) => e.type === 'step_completed');
      if (outcome.committed) {
        expect(outcome.output).toBe('"body done"');
        expect(steps.map((e) => e.seq)).toEqual([0]);
        await expectProbe(read, ['in flight']);
      } else {
        await expectLeaseLost(Promise.reject(outcome.error), id);
        expect(steps).toEqual([]);
        await expectProbe(read, []);
      }
    });

    it('a seq checkpointed already returns its output without calling the body', async ({ skip }) => {
      const run = transactional(skip);
      const { t0 } = ctx;
      const { write, read } = await probe();
      const { lease } = await ctx.start();
      let calls = 0;
      const body = async (trx: unknown) => {
        calls++;
        await write(trx, `call ${calls}`);
        return `"call ${calls}"`;
      };
      // Checkpointed by a transactional step whose answer was lost...
      expect(await run(lease, step(0), body, t0 + 1)).toBe('"call 1"');
      const history = await ctx.adapter.history(lease.workflowId);
      expect(await run(lease, step(0), body, t0 + 2)).toBe('"call 1"');
      // ...or by recordStep.
      await ctx.adapter.recordStep(lease, { seq: 1, name: 'debit', kind: 'task', output: '"recorded"', error: null, attempts: 1, fingerprint: null }, t0 + 3);
      const afterRecord = await ctx.adapter.history(lease.workflowId);
      expect(await run(lease, step(1), body, t0 + 4)).toBe('"recorded"');
      expect(calls).toBe(1);
      expect(await ctx.adapter.history(lease.workflowId)).toEqual(afterRecord);
      expect(afterRecord.slice(0, history.length)).toEqual(history);
      expect((await ctx.adapter.loadExecution(lease)).steps.map((s) => [s.seq, s.output])).toEqual([[0, '"call 1"'], [1, '"recorded"']]);
      await expectProbe(read, ['call 1']);
    });

    it('a new lease finds the committed step and does not run its body again', async ({ skip }) => {
      const run = transactional(skip);
      const { t0 } = ctx;
      const { write, read } = await probe();
      const { lease } = await ctx.start();
      await run(lease, step(0), async (trx) => {
        await write(trx, 'once');
        return '"once"';
      }, t0 + 1);
      await ctx.adapter.release(lease, t0 + 2);
      const next = await ctx.reclaim(lease.workflowId, t0 + 2);
      expect(await run(next, step(0), async () => expect.fail('the body ran again'), t0 + 3)).toBe('"once"');
      await expectProbe(read, ['once']);
    });

    it('concurrent transactional steps of one workflow both commit', async ({ skip }) => {
      const run = transactional(skip);
      const { t0 } = ctx;
      const { write, read } = await probe();
      const { lease } = await ctx.start();
      const body = (value: string) => async (trx: unknown) => {
        await write(trx, value);
        await sleep(20);
        return JSON.stringify(value);
      };
      expect(await Promise.all([run(lease, step(0), body('zero'), t0 + 1), run(lease, step(1), body('one'), t0 + 1)])).toEqual(['"zero"', '"one"']);
      expect((await ctx.adapter.loadExecution(lease)).steps.map((s) => [s.seq, s.output])).toEqual([[0, '"zero"'], [1, '"one"']]);
      const values = await read();
      if (values) expect([...values].sort()).toEqual(['one', 'zero']);
    });
  });
}

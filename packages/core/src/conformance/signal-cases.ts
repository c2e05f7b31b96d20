import { describe, expect, it } from 'vitest';
import type { Lease, SignalReceive } from '../storage/storage-adapter.js';
import { expectLeaseLost, PAYLOADS, withoutUpdatedAt, type SuiteContext } from './context.js';

const ERROR = JSON.stringify({ $error: { name: 'Error', message: 'no approval' } });
const TIMEOUT = '{"$undefined":true}';

/** sendSignal, suspend waiting for signals (no lost wake-up), receiveSignal (oldest first, exactly once, deadline). */
export function describeSignalCases(ctx: SuiteContext): void {
  /** A receive of `name` at step `seq`, waiting forever unless a deadline is given. */
  const receive = (seq: number, name: string, deadline: number | null = null): SignalReceive => ({ seq, name, deadline, timeoutOutput: TIMEOUT });

  /** The signal steps checkpointed so far, as `[seq, name, output]`. */
  async function signalSteps(lease: Lease): Promise<[number, string, string | null][]> {
    const { steps } = await ctx.adapter.loadExecution(lease);
    return steps.filter((s) => s.kind === 'signal').map((s): [number, string, string | null] => [s.seq, s.name, s.output]);
  }

  describe('sendSignal', () => {
    it('with a key, sending again stores nothing more ("sent"); another key is another signal', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      expect(await ctx.adapter.sendSignal(lease.workflowId, 'go', '1', t0, 'k-1')).toBe('sent');
      expect(await ctx.adapter.sendSignal(lease.workflowId, 'go', '2', t0 + 1, 'k-1')).toBe('sent');
      expect(await ctx.adapter.sendSignal(lease.workflowId, 'go', '3', t0 + 2, 'k-2')).toBe('sent');
      expect((await ctx.eventTypes(lease.workflowId)).filter((type) => type === 'signal_sent')).toHaveLength(2);
      expect(await ctx.adapter.receiveSignal(lease, { seq: 0, name: 'go', deadline: null, timeoutOutput: 'null' }, t0 + 3)).toBe('1');
      expect(await ctx.adapter.receiveSignal(lease, { seq: 1, name: 'go', deadline: null, timeoutOutput: 'null' }, t0 + 4)).toBe('3');
      expect(await ctx.adapter.receiveSignal(lease, { seq: 2, name: 'go', deadline: null, timeoutOutput: 'null' }, t0 + 5)).toBeNull();
    });

    it('refuses an unknown workflow with not_found and writes nothing', async () => {
      await ctx.createWorkflow();
      expect(await ctx.adapter.sendSignal('no-such-workflow', 'approve', '1', ctx.t0)).toBe('not_found');
      expect(await ctx.adapter.getWorkflow('no-such-workflow')).toBeUndefined();
      expect(await ctx.adapter.history('no-such-workflow')).toEqual([]);
      expect(await ctx.adapter.listWorkflows({})).toHaveLength(1);
    });

    it('refuses a finished workflow with finished and writes nothing', async () => {
      const { t0 } = ctx;
      const completed = await ctx.start();
      await ctx.adapter.complete(completed.lease, '1', t0);
      const failed = await ctx.start();
      await ctx.adapter.fail(failed.lease, ERROR, null, t0);
      const cancelled = await ctx.createWorkflow();
      await ctx.adapter.cancelWorkflow(cancelled.id, t0);
      for (const id of [completed.lease.workflowId, failed.lease.workflowId, cancelled.id]) {
        const before = await ctx.snapshot(id);
        expect(await ctx.adapter.sendSignal(id, 'approve', '"refused"', t0 + 10)).toBe('finished');
        expect(await ctx.snapshot(id)).toEqual(before);
      }
      // The refused signal was not stored: once retried, the workflow has none to receive.
      await ctx.adapter.retryWorkflow(failed.lease.workflowId, t0 + 20);
      const again = await ctx.reclaim(failed.lease.workflowId, t0 + 20);
      expect(await ctx.adapter.receiveSignal(again, receive(0, 'approve'), t0 + 21)).toBeNull();
    });

    it('stores a signal for a pending workflow, with a signal_sent event, for it to receive once running', async () => {
      const { t0 } = ctx;
      const id = ctx.id();
      const created = await ctx.createWorkflow({ id, queue: `queue-of-${id}`, nextAt: t0 + 5_000 });
      expect(await ctx.adapter.sendSignal(id, 'approve', '{"by":"ann"}', t0 + 10)).toBe('sent');
      expect(withoutUpdatedAt(await ctx.record(id))).toEqual(withoutUpdatedAt(created));
      expect(await ctx.eventTypes(id)).toEqual(['created', 'signal_sent']);
      const lease = await ctx.reclaim(id, t0 + 5_000);
      expect(await ctx.adapter.receiveSignal(lease, receive(0, 'approve'), t0 + 5_001)).toBe('{"by":"ann"}');
    });

    it('a signal sent to a running workflow leaves it running and stays undelivered until receiveSignal takes it', async () => {
      const { t0 } = ctx;
      const { lease, record } = await ctx.start();
      expect(await ctx.adapter.sendSignal(lease.workflowId, 'approve', '"yes"', t0 + 10)).toBe('sent');
      expect(withoutUpdatedAt(await ctx.record(lease.workflowId))).toEqual(withoutUpdatedAt(record));
      expect(await ctx.eventTypes(lease.workflowId)).toEqual(['created', 'claimed', 'signal_sent']);
      expect(await signalSteps(lease)).toEqual([]);
      // Other steps, and a new lease, do not deliver it.
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'a', kind: 'task', output: '1', error: null, attempts: 1, fingerprint: null }, t0 + 20);
      await ctx.adapter.release(lease, t0 + 30);
      const next = await ctx.reclaim(lease.workflowId, t0 + 30);
      expect(await signalSteps(next)).toEqual([]);
      expect(await ctx.adapter.receiveSignal(next, receive(1, 'approve'), t0 + 40)).toBe('"yes"');
      expect(await signalSteps(next)).toEqual([[1, 'approve', '"yes"']]);
    });

    it('wakes a workflow parked without a wake time: due at once', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.suspend(lease, null, t0 + 10, { signals: ['approve'] });
      expect((await ctx.record(lease.workflowId)).nextAt).toBeNull();
      expect(await ctx.adapter.sendSignal(lease.workflowId, 'approve', '"yes"', t0 + 300)).toBe('sent');
      expect(await ctx.record(lease.workflowId)).toMatchObject({ status: 'sleeping', nextAt: t0 + 300, leaseOwner: null });
      const next = await ctx.reclaim(lease.workflowId, t0 + 300);
      expect(await ctx.eventTypes(lease.workflowId)).toEqual(['created', 'claimed', 'sleeping', 'signal_sent', 'woke']);
      expect(await ctx.adapter.receiveSignal(next, receive(0, 'approve'), t0 + 301)).toBe('"yes"');
    });

    it('wakes a workflow parked until later at once; one due sooner keeps its time', async () => {
      const { t0 } = ctx;
      const later = await ctx.start();
      await ctx.adapter.suspend(later.lease, t0 + 60_000, t0 + 10, { signals: ['approve'] });
      const sooner = await ctx.start();
      await ctx.adapter.suspend(sooner.lease, t0 + 100, t0 + 10, { signals: ['approve'] });
      await ctx.adapter.sendSignal(later.lease.workflowId, 'approve', '1', t0 + 500);
      await ctx.adapter.sendSignal(sooner.lease.workflowId, 'approve', '1', t0 + 500);
      expect((await ctx.record(later.lease.workflowId)).nextAt).toBe(t0 + 500);
      expect((await ctx.record(sooner.lease.workflowId)).nextAt).toBe(t0 + 100);
    });
  });

  describe('a signal sent before the park (race)', () => {
    it('suspend waiting for it makes the workflow due at once, whatever the wake time', async () => {
      const { t0 } = ctx;
      for (const wakeAt of [null, t0 + 60_000]) {
        const { lease } = await ctx.start();
        await ctx.adapter.sendSignal(lease.workflowId, 'approve', '"yes"', t0 + 10);
        await ctx.adapter.suspend(lease, wakeAt, t0 + 50, { children: ['no-such-child'], signals: ['reject', 'approve'] });
        expect(await ctx.record(lease.workflowId)).toMatchObject({ status: 'sleeping', nextAt: t0 + 50 });
        const next = await ctx.reclaim(lease.workflowId, t0 + 50);
        expect(await ctx.adapter.receiveSignal(next, receive(0, 'approve'), t0 + 51)).toBe('"yes"');
      }
    });

    it('only an undelivered signal of an awaited name counts', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.sendSignal(lease.workflowId, 'approve', '"first"', t0 + 1);
      expect(await ctx.adapter.receiveSignal(lease, receive(0, 'approve'), t0 + 2)).toBe('"first"');
      await ctx.adapter.sendSignal(lease.workflowId, 'other', '"x"', t0 + 3);
      const stranger = await ctx.start();
      await ctx.adapter.sendSignal(stranger.lease.workflowId, 'approve', '"not yours"', t0 + 4);
      await ctx.adapter.suspend(lease, null, t0 + 10, { signals: ['approve'] });
      expect(await ctx.record(lease.workflowId)).toMatchObject({ status: 'sleeping', nextAt: null });
    });

    it('suspend and sendSignal at the same moment never lose the wake-up', async () => {
      const { t0 } = ctx;
      const other = ctx.target.createPeer ? await ctx.peer() : ctx.adapter;
      for (let round = 0; round < 12; round++) {
        const { lease } = await ctx.start();
        const now = t0 + 1_000 + round;
        const park = () => ctx.adapter.suspend(lease, null, now, { signals: ['go'] });
        const send = () => other.sendSignal(lease.workflowId, 'go', String(round), now);
        const [first, second] = await Promise.all(round % 2 === 0 ? [park(), send()] : [send(), park()]);
        expect([first, second]).toContain('sent');
        const record = await ctx.record(lease.workflowId);
        expect({ round, status: record.status, nextAt: record.nextAt }).toEqual({ round, status: 'sleeping', nextAt: now });
      }
    });
  });

  describe('receiveSignal', () => {
    it('takes the oldest undelivered signal of the name and checkpoints it with its event', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      const id = lease.workflowId;
      await ctx.adapter.sendSignal(id, 'a', '"a1"', t0 + 1);
      await ctx.adapter.sendSignal(id, 'b', '"b1"', t0 + 2);
      await ctx.adapter.sendSignal(id, 'a', '"a2"', t0 + 3);
      expect(await ctx.adapter.receiveSignal(lease, receive(0, 'a'), t0 + 10)).toBe('"a1"');
      const { steps } = await ctx.adapter.loadExecution(lease);
      expect(steps).toEqual([{ workflowId: id, seq: 0, name: 'a', kind: 'signal', output: '"a1"', error: null, attempts: 1, fingerprint: null, createdAt: expect.any(Number) }]);
      ctx.expectTime(steps[0]!.createdAt, t0 + 10);
      const event = (await ctx.adapter.history(id)).at(-1)!;
      expect([event.type, event.seq]).toEqual(['step_completed', 0]);

      expect(await ctx.adapter.receiveSignal(lease, receive(1, 'a'), t0 + 11)).toBe('"a2"');
      expect(await ctx.adapter.receiveSignal(lease, receive(2, 'a'), t0 + 12)).toBeNull();
      expect(await ctx.adapter.receiveSignal(lease, receive(3, 'b'), t0 + 13)).toBe('"b1"');
      expect(await signalSteps(lease)).toEqual([[0, 'a', '"a1"'], [1, 'a', '"a2"'], [3, 'b', '"b1"']]);
      expect((await ctx.adapter.history(id)).filter((e) => e.type === 'step_completed').map((e) => e.seq)).toEqual([0, 1, 3]);
      expect((await ctx.record(id)).status).toBe('running');
    });

    it('repeated for a checkpointed seq returns its output and consumes no other signal', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.sendSignal(lease.workflowId, 'go', '"first"', t0 + 1);
      await ctx.adapter.sendSignal(lease.workflowId, 'go', '"second"', t0 + 2);
      expect(await ctx.adapter.receiveSignal(lease, receive(0, 'go'), t0 + 10)).toBe('"first"');
      const history = await ctx.adapter.history(lease.workflowId);
      expect(await ctx.adapter.receiveSignal(lease, receive(0, 'go'), t0 + 11)).toBe('"first"');
      // Even past a deadline, with another timeout output: the checkpoint is what it returns.
      expect(await ctx.adapter.receiveSignal(lease, { seq: 0, name: 'go', deadline: t0, timeoutOutput: '"late"' }, t0 + 12)).toBe('"first"');
      expect(await ctx.adapter.history(lease.workflowId)).toEqual(history);
      expect(await ctx.adapter.receiveSignal(lease, receive(1, 'go'), t0 + 13)).toBe('"second"');
      expect(await signalSteps(lease)).toEqual([[0, 'go', '"first"'], [1, 'go', '"second"']]);
    });

    it('a seq checkpointed already by recordStep returns that checkpoint and consumes nothing', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.recordStep(lease, { seq: 0, name: 'go', kind: 'signal', output: '"recorded"', error: null, attempts: 1, fingerprint: null }, t0 + 1);
      await ctx.adapter.sendSignal(lease.workflowId, 'go', '"waiting"', t0 + 2);
      expect(await ctx.adapter.receiveSignal(lease, receive(0, 'go'), t0 + 3)).toBe('"recorded"');
      expect(await ctx.adapter.receiveSignal(lease, receive(1, 'go'), t0 + 4)).toBe('"waiting"');
    });

    it('two receives for two seqs in turn take two signals in the order sent', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      for (let i = 0; i < 5; i++) await ctx.adapter.sendSignal(lease.workflowId, 'tick', String(i), t0 + 1);
      const outputs: (string | null)[] = [];
      for (let seq = 0; seq < 6; seq++) outputs.push(await ctx.adapter.receiveSignal(lease, receive(seq, 'tick'), t0 + 10 + seq));
      expect(outputs).toEqual(['0', '1', '2', '3', '4', null]);
    });

    it('concurrent receives for two seqs take two different signals', async () => {
      const { t0 } = ctx;
      const other = ctx.target.createPeer ? await ctx.peer() : ctx.adapter;
      for (let round = 0; round < 5; round++) {
        const { lease } = await ctx.start();
        await ctx.adapter.sendSignal(lease.workflowId, 'go', '"s1"', t0 + 1);
        await ctx.adapter.sendSignal(lease.workflowId, 'go', '"s2"', t0 + 2);
        const [zero, one] = await Promise.all([
          ctx.adapter.receiveSignal(lease, receive(0, 'go'), t0 + 10),
          other.receiveSignal(lease, receive(1, 'go'), t0 + 10),
        ]);
        expect([zero, one].sort()).toEqual(['"s1"', '"s2"']);
        expect(await signalSteps(lease)).toEqual([[0, 'go', zero], [1, 'go', one]]);
        expect(await ctx.adapter.receiveSignal(lease, receive(2, 'go'), t0 + 11)).toBeNull();
      }
    });

    it('concurrent receives for the same seq deliver one signal, once', async () => {
      const { t0 } = ctx;
      const other = ctx.target.createPeer ? await ctx.peer() : ctx.adapter;
      const { lease } = await ctx.start();
      await ctx.adapter.sendSignal(lease.workflowId, 'go', '"s1"', t0 + 1);
      await ctx.adapter.sendSignal(lease.workflowId, 'go', '"s2"', t0 + 2);
      const results = await Promise.all([
        ctx.adapter.receiveSignal(lease, receive(0, 'go'), t0 + 10),
        other.receiveSignal(lease, receive(0, 'go'), t0 + 10),
        ctx.adapter.receiveSignal(lease, receive(0, 'go'), t0 + 10),
      ]);
      expect(results).toEqual(['"s1"', '"s1"', '"s1"']);
      expect((await ctx.eventTypes(lease.workflowId)).filter((t) => t === 'step_completed')).toHaveLength(1);
      expect(await ctx.adapter.receiveSignal(lease, receive(1, 'go'), t0 + 11)).toBe('"s2"');
    });

    it('with none waiting before the deadline, or with no deadline, returns null and writes nothing', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.sendSignal(lease.workflowId, 'other', '"x"', t0 + 1);
      const before = await ctx.snapshot(lease.workflowId);
      expect(await ctx.adapter.receiveSignal(lease, receive(0, 'go', t0 + 1_000), t0 + 999)).toBeNull();
      expect(await ctx.adapter.receiveSignal(lease, receive(0, 'go'), t0 + 999)).toBeNull();
      expect(await ctx.adapter.history(lease.workflowId)).toEqual(before.history);
      expect(withoutUpdatedAt(await ctx.record(lease.workflowId))).toEqual(withoutUpdatedAt(before.record));
      expect((await ctx.adapter.loadExecution(lease)).steps).toEqual([]);
      // Nothing timed out: a signal sent now is received at that same step.
      await ctx.adapter.sendSignal(lease.workflowId, 'go', '"on time"', t0 + 1_000);
      expect(await ctx.adapter.receiveSignal(lease, receive(0, 'go', t0 + 1_000), t0 + 1_500)).toBe('"on time"');
    });

    it('with none waiting at or past the deadline checkpoints the timeout output', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      expect(await ctx.adapter.receiveSignal(lease, receive(0, 'go', t0 + 1_000), t0 + 1_000)).toBe(TIMEOUT);
      expect(await ctx.adapter.receiveSignal(lease, receive(1, 'go', t0 + 1_000), t0 + 5_000)).toBe(TIMEOUT);
      expect(await signalSteps(lease)).toEqual([[0, 'go', TIMEOUT], [1, 'go', TIMEOUT]]);
      expect((await ctx.adapter.history(lease.workflowId)).filter((e) => e.type === 'step_completed').map((e) => e.seq)).toEqual([0, 1]);
      // A signal sent after the timeout waits for the next receive.
      await ctx.adapter.sendSignal(lease.workflowId, 'go', '"late"', t0 + 6_000);
      expect(await ctx.adapter.receiveSignal(lease, receive(0, 'go', t0 + 1_000), t0 + 6_001)).toBe(TIMEOUT);
      expect(await ctx.adapter.receiveSignal(lease, receive(2, 'go', t0 + 1_000), t0 + 6_002)).toBe('"late"');
    });

    it('a waiting signal is taken even past the deadline', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      await ctx.adapter.sendSignal(lease.workflowId, 'go', '"made it"', t0 + 1);
      expect(await ctx.adapter.receiveSignal(lease, receive(0, 'go', t0), t0 + 10_000)).toBe('"made it"');
    });

    it('signals belong to the workflow they were sent to', async () => {
      const { t0 } = ctx;
      const a = await ctx.start();
      const b = await ctx.start();
      await ctx.adapter.sendSignal(a.lease.workflowId, 'go', '"for a"', t0 + 1);
      expect(await ctx.adapter.receiveSignal(b.lease, receive(0, 'go'), t0 + 2)).toBeNull();
      expect(await ctx.adapter.receiveSignal(a.lease, receive(0, 'go'), t0 + 3)).toBe('"for a"');
    });

    it('a stale lease cannot consume a signal: refused with nothing written, the holder receives it', async () => {
      const { t0 } = ctx;
      const { lease } = await ctx.start();
      const id = lease.workflowId;
      await ctx.adapter.sendSignal(id, 'go', '"only one"', t0 + 1);
      await ctx.adapter.release(lease, t0 + 2);
      const holder = await ctx.reclaim(id, t0 + 2);
      const before = await ctx.snapshot(id);
      await expectLeaseLost(ctx.adapter.receiveSignal(lease, receive(0, 'go', t0), t0 + 3), id);
      await expectLeaseLost(ctx.adapter.receiveSignal({ ...holder, owner: 'worker-intruder' }, receive(0, 'go'), t0 + 3), id);
      expect(await ctx.snapshot(id)).toEqual(before);
      expect((await ctx.adapter.loadExecution(holder)).steps).toEqual([]);
      expect(await ctx.adapter.receiveSignal(holder, receive(0, 'go'), t0 + 4)).toBe('"only one"');
      // ...and a stale lease cannot read the holder's checkpoint back as its own either.
      await expectLeaseLost(ctx.adapter.receiveSignal(lease, receive(0, 'go'), t0 + 5), id);
    });

    describe('payloads are delivered byte-identical', () => {
      it.each(PAYLOADS)('%s', async (_label, payload) => {
        const { lease } = await ctx.start();
        expect(await ctx.adapter.sendSignal(lease.workflowId, 'data', payload, ctx.t0)).toBe('sent');
        expect(await ctx.adapter.receiveSignal(lease, receive(0, 'data'), ctx.t0 + 1)).toBe(payload);
        expect((await ctx.adapter.loadExecution(lease)).steps[0]!.output).toBe(payload);
        expect(await ctx.adapter.receiveSignal(lease, { seq: 1, name: 'data', deadline: ctx.t0, timeoutOutput: payload }, ctx.t0 + 2)).toBe(payload);
      });
    });
  });
}

import { describe, expect, it } from 'vitest';
import { defineTask, defineWorkflow, now, sleep } from '../src/index.js';
import { checkCrashSafety, CrashSafetyError } from '../src/testing/index.js';

describe('checkCrashSafety', () => {
  it('passes a workflow whose side effects are all in tasks, crashing after each of its checkpoints', async () => {
    const calls: string[] = [];
    const reserve = defineTask('cs.reserve', async (sku: string) => (calls.push('reserve'), `r-${sku}`));
    const charge = defineTask('cs.charge', async (cents: number) => (calls.push('charge'), `c-${cents}`));
    const checkout = defineWorkflow('cs.checkout', async (sku: string, cents: number) => {
      const reservation = await reserve(sku);
      await sleep('1h');
      const at = await now();
      const [chargeId, again] = await Promise.all([charge(cents), charge(cents + 1)]);
      return { reservation, chargeId, again, at };
    });
    const report = await checkCrashSafety(checkout, ['sku-1', 4200]);
    // reserve, the timer, now(), two charges: five checkpoints, a crash run after each.
    expect(report).toMatchObject({ ok: true, checkpoints: 5 });
    expect(report.crashes.map((c) => [c.after, c.same, c.status])).toEqual([1, 2, 3, 4, 5].map((k) => [k, true, 'completed']));
    expect(report.uninterrupted.value).toEqual({ reservation: 'r-sku-1', chargeId: 'c-4200', again: 'c-4201', at: Date.UTC(2026, 0, 1) + 3_600_000 });
    expect(report.taskRuns['cs.reserve']).toEqual({ uninterrupted: 1, mostAfterACrash: 1 });
    // A crash right after the first charge's checkpoint abandons the second one mid-flight: it runs again.
    expect(report.taskRuns['cs.charge']).toEqual({ uninterrupted: 2, mostAfterACrash: 3 });
  });

  it('reports a workflow body with a side effect outside its tasks (a non-idempotent bug)', async () => {
    // The bug: the body appends to an outside ledger itself, which every replay repeats. (The ledger outlives
    // the helper's runs, so later runs count earlier ones' entries too: only the first run's count is 1.)
    const ledger: string[] = [];
    const total = defineTask('cs.total', async (entries: number) => entries);
    const pay = defineTask('cs.pay', async (orderId: string) => `paid ${orderId}`);
    const buggy = defineWorkflow('cs.buggy', async (orderId: string) => {
      const paid = await pay(orderId);
      ledger.push(orderId); // not a task: runs again on every replay
      return { paid, entries: await total(ledger.length) };
    });
    const error = await checkCrashSafety(buggy, ['o-1']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CrashSafetyError);
    const { report } = error as CrashSafetyError;
    expect(report.ok).toBe(false);
    expect(report.uninterrupted.value).toEqual({ paid: 'paid o-1', entries: 1 });
    const crash = report.crashes.find((c) => c.after === 1)!;
    expect(crash).toMatchObject({ same: false, status: 'completed', value: { paid: 'paid o-1' } });
    expect((crash.value as { entries: number }).entries).toBeGreaterThan(1);
    expect((error as Error).message).toMatch(/dies right after checkpoint 1(, 2)? of 2: uninterrupted it returned/);
    expect(report.taskRuns['cs.pay']).toEqual({ uninterrupted: 1, mostAfterACrash: 1 });
  });

  it('refuses what is not a workflow', async () => {
    const t = defineTask('cs.t', async () => 1);
    await expect(checkCrashSafety(t as unknown as () => Promise<number>, [])).rejects.toThrow(/expects a workflow/);
  });
});

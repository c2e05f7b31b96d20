import { describe, expect, it } from 'vitest';
import { defineTask, defineWorkflow, NonDeterminismError, now, random, sleep, task, uuid, workflow, type Runtime } from '@steadfast/core';
import { useSqliteRuntimes, waitFor } from './helpers.js';


/** A runtime whose long waits suspend at once, so a test can "restart" by switching runtimes. */
const { runtime } = useSqliteRuntimes({ inMemoryWaitMs: 0 });

async function statusOf(r: Runtime, id: string) {
  return (await r.getWorkflow(id)).status();
}

describe('checkpoint and replay', () => {
  it('replays completed steps from checkpoints after a restart instead of running them again', async () => {
    const calls: string[] = [];
    class Shop {
      @task()
      async reserve(item: string) {
        calls.push(`reserve ${item}`);
        return `r-${item}`;
      }
      @task()
      async charge(reservation: string) {
        calls.push(`charge ${reservation}`);
        return { chargeId: 'c-1', at: new Date(0), amount: 10n };
      }
      @workflow()
      async checkout(item: string) {
        const reservation = await this.reserve(item);
        const charge = await this.charge(reservation);
        await sleep('300ms');
        calls.push('after sleep');
        return { reservation, ...charge };
      }
    }
    const first = runtime().register(new Shop());
    await first.start();
    await first.startWorkflow(Shop.prototype.checkout, ['book'], { id: 'order-1' });
    await waitFor(async () => (await statusOf(first, 'order-1')) === 'sleeping', 5_000, 'sleeping');
    await first.shutdown();
    expect(calls).toEqual(['reserve book', 'charge r-book']);

    const second = runtime().register(new Shop());
    await second.start();
    const result = await (await second.getWorkflow('order-1')).result();
    expect(result).toEqual({ reservation: 'r-book', chargeId: 'c-1', at: new Date(0), amount: 10n });
    expect(calls).toEqual(['reserve book', 'charge r-book', 'after sleep']);
  });

  it('replays Promise.all of tasks identically, whatever order they finished in', async () => {
    const ran: string[] = [];
    const fetchPart = defineTask('fetchPart', async (part: string, ms: number) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      ran.push(part);
      return part.toUpperCase();
    });
    const values: unknown[][] = [];
    const assemble = defineWorkflow('assemble', async () => {
      const parts = await Promise.all([fetchPart('a', 30), fetchPart('b', 1), fetchPart('c', 15)]);
      const extras = await Promise.all([now(), random(), uuid()]);
      values.push(extras);
      await sleep('200ms');
      return parts;
    });
    const first = runtime().register(assemble, fetchPart);
    await first.start();
    await first.startWorkflow(assemble, [], { id: 'parts' });
    await waitFor(async () => (await statusOf(first, 'parts')) === 'sleeping', 5_000, 'sleeping');
    await first.shutdown();
    expect(ran.sort()).toEqual(['a', 'b', 'c']);

    const second = runtime().register(assemble, fetchPart);
    await second.start();
    expect(await (await second.getWorkflow('parts')).result()).toEqual(['A', 'B', 'C']);
    expect(ran).toHaveLength(3);
    // now(), random() and uuid() return their recorded values on replay.
    expect(values).toHaveLength(2);
    expect(values[1]).toEqual(values[0]);
  });

  it('fails with NonDeterminismError naming the position and both steps when the code changed', async () => {
    const stepA = defineTask('stepA', async () => 'a');
    const stepB = defineTask('stepB', async () => 'b');
    const v1 = defineWorkflow('changing', async () => {
      await stepA();
      await sleep('200ms');
      return 'v1';
    });
    const first = runtime().register(v1, stepA);
    await first.start();
    await first.startWorkflow(v1, [], { id: 'nd' });
    await waitFor(async () => (await statusOf(first, 'nd')) === 'sleeping', 5_000, 'sleeping');
    await first.shutdown();

    const v2 = defineWorkflow('changing', async () => {
      await stepB();
      await sleep('200ms');
      return 'v2';
    });
    const second = runtime().register(v2, stepB);
    await second.start();
    const error = (await (await second.getWorkflow('nd')).result().catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect(error.message).toContain('step 0 was recorded as task stepA but the code now calls task stepB');
    expect(await statusOf(second, 'nd')).toBe('failed');
  });

  it('detects a replay that returns before reaching the recorded steps', async () => {
    const stepA = defineTask('stepA2', async () => 'a');
    const v1 = defineWorkflow('shrinking', async () => {
      await sleep('200ms');
      await stepA();
      await sleep('200ms');
    });
    const first = runtime().register(v1, stepA);
    await first.start();
    await first.startWorkflow(v1, [], { id: 'shrink' });
    await waitFor(async () => (await (await first.getWorkflow('shrink')).history()).filter((e) => e.type === 'sleeping').length === 2, 5_000, 'second sleep');
    await first.shutdown();

    const v2 = defineWorkflow('shrinking', async () => 'returns early');
    const second = runtime().register(v2);
    await second.start();
    const error = (await (await second.getWorkflow('shrink')).result().catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect(error.message).toContain('step 0 was recorded as sleep sleep but the code now calls no step (the workflow returned)');
  });
});

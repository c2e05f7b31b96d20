// A waitForSignal that lost a Promise.race stays a pending wait. It must not take, on a later replay, the
// signal sent for the wait the workflow makes now (the README listed this as a known limitation: a signal
// sent for round 3 was taken by round 1's forgotten wait, and round 3 waited forever).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineWorkflow, sleep, waitForSignal } from '@steadfast/core';
import { ADAPTERS, type TestStorage } from './adapters.js';

const rounds = defineWorkflow('race.rounds', async () => {
  const results: string[] = [];
  for (let round = 0; round < 2; round++) {
    results.push(await Promise.race([waitForSignal<string>('approve'), sleep('300ms').then(() => 'timed out')]).then((value) => value ?? 'none'));
  }
  results.push((await waitForSignal<string>('approve')) ?? 'none');
  return results;
});

const pair = defineWorkflow('race.pair', async () => Promise.all([waitForSignal<string>('approve'), waitForSignal<string>('approve')]));

describe.each(ADAPTERS.filter((a) => a.available))('signal waits that lost a race, on $name', (kind) => {
  let storage: TestStorage;
  beforeEach(async () => {
    storage = await kind.create();
  });
  afterEach(async () => {
    await storage.cleanup();
  });

  it('leave the next signal to the wait the workflow makes now', async () => {
    const runtime = storage.runtime({ inMemoryWaitMs: 0 }).register(rounds);
    await runtime.start();
    const handle = await runtime.startWorkflow(rounds, []);
    // Both races time out (each sleep fires: a `woke`); the third wait is then the one the body awaits.
    for (;;) {
      const history = await handle.history();
      if (history.filter((e) => e.type === 'woke').length >= 2 && history.at(-1)?.type === 'sleeping') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await runtime.signal(handle.id, 'approve', 'round 3');
    expect(await handle.result()).toEqual(['timed out', 'timed out', 'round 3']);
  });

  it('still give two waits made together one signal each', async () => {
    const runtime = storage.runtime({ inMemoryWaitMs: 0 }).register(pair);
    await runtime.start();
    const handle = await runtime.startWorkflow(pair, []);
    await runtime.signal(handle.id, 'approve', 'first');
    await runtime.signal(handle.id, 'approve', 'second');
    expect([...(await handle.result())].sort()).toEqual(['first', 'second']);
  });
});

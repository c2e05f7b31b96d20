import { pino } from 'pino';
import {
  defineTask, defineWorkflow, NonRetryableError, Runtime, sleep, systemClock, waitForSignal, type Clock, type StorageAdapter, type WorkflowHandle,
} from '@steadfast/core';

/**
 * Workflows the CLI tests operate on. A worker started later on the same database would resume the sleeping
 * ones once due, so seed old (past-clock) workflows after the current ones.
 */
const greet = defineWorkflow('greet', async (name: string) => `hello ${name}`);
const reserve = defineTask('reserve', async (orderId: string) => `reserved ${orderId}`);
const chargeCard = defineTask('charge.card', async (): Promise<string> => {
  throw new NonRetryableError('card declined');
});
const checkout = defineWorkflow('checkout', async (orderId: string) => {
  await reserve(orderId);
  return chargeCard();
});
const nap = defineWorkflow('nap', async () => {
  await sleep('1h');
  return 'rested';
});
export const awaitGo = defineWorkflow('await-go', async () => waitForSignal('go'));
const rich = defineWorkflow('rich', async () => ({
  when: new Date('2025-01-02T03:04:05.000Z'),
  big: 12345678901234567890n,
  tags: new Set(['a', 'b']),
  map: new Map([['k', 1]]),
  nothing: undefined,
}));

type Start = (runtime: Runtime) => Promise<WorkflowHandle>;

export const SEEDS = {
  completed: (id = 'wf-completed'): Start => (r) => r.startWorkflow(greet, ['ada'], { id }),
  failed: (id = 'wf-failed'): Start => (r) => r.startWorkflow(checkout, ['o-1'], { id }),
  sleeping: (id = 'wf-sleeping'): Start => (r) => r.startWorkflow(nap, [], { id }),
  waiting: (id = 'wf-waiting'): Start => (r) => r.startWorkflow(awaitGo, [], { id }),
  email: (id = 'wf-email'): Start => (r) => r.startWorkflow(greet, ['bob'], { id, queue: 'emails' }),
  rich: (id = 'wf-rich'): Start => (r) => r.startWorkflow(rich, [], { id }),
  /** A sleeping workflow of a tenant (its concurrencyKey). */
  tenant: (id: string, concurrencyKey: string): Start => (r) => r.startWorkflow(nap, [], { id, concurrencyKey }),
  /** A sleeping workflow cancelled by the seeding runtime. */
  cancelled: (id = 'wf-cancelled'): Start => async (r) => {
    const handle = await r.startWorkflow(nap, [], { id });
    await settle([handle]);
    await handle.cancel();
    return handle;
  },
};

/** The whole set the read-only tests look at, in start order (so `list` shows them in reverse). */
export const STANDARD = [SEEDS.completed(), SEEDS.failed(), SEEDS.sleeping(), SEEDS.waiting(), SEEDS.email(), SEEDS.rich()];

/** A real-time clock shifted into the past, to make workflows that finished long ago. */
export function pastClock(ageMs: number): Clock {
  return { now: () => Date.now() - ageMs, setTimer: systemClock.setTimer };
}

/**
 * Starts the workflows on a worker (runtime started on `storage`) one after another, waits until none is
 * pending or running (completed, failed, or parked sleeping), and shuts the worker down.
 */
export async function seed(storage: StorageAdapter, starts: Start[], clock: Clock = systemClock): Promise<void> {
  const runtime = new Runtime({
    storage, clock, logger: pino({ level: 'silent' }), queues: ['default', 'emails'], pollIntervalMs: 20, leaseMs: 3_000, heartbeatMs: 1_000,
  });
  runtime.register(greet, reserve, chargeCard, checkout, nap, awaitGo, rich);
  try {
    await runtime.start();
    const handles: WorkflowHandle[] = [];
    for (const start of starts) {
      handles.push(await start(runtime));
      // Distinct creation times keep "newest first" deterministic.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await settle(handles);
  } finally {
    await runtime.shutdown({ timeout: 2_000 });
  }
}

async function settle(handles: WorkflowHandle[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(handles.map((h) => h.status()));
    if (statuses.every((s) => s !== 'pending' && s !== 'running')) return;
    if (Date.now() > deadline) throw new Error(`seeded workflows did not settle: ${statuses.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

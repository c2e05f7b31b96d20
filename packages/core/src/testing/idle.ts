import { performance } from 'node:perf_hooks';
import type { MemoryStore } from './memory/memory-store.js';
import type { VirtualClock } from './virtual-clock.js';

/**
 * How long (real time) executions that hold a lease may make no progress before they count as waiting on
 * the virtual clock (a task's timeout timer, an in-memory wait) rather than working: then time may move.
 */
const BLOCKED_AFTER_MS = 5;
const BLOCKED_AFTER_TURNS = 10;

/**
 * Resolves once the runtime on `store` has done everything it can without the virtual clock moving: no
 * storage operation and no timer change for two event-loop turns, and no execution holding a lease. An
 * execution that holds a lease but makes no progress for a while is taken to be waiting on the clock.
 *
 * With a `MemoryAdapter` every storage call completes in a microtask, so the only macrotask-paced progress is
 * the runtime's own `setImmediate` hops: two quiet turns mean it is idle, not merely slow.
 */
export async function untilIdle(store: MemoryStore, clock: VirtualClock): Promise<void> {
  const signature = () => `${store.operations}:${clock.pendingTimers}:${clock.now()}`;
  let last = signature();
  let quietTurns = 0;
  let quietSince = performance.now();
  for (;;) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const current = signature();
    if (current !== last) {
      last = current;
      quietTurns = 0;
      quietSince = performance.now();
      continue;
    }
    quietTurns++;
    if (store.runningCount() === 0) {
      if (quietTurns >= 2) return;
    } else if (quietTurns >= BLOCKED_AFTER_TURNS && performance.now() - quietSince >= BLOCKED_AFTER_MS) {
      return;
    }
  }
}

/** Resolves at the next storage operation on `store`, or after `fallbackMs` (real time), whichever is first. */
export function nextChange(store: MemoryStore, fallbackMs: number, signal: { stop?: () => void }): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unwatch();
      signal.stop = undefined;
      resolve();
    };
    const timer = setTimeout(done, fallbackMs);
    const unwatch = store.watch(done);
    signal.stop = done;
  });
}

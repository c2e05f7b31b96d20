import { randomUUID } from 'node:crypto';
import { toEpochMs, toMilliseconds, type DurationInput, type TimeInput } from './duration.js';
import { requireExecution } from './scope.js';

/**
 * Waits durably inside a workflow. The wake time is checkpointed the first time, so a restart does not
 * restart the wait. Short waits stay in memory; long ones release the worker and resume when due.
 *
 * @example
 * ```ts
 * await sleep('10m');
 * await sleep({ days: 7 });
 * ```
 */
export function sleep(duration: DurationInput): Promise<void> {
  const execution = requireExecution('sleep()');
  const ms = toMilliseconds(duration, 'sleep() duration');
  return execution.waitStep('sleep', (now) => now + ms);
}

/**
 * Waits durably until a point in time (a Date, a luxon DateTime, an ISO string with an offset, or epoch ms).
 * A time in the past returns at once.
 *
 * @example
 * ```ts
 * await runAt(DateTime.fromISO('2026-12-01T09:00', { zone: 'Europe/Berlin' }));
 * ```
 */
export function runAt(when: TimeInput): Promise<void> {
  const execution = requireExecution('runAt()');
  const at = toEpochMs(when, 'runAt() time');
  return execution.waitStep('runAt', () => at);
}

/** The current time (epoch ms), checkpointed: a replay sees the same value. Use it instead of `Date.now()` in workflows. */
export function now(): Promise<number> {
  const execution = requireExecution('now()');
  return execution.valueStep('now', 'now', () => execution.clock.now());
}

/** A random number in [0, 1), checkpointed. Use it instead of `Math.random()` in workflows. */
export function random(): Promise<number> {
  return requireExecution('random()').valueStep('random', 'random', () => Math.random());
}

/** A random UUID, checkpointed. Use it instead of `crypto.randomUUID()` in workflows. */
export function uuid(): Promise<string> {
  return requireExecution('uuid()').valueStep('uuid', 'uuid', () => randomUUID());
}

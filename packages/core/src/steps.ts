import { randomUUID } from 'node:crypto';
import { toEpochMs, toMilliseconds, type DurationInput, type TimeInput } from './duration.js';
import { validateName } from './names.js';
import { requireExecution } from './scope.js';
import { patched as patchedStep, signalStep, valueStep, waitStep } from './step-kinds/body-steps.js';
import type { ReplayAwareLogger } from './replay-aware-logger.js';

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
  return waitStep(execution, 'sleep', (now) => now + ms);
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
  return waitStep(execution, 'runAt', () => at);
}

/** The current time (epoch ms), checkpointed: a replay sees the same value. Use it instead of `Date.now()` in workflows. */
export function now(): Promise<number> {
  const execution = requireExecution('now()');
  return valueStep(execution, 'now', 'now', () => execution.clock.now());
}

/** A random number in [0, 1), checkpointed. Use it instead of `Math.random()` in workflows. */
export function random(): Promise<number> {
  return valueStep(requireExecution('random()'), 'random', 'random', () => Math.random());
}

/** A random UUID, checkpointed. Use it instead of `crypto.randomUUID()` in workflows. */
export function uuid(): Promise<string> {
  return valueStep(requireExecution('uuid()'), 'uuid', 'uuid', () => randomUUID());
}

/** Options of `waitForSignal`. */
export interface WaitForSignalOptions {
  /** Stop waiting after this long and return `undefined`. Default: wait until a signal comes. */
  timeout?: DurationInput;
}

/**
 * Waits durably for a signal sent with `runtime.signal(workflowId, name, payload)` and returns its payload,
 * or `undefined` once the timeout passes. Each signal is delivered exactly once, whether it was sent before
 * or after the wait began; the waiting workflow holds no worker slot.
 *
 * @example
 * ```ts
 * const approval = await waitForSignal<{ approved: boolean }>('approval', { timeout: '3 days' });
 * if (!approval) return 'expired';
 * ```
 */
export function waitForSignal<T = unknown>(name: string, options: WaitForSignalOptions = {}): Promise<T | undefined> {
  const execution = requireExecution('waitForSignal()');
  validateName(name, 'signal name');
  const timeoutMs = options.timeout === undefined ? null : toMilliseconds(options.timeout, 'waitForSignal() timeout');
  return signalStep(execution, name, timeoutMs) as Promise<T | undefined>;
}

/**
 * Lets changed workflow code take a new branch while executions that began on the old code replay the old
 * one: resolves true for executions that reach this point on the new code (a marker is checkpointed), false
 * for executions that recorded another step here before the change.
 *
 * @example
 * ```ts
 * if (await patched('send-sms')) await this.sendSms(orderId);
 * await this.sendEmail(orderId);
 * ```
 */
export function patched(id: string): Promise<boolean> {
  const execution = requireExecution('patched()');
  validateName(id, 'patch id');
  return patchedStep(execution, id);
}

/**
 * The workflow body's logger (pino, bound to the workflow id): silent while the body replays checkpointed
 * steps, so a line is logged once however often the body re-runs after restarts and suspensions.
 *
 * @example
 * ```ts
 * workflowLogger().info({ orderId }, 'charging');
 * ```
 */
export function workflowLogger(): ReplayAwareLogger {
  return requireExecution('workflowLogger()').log;
}

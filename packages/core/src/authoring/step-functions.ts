import { randomUUID } from 'node:crypto';
import { toEpochMs, toMilliseconds, type DurationInput, type TimeInput } from '../foundation/duration.js';
import { validateName } from '../foundation/names.js';
import type { ReplayAwareLogger } from '../execution/replay-aware-logger.js';
import { currentTask, requireWorkflow, type TaskContext } from '../execution/scope.js';
import { SteadfastError } from '../foundation/errors.js';
import { signalStep } from '../execution/steps/signal-step.js';
import { patchStep, valueStep } from '../execution/steps/value-step.js';
import { waitStep } from '../execution/steps/wait-step.js';

/*
 * The functions a workflow body calls besides its tasks and child workflows: each is a checkpointed step
 * of the workflow that runs it.
 */

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
  const { host } = requireWorkflow('sleep()');
  const ms = toMilliseconds(duration, 'sleep() duration');
  return waitStep(host, 'sleep', (now) => now + ms);
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
  const { host } = requireWorkflow('runAt()');
  const at = toEpochMs(when, 'runAt() time');
  return waitStep(host, 'runAt', () => at);
}

/** The current time (epoch ms), checkpointed: a replay sees the same value. Use it instead of `Date.now()` in workflows. */
export function now(): Promise<number> {
  const { host } = requireWorkflow('now()');
  return valueStep(host, 'now', 'now', () => host.services.clock.now());
}

/** A random number in [0, 1), checkpointed. Use it instead of `Math.random()` in workflows. */
export function random(): Promise<number> {
  return valueStep(requireWorkflow('random()').host, 'random', 'random', () => Math.random());
}

/** A random UUID, checkpointed. Use it instead of `crypto.randomUUID()` in workflows. */
export function uuid(): Promise<string> {
  return valueStep(requireWorkflow('uuid()').host, 'uuid', 'uuid', () => randomUUID());
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
  const { host } = requireWorkflow('waitForSignal()');
  validateName(name, 'signal name');
  const timeoutMs = options.timeout === undefined ? null : toMilliseconds(options.timeout, 'waitForSignal() timeout');
  return signalStep(host, name, timeoutMs) as Promise<T | undefined>;
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
  const { host } = requireWorkflow('patched()');
  validateName(id, 'patch id');
  return patchStep(host, id);
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
  return requireWorkflow('workflowLogger()').log;
}

/**
 * The context of the running task: attempt number, idempotency key, abort signal and logger.
 *
 * @example
 * ```ts
 * @task({ retries: 5 })
 * async charge(orderId: string) {
 *   const { idempotencyKey, signal } = taskContext();
 *   return payments.charge(orderId, { idempotencyKey, signal });
 * }
 * ```
 */
export function taskContext(): TaskContext {
  const task = currentTask();
  if (!task) {
    throw new SteadfastError('OUTSIDE_TASK', 'taskContext() can only be called inside a task body (a @task method or a defineTask function)');
  }
  return task;
}

import { normalizeBackoff, validateRetries, type BackoffPolicy } from './backoff.js';
import { toMilliseconds, type DurationInput } from '../foundation/duration.js';
import { ValidationError } from '../foundation/errors.js';
import { checkOptionKeys, validateInteger, validateName } from '../foundation/names.js';
import { resolveSchedule, type ResolvedSchedule } from './schedule.js';
import type { TaskOptions, WorkflowOptions } from './workflow-options.js';

/*
 * What a workflow or task is, once its options are checked: the metadata that decorators and define*
 * attach to an entry point, and that registries, clients and workers read.
 */

/** reflect-metadata key under which `@workflow()` stores its {@link WorkflowMeta} on the prototype and method. */
export const WORKFLOW_METADATA = Symbol.for('steadfast:workflow');
/** reflect-metadata key under which `@task()` stores its {@link TaskMeta}. */
export const TASK_METADATA = Symbol.for('steadfast:task');
const ENTRY = Symbol.for('steadfast:entry');

export interface WorkflowMeta {
  readonly kind: 'workflow';
  readonly name: string;
  readonly queue: string | undefined;
  readonly priority: number;
  readonly version: string | null;
  readonly maxRecoveryAttempts: number;
  /** The `timeout` option in ms, or null. */
  readonly timeoutMs: number | null;
  /** The `schedule` option, validated, or null. */
  readonly schedule: ResolvedSchedule | null;
  readonly method: (...args: any[]) => unknown;
}

export interface TaskMeta {
  readonly kind: 'task';
  readonly name: string;
  readonly retries: number;
  readonly backoff: BackoffPolicy;
  readonly timeoutMs: number | null;
  /** Runs in a database transaction committed with its checkpoint (`@transaction()`, `defineTransaction`). */
  readonly transactional: boolean;
  readonly method: (...args: any[]) => unknown;
}

export type StepMeta = WorkflowMeta | TaskMeta;

const WORKFLOW_KEYS = ['name', 'queue', 'priority', 'version', 'maxRecoveryAttempts', 'timeout', 'schedule'];
const TASK_KEYS = ['name', 'retries', 'backoff', 'timeout'];


export function workflowMeta(name: string, method: (...args: any[]) => unknown, options: WorkflowOptions): WorkflowMeta {
  const owner = `workflow ${name}`;
  checkOptionKeys(options, WORKFLOW_KEYS, owner);
  validateName(name, 'workflow name');
  return {
    kind: 'workflow',
    name,
    queue: options.queue === undefined ? undefined : validateName(options.queue, `queue of ${owner}`),
    priority: options.priority === undefined ? 0 : validateInteger(options.priority, `priority of ${owner}`, -1_000_000, 1_000_000),
    version: options.version === undefined ? null : validateName(options.version, `version of ${owner}`),
    maxRecoveryAttempts:
      options.maxRecoveryAttempts === undefined
        ? 10
        : validateInteger(options.maxRecoveryAttempts, `maxRecoveryAttempts of ${owner}`, 0, 1_000_000),
    timeoutMs: positiveDuration(options.timeout, owner),
    schedule: options.schedule === undefined ? null : resolveSchedule(options.schedule, owner),
    method,
  };
}

function positiveDuration(value: DurationInput | undefined, owner: string): number | null {
  if (value === undefined) return null;
  const ms = toMilliseconds(value, `timeout of ${owner}`);
  if (ms === 0) throw new ValidationError(`invalid timeout of ${owner}: it must be longer than 0`);
  return ms;
}

export function taskMeta(name: string, method: (...args: any[]) => unknown, options: TaskOptions, transactional = false): TaskMeta {
  const owner = `${transactional ? 'transaction' : 'task'} ${name}`;
  checkOptionKeys(options, TASK_KEYS, owner);
  validateName(name, 'task name');
  return {
    kind: 'task',
    name,
    retries: validateRetries(options.retries, owner),
    backoff: normalizeBackoff(options.backoff, owner),
    timeoutMs: positiveDuration(options.timeout, owner),
    transactional,
    method,
  };
}

/** Marks `fn` as the entry point of a workflow or task, so `startWorkflow(fn)` and `register(fn)` find it. */
export function markEntry<F extends Function>(fn: F, ref: { readonly meta: StepMeta }): F {
  Object.defineProperty(fn, ENTRY, { get: () => ref.meta });
  Object.defineProperty(fn, 'name', { value: ref.meta.name.split('.').pop() });
  return fn;
}

/** The metadata of a decorated method or defined function, if `fn` is one. */
export function entryMeta(fn: unknown): StepMeta | undefined {
  return typeof fn === 'function' ? ((fn as unknown as Record<symbol, StepMeta | undefined>)[ENTRY]) : undefined;
}

/**
 * What a new run of a workflow takes from its options (a start, a child, a cron tick may override the queue).
 * `pinned` is the version of the runtime or client that starts it (its `version` option): it wins over the
 * workflow's own `version` label, so that pinned workers claim the run.
 */
export function runDefaults(meta: WorkflowMeta, startAt: number, pinned: string | null = null): { version: string | null; queue: string; priority: number; deadlineAt: number | null } {
  return {
    version: pinned ?? meta.version,
    queue: meta.queue ?? 'default',
    priority: meta.priority,
    deadlineAt: meta.timeoutMs === null ? null : startAt + meta.timeoutMs,
  };
}

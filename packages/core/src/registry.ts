import 'reflect-metadata';
import { normalizeBackoff, validateRetries, type BackoffOption, type BackoffPolicy } from './backoff.js';
import { toMilliseconds, type DurationInput } from './duration.js';
import { ValidationError } from './errors.js';
import { checkOptionKeys, validateInteger, validateName } from './names.js';
import { resolveSchedule, type ResolvedSchedule, type ScheduleOptions } from './schedule.js';

/** reflect-metadata key under which `@workflow()` stores its {@link WorkflowMeta} on the prototype and method. */
export const WORKFLOW_METADATA = Symbol.for('steadfast:workflow');
/** reflect-metadata key under which `@task()` stores its {@link TaskMeta}. */
export const TASK_METADATA = Symbol.for('steadfast:task');
const ENTRY = Symbol.for('steadfast:entry');

/** Options of `@workflow()` and `defineWorkflow`. */
export interface WorkflowOptions {
  /** Registered name, stored with every execution. Default `Class.method` (decorators) or the given name. */
  name?: string;
  /** Queue it runs on unless `startWorkflow` names another. Default `'default'`. */
  queue?: string;
  /** Higher runs first among due work. Default 0. */
  priority?: number;
  /** Version label stored with each execution, for operators. Default none. */
  version?: string;
  /**
   * How many times an execution may be recovered after its worker died mid-run before the workflow is
   * failed instead (a workflow that crashes its worker must not loop). Default 10.
   */
  maxRecoveryAttempts?: number;
  /**
   * Longest time from the workflow's start time to its end; past it the workflow is cancelled with a
   * TimeoutError. The deadline is stored, so it survives restarts. Default none.
   */
  timeout?: DurationInput;
  /**
   * Run it on a cron schedule (with no arguments), named after the workflow: `{ cron, timezone, catchUp }`.
   * Each tick runs once across all workers. Default none.
   */
  schedule?: ScheduleOptions;
}

/** Options of `@task()` and `defineTask`. */
export interface TaskOptions {
  /** Registered name. Default `Class.method` (decorators) or the given name. */
  name?: string;
  /** Attempts after the first. Default 0. */
  retries?: number;
  /** Delay between attempts. Default exponential from 1s, factor 2, at most 5m, with jitter. */
  backoff?: BackoffOption;
  /** Limit on one attempt: the task's AbortSignal fires and the attempt fails with TimeoutError. Default none. */
  timeout?: DurationInput;
}

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

/** A registered workflow or task: its metadata and the `this` its method runs with. */
export interface Registration {
  readonly meta: StepMeta;
  readonly target: unknown;
}

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

/** Workflow and task names known to one runtime, each bound to the `this` it runs with. */
export class Registry {
  private readonly entries = new Map<string, Registration>();

  /** Adds all or nothing: a name taken by another implementation refuses the whole call. */
  add(registrations: Registration[]): void {
    const seen = new Map(this.entries);
    for (const { meta, target } of registrations) {
      const existing = seen.get(meta.name);
      if (existing && (existing.meta.method !== meta.method || existing.target !== target)) {
        throw new ValidationError(
          `a ${existing.meta.kind} named ${JSON.stringify(meta.name)} is already registered; names must be unique (give one of them another name with the name option)`,
        );
      }
      seen.set(meta.name, { meta, target });
    }
    for (const registration of registrations) this.entries.set(registration.meta.name, registration);
  }

  get(name: string): Registration | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Decorated methods on an instance's prototype chain. */
  static decoratedMethods(instance: object): StepMeta[] {
    const found = new Map<string, StepMeta>();
    for (let proto = Object.getPrototypeOf(instance); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const key of Object.getOwnPropertyNames(proto)) {
        if (found.has(key) || key === 'constructor') continue;
        // Legacy decorators leave reflect-metadata; standard decorators leave only the entry point itself.
        const value = Object.getOwnPropertyDescriptor(proto, key)?.value;
        const meta: StepMeta | undefined =
          Reflect.getMetadata(WORKFLOW_METADATA, proto, key) ?? Reflect.getMetadata(TASK_METADATA, proto, key) ?? entryMeta(value);
        if (meta) found.set(key, meta);
      }
    }
    return [...found.values()];
  }
}

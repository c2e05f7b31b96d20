import 'reflect-metadata';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import { SteadfastError } from './errors.js';
import {
  markEntry,
  taskMeta,
  TASK_METADATA,
  workflowMeta,
  WORKFLOW_METADATA,
  type StepMeta,
  type TaskOptions,
  type WorkflowOptions,
} from './registry.js';
import { currentExecution } from './scope.js';
import { runTaskDirect } from './task-invocation.js';

/** What a workflow or task entry point needs from the runtime it was registered with, when called from outside. */
export interface EntryOwner {
  readonly clock: Clock;
  readonly logger: Logger;
  runWorkflow(entry: Function, args: unknown[]): Promise<unknown>;
}

/** Instance (decorated classes) or entry function (defineWorkflow/defineTask) → the runtime it is registered with. */
const owners = new WeakMap<object, EntryOwner>();

export function bindOwner(key: object, owner: EntryOwner): void {
  owners.set(key, owner);
}

/**
 * The function that stands in for a workflow or task: inside a workflow body it makes a step; outside, a
 * task runs directly with its retry policy and a workflow starts on its runtime and is awaited.
 */
function entryPoint(meta: StepMeta): (...args: any[]) => Promise<any> {
  const entry = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    const owner = owners.get((this as object) ?? entry) ?? owners.get(entry);
    const execution = currentExecution();
    if (meta.kind === 'task') {
      if (execution) return execution.runTask(meta, this, args);
      return runTaskDirect(meta, this, args, owner?.clock ?? systemClock, owner?.logger ?? silentLogger());
    }
    if (execution) {
      return Promise.reject(
        new SteadfastError('CHILD_WORKFLOW_UNSUPPORTED', `workflow ${meta.name} was called from inside a workflow; child workflows are not supported yet in this version`),
      );
    }
    if (!owner) {
      return Promise.reject(
        new SteadfastError('NOT_REGISTERED', `workflow ${meta.name} is not registered with a runtime: call runtime.register(...) first, or use runtime.startWorkflow(...)`),
      );
    }
    return owner.runWorkflow(entry, args);
  };
  return markEntry(entry, meta);
}

let silent: Logger | undefined;
function silentLogger(): Logger {
  // Loaded lazily so importing the decorators does not construct a logger.
  return (silent ??= { child: () => silentLogger(), warn() {}, info() {}, debug() {}, error() {} } as unknown as Logger);
}

type LegacyMethodDecorator = (target: object, key: string | symbol, descriptor: PropertyDescriptor) => void;

function decorate(kind: 'workflow' | 'task', options: WorkflowOptions | TaskOptions): LegacyMethodDecorator {
  return (target, key, descriptor) => {
    if (typeof descriptor?.value !== 'function') {
      throw new SteadfastError('INVALID_DECORATOR', `@${kind}() can only decorate a method; ${String(key)} is not one`);
    }
    const name = options.name ?? `${(target as { constructor: { name: string } }).constructor.name}.${String(key)}`;
    const meta = kind === 'workflow' ? workflowMeta(name, descriptor.value, options as WorkflowOptions) : taskMeta(name, descriptor.value, options as TaskOptions);
    Reflect.defineMetadata(kind === 'workflow' ? WORKFLOW_METADATA : TASK_METADATA, meta, target, key);
    descriptor.value = entryPoint(meta);
  };
}

/**
 * Marks a method as a durable workflow. Options are validated here, when the class is defined.
 *
 * @example
 * ```ts
 * class Orders {
 *   @workflow({ queue: 'orders' })
 *   async checkout(orderId: string) {
 *     const chargeId = await this.charge(orderId);
 *     await sleep('10m');
 *     return chargeId;
 *   }
 * }
 * ```
 */
export function workflow(options: WorkflowOptions = {}): LegacyMethodDecorator {
  return decorate('workflow', options);
}

/**
 * Marks a method as a task: a step with a retry policy when called from a workflow.
 *
 * @example
 * ```ts
 * @task({ retries: 5, backoff: { type: 'exponential', initial: '1s', max: '5m' } })
 * async charge(orderId: string) { ... }
 * ```
 */
export function task(options: TaskOptions = {}): LegacyMethodDecorator {
  return decorate('task', options);
}

/**
 * A workflow without decorators: returns a function with the signature of `fn` that behaves like a
 * decorated method. Register it with `runtime.register(...)`.
 *
 * @example
 * ```ts
 * const greet = defineWorkflow('greet', async (name: string) => { await sleep('1s'); return `hi ${name}`; });
 * runtime.register(greet);
 * ```
 */
export function defineWorkflow<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R> | R, options: Omit<WorkflowOptions, 'name'> = {}): (...args: A) => Promise<R> {
  return entryPoint(workflowMeta(name, fn as (...args: any[]) => unknown, options));
}

/** A task without decorators; see {@link defineWorkflow}. */
export function defineTask<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R> | R, options: Omit<TaskOptions, 'name'> = {}): (...args: A) => Promise<R> {
  return entryPoint(taskMeta(name, fn as (...args: any[]) => unknown, options));
}

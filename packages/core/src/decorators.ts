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
import { childStep, runTaskStep } from './step-kinds/body-steps.js';

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

/** The metadata of an entry point; for a standard decorator its default name is settled once the class is known. */
interface MetaRef {
  meta: StepMeta;
}

/**
 * The function that stands in for a workflow or task: inside a workflow body it makes a step; outside, a
 * task runs directly with its retry policy and a workflow starts on its runtime and is awaited.
 */
function entryPoint(ref: MetaRef): (...args: any[]) => Promise<any> {
  const entry = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    const meta = ref.meta;
    const owner = owners.get((this as object) ?? entry) ?? owners.get(entry);
    const execution = currentExecution();
    if (meta.kind === 'task') {
      if (execution) return runTaskStep(execution, meta, this, args);
      if (meta.transactional) {
        return Promise.reject(
          new SteadfastError('TRANSACTION_OUTSIDE_WORKFLOW', `transactional step ${meta.name} runs only inside a workflow or as an enqueued job, where its checkpoint can commit with it`),
        );
      }
      return runTaskDirect(meta, this, args, owner?.clock ?? systemClock, owner?.logger ?? silentLogger());
    }
    if (execution) return childStep(execution, meta, args);
    if (!owner) {
      return Promise.reject(
        new SteadfastError('NOT_REGISTERED', `workflow ${meta.name} is not registered with a runtime: call runtime.register(...) first, or use runtime.startWorkflow(...)`),
      );
    }
    return owner.runWorkflow(entry, args);
  };
  return markEntry(entry, ref);
}

let silent: Logger | undefined;
function silentLogger(): Logger {
  // Loaded lazily so importing the decorators does not construct a logger.
  return (silent ??= { child: () => silentLogger(), warn() {}, info() {}, debug() {}, error() {} } as unknown as Logger);
}

/**
 * A method decorator that works both as a legacy TypeScript decorator (`experimentalDecorators`, as NestJS
 * uses) and as a TC39 standard decorator: one implementation, branching on the call shape.
 */
export interface StepDecorator {
  (target: object, key: string | symbol, descriptor: PropertyDescriptor): void;
  <F extends (...args: any[]) => any>(value: F, context: ClassMethodDecoratorContext): F;
}

type DecoratedKind = 'workflow' | 'task' | 'transaction';

function build(kind: DecoratedKind, name: string, method: Function, options: WorkflowOptions | TaskOptions): StepMeta {
  const fn = method as (...args: any[]) => unknown;
  return kind === 'workflow' ? workflowMeta(name, fn, options as WorkflowOptions) : taskMeta(name, fn, options as TaskOptions, kind === 'transaction');
}

function decorate(kind: DecoratedKind, options: WorkflowOptions | TaskOptions): StepDecorator {
  return function (target: unknown, keyOrContext: unknown, descriptor?: PropertyDescriptor): any {
    if (typeof keyOrContext === 'object' && keyOrContext !== null && 'kind' in keyOrContext) {
      return decorateStandard(kind, options, target as Function, keyOrContext as ClassMethodDecoratorContext);
    }
    const key = keyOrContext as string | symbol;
    if (typeof descriptor?.value !== 'function') {
      throw new SteadfastError('INVALID_DECORATOR', `@${kind}() can only decorate a method; ${String(key)} is not one`);
    }
    const name = options.name ?? `${(target as { constructor: { name: string } }).constructor.name}.${String(key)}`;
    const meta = build(kind, name, descriptor.value, options);
    Reflect.defineMetadata(meta.kind === 'workflow' ? WORKFLOW_METADATA : TASK_METADATA, meta, target as object, key);
    descriptor.value = entryPoint({ meta });
  } as StepDecorator;
}

function decorateStandard(kind: DecoratedKind, options: WorkflowOptions | TaskOptions, method: Function, context: ClassMethodDecoratorContext): Function {
  if (context.kind !== 'method' || context.static || context.private || typeof method !== 'function') {
    throw new SteadfastError('INVALID_DECORATOR', `@${kind}() can only decorate a public instance method; ${String(context.name)} is not one`);
  }
  const method_ = String(context.name);
  // Options are checked now; the default name needs the class, which a method decorator only sees once an
  // instance is constructed (the first one settles it).
  const ref: MetaRef = { meta: build(kind, options.name ?? `<class>.${method_}`, method, options) };
  if (options.name === undefined) {
    let settled = false;
    context.addInitializer(function (this: unknown) {
      if (settled) return;
      settled = true;
      ref.meta = build(kind, `${(this as object).constructor.name}.${method_}`, method, options);
    });
  }
  return entryPoint(ref);
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
export function workflow(options: WorkflowOptions = {}): StepDecorator {
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
export function task(options: TaskOptions = {}): StepDecorator {
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
  return entryPoint({ meta: workflowMeta(name, fn as (...args: any[]) => unknown, options) });
}

/**
 * Marks a method as a transactional step: it runs in a database transaction on the storage's own database
 * (`taskContext().trx`, a knex transaction), committed together with the step's checkpoint, so its writes
 * happen exactly once even across crashes. Retries, backoff and timeout work as for `@task()`.
 *
 * @example
 * ```ts
 * @transaction({ retries: 3 })
 * async debit(accountId: string, cents: number) {
 *   await taskContext().trx('accounts').where({ id: accountId }).decrement('balance', cents);
 * }
 * ```
 */
export function transaction(options: TaskOptions = {}): StepDecorator {
  return decorate('transaction', options);
}

/** A transactional step without decorators; see {@link transaction}. */
export function defineTransaction<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R> | R, options: Omit<TaskOptions, 'name'> = {}): (...args: A) => Promise<R> {
  return entryPoint({ meta: taskMeta(name, fn as (...args: any[]) => unknown, options, true) });
}

/** A task without decorators; see {@link defineWorkflow}. */
export function defineTask<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R> | R, options: Omit<TaskOptions, 'name'> = {}): (...args: A) => Promise<R> {
  return entryPoint({ meta: taskMeta(name, fn as (...args: any[]) => unknown, options) });
}

import 'reflect-metadata';
import { SteadfastError } from '../foundation/errors.js';
import { taskMeta, TASK_METADATA, workflowMeta, WORKFLOW_METADATA, type StepMeta } from '../definition/step-meta.js';
import type { TaskOptions, WorkflowOptions } from '../definition/workflow-options.js';
import { entryPoint, type MetaRef } from './entry-point.js';

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

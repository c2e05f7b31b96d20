import { taskMeta, workflowMeta } from '../definition/step-meta.js';
import type { TaskOptions, WorkflowOptions } from '../definition/workflow-options.js';
import { entryPoint } from './entry-point.js';

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

/** A transactional step without decorators; see {@link transaction}. */
export function defineTransaction<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R> | R, options: Omit<TaskOptions, 'name'> = {}): (...args: A) => Promise<R> {
  return entryPoint({ meta: taskMeta(name, fn as (...args: any[]) => unknown, options, true) });
}

/** A task without decorators; see {@link defineWorkflow}. */
export function defineTask<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R> | R, options: Omit<TaskOptions, 'name'> = {}): (...args: A) => Promise<R> {
  return entryPoint({ meta: taskMeta(name, fn as (...args: any[]) => unknown, options) });
}

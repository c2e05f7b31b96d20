import type { Logger } from 'pino';
import { systemClock } from '../foundation/clock.js';
import { SteadfastError } from '../foundation/errors.js';
import { ownerOf } from '../definition/entry-owner.js';
import { markEntry, type StepMeta } from '../definition/step-meta.js';
import { currentWorkflow } from '../execution/scope.js';
import { childStep } from '../execution/steps/child-step.js';
import { taskStep } from '../execution/steps/task-step.js';
import { runTaskDirect } from '../execution/task-invocation.js';

/** The metadata of an entry point; for a standard decorator its default name is settled once the class is known. */
export interface MetaRef {
  meta: StepMeta;
}

/**
 * The function that stands in for a workflow or task: inside a workflow body it makes a step; outside, a
 * task runs directly with its retry policy and a workflow starts on its runtime and is awaited.
 */
export function entryPoint(ref: MetaRef): (...args: any[]) => Promise<any> {
  const entry = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    const meta = ref.meta;
    const owner = ownerOf(this, entry);
    const host = currentWorkflow()?.host;
    if (meta.kind === 'task') {
      if (host) return taskStep(host, meta, this, args);
      if (meta.transactional) {
        return Promise.reject(
          new SteadfastError('TRANSACTION_OUTSIDE_WORKFLOW', `transactional step ${meta.name} runs only inside a workflow or as an enqueued job, where its checkpoint can commit with it`),
        );
      }
      return runTaskDirect(meta, this, args, owner?.clock ?? systemClock, owner?.logger ?? silentLogger());
    }
    if (host) return childStep(host, meta, args);
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

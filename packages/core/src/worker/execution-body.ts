import type { Registration } from '../definition/registry.js';
import type { ExecutionBody } from '../execution/workflow-execution.js';
import { taskStep } from '../execution/steps/task-step.js';

/**
 * What an execution of a registered name runs: a workflow runs its method; an enqueued job (a task run on
 * its own) runs as a workflow of one task step, so it gets the task's retries, checkpoint and fencing.
 */
export function executionBody({ meta, target }: Registration): ExecutionBody {
  if (meta.kind === 'task') return { name: meta.name, run: (host, args) => taskStep(host, meta, target, args), foldsStep: true };
  return { name: meta.name, run: (_host, args) => meta.method.apply(target, args) };
}

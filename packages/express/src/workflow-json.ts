import type { WorkflowEvent, WorkflowInfo } from '@steadfast/core';
import { errorToJson, isoDate, workflowToJson } from '@steadfast/core/integration';
import type { StepJson, WorkflowJson } from './api-types.js';

/** A workflow as the API answers it: core's one mapping, whose fields {@link WorkflowJson} names for the dashboard. */
export function workflowJson(info: WorkflowInfo): WorkflowJson {
  return workflowToJson(info) as unknown as WorkflowJson;
}

/**
 * Steps from the event log: `step_completed`, `step_failed` and `retry_scheduled` carry the step's
 * position; a later event for the same position (after `retry()`) supersedes an earlier outcome. What
 * only the stored checkpoint knows (arguments, result, wake time) and the timing are added by
 * `workflowDetail`.
 */
export function stepsFromHistory(events: readonly WorkflowEvent[]): StepJson[] {
  const steps = new Map<number, StepJson>();
  for (const event of events) {
    if (event.step === undefined) continue;
    const data = event.data ?? {};
    const at = isoDate(event.at);
    let step = steps.get(event.step);
    const isStepEvent = event.type === 'step_completed' || event.type === 'step_failed' || event.type === 'retry_scheduled';
    if (!step) {
      if (!isStepEvent && event.type !== 'failed') continue;
      step = newStep(event.step, at);
      steps.set(event.step, step);
    }
    step.lastAt = at;
    if (typeof data.name === 'string') step.name = data.name;
    if (typeof data.kind === 'string') step.kind = data.kind;
    if (event.type === 'retry_scheduled') {
      const attempt = typeof data.attempt === 'number' ? data.attempt : step.attempts + 1;
      step.status = 'retrying';
      step.attempts = Math.max(step.attempts, attempt);
      step.retries.push({
        attempt,
        at,
        retryAt: typeof data.retryAt === 'number' ? new Date(data.retryAt).toISOString() : null,
        error: data.error === undefined ? null : errorToJson(data.error),
      });
    } else if (event.type === 'step_completed' || event.type === 'step_failed') {
      step.status = event.type === 'step_completed' ? 'completed' : 'failed';
      if (typeof data.attempts === 'number') step.attempts = data.attempts;
      if (event.type === 'step_completed') step.error = null;
    } else if (event.type === 'failed' && data.error !== undefined) {
      step.status = 'failed';
      step.error = errorToJson(data.error);
    }
  }
  return [...steps.values()].sort((a, b) => a.position - b.position);
}

/** A step first seen at `at`, before anything is known of it. */
export function newStep(position: number, at: string | null): StepJson {
  return {
    position, name: null, kind: null, status: 'retrying', attempts: 0, firstAt: at, lastAt: at, retries: [], error: null,
    checkpointed: false, args: null, argsPreview: null, output: null, wakeAt: null, startedAt: null, endedAt: null, segments: [],
  };
}

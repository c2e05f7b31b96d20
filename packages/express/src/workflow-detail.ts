import type { WorkflowStep } from '@steadfast/core';
import { errorToJson, eventToJson, isoDate, toJsonValue } from '@steadfast/core/integration';
import type { StepJson, WorkflowDetailJson } from './api-types.js';
import type { RouterClient } from './router-options.js';
import { addTimings } from './step-waterfall.js';
import { newStep, stepsFromHistory, workflowJson } from './workflow-json.js';

/**
 * `GET /api/workflows/:id`: the workflow, its steps (from the event log, with what each stored checkpoint
 * holds and when each step ran), its event log, and what it published (events, streams). `now` decides which attempts are still going.
 */
export async function workflowDetail(client: RouterClient, id: string, now = Date.now()): Promise<WorkflowDetailJson> {
  const handle = await client.getWorkflow(id);
  const [info, history, checkpoints, events, streams] = await Promise.all([handle.info(), handle.history(), handle.steps(), handle.events(), handle.streams()]);
  const steps = withCheckpoints(stepsFromHistory(history), checkpoints);
  addTimings(steps, history, info, now);
  return {
    workflow: workflowJson(info),
    steps,
    history: history.map(eventToJson),
    events: events.map((event) => ({ key: event.key, value: toJsonValue(event.value), step: event.step, setAt: event.setAt.toISOString() })),
    streams: streams.map((stream) => ({ key: stream.key, chunks: stream.chunks, closed: stream.closed, updatedAt: stream.updatedAt.toISOString() })),
  };
}

/** Adds what the stored checkpoints hold; a timer's status (set, fired, cancelled) is the checkpoint's. */
function withCheckpoints(steps: StepJson[], checkpoints: readonly WorkflowStep[]): StepJson[] {
  const byPosition = new Map(steps.map((step) => [step.position, step]));
  for (const checkpoint of checkpoints) {
    let step = byPosition.get(checkpoint.position);
    if (!step) {
      // Every checkpoint is logged with its event; should one not be, the checkpoint says all there is.
      step = newStep(checkpoint.position, isoDate(checkpoint.recordedAt));
      step.status = checkpoint.status;
      step.attempts = checkpoint.attempts;
      byPosition.set(checkpoint.position, step);
    }
    step.name = checkpoint.name;
    step.kind = checkpoint.kind;
    step.checkpointed = true;
    step.args = checkpoint.args === undefined ? null : toJsonValue(checkpoint.args);
    step.argsPreview = checkpoint.argsPreview ?? null;
    step.output = toJsonValue(checkpoint.output);
    step.wakeAt = isoDate(checkpoint.wakeAt);
    if (checkpoint.error !== undefined && step.error === null) step.error = errorToJson(checkpoint.error);
    if (checkpoint.status === 'sleeping' || checkpoint.status === 'cancelled') step.status = checkpoint.status;
  }
  return [...byPosition.values()].sort((a, b) => a.position - b.position);
}

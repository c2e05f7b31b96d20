import type { WorkflowEvent, WorkflowInfo } from '@steadfast/core';
import type { StepJson, StepSegmentJson } from './api-types.js';

/** Kinds of step whose time is spent waiting for something else (a signal, a child workflow), not running. */
const WAITING_KINDS = new Set(['signal', 'child']);

/**
 * Fills in when each step ran (`segments`, `startedAt`, `endedAt`), for the dashboard's waterfall.
 *
 * The event log records when a step's attempts end (`retry_scheduled` with the next attempt's due time,
 * `step_completed`, `step_failed`) and when executions resume (`claimed`, `woke`, `recovered`, `retried`),
 * but not when a step begins. A step is taken to begin when the workflow last moved on: an execution
 * resumed, the previous step ended, a backoff ran out, or a timer fired. That is exact for a body that calls
 * its steps one after another; a step started together with others (`Promise.all`) appears to begin when
 * the one before it ended. A timer runs from when it was set (its checkpoint) to its wake time.
 */
export function addTimings(steps: StepJson[], history: readonly WorkflowEvent[], workflow: WorkflowInfo, now: number): void {
  const byPosition = new Map(steps.map((step) => [step.position, step]));
  // When the workflow last moved on: where the next step's attempt begins.
  let moved = workflow.createdAt.getTime();
  for (const event of history) {
    const at = event.at.getTime();
    const step = event.step === undefined ? undefined : byPosition.get(event.step);
    if (event.type === 'claimed' || event.type === 'woke' || event.type === 'recovered' || event.type === 'retried') {
      moved = Math.max(moved, at);
    } else if (event.type === 'retry_scheduled' && step) {
      const retryAt = typeof event.data?.retryAt === 'number' ? event.data.retryAt : at;
      push(step, 'failed', moved, at, typeof event.data?.attempt === 'number' ? event.data.attempt : null);
      push(step, 'backoff', at, retryAt, null);
      moved = Math.max(at, retryAt);
    } else if ((event.type === 'step_completed' || event.type === 'step_failed') && step) {
      if (step.wakeAt !== null) {
        const wakeAt = Date.parse(step.wakeAt);
        push(step, 'timer', at, wakeAt, null);
        // The body goes on when the timer fires; a signal's deadline runs beside the wait for the signal.
        const isDeadline = byPosition.get(step.position + 1)?.kind === 'signal';
        moved = Math.max(moved, at, isDeadline || step.status !== 'completed' ? at : wakeAt);
      } else {
        const kind = WAITING_KINDS.has(step.kind ?? '') ? 'wait' : event.type === 'step_failed' ? 'failed' : 'run';
        push(step, kind, moved, at, kind === 'wait' ? null : step.attempts);
        moved = Math.max(moved, at);
      }
    }
  }
  for (const step of steps) {
    // An attempt that is due again and runs now (its workflow holds a lease) is still going.
    if (step.status === 'retrying' && workflow.status === 'running' && moved <= now) push(step, 'run', moved, null, step.attempts + 1);
    if (step.status === 'cancelled') endCancelledTimer(step, byPosition.get(step.position + 1), workflow);
    const first = step.segments[0];
    const last = step.segments[step.segments.length - 1];
    step.startedAt = first?.from ?? null;
    // A step that retries has not ended: its last segment is a backoff or the attempt in flight.
    step.endedAt = step.status === 'retrying' ? null : (last?.to ?? null);
  }
}

/** A timer that will never fire ends when the workflow moved past it: its signal came, or the workflow finished. */
function endCancelledTimer(step: StepJson, next: StepJson | undefined, workflow: WorkflowInfo): void {
  const timer = step.segments.find((segment) => segment.kind === 'timer');
  const endedBy = next?.kind === 'signal' && next.lastAt !== null ? next.lastAt : workflow.finishedAt?.toISOString();
  if (timer && endedBy !== undefined && endedBy < (timer.to ?? endedBy)) timer.to = endedBy;
}

function push(step: StepJson, kind: StepSegmentJson['kind'], from: number, to: number | null, attempt: number | null): void {
  step.segments.push({ kind, from: new Date(from).toISOString(), to: to === null ? null : new Date(Math.max(from, to)).toISOString(), attempt });
}

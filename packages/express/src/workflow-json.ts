import type { WorkflowEvent } from '@steadfast/core';
import { errorToJson, eventToJson, isoDate, type Json, type JsonObject } from '@steadfast/core/integration';

/** A workflow as the JSON API returns it: core's one mapping (`workflowToJson`), payloads and full errors included. */
export type WorkflowJson = JsonObject;

/** An event as the JSON API returns it (core's `eventToJson`: `…At` data fields as ISO dates). */
export type EventJson = ReturnType<typeof eventToJson>;

/** One step of a workflow, reconstructed from its event log. */
export interface StepJson {
  [key: string]: Json;
  /** The step's position in the workflow. */
  position: number;
  name: string | null;
  kind: string | null;
  /** `completed`, `failed` (its final error failed the step), or `retrying` (an attempt failed, another is scheduled). */
  status: 'completed' | 'failed' | 'retrying';
  /** Attempts made so far. */
  attempts: number;
  /** When the step's first event was logged (its first failed attempt, or its completion). */
  firstAt: string | null;
  /** When the step's latest event was logged. */
  lastAt: string | null;
  /** Failed attempts that were retried: `{ attempt, at, retryAt, error }`. */
  retries: Json[];
  /** The error that failed the workflow at this step, if it did. */
  error: Json;
}

/**
 * Steps from the event log: `step_completed`, `step_failed` and `retry_scheduled` carry the step's
 * position; a later event for the same position (after `retry()`) supersedes an earlier outcome.
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
      step = { position: event.step, name: null, kind: null, status: 'retrying', attempts: 0, firstAt: at, lastAt: at, retries: [], error: null };
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

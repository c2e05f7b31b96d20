import type { WorkflowEvent, WorkflowInfo } from '@steadfast/core';
import { errorToJson, toJsonValue, type Json } from '@steadfast/core';

/** A workflow as the JSON API returns it: `WorkflowInfo` with dates as ISO strings and payloads as JSON. */
export type WorkflowJson = { [key: string]: Json };

export function workflowToJson(info: WorkflowInfo): WorkflowJson {
  return {
    id: info.id,
    name: info.name,
    kind: info.kind,
    version: info.version,
    queue: info.queue,
    priority: info.priority,
    status: info.status,
    args: toJsonValue(info.args),
    output: toJsonValue(info.output),
    error: info.error === undefined ? null : errorToJson(info.error),
    parentId: info.parentId,
    attempts: info.attempts,
    recoveryAttempts: info.recoveryAttempts,
    nextAt: iso(info.nextAt),
    createdAt: iso(info.createdAt),
    updatedAt: iso(info.updatedAt),
    startedAt: iso(info.startedAt),
    finishedAt: iso(info.finishedAt),
  };
}

export interface EventJson {
  [key: string]: Json;
  type: string;
  step: number | null;
  at: string | null;
  data: Json;
}

export function eventToJson(event: WorkflowEvent): EventJson {
  return { type: event.type, step: event.step ?? null, at: iso(event.at), data: toJsonValue(event.data ?? null) };
}

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
    const at = iso(event.at);
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

function iso(date: Date | undefined): string | null {
  return date === undefined || Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * The JSON shapes of `--json` output. They are stable: fields are only ever added. Dates are ISO-8601
 * strings (UTC), absent values `null`, errors `{ name, message, code }`.
 */
import type { WorkflowEvent, WorkflowInfo, WorkflowStep, WorkflowStepStatus } from '@steadfast/core';
import { eventToJson, toJsonValue, workflowToJson, type Json } from '@steadfast/core/integration';

export type { Json } from '@steadfast/core/integration';

/** A decoded payload as JSON (core's conversion; absent fields become null, as the --json shapes promise). */
export const toJson = (value: unknown): Json => toJsonValue(value, { undefinedAsNull: true });

/** A workflow as `list --json` reports it: everything but the payloads; errors as `{ name, message, code }`. */
export function workflowSummaryJson(info: WorkflowInfo): { [key: string]: Json } {
  return workflowToJson(info, { payloads: false, errors: 'summary' });
}

/** A workflow as `show --json` reports it: the summary plus its arguments and result. */
export function workflowJson(info: WorkflowInfo): { [key: string]: Json } {
  return workflowToJson(info, { errors: 'summary', undefinedAsNull: true });
}

/** An entry of the event log, as `show` reports it (core's mapping: `…At` data fields as ISO dates). */
export const eventJson = (event: WorkflowEvent) => eventToJson(event);

/** A checkpointed step, as `show` reports it. */
export interface StepJson {
  [key: string]: Json;
  seq: number;
  name: string;
  kind: string;
  /** `completed`, `failed`, `sleeping` (a timer set that has not fired), or `cancelled` (a timer that never will). */
  status: WorkflowStepStatus;
  attempts: number | null;
  /** When the checkpoint was written (a timer: when it was set). */
  at: string;
  /** When a timer fires; null for other steps. */
  wakeAt: string | null;
}

/** The workflow's checkpoints (`handle.steps()`): a retried workflow's discarded checkpoint is gone. */
export function stepJson(step: WorkflowStep): StepJson {
  return {
    seq: step.position,
    name: step.name,
    kind: step.kind,
    status: step.status,
    attempts: step.attempts,
    at: step.recordedAt.toISOString(),
    wakeAt: step.wakeAt?.toISOString() ?? null,
  };
}

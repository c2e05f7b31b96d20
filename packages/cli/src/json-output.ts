/**
 * The JSON shapes of `--json` output. They are stable: fields are only ever added. Dates are ISO-8601
 * strings (UTC), absent values `null`, errors `{ name, message, code }`.
 */
import type { WorkflowEvent, WorkflowInfo } from '@steadfast/core';
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
  status: 'completed' | 'failed';
  attempts: number | null;
  at: string;
}

/**
 * The workflow's checkpoints, rebuilt from its history: each `step_completed` / `step_failed` event records
 * one, and a `retried` event discards the checkpoint of the step that failed the workflow (it runs again).
 */
export function stepsFromHistory(history: WorkflowEvent[]): StepJson[] {
  const steps = new Map<number, StepJson>();
  for (const event of history) {
    if (event.step === undefined) continue;
    if (event.type === 'retried') steps.delete(event.step);
    if (event.type !== 'step_completed' && event.type !== 'step_failed') continue;
    const data = event.data ?? {};
    steps.set(event.step, {
      seq: event.step,
      name: typeof data.name === 'string' ? data.name : '?',
      kind: typeof data.kind === 'string' ? data.kind : '?',
      status: event.type === 'step_completed' ? 'completed' : 'failed',
      attempts: typeof data.attempts === 'number' ? data.attempts : null,
      at: event.at.toISOString(),
    });
  }
  return [...steps.values()].sort((a, b) => a.seq - b.seq);
}

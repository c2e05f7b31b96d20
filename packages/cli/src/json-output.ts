/**
 * The JSON shapes of `--json` output. They are stable: fields are only ever added. Dates are ISO-8601
 * strings (UTC), absent values `null`, errors `{ name, message, code }`.
 */
import { toJsonValue, type Json, type WorkflowEvent, type WorkflowInfo } from '@steadfast/core';

export type { Json } from '@steadfast/core';

export interface ErrorJson {
  [key: string]: Json;
  name: string;
  message: string;
  /** A Steadfast error's code (e.g. `NON_RETRYABLE`), else null. */
  code: string | null;
}

/** A decoded payload as JSON (core's conversion; absent fields become null, as the --json shapes promise). */
export const toJson = (value: unknown): Json => toJsonValue(value, { undefinedAsNull: true });

export function isoDate(date: Date | undefined | null): string | null {
  return date ? date.toISOString() : null;
}

export function errorJson(error: Error): ErrorJson {
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, code: typeof code === 'string' ? code : null };
}

/** A workflow as `list --json` reports it: everything but the payloads. */
export function workflowSummaryJson(info: WorkflowInfo): { [key: string]: Json } {
  return {
    id: info.id,
    name: info.name,
    kind: info.kind,
    version: info.version,
    queue: info.queue,
    priority: info.priority,
    status: info.status,
    attempts: info.attempts,
    recoveryAttempts: info.recoveryAttempts,
    parentId: info.parentId,
    error: info.error ? errorJson(info.error) : null,
    createdAt: isoDate(info.createdAt),
    updatedAt: isoDate(info.updatedAt),
    startedAt: isoDate(info.startedAt),
    finishedAt: isoDate(info.finishedAt),
    nextAt: isoDate(info.nextAt),
  };
}

/** A workflow as `show --json` reports it: the summary plus its arguments and result. */
export function workflowJson(info: WorkflowInfo): { [key: string]: Json } {
  return { ...workflowSummaryJson(info), args: toJson(info.args), output: toJson(info.output) };
}

/** An entry of the event log, as `show` reports it. */
export interface EventJson {
  [key: string]: Json;
  type: string;
  /** The step position the event is about, or null. */
  step: number | null;
  at: string;
  data: { [key: string]: Json } | null;
}

/** An event of the history. Numbers in fields named `...At` (`startAt`, `wakeAt`, `retryAt`) are epoch ms and become ISO dates. */
export function eventJson(event: WorkflowEvent): EventJson {
  const data = event.data === undefined ? null : (toJson(event.data) as { [key: string]: Json });
  if (data) {
    for (const [key, value] of Object.entries(data)) {
      if (key.endsWith('At') && typeof value === 'number') data[key] = new Date(value).toISOString();
    }
  }
  return { type: event.type, step: event.step ?? null, at: event.at.toISOString(), data };
}

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

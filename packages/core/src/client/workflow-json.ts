import { errorToJson, toJsonValue, type Json } from '../foundation/json-value.js';
import type { WorkflowEvent, WorkflowInfo } from './workflow-handle.js';

/** A JSON object, as the integrations return them. */
export type JsonObject = { [key: string]: Json };

/** Options of {@link workflowToJson}. */
export interface WorkflowJsonOptions {
  /** Include `args` and `output` (decoded payloads, converted to JSON). Default true. */
  payloads?: boolean;
  /**
   * How the workflow's error is shown: `'full'` (name, message, code, stack, cause and the error's own
   * fields) or `'summary'` (`{ name, message, code }`, code null when it has none). Default `'full'`.
   */
  errors?: 'full' | 'summary';
  /** Keep object fields whose value is undefined inside payloads as null (a stable shape for scripts). Default false. */
  undefinedAsNull?: boolean;
}

/**
 * A workflow as the integrations show it (the CLI's `--json`, the Express API): dates as ISO-8601 strings
 * (UTC), absent values null, payloads as plain JSON. The one mapping from {@link WorkflowInfo} to JSON.
 */
export function workflowToJson(info: WorkflowInfo, options: WorkflowJsonOptions = {}): JsonObject {
  const json: JsonObject = {
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
    error: info.error === undefined ? null : options.errors === 'summary' ? errorSummary(info.error) : errorToJson(info.error),
    createdAt: isoDate(info.createdAt),
    updatedAt: isoDate(info.updatedAt),
    startedAt: isoDate(info.startedAt),
    finishedAt: isoDate(info.finishedAt),
    nextAt: isoDate(info.nextAt),
  };
  if (options.payloads !== false) {
    const undefinedAsNull = options.undefinedAsNull === true;
    json.args = toJsonValue(info.args, { undefinedAsNull });
    json.output = toJsonValue(info.output, { undefinedAsNull });
  }
  return json;
}

/** An event of the history as JSON. Numbers in data fields named `…At` (`startAt`, `wakeAt`, `retryAt`) are epoch ms and become ISO dates. */
export function eventToJson(event: WorkflowEvent): { type: string; step: number | null; at: string | null; data: JsonObject | null } {
  const data = event.data === undefined ? null : (toJsonValue(event.data, { undefinedAsNull: true }) as JsonObject);
  if (data) {
    for (const [key, value] of Object.entries(data)) {
      if (key.endsWith('At') && typeof value === 'number') data[key] = new Date(value).toISOString();
    }
  }
  return { type: event.type, step: event.step ?? null, at: isoDate(event.at), data };
}

/** `{ name, message, code }` of an error; code is null unless the error has a string code. */
export function errorSummary(error: Error): JsonObject {
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, code: typeof code === 'string' ? code : null };
}

/** An ISO-8601 string, or null for an absent or invalid date. */
export function isoDate(date: Date | undefined | null): string | null {
  return date == null || Number.isNaN(date.getTime()) ? null : date.toISOString();
}

import { inspectPayload } from '../foundation/codec/codec-serializer.js';
import type { Serializer } from '../foundation/serialization.js';
import type { EventRecord, WorkflowRecord } from '../foundation/types.js';
import type { WorkflowEvent, WorkflowInfo } from './workflow-handle.js';

/** A stored workflow as handles report it: payloads decoded (one that cannot be decrypted here as an `EncryptedValue`), times as Dates. */
export function toWorkflowInfo(r: WorkflowRecord, serializer: Serializer): WorkflowInfo {
  const date = (ms: number | null) => (ms === null ? undefined : new Date(ms));
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    version: r.version,
    queue: r.queue,
    priority: r.priority,
    status: r.status,
    args: inspectPayload(r.args, serializer) as unknown[],
    output: r.output === null ? undefined : inspectPayload(r.output, serializer),
    error: r.error === null ? undefined : serializer.deserializeError(r.error),
    parentId: r.parentId,
    attempts: r.attempts,
    recoveryAttempts: r.recoveryAttempts,
    nextAt: date(r.nextAt),
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
    startedAt: date(r.startedAt),
    finishedAt: date(r.finishedAt),
  };
}

/** An event as `history()` reports it. Event data is plain JSON, except an embedded serialized `error`, which comes back as an Error. */
export function toWorkflowEvent(event: EventRecord, serializer: Serializer): WorkflowEvent {
  const data = event.data;
  return {
    type: event.type,
    step: event.seq ?? undefined,
    data: data === null ? undefined : data.error === undefined ? data : { ...data, error: serializer.deserializeError(JSON.stringify(data.error)) },
    at: new Date(event.at),
  };
}

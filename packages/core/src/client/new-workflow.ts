import { randomUUID } from 'node:crypto';
import { toEpochMs, toMilliseconds, type DurationInput, type TimeInput } from '../foundation/duration.js';
import { ValidationError } from '../foundation/errors.js';
import { describe, validateInteger, validateName } from '../foundation/names.js';
import type { Serializer } from '../foundation/serialization.js';
import type { WorkflowKind } from '../foundation/types.js';
import { runDefaults, type StepMeta } from '../definition/step-meta.js';
import type { NewWorkflow } from '../storage/storage-adapter.js';

/** What `startWorkflow` and `enqueue` ask for, in one shape. */
export interface CreateRequest {
  id?: string;
  at?: TimeInput;
  /** How the start time option is called, for messages (`startAt` or `runAt`). */
  atName: string;
  delay?: DurationInput;
  queue?: string;
  priority?: number;
  dedupeKey?: string;
  debounce?: boolean;
  /** The starting client's `version`: the run is pinned to it. Default the workflow's `version` option. */
  version?: string | null;
  concurrencyKey?: string;
}

/** Validates and encodes a new workflow or job; everything is checked here, before anything is stored. */
export function newWorkflowInput(meta: StepMeta, kind: WorkflowKind, args: unknown[], request: CreateRequest, serializer: Serializer, now: number): NewWorkflow {
  const { at, delay, atName } = request;
  if (!Array.isArray(args)) throw new ValidationError(`arguments of ${meta.name} must be an array, got ${describe(args)}`);
  const id = request.id === undefined ? randomUUID() : validateName(request.id, 'workflow id');
  const concurrencyKey = request.concurrencyKey === undefined ? null : validateName(request.concurrencyKey, `concurrencyKey of ${meta.name}`);
  // Payload codecs choose the new workflow's scope (its tenant) from it.
  const codec = serializer.forWorkflow?.({ id, name: meta.name, concurrencyKey }) ?? serializer;
  if (at !== undefined && delay !== undefined) throw new ValidationError(`give either ${atName} or delay for ${meta.name}, not both`);
  const nextAt = at !== undefined ? toEpochMs(at, `${atName} of ${meta.name}`) : now + (delay === undefined ? 0 : toMilliseconds(delay, `delay of ${meta.name}`));
  const defaults = meta.kind === 'workflow' ? runDefaults(meta, nextAt, request.version) : { version: request.version ?? null, queue: 'default', priority: 0, deadlineAt: null };
  return {
    id,
    name: meta.name,
    kind,
    version: defaults.version,
    queue: validateName(request.queue ?? defaults.queue, `queue of ${meta.name}`),
    priority: validateInteger(request.priority ?? defaults.priority, `priority of ${meta.name}`, -1_000_000, 1_000_000),
    args: codec.serialize(args, 'args'),
    parentId: null,
    nextAt,
    deadlineAt: defaults.deadlineAt,
    dedupeKey: request.dedupeKey ?? null,
    debounce: request.debounce ?? false,
    concurrencyKey,
    now,
  };
}

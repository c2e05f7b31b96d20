import { EncryptedPayloadError } from '../foundation/errors.js';
import { EncryptedValue } from '../foundation/codec/payload-codec.js';
import type { Serializer } from '../foundation/serialization.js';
import { FINISHED_STATUSES, type StepKind, type StepRecord, type WorkflowRecord } from '../foundation/types.js';

/**
 * Where a checkpointed step is:
 * - `completed`: its result is recorded; a timer (`sleep`, `runAt`, a signal's deadline) has fired.
 * - `failed`: its final error is recorded.
 * - `sleeping`: a timer that is set and has not fired: its wake time is still ahead and the workflow has not
 *   moved past it. (Its checkpoint, the wake time, is written when the timer is set.)
 * - `cancelled`: a timer that will never fire: the workflow finished before its wake time, or the signal
 *   whose deadline it was arrived first.
 */
export type WorkflowStepStatus = 'completed' | 'failed' | 'sleeping' | 'cancelled';

/** A checkpointed step as `handle.steps()` reports it, with its payloads decoded. */
export interface WorkflowStep {
  /** The step's position in the workflow (the order in which the workflow called its steps). */
  position: number;
  name: string;
  kind: StepKind;
  status: WorkflowStepStatus;
  /** Attempts the step took. */
  attempts: number;
  /**
   * The arguments the step was called with (tasks and child workflows), decoded from the preview stored with
   * its checkpoint; undefined when the step has none, or when they were too long for the preview (then see
   * `argsPreview`).
   */
  args: unknown[] | undefined;
  /** The stored preview of the serialized arguments, cut at 120 characters with `…`; undefined for a step without arguments. */
  argsPreview: string | undefined;
  /** The recorded result (for a timer: its wake time in epoch ms), or undefined. */
  output: unknown;
  /** The recorded final error, if the step failed. */
  error: Error | undefined;
  /** When a timer fires (fired); undefined for other steps. */
  wakeAt: Date | undefined;
  /** When the checkpoint was written: a task's end, a timer's start. */
  recordedAt: Date;
}

/**
 * The checkpoints of a workflow as handles report them. `now` (the client's clock) decides whether a timer
 * has fired.
 */
export function toWorkflowSteps(records: readonly StepRecord[], workflow: WorkflowRecord, now: number, serializer: Serializer): WorkflowStep[] {
  const byPosition = new Map(records.map((record) => [record.seq, record]));
  return records.map((record) => {
    const output = record.output === null ? undefined : decode(record.output, serializer);
    const wakeAt = record.kind === 'sleep' && typeof output === 'number' ? output : undefined;
    const preview = argumentsPreview(record.fingerprint);
    return {
      position: record.seq,
      name: record.name,
      kind: record.kind,
      status: record.error !== null ? 'failed' : wakeAt === undefined ? 'completed' : timerStatus(wakeAt, byPosition.get(record.seq + 1), workflow, now),
      attempts: record.attempts,
      args: fullArguments(preview, serializer),
      argsPreview: preview,
      output,
      error: record.error === null ? undefined : serializer.deserializeError(record.error),
      wakeAt: wakeAt === undefined ? undefined : new Date(wakeAt),
      recordedAt: new Date(record.createdAt),
    };
  });
}

/**
 * A timer has fired once its wake time has come. Before that it is set, unless the workflow moved past it:
 * it finished, or, for the deadline of `waitForSignal` (a timer followed at the next position by the
 * signal's receipt, both assigned at the call), the signal was received.
 */
function timerStatus(wakeAt: number, next: StepRecord | undefined, workflow: WorkflowRecord, now: number): WorkflowStepStatus {
  if (FINISHED_STATUSES.includes(workflow.status)) return wakeAt <= (workflow.finishedAt ?? now) ? 'completed' : 'cancelled';
  if (wakeAt <= now) return 'completed';
  return next?.kind === 'signal' ? 'cancelled' : 'sleeping';
}

/** The preview part of a `<hash>:<preview>` argument fingerprint (see `argumentFingerprint` in execution). */
function argumentsPreview(fingerprint: string | null): string | undefined {
  if (fingerprint === null) return undefined;
  const colon = fingerprint.indexOf(':');
  return colon === -1 ? undefined : fingerprint.slice(colon + 1);
}

/** The arguments, when the preview holds all of them: a cut one ends with `…` (a whole one with `]`). */
function fullArguments(preview: string | undefined, serializer: Serializer): unknown[] | undefined {
  if (preview === undefined || preview.endsWith('…')) return undefined;
  const args = decode(preview, serializer);
  return Array.isArray(args) ? args : undefined;
}

/** A stored payload decoded; one that cannot be decrypted here is an `EncryptedValue`, any other that cannot be (written by a newer version, say) its text. */
function decode(text: string, serializer: Serializer): unknown {
  try {
    return serializer.deserialize(text);
  } catch (error) {
    return error instanceof EncryptedPayloadError ? new EncryptedValue(error.keyId, error.tenant, error.message) : text;
  }
}

import type { StepKind, StepRecord } from '../foundation/types.js';
import { never } from './halt.js';

/** The identity of a step at its position, as checkpointed. */
export interface StepIdentity {
  readonly name: string;
  readonly kind: StepKind;
  /** `<hash>:<preview>` of the arguments, checked on replay; null where a step has none. */
  readonly fingerprint: string | null;
}

/** How a step that had no checkpoint ended: the outcome its checkpoint records. */
export type StepOutcome<V> = (
  | { value: V }
  /** The step failed for good: the error is checkpointed and thrown into the body. */
  | { error: unknown }
  /** Already serialized (a child's result or error): checkpointed as is, then returned as a replay would. */
  | { encoded: { output: string | null; error: string | null } }
) & {
  /** Attempts the step took. Default 1. */
  attempts?: number;
  /** The step wrote its own checkpoint (a transaction committed with it, a consumed signal). */
  checkpointed?: boolean;
};

/** What a step kind supplies to the template: only what differs between kinds. */
export interface StepSpec<V, R = V> {
  readonly name: string;
  readonly kind: StepKind;
  /** The arguments' fingerprint, checked against the checkpoint on replay. Default none. */
  readonly fingerprint?: string | null;
  /** How the step runs when it has no checkpoint. */
  run(seq: number): Promise<StepOutcome<V>>;
  /** What to wait for once the value is checkpointed (a sleep: its wake time). Default nothing. */
  then?(value: V): Promise<R>;
  /** A checkpoint that is not the end of the step (a sleep whose wake time has not come): runs instead of replaying it. */
  resume?(recorded: StepRecord, seq: number): Promise<R>;
  /** Sees a checkpoint being replayed (a task's span). */
  onReplay?(recorded: StepRecord, seq: number): void;
}

/** The part of an execution the template drives; see `WorkflowExecution`. */
export interface StepLedger {
  begin(step: StepIdentity): { seq: number; recorded: StepRecord | undefined } | undefined;
  replay(recorded: { seq: number; output: string | null; error: string | null; createdAt?: number }): Promise<unknown>;
  track<T>(fn: () => Promise<T>): Promise<T>;
  record(seq: number, step: StepIdentity, outcome: StepOutcome<unknown>): Promise<void>;
  markError(error: unknown, seq: number): void;
}

/**
 * The one step template: take the next position (at call time, so concurrent steps replay in call order);
 * if it has a checkpoint, replay it (the value, or the recorded error rethrown); otherwise run the step,
 * tracked as in flight, checkpoint its outcome, and return it. A halting execution's step never settles.
 */
export function runStep<V, R = V>(ledger: StepLedger, spec: StepSpec<V, R>): Promise<R> {
  const identity: StepIdentity = { name: spec.name, kind: spec.kind, fingerprint: spec.fingerprint ?? null };
  const slot = ledger.begin(identity);
  if (!slot) return never();
  const { seq, recorded } = slot;
  if (recorded) {
    spec.onReplay?.(recorded, seq);
    if (!spec.resume) return ledger.replay(recorded) as Promise<R>;
    return ledger.track(() => spec.resume!(recorded, seq));
  }
  return ledger.track(async () => {
    const outcome = await spec.run(seq);
    if (!outcome.checkpointed) await ledger.record(seq, identity, outcome);
    if ('error' in outcome) {
      ledger.markError(outcome.error, seq);
      throw outcome.error;
    }
    const value = 'encoded' in outcome ? ((await ledger.replay({ seq, ...outcome.encoded })) as V) : outcome.value;
    return spec.then ? spec.then(value) : (value as unknown as R);
  });
}

import type { StepRecord } from '../../foundation/types.js';
import type { StepIdentity } from '../../execution/step-template.js';
import { WorkflowExecution, type ExecutionBody, type ExecutionDeps } from '../../execution/workflow-execution.js';
import type { ExecutionState, Lease } from '../../storage/storage-adapter.js';

/** What a replay tells its observer as it goes: each recorded step as the code reaches it. */
export interface ReplayObserver {
  /** The code reached position `seq` and it matches the checkpoint there: the checkpoint is returned, nothing runs. */
  onReplayed?(seq: number, recorded: StepRecord): void;
}

/** Where a replay stopped because the code asked for a step the history does not have. */
export interface HistoryEnd {
  seq: number;
  /** The step the code would run next, for real: the replay stops before it. */
  next: StepIdentity;
}

/**
 * The real execution, driven over a recorded history with no side effects: a step with a checkpoint
 * replays it as in production; the first step without one (it would run for real: a task body, a child
 * start, a signal receipt) is never started: the replay has reached the end of the recorded history and
 * gives the execution up there. The replay logic is the execution's own, so what passes here passes on a
 * worker. Its storage must take no writes (see `replayStorage`).
 */
export class ReplayExecution extends WorkflowExecution {
  /** Set once the code asked for a step past the recorded history. */
  historyEnd: HistoryEnd | undefined;
  /** The step the code called where the execution found it diverged from the history (the first one). */
  divergentStep: StepIdentity | undefined;
  /** `patched()` markers the code took, by id, in order. */
  readonly patchesTaken: string[] = [];

  constructor(deps: ExecutionDeps, lease: Lease, body: ExecutionBody, state: ExecutionState, private readonly observer: ReplayObserver = {}) {
    super(deps, lease, body, state);
  }

  override begin(identity: StepIdentity): { seq: number; recorded: StepRecord | undefined } | undefined {
    const halted = this.stopped;
    const slot = super.begin(identity);
    if (!slot) {
      // Refused while not halted before: the execution found this step diverging from the checkpoint.
      if (!halted && this.stopped && !this.historyEnd) this.divergentStep ??= identity;
      return undefined;
    }
    if (!slot.recorded) {
      this.historyEnd ??= { seq: slot.seq, next: identity };
      this.abandon('the replay reached the end of the recorded history');
      return undefined;
    }
    if (identity.kind === 'patch') this.patchesTaken.push(identity.name);
    this.observer.onReplayed?.(slot.seq, slot.recorded);
    return slot;
  }
}

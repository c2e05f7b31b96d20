import { pino } from 'pino';
import { systemClock, type Clock } from '../../foundation/clock.js';
import { NonDeterminismError } from '../../foundation/errors.js';
import type { Serializer } from '../../foundation/serialization.js';
import type { StepKind, StepRecord, WorkflowRecord } from '../../foundation/types.js';
import type { Registry } from '../../definition/registry.js';
import type { StepIdentity } from '../../execution/step-template.js';
import { executionBody } from '../../worker/execution-body.js';
import { ReplayExecution, type ReplayObserver } from './replay-execution.js';
import { replayStorage, type ReplayEnding } from './replay-storage.js';

/** A step as a replay report shows it: what it is, and a preview of its arguments where it has any. */
export interface ReplayStepSummary {
  kind: StepKind;
  name: string;
  /** The stored preview of the serialized arguments (tasks and child workflows), cut at 120 characters. */
  arguments?: string;
}

/** Why a recorded run would not replay on the code given. */
export type DivergenceReason =
  /** Another step (or one of another kind) is called where the history has this one: reordered, inserted, replaced or removed before the end. */
  | 'different-step'
  /** The same step is called with other arguments. */
  | 'changed-arguments'
  /** The code returns before reaching recorded steps: they were removed from the end. */
  | 'removed-steps'
  /** The code now throws where the recorded run did not fail. */
  | 'error'
  /** The code given does not define the run's workflow (or job) name. */
  | 'not-registered';

/** The first point where a recorded run and the code part ways. */
export interface Divergence {
  reason: DivergenceReason;
  /** The step position, or null where there is none (`not-registered`). */
  position: number | null;
  /** The checkpoint at that position. */
  recorded: ReplayStepSummary | null;
  /** What the code calls there now; null when it returns (or throws) instead. */
  now: ReplayStepSummary | null;
  /** `patched()` markers: those in the recorded history, and those the code took up to the divergence. */
  patches: { recorded: string[]; now: string[] };
  /** One line for people, naming all of the above. */
  message: string;
}

/** The outcome of replaying one recorded run. */
export interface ReplayResult {
  id: string;
  name: string;
  version: string | null;
  status: WorkflowRecord['status'];
  /** True when the code calls the recorded steps in order with the recorded arguments. */
  ok: boolean;
  /** Checkpoints the replay went through. */
  replayedSteps: number;
  recordedSteps: number;
  /**
   * Where a clean replay stopped: at the end of the recorded history (the next step would run for real), at
   * a wait that is still ahead, or because the code returned or failed as the run did.
   */
  end: 'end-of-history' | 'waiting' | 'completed' | 'failed' | null;
  /** With `end: 'end-of-history'`: the step the code would run next. */
  next?: ReplayStepSummary & { position: number };
  divergence?: Divergence;
}

export interface ReplayRunOptions {
  registry: Registry;
  serializer: Serializer;
  /** Decides whether a recorded timer has fired. Default the system clock. */
  clock?: Clock;
  observer?: ReplayObserver;
}

const silent = pino({ level: 'silent' });

/**
 * Replays one recorded run in memory on the code in `registry`: the real execution over the recorded
 * checkpoints, with a storage that takes no writes, stopping at the first step the history does not have.
 * Nothing runs for real and nothing is stored.
 */
export async function replayRun(record: WorkflowRecord, steps: readonly StepRecord[], options: ReplayRunOptions): Promise<ReplayResult> {
  const base = { id: record.id, name: record.name, version: record.version, status: record.status, recordedSteps: steps.length };
  const patches = { recorded: steps.filter((s) => s.kind === 'patch').map((s) => s.name), now: [] as string[] };
  const registration = options.registry.get(record.name);
  if (!registration) {
    const message = `${record.kind} ${record.name} is not defined by the code given: runs of it could not continue`;
    return { ...base, ok: false, replayedSteps: 0, end: null, divergence: { reason: 'not-registered', position: null, recorded: null, now: null, patches, message } };
  }
  let replayedSteps = 0;
  const { storage, ending } = replayStorage();
  const execution = new ReplayExecution(
    { storage, serializer: options.serializer, clock: options.clock ?? systemClock, logger: silent, inMemoryWaitMs: 0, wake: () => {} },
    { workflowId: record.id, owner: 'replay', epoch: record.leaseEpoch },
    executionBody(registration),
    { args: record.args, deadlineAt: null, steps: [...steps], retries: new Map() },
    { onReplayed: (seq, recorded) => (replayedSteps++, options.observer?.onReplayed?.(seq, recorded)) },
  );
  await execution.run();
  patches.now = execution.patchesTaken;
  const result = { ...base, replayedSteps };
  const end = execution.historyEnd;
  if (end) return { ...result, ok: true, end: 'end-of-history', next: { position: end.seq, ...summary(end.next) } };
  const outcome = ending();
  const divergence = outcome && divergenceOf(outcome, record, steps, execution, patches, options.serializer);
  if (divergence) return { ...result, ok: false, end: null, divergence };
  return { ...result, ok: true, end: outcome?.kind === 'completed' || outcome?.kind === 'failed' || outcome?.kind === 'waiting' ? outcome.kind : null };
}

function divergenceOf(outcome: ReplayEnding, record: WorkflowRecord, steps: readonly StepRecord[], execution: ReplayExecution, patches: Divergence['patches'], serializer: Serializer): Divergence | undefined {
  if (outcome.kind !== 'failed') return undefined;
  const error = serializer.deserializeError(outcome.error);
  if (error instanceof NonDeterminismError) {
    const recordedStep = steps.find((s) => s.seq === error.position);
    const recorded = recordedStep ? summary(recordedStep) : null;
    const now = execution.divergentStep ? summary(execution.divergentStep) : null;
    const reason: DivergenceReason = !now ? 'removed-steps' : recorded && recorded.kind === now.kind && recorded.name === now.name ? 'changed-arguments' : 'different-step';
    return { reason, position: error.position, recorded, now, patches, message: divergenceMessage(reason, error.position, recorded, now, patches) };
  }
  // A run that failed fails again on replay (its recorded error is rethrown); a new error is a divergence.
  if (record.status === 'failed') return undefined;
  const message = `the code now throws ${error.name}: ${error.message} where the recorded run did not fail`;
  return { reason: 'error', position: null, recorded: null, now: null, patches, message };
}

function summary(step: Pick<StepIdentity, 'kind' | 'name' | 'fingerprint'>): ReplayStepSummary {
  const preview = step.fingerprint ? step.fingerprint.slice(step.fingerprint.indexOf(':') + 1) : undefined;
  return preview === undefined ? { kind: step.kind, name: step.name } : { kind: step.kind, name: step.name, arguments: preview };
}

const describeStep = (step: ReplayStepSummary) => `${step.kind} ${step.name}${step.arguments === undefined ? '' : ` with arguments ${step.arguments}`}`;

function divergenceMessage(reason: DivergenceReason, position: number, recorded: ReplayStepSummary | null, now: ReplayStepSummary | null, patches: Divergence['patches']): string {
  const was = recorded ? describeStep(recorded) : 'nothing';
  const head =
    reason === 'removed-steps'
      ? `step ${position} was recorded as ${was}, but the code now returns before it (steps removed)`
      : reason === 'changed-arguments'
        ? `step ${position} ${recorded!.kind} ${recorded!.name} was recorded with arguments ${recorded!.arguments ?? '(none)'}, but the code now passes ${now!.arguments ?? '(none)'}`
        : `step ${position} was recorded as ${was}, but the code now calls ${describeStep(now!)}`;
  const marks = patches.recorded.length + patches.now.length === 0 ? '' : `; patched() markers recorded: [${patches.recorded.join(', ')}], taken now: [${patches.now.join(', ')}]`;
  return `${head}${marks}. Guard the change with patched() so runs that recorded the old path keep replaying it.`;
}

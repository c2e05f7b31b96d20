import { setMaxListeners } from 'node:events';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { delay, type Clock, type TimerHandle } from '../foundation/clock.js';
import { LeaseLostError, NonDeterminismError, TimeoutError } from '../foundation/errors.js';
import type { StepRecord, WorkflowEnd } from '../foundation/types.js';
import { telemetry } from '../foundation/telemetry.js';
import type { ExecutionState, Lease, NewStep, RetryState } from '../storage/storage-adapter.js';
import { retryWhileUnavailable } from '../storage/storage-retry.js';
import { HALT, never } from './halt.js';
import { ReplayAwareLogger } from './replay-aware-logger.js';
import { ReceiveOrder } from './receive-order.js';
import { ReplayOrder } from './replay-order.js';
import { runInWorkflow, type WorkflowScope } from './scope.js';
import type { DurableWait, StepHost, StepServices } from './step-host.js';
import { runStep, type StepIdentity, type StepLedger, type StepOutcome, type StepSpec } from './step-template.js';
import { WriteChain } from './write-chain.js';
import { logStop } from './stop-log.js';

export interface ExecutionDeps extends StepServices {
  /** Waits up to this long stay in memory with the lease held; longer ones suspend the workflow. */
  readonly inMemoryWaitMs: number;
  /**
   * Called once when the body has stopped and only the execution's last write (its completion, failure or
   * park) remains: no workflow code runs in it any more, so the worker may give its slot to the next one.
   */
  readonly finishing?: () => void;
}

/**
 * The body an execution runs: a workflow's method, or (for a job) the one task step, chosen by whoever
 * starts the execution (the worker, from the registration).
 */
export interface ExecutionBody {
  /** The registered name, for telemetry and messages. */
  readonly name: string;
  run(host: StepHost, args: unknown[]): unknown;
  /**
   * The body is one step whose outcome is the workflow's (a job's task): that step's checkpoint is written
   * together with the completion or failure, one write instead of two. Safe because nothing runs between
   * the step's end and the workflow's end that could act on its value. Default false.
   */
  readonly foldsStep?: boolean;
}



/** How an execution ended, from this worker's point of view. */
export type ExecutionOutcome = 'completed' | 'failed' | 'suspended' | 'abandoned';

/**
 * Why the body stops making progress: `suspend` parks the workflow until its earliest wake time once the
 * steps in flight have checkpointed; `abandon` gives it up at once (lease lost, storage unreachable,
 * shutdown deadline, cancelled); `fatal` fails it (non-determinism).
 */
type Halt = 'suspend' | 'abandon' | 'fatal';

/**
 * One execution of a claimed workflow on this worker: runs the body, replays recorded steps, checkpoints
 * new ones under the lease, and ends by completing, failing, suspending or abandoning the workflow.
 * It owns positions, replay order, halting and writes; the step kinds (`steps/`) see it as a
 * {@link StepHost}, and the step template (`step-template.ts`) as a {@link StepLedger}.
 */
export class WorkflowExecution implements StepHost, StepLedger {
  private readonly retries: Map<number, RetryState>;
  private readonly steps: Map<number, StepRecord>;
  private readonly lastRecordedSeq: number;
  private readonly lastReachedSeq: number;
  /** Made on first use (a task asks for its signal): many executions never need one. */
  private abortController: AbortController | undefined;
  private abortReason: Error | undefined;
  /** Aborted when the execution halts, to cut in-memory waits short; made for the first in-memory wait. */
  private waitController: AbortController | undefined;
  /** This execution's storage writes, one after another. */
  private readonly writes: WriteChain;
  /** Remembers which step a rethrown error came from, so a failure can name the step that caused it. */
  private readonly errorSeqs = new WeakMap<object, number>();
  /** Wake times of waits in progress or cut short: the earliest is when a suspended workflow resumes. */
  private readonly wakes = new Set<number>();
  /** Children and signals the body waits for: a suspension must not miss them. */
  private readonly waitingChildren = new Set<string>();
  private readonly waitingSignals = new Set<string>();
  private nextSeq = 0;
  private inFlight = 0;
  /** Steps waiting durably (long sleeps and backoffs, children, signals): they resume after a suspension. */
  private parked = 0;
  /** Recorded outcomes waiting for their turn, released in the order they first completed. */
  private readonly replayOrder = new ReplayOrder();
  /** Waits for signals of one name: the latest the body made takes the next signal. */
  private readonly receiveOrder = new ReceiveOrder(() => this.replaying || this.replayTurnsPending > 0, () => this.nextSeq);
  private replayTurnsPending = 0;
  /** The last write of this execution: the next one starts after it, so they complete in the order made. */
  private writeChain: Promise<unknown> = Promise.resolve();
  private lastCheckpointAt = -Infinity;
  private halt: Halt | null = null;
  private fatalError: Error | undefined;
  private deadlineTimer: TimerHandle | undefined;
  private notifyDriver: () => void = () => {};
  /** With `body.foldsStep`: the step's checkpoint, written with the workflow's end. */
  private foldedStep: NewStep | undefined;
  /** How the workflow ended, once this execution completed or failed it. */
  end: WorkflowEnd | undefined;

  constructor(
    private readonly deps: ExecutionDeps,
    readonly lease: Lease,
    private readonly body: ExecutionBody,
    private readonly state: ExecutionState,
  ) {
    // Writes wait out an unavailable storage until the execution is given up; a refused write (lease lost) or
    // any other failure gives it up.
    this.writes = new WriteChain({ clock: deps.clock, logger: deps.logger, what: 'a checkpoint write', stopped: () => this.halt === 'abandon' }, (error) => {
      if (this.halt === 'abandon') return HALT; // given up meanwhile (cancelled, lease lost, shutdown)
      this.abandon(error instanceof LeaseLostError ? 'the lease was lost (another worker took over, or it was cancelled)' : 'a storage write failed', error);
      return HALT;
    });
    this.steps = new Map(state.steps.map((step) => [step.seq, step]));
    this.retries = state.retries;
    this.lastRecordedSeq = Math.max(-1, ...this.steps.keys());
    // A step with failed attempts was reached before too, though it has no checkpoint yet.
    this.lastReachedSeq = Math.max(this.lastRecordedSeq, ...this.retries.keys());
  }

  get workflowId(): string {
    return this.lease.workflowId;
  }

  get services(): StepServices {
    return this.deps;
  }

  private get clock(): Clock {
    return this.deps.clock;
  }

  /** Aborted when the execution is given up; in-flight tasks see it through their `signal`. */
  get signal(): AbortSignal {
    if (!this.abortController) {
      this.abortController = new AbortController();
      // Every task attempt in flight listens to this signal; a Promise.all of many is not a leak.
      setMaxListeners(0, this.abortController.signal);
      if (this.abortReason) this.abortController.abort(this.abortReason);
    }
    return this.abortController.signal;
  }

  /** True while the body re-runs code that an earlier execution ran (up to the last step it reached). */
  private get replaying(): boolean {
    return this.nextSeq <= this.lastReachedSeq;
  }

  private bodyLogger: ReplayAwareLogger | undefined;

  /** The workflow body's logger: silent while replaying, so a line is logged once however often the body re-runs. */
  get log(): ReplayAwareLogger {
    return (this.bodyLogger ??= new ReplayAwareLogger(this.deps.logger, () => this.replaying));
  }

  /** Runs the body to its end on this worker. Never rejects. */
  async run(): Promise<ExecutionOutcome> {
    try {
      return await this.drive();
    } catch (error) {
      if (error !== HALT) this.abandon('unexpected error in the runtime', error);
      return 'abandoned';
    } finally {
      this.deadlineTimer?.cancel();
      this.ended = true;
    }
  }

  /** The execution has ended: a late heartbeat or cancel finding its lease gone is no news then. */
  private ended = false;

  /** Stops taking new steps; the workflow suspends once the steps in flight have checkpointed. */
  yield(): void {
    this.setHalt('suspend');
  }

  /** Gives the execution up at once: in-flight tasks see their AbortSignal, and nothing more is written. */
  abandon(reason: string, error?: unknown): void {
    if (this.halt === 'abandon' || this.ended || this.end !== undefined) return;
    logStop(this.deps, this.lease, reason, error);
    this.setHalt('abandon');
    this.abortReason = error instanceof Error ? error : new LeaseLostError(this.workflowId, this.lease.epoch);
    this.abortController?.abort(this.abortReason);
  }

  private async drive(): Promise<ExecutionOutcome> {
    const { serializer } = this.deps;
    if (this.state.deadlineAt != null && (await this.armDeadline(this.state.deadlineAt))) return 'abandoned';
    let settled: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
    try {
      const args = serializer.deserialize(this.state.args) as unknown[];
      const execution = this;
      const scope: WorkflowScope = { host: this, get log() { return execution.log; } };
      runInWorkflow(scope, async () => this.body.run(this, args)).then(
        (value) => ((settled = { ok: true, value }), this.wakeDriver()),
        (error) => ((settled = { ok: false, error }), this.wakeDriver()),
      );
    } catch (error) {
      settled = { ok: false, error };
    }
    for (;;) {
      if (this.halt === 'abandon') return 'abandoned';
      if (this.halt === 'fatal') return this.finishFailed(this.fatalError);
      if (settled) return settled.ok ? this.finishCompleted(settled.value) : this.finishFailed(settled.error);
      if ((this.halt === 'suspend' || this.parked > 0) && this.inFlight === 0) {
        // The last checkpoint may let the body finish or start more steps through plain promise
        // continuations: give it a turn before deciding.
        await nextMacrotask();
        const halt = this.halt as Halt | null; // may have changed during the await
        if (!settled && this.inFlight === 0 && (halt === 'suspend' || (halt === null && this.parked > 0))) {
          this.setHalt('suspend'); // no step may start once the park is being written
          return this.suspend();
        }
        continue;
      }
      await new Promise<void>((resolve) => (this.notifyDriver = resolve));
    }
  }

  /** The workflow's `timeout`: past the deadline it is cancelled with a TimeoutError. Returns true if it is past already. */
  private async armDeadline(deadlineAt: number): Promise<boolean> {
    const timeOut = async () => {
      const error = new TimeoutError(`workflow ${this.workflowId} reached its deadline ${new Date(deadlineAt).toISOString()} and was cancelled`);
      this.abandon('the workflow timed out', error);
      const reason = this.deps.serializer.serializeError(error);
      const { clock, logger, storage } = this.deps;
      await retryWhileUnavailable(() => storage.cancelWorkflow(this.workflowId, clock.now(), reason), { clock, logger, what: 'cancelling a timed-out workflow' });
    };
    if (deadlineAt <= this.clock.now()) {
      await timeOut();
      return true;
    }
    this.deadlineTimer = this.clock.setTimer(() => {
      timeOut().catch((error) => this.deps.logger.error({ err: error }, 'could not cancel a timed-out workflow'));
    }, deadlineAt - this.clock.now());
    return false;
  }

  private async finishCompleted(value: unknown): Promise<ExecutionOutcome> {
    if (this.nextSeq <= this.lastRecordedSeq) {
      const recorded = this.steps.get(this.nextSeq)!;
      return this.finishFailed(
        new NonDeterminismError(this.workflowId, this.nextSeq, `${recorded.kind} ${recorded.name}`, 'no step (the workflow returned)'),
      );
    }
    const folded = this.foldedStep;
    let output: string;
    try {
      // A folded step's value is the workflow's result, serialized already.
      output = folded?.output ?? this.deps.serializer.serialize(value, `result of workflow ${this.body.name}`);
    } catch (error) {
      return this.finishFailed(error);
    }
    this.deps.finishing?.();
    await this.write(() => this.deps.storage.complete(this.lease, output, this.clock.now(), folded));
    this.end = { status: 'completed', output };
    telemetry().completed.add(1, { 'steadfast.workflow.name': this.body.name });
    this.deps.logger.info('workflow completed');
    return 'completed';
  }

  private async finishFailed(error: unknown): Promise<ExecutionOutcome> {
    const failedSeq = typeof error === 'object' && error !== null ? (this.errorSeqs.get(error) ?? null) : null;
    const encoded = this.deps.serializer.serializeError(error);
    this.deps.finishing?.();
    await this.write(() => this.deps.storage.fail(this.lease, encoded, failedSeq, this.clock.now(), this.foldedStep));
    this.end = { status: 'failed', error: encoded };
    telemetry().failed.add(1, { 'steadfast.workflow.name': this.body.name });
    this.deps.logger.error({ err: error, failedSeq }, 'workflow failed');
    return 'failed';
  }

  private async suspend(): Promise<ExecutionOutcome> {
    const now = this.clock.now();
    const waiting = this.waitingChildren.size > 0 || this.waitingSignals.size > 0;
    let wakeAt: number | null = this.wakes.size > 0 ? Math.min(...this.wakes) : waiting ? null : now;
    if (this.state.deadlineAt != null) wakeAt = Math.min(wakeAt ?? Infinity, this.state.deadlineAt);
    const waitingFor = waiting ? { children: [...this.waitingChildren], signals: [...this.waitingSignals] } : undefined;
    this.deps.finishing?.();
    await this.write(() => this.deps.storage.suspend(this.lease, wakeAt, now, waitingFor));
    this.deps.logger.debug({ wakeAt: wakeAt === null ? null : new Date(wakeAt).toISOString(), waitingFor }, 'workflow suspended');
    return 'suspended';
  }

  // ---- for the step template and the step kinds ---------------------------------------------------------

  step<V, R = V>(spec: StepSpec<V, R>): Promise<R> {
    return runStep(this, spec);
  }

  retryState(seq: number): RetryState | undefined {
    return this.retries.get(seq);
  }

  /**
   * Assigns the next position (synchronously, so concurrent steps replay in call order) and checks it
   * against the checkpoint recorded there; undefined when the step must not run (halting, non-determinism).
   */
  begin({ name, kind, fingerprint }: StepIdentity): { seq: number; recorded: StepRecord | undefined } | undefined {
    if (this.halt) {
      // The body wants to go on while we halt: when suspended, it should resume at once.
      if (this.halt === 'suspend') this.wakes.add(this.clock.now());
      return undefined;
    }
    const seq = this.nextSeq++;
    const recorded = this.steps.get(seq);
    if (recorded) {
      const mismatch =
        recorded.name !== name || recorded.kind !== kind
          ? [`${recorded.kind} ${recorded.name}`, `${kind} ${name}`]
          : recorded.fingerprint && fingerprint && recorded.fingerprint.split(':')[0] !== fingerprint.split(':')[0]
            ? [`${kind} ${name} with arguments ${preview(recorded.fingerprint)}`, `it with arguments ${preview(fingerprint)}`]
            : undefined;
      if (mismatch) {
        this.fatalError = new NonDeterminismError(this.workflowId, seq, mismatch[0]!, mismatch[1]!);
        this.setHalt('fatal');
        return undefined;
      }
    }
    return { seq, recorded };
  }

  /** The checkpoint at the next position, if any, without taking the position. */
  peekNext(): StepRecord | undefined {
    return this.halt ? undefined : this.steps.get(this.nextSeq);
  }

  /** Returns a checkpoint's value, or rethrows its error. */
  async replay(recorded: { seq: number; output: string | null; error: string | null; createdAt?: number }): Promise<unknown> {
    const { serializer } = this.deps;
    if (recorded.createdAt !== undefined) await this.replayTurn(recorded.createdAt, recorded.seq);
    if (recorded.error !== null) {
      const error = serializer.deserializeError(recorded.error);
      this.errorSeqs.set(error, recorded.seq);
      throw error;
    }
    return serializer.deserialize(recorded.output!);
  }

  /**
   * Lets recorded outcomes settle in the order they first happened (by when they completed: a checkpoint's
   * time, a timer's wake time), one per event-loop turn, so `Promise.race`, `Promise.any` and the first
   * rejection of `Promise.all` pick the same winner on replay as on the first run.
   */
  replayTurn(completedAt: number, seq: number): Promise<void> {
    // A turn counts as in flight: the workflow must not suspend between two releases of a replay.
    this.inFlight++;
    this.replayTurnsPending++;
    return this.replayOrder.turn(completedAt, seq).then(() => {
      this.inFlight--;
      this.replayTurnsPending--;
      this.wakeDriver();
    });
  }

  receiveTurn(name: string, seq: number): Promise<boolean> {
    return this.receiveOrder.turn(name, seq);
  }

  /**
   * The time a new checkpoint is recorded with: strictly increasing within an execution (checkpoints are
   * written one after another), so replay can order outcomes that completed in the same millisecond.
   */
  checkpointTime(): number {
    this.lastCheckpointAt = Math.max(this.clock.now(), this.lastCheckpointAt + 1);
    return this.lastCheckpointAt;
  }

  /** Notes that the error thrown into the body came from step `seq`. */
  markError(error: unknown, seq: number): void {
    if (typeof error === 'object' && error !== null) this.errorSeqs.set(error, seq);
  }

  /**
   * Checkpoints a step's outcome. A value that cannot be serialized becomes the step's error (a
   * SerializationError naming the path), so the workflow sees it the same way now and on replay.
   */
  async record(seq: number, { name, kind, fingerprint }: StepIdentity, outcome: StepOutcome<unknown>): Promise<void> {
    const { serializer, storage } = this.deps;
    let output: string | null = null;
    let error: string | null = null;
    let thrown: unknown;
    if ('encoded' in outcome) {
      ({ output, error } = outcome.encoded);
    } else if ('error' in outcome) {
      error = serializer.serializeError(outcome.error);
    } else {
      try {
        output = serializer.serialize(outcome.value, `result of ${kind === 'task' ? 'task ' : ''}${name}`);
      } catch (serializationError) {
        error = serializer.serializeError((thrown = serializationError));
      }
    }
    const step: NewStep = { seq, name, kind, output, error, attempts: outcome.attempts ?? 1, fingerprint };
    if (this.body.foldsStep && seq === 0) this.foldedStep = step;
    else await this.write(() => storage.recordStep(this.lease, step, this.checkpointTime()));
    if (thrown !== undefined) {
      this.markError(thrown, seq);
      throw thrown;
    }
  }

  /**
   * Waits until `at`: in memory when short, otherwise the step parks (it never returns in this execution)
   * and the workflow suspends once nothing else is in flight. Other branches go on meanwhile.
   */
  async waitUntil(at: number): Promise<void> {
    const remaining = at - this.clock.now();
    if (remaining <= 0) return;
    this.wakes.add(at);
    if (this.halt) throw HALT;
    if (remaining > this.deps.inMemoryWaitMs) this.park();
    try {
      if (!this.waitController) {
        this.waitController = new AbortController();
        setMaxListeners(0, this.waitController.signal);
      }
      await delay(this.clock, remaining, this.waitController.signal);
    } catch {
      throw HALT; // cut short by a halt; the wake time stays in `wakes` for the suspension
    }
    this.wakes.delete(at);
  }

  /** Parks until a child finishes or a signal arrives (or `until`, if given). Never returns. */
  waitFor(what: DurableWait): never {
    if (what.child) this.waitingChildren.add(what.child);
    if (what.signal) this.waitingSignals.add(what.signal);
    if (what.until != null) this.wakes.add(what.until);
    this.park();
  }

  /**
   * A step that must wait durably: it stops being in flight and never settles here. Only when no step is in
   * flight does the driver suspend the workflow, so a race between a long wait and other steps (a signal,
   * a task) is decided by those steps, now and on replay.
   */
  private park(): never {
    this.parked++;
    this.wakeDriver();
    throw HALT;
  }

  /** Counts a step as in flight, so a suspension waits for its checkpoint; a halted step never settles. */
  track<T>(fn: () => Promise<T>): Promise<T> {
    this.inFlight++;
    let running: Promise<T>;
    try {
      running = fn();
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.then(
      (value) => {
        this.inFlight--;
        this.wakeDriver();
        return value;
      },
      (error: unknown) => {
        this.inFlight--;
        this.wakeDriver();
        if (error === HALT) return never<T>();
        throw error;
      },
    );
  }

  /**
   * A storage call made for this workflow. While the storage is unavailable it is retried (a task is not
   * run again and no attempt is consumed); a refused write (lease lost) or any other failure gives the
   * execution up.
   */
  write<T>(op: () => Promise<T>): Promise<T> {
    if (this.halt === 'abandon') return Promise.reject(HALT);
    return this.writes.write(op);
  }

  /** Whether the execution was given up or failed fatally (a failing task must not be retried then). */
  get stopped(): boolean {
    return this.halt === 'abandon' || this.halt === 'fatal';
  }

  private setHalt(halt: Halt): void {
    // abandon and fatal override suspend; nothing overrides abandon.
    if (this.halt === 'abandon' || (this.halt === 'fatal' && halt === 'suspend')) return;
    this.halt = halt;
    if (this.waitController && !this.waitController.signal.aborted) this.waitController.abort();
    this.wakeDriver();
  }

  private wakeDriver(): void {
    const notify = this.notifyDriver;
    this.notifyDriver = () => {};
    notify();
  }
}

function preview(fingerprint: string): string {
  return fingerprint.slice(fingerprint.indexOf(':') + 1);
}


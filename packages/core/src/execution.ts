import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Logger } from 'pino';
import { delay, type Clock } from './clock.js';
import { LeaseLostError, NonDeterminismError, SerializationError } from './errors.js';
import type { Registration, TaskMeta } from './registry.js';
import { runInWorkflow } from './scope.js';
import { retryWhileUnavailable } from './storage/storage-retry.js';
import type { Serializer } from './serialization.js';
import type { ExecutionState, Lease, RetryState, StorageAdapter } from './storage/storage-adapter.js';
import { invokeAttempt, isRetryable, retryDelay } from './task-invocation.js';
import type { StepKind, StepRecord } from './types.js';

export interface ExecutionDeps {
  storage: StorageAdapter;
  serializer: Serializer;
  clock: Clock;
  /** Bound to the workflow id. */
  logger: Logger;
  /** Waits up to this long stay in memory with the lease held; longer ones suspend the workflow. */
  inMemoryWaitMs: number;
}

/** How an execution ended, from this worker's point of view. */
export type ExecutionOutcome = 'completed' | 'failed' | 'suspended' | 'abandoned';

/**
 * Why the body stops making progress: `suspend` parks the workflow until its earliest wake time once the
 * steps in flight have checkpointed; `abandon` gives it up at once (lease lost, storage unreachable,
 * shutdown deadline); `fatal` fails it (non-determinism).
 */
type Halt = 'suspend' | 'abandon' | 'fatal';

/** Thrown inside step code to unwind a step that must not finish because the execution is halting. */
const HALT = Symbol('steadfast:halt');

/** A step of a halted execution never settles: the body is left suspended and garbage-collected. */
const never = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * One execution of a claimed workflow on this worker: runs the body, replays recorded steps, checkpoints
 * new ones under the lease, and ends by completing, failing, suspending or abandoning the workflow.
 */
export class WorkflowExecution {
  private readonly steps: Map<number, StepRecord>;
  private readonly retries: Map<number, RetryState>;
  private readonly lastRecordedSeq: number;
  private readonly abortController = new AbortController();
  /** Aborted when the execution halts, to cut in-memory waits short. */
  private readonly waitController = new AbortController();
  /** Remembers which step a rethrown error came from, so a failure can name the step that caused it. */
  private readonly errorSeqs = new WeakMap<object, number>();
  /** Wake times of waits in progress or cut short: the earliest is when a suspended workflow resumes. */
  private readonly wakes = new Set<number>();
  private nextSeq = 0;
  private inFlight = 0;
  private halt: Halt | null = null;
  private fatalError: Error | undefined;
  private notifyDriver: () => void = () => {};

  constructor(
    private readonly deps: ExecutionDeps,
    readonly lease: Lease,
    private readonly registration: Registration,
    private readonly state: ExecutionState,
  ) {
    this.steps = new Map(state.steps.map((step) => [step.seq, step]));
    this.retries = state.retries;
    this.lastRecordedSeq = Math.max(-1, ...this.steps.keys());
  }

  get workflowId(): string {
    return this.lease.workflowId;
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  /** True while the body is re-running steps that are already checkpointed. */
  get replaying(): boolean {
    return this.nextSeq <= this.lastRecordedSeq;
  }

  /** Runs the body to its end on this worker. Never rejects. */
  async run(): Promise<ExecutionOutcome> {
    try {
      return await this.drive();
    } catch (error) {
      if (error !== HALT) this.abandon('unexpected error in the runtime', error);
      return 'abandoned';
    }
  }

  /** Stops taking new steps; the workflow suspends once the steps in flight have checkpointed. */
  yield(): void {
    this.setHalt('suspend');
  }

  /** Gives the execution up at once: in-flight tasks see their AbortSignal, and nothing more is written. */
  abandon(reason: string, error?: unknown): void {
    if (this.halt === 'abandon') return;
    this.deps.logger.warn({ err: error, epoch: this.lease.epoch }, `execution abandoned: ${reason}`);
    this.setHalt('abandon');
    this.abortController.abort(error instanceof Error ? error : new LeaseLostError(this.workflowId, this.lease.epoch));
  }

  private async drive(): Promise<ExecutionOutcome> {
    const { serializer } = this.deps;
    let settled: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
    try {
      const args = serializer.deserialize(this.state.args) as unknown[];
      runInWorkflow(this, async () => this.invokeBody(args)).then(
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
      if (this.halt === 'suspend' && this.inFlight === 0) {
        // The last checkpoint may let the body finish through plain promise continuations: give it a turn.
        await nextMacrotask();
        if (!settled && this.inFlight === 0 && this.halt === 'suspend') return this.suspend();
        continue;
      }
      await new Promise<void>((resolve) => (this.notifyDriver = resolve));
    }
  }

  private invokeBody(args: unknown[]): unknown {
    const { meta, target } = this.registration;
    if (meta.kind === 'task') return this.runTask(meta, target, args);
    return meta.method.apply(target, args);
  }

  private async finishCompleted(value: unknown): Promise<ExecutionOutcome> {
    if (this.nextSeq <= this.lastRecordedSeq) {
      const recorded = this.steps.get(this.nextSeq)!;
      return this.finishFailed(
        new NonDeterminismError(this.workflowId, this.nextSeq, `${recorded.kind} ${recorded.name}`, 'no step (the workflow returned)'),
      );
    }
    let output: string;
    try {
      output = this.deps.serializer.serialize(value, `result of workflow ${this.registration.meta.name}`);
    } catch (error) {
      return this.finishFailed(error);
    }
    await this.write(() => this.deps.storage.complete(this.lease, output, this.clock.now()));
    this.deps.logger.info('workflow completed');
    return 'completed';
  }

  private async finishFailed(error: unknown): Promise<ExecutionOutcome> {
    const failedSeq = typeof error === 'object' && error !== null ? (this.errorSeqs.get(error) ?? null) : null;
    const encoded = this.deps.serializer.serializeError(error);
    await this.write(() => this.deps.storage.fail(this.lease, encoded, failedSeq, this.clock.now()));
    this.deps.logger.error({ err: error, failedSeq }, 'workflow failed');
    return 'failed';
  }

  private async suspend(): Promise<ExecutionOutcome> {
    const now = this.clock.now();
    const wakeAt = this.wakes.size > 0 ? Math.min(...this.wakes) : now;
    await this.write(() => this.deps.storage.suspend(this.lease, wakeAt, now));
    this.deps.logger.debug({ wakeAt: new Date(wakeAt).toISOString() }, 'workflow suspended');
    return 'suspended';
  }

  // ---- steps -------------------------------------------------------------------------------------------

  /** A task called from the body: replayed from its checkpoint, or run with retries and checkpointed. */
  runTask(meta: TaskMeta, target: unknown, args: unknown[]): Promise<unknown> {
    const step = this.begin(meta.name, 'task');
    if (!step) return never();
    if (step.recorded) return this.replay(step.recorded);
    return this.track(() => this.executeTask(meta, target, args, step.seq));
  }

  /** `sleep()` and `runAt()`: the wake time is the checkpoint. */
  waitStep(name: 'sleep' | 'runAt', wakeAt: (now: number) => number): Promise<void> {
    const step = this.begin(name, 'sleep');
    if (!step) return never();
    return this.track(async () => {
      let at: number;
      if (step.recorded) {
        at = this.deps.serializer.deserialize(step.recorded.output!) as number;
      } else {
        at = wakeAt(this.clock.now());
        await this.record(step.seq, name, 'sleep', at, null, 1);
      }
      await this.waitUntil(at);
    });
  }

  /** `now()`, `random()`, `uuid()`: a value produced once and checkpointed. */
  valueStep<T>(name: string, kind: StepKind, produce: () => T): Promise<T> {
    const step = this.begin(name, kind);
    if (!step) return never();
    if (step.recorded) return this.replay(step.recorded) as Promise<T>;
    return this.track(async () => {
      const value = produce();
      await this.record(step.seq, name, kind, value, null, 1);
      return value;
    });
  }

  /** Assigns the next position (synchronously, so concurrent steps replay in call order) and checks it. */
  private begin(name: string, kind: StepKind): { seq: number; recorded: StepRecord | undefined } | undefined {
    if (this.halt) {
      // The body wants to go on while we halt: when suspended, it should resume at once.
      if (this.halt === 'suspend') this.wakes.add(this.clock.now());
      return undefined;
    }
    const seq = this.nextSeq++;
    const recorded = this.steps.get(seq);
    if (recorded && (recorded.name !== name || recorded.kind !== kind)) {
      this.fatalError = new NonDeterminismError(this.workflowId, seq, `${recorded.kind} ${recorded.name}`, `${kind} ${name}`);
      this.setHalt('fatal');
      return undefined;
    }
    return { seq, recorded };
  }

  private async replay(recorded: StepRecord): Promise<unknown> {
    const { serializer } = this.deps;
    if (recorded.error !== null) {
      const error = serializer.deserializeError(recorded.error);
      this.errorSeqs.set(error, recorded.seq);
      throw error;
    }
    return serializer.deserialize(recorded.output!);
  }

  private async executeTask(meta: TaskMeta, target: unknown, args: unknown[], seq: number): Promise<unknown> {
    const { serializer, clock } = this.deps;
    let { attempt, retryAt } = this.retries.get(seq) ?? { attempt: 0, retryAt: 0 };
    for (;;) {
      await this.waitUntil(retryAt);
      attempt++;
      const log = this.deps.logger.child({ step: seq, task: meta.name, attempt });
      let output: unknown;
      try {
        output = await invokeAttempt({
          meta, target, args, attempt, clock, log,
          workflowId: this.workflowId,
          stepIndex: seq,
          idempotencyKey: `${this.workflowId}:${seq}`,
          signal: this.abortController.signal,
        });
      } catch (error) {
        if (this.halt === 'abandon' || this.halt === 'fatal') throw HALT;
        if (!isRetryable(error) || attempt > meta.retries) {
          await this.record(seq, meta.name, 'task', undefined, error, attempt);
          log.warn({ err: error }, 'step failed');
          if (typeof error === 'object' && error !== null) this.errorSeqs.set(error, seq);
          throw error;
        }
        const wait = retryDelay(meta, attempt, error);
        retryAt = clock.now() + wait;
        const encoded = serializer.serializeError(error);
        await this.write(() => this.deps.storage.recordRetry(this.lease, { seq, attempt, retryAt, error: encoded }, clock.now()));
        log.warn({ err: error, retryAt: new Date(retryAt).toISOString() }, 'step attempt failed; retry scheduled');
        continue;
      }
      await this.record(seq, meta.name, 'task', output, null, attempt);
      log.debug('step completed');
      return output;
    }
  }

  /**
   * Checkpoints a step. A result that cannot be serialized becomes the step's error (a SerializationError
   * naming the path), so the workflow sees it the same way now and on replay.
   */
  private async record(seq: number, name: string, kind: StepKind, value: unknown, error: unknown, attempts: number): Promise<void> {
    const { serializer, storage, clock } = this.deps;
    let output: string | null = null;
    let encodedError: string | null = null;
    if (error === null) {
      try {
        output = serializer.serialize(value, `result of ${kind === 'task' ? 'task ' : ''}${name}`);
      } catch (serializationError) {
        if (!(serializationError instanceof SerializationError) && !(serializationError instanceof Error)) throw serializationError;
        encodedError = serializer.serializeError(serializationError);
        await this.write(() => storage.recordStep(this.lease, { seq, name, kind, output: null, error: encodedError, attempts }, clock.now()));
        this.errorSeqs.set(serializationError, seq);
        throw serializationError;
      }
    } else {
      encodedError = serializer.serializeError(error);
    }
    await this.write(() => storage.recordStep(this.lease, { seq, name, kind, output, error: encodedError, attempts }, clock.now()));
  }

  /** Waits until `at`: in memory when short, otherwise by suspending the workflow (this step never returns). */
  private async waitUntil(at: number): Promise<void> {
    const remaining = at - this.clock.now();
    if (remaining <= 0) return;
    this.wakes.add(at);
    if (this.halt || remaining > this.deps.inMemoryWaitMs) {
      this.setHalt('suspend');
      throw HALT;
    }
    try {
      await delay(this.clock, remaining, this.waitController.signal);
    } catch {
      throw HALT; // cut short by a halt; the wake time stays in `wakes` for the suspension
    }
    this.wakes.delete(at);
  }

  /** Counts a step as in flight, so a suspension waits for its checkpoint. */
  private async track<T>(fn: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await fn();
    } catch (error) {
      if (error === HALT) return never();
      throw error;
    } finally {
      this.inFlight--;
      this.wakeDriver();
    }
  }

  /**
   * A storage write made for this workflow. While the storage is unavailable it is retried (the task is not
   * run again and no attempt is consumed); a refused write (lease lost) or any other failure gives the
   * execution up.
   */
  private async write(op: () => Promise<void>): Promise<void> {
    if (this.halt === 'abandon') throw HALT;
    try {
      const { clock, logger } = this.deps;
      await retryWhileUnavailable(op, { clock, logger, what: 'a checkpoint write', signal: this.abortController.signal });
    } catch (error) {
      if (this.abortController.signal.aborted) throw HALT; // given up meanwhile (cancelled, lease lost, shutdown)
      this.abandon(error instanceof LeaseLostError ? 'the lease was lost (another worker took over, or it was cancelled)' : 'a storage write failed', error);
      throw HALT;
    }
  }

  private setHalt(halt: Halt): void {
    // abandon and fatal override suspend; nothing overrides abandon.
    if (this.halt === 'abandon' || (this.halt === 'fatal' && halt === 'suspend')) return;
    this.halt = halt;
    if (!this.waitController.signal.aborted) this.waitController.abort();
    this.wakeDriver();
  }

  private wakeDriver(): void {
    const notify = this.notifyDriver;
    this.notifyDriver = () => {};
    notify();
  }
}

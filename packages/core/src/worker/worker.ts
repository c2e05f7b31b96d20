import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../foundation/clock.js';
import { CancelledError, MaxRecoveryAttemptsError } from '../foundation/errors.js';
import type { Serializer } from '../foundation/serialization.js';
import { endSpan, startWorkflowSpan, telemetry } from '../foundation/telemetry.js';
import type { ResolvedQueue } from '../definition/queue-options.js';
import type { Registry } from '../definition/registry.js';
import type { WorkflowEnd } from '../foundation/types.js';
import { WorkflowExecution, type ExecutionOutcome } from '../execution/workflow-execution.js';
import type { ClaimedWorkflow, Lease, QueueLimit, StorageAdapter } from '../storage/storage-adapter.js';
import { retryWhileUnavailable } from '../storage/storage-retry.js';
import { executionBody } from './execution-body.js';
import { LeaseKeeper } from './lease-keeper.js';

interface Slot {
  queue: string;
  execution?: WorkflowExecution;
  /** Another claim of the same workflow took this slot's place before its execution loaded. */
  superseded?: boolean;
}

export interface WorkerConfig {
  storage: StorageAdapter;
  registry: Registry;
  serializer: Serializer;
  clock: Clock;
  logger: Logger;
  owner: string;
  queues: readonly string[];
  /** Flow control per queue (`runtime.queue()`); read at every claim, so later changes apply. */
  queueOptions: ReadonlyMap<string, ResolvedQueue>;
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  pollIntervalMs: number;
  /** With a storage that notifies: the longest idle wait between looks of its own. */
  idlePollIntervalMs: number;
  inMemoryWaitMs: number;
  /** Told when the storage reports that cron schedules changed. */
  onSchedulesChanged?(): void;
  /** Told when an execution on this worker ends, so handles waiting in this process resolve at once. */
  onSettled(workflowId: string, outcome: ExecutionOutcome, end: WorkflowEnd | undefined): void;
}

/**
 * The claim loop of one runtime: claims due workflows up to `concurrency`, runs them, renews their leases,
 * and sleeps until the earliest due time it knows (bounded by the poll interval) instead of polling tightly.
 */
export class Worker {
  /** Executions on this worker, by workflow id; a slot is taken before its execution has loaded. */
  private readonly active = new Map<string, Slot>();
  private readonly idleWaiters = new Set<() => void>();
  private wakeTimer: TimerHandle | undefined;
  private wakeAt = Infinity;
  private readonly leases: LeaseKeeper;
  private claiming = false;
  private claimAgain = false;
  private stopping = false;
  private claimDone: Promise<void> = Promise.resolve();
  private unsubscribe: (() => Promise<void>) | undefined;
  /** The storage tells this worker when work becomes due: idle, it looks on its own only rarely. */
  private notified = false;

  constructor(private readonly config: WorkerConfig) {
    this.leases = new LeaseKeeper(config, { executions: () => this.executions(), active: () => this.active.size });
  }

  /** Begins claiming; with a storage that can notify, idle workers are woken as soon as work is due. */
  async start(): Promise<void> {
    const { storage, logger } = this.config;
    if (storage.capabilities.notify && storage.subscribe) {
      this.unsubscribe = await storage.subscribe(
        (dueAt) => (dueAt > 0 ? this.wake(dueAt) : void this.lookForDueWork()),
        () => this.config.onSchedulesChanged?.(),
      );
      this.notified = true;
      logger.debug('listening for due work');
    }
    this.wake();
  }

  /** Number of executions running on this worker. */
  get activeCount(): number {
    return this.active.size;
  }

  /** The execution of a workflow on this worker, if it runs here. */
  execution(workflowId: string): WorkflowExecution | undefined {
    return this.active.get(workflowId)?.execution;
  }

  /** Whether a workflow executes on this worker now (its end is reported through `onSettled`). */
  runsHere(workflowId: string): boolean {
    return this.execution(workflowId) !== undefined;
  }

  /** The workflow was cancelled: its execution here (if any) stops at once; its writes are refused anyway. */
  cancelled(workflowId: string): void {
    this.execution(workflowId)?.abandon('the workflow was cancelled', new CancelledError(workflowId));
  }

  private executions(): WorkflowExecution[] {
    return [...this.active.values()].flatMap((slot) => (slot.execution ? [slot.execution] : []));
  }

  /** Claims now (or at `at`, if that is sooner than the wake-up already planned). */
  wake(at?: number): void {
    if (this.stopping) return;
    const now = this.config.clock.now();
    if (at !== undefined && at > now) return this.planWake(at);
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claimDone = this.claimLoop();
  }

  /**
   * Graceful stop: no more claims; running executions stop at their next step boundary and suspend
   * (so any worker resumes them at once); after `timeoutMs` the rest are abandoned and their leases released.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.wakeTimer?.cancel();
    // A claim already under way launches what it claims; those yield as they load (see launch). A claim
    // stuck on an unreachable database must not hold the shutdown past its deadline.
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.claimDone, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    for (const execution of this.executions()) execution.yield();
    const drained = await this.waitForIdle(Math.max(0, deadline - Date.now()));
    if (!drained) {
      const leftover = this.executions();
      this.config.logger.warn({ count: leftover.length }, 'shutdown deadline reached; releasing the leases of executions still running');
      for (const execution of leftover) {
        execution.abandon('shutdown deadline reached');
        await this.config.storage.release(execution.lease, this.config.clock.now()).catch((error) => {
          this.config.logger.warn({ err: error, workflowId: execution.workflowId }, 'could not release lease');
        });
      }
    }
    this.leases.stop();
    await this.unsubscribe?.().catch((error) => this.config.logger.warn({ err: error }, 'could not stop listening'));
  }

  /** Resolves true once no execution runs here, or false after `timeoutMs`. */
  private waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.active.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters.delete(done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.add(done);
    });
  }

  private async claimLoop(): Promise<void> {
    this.claiming = true;
    const config = this.config;
    const { storage, clock, registry, logger } = config;
    let lastClaimAt = -Infinity;
    try {
      do {
        this.claimAgain = false;
        const free = config.concurrency - this.active.size;
        // Saturated: the next execution to end calls wake(); polling now would only spin.
        if (free <= 0 || this.stopping) return;
        const names = registry.names();
        lastClaimAt = clock.now();
        const claimed = await storage.claim({
          owner: config.owner,
          queues: config.queues,
          names,
          limit: free,
          leaseMs: config.leaseMs,
          now: lastClaimAt,
          queueLimits: this.queueLimits(),
        });
        for (const row of claimed) this.launch(row);
        if (claimed.length === free) this.claimAgain = true; // there may be more due
      } while (this.claimAgain && !this.stopping);
      if (!this.stopping) {
        const now = clock.now();
        const next = await storage.nextDueAt({ queues: config.queues, names: registry.names(), now });
        if (this.claimAgain) {
          this.planWake(now); // woken while we looked: look again at once
        } else if (next === null || next > now) {
          // Nothing due: the timer for the earliest due time known, notifications for new work, and a look of
          // our own now and then in case a notification went missing.
          this.planWake(Math.min(next ?? Infinity, now + (this.notified ? config.idlePollIntervalMs : config.pollIntervalMs)));
        } else if (next > lastClaimAt) {
          this.planWake(now); // it fell due after our last claim looked: look again at once
        } else {
          // Due before our claim and still not taken: held back (a queue limit, another worker's lock).
          // Look again after the poll interval rather than spin.
          this.planWake(now + config.pollIntervalMs);
        }
      }
    } catch (error) {
      logger.error({ err: error }, 'claiming failed; retrying after the poll interval');
      this.planWake(clock.now() + config.pollIntervalMs, true);
    } finally {
      this.claiming = false;
    }
  }

  /** The limits of the queues this worker serves, with the room each has left on this worker. */
  private queueLimits(): Record<string, QueueLimit> | undefined {
    if (this.config.queueOptions.size === 0) return undefined;
    const limits: Record<string, QueueLimit> = {};
    for (const queue of this.config.queues) {
      const options = this.config.queueOptions.get(queue);
      if (!options) continue;
      const limit: QueueLimit = {};
      if (options.concurrency !== undefined) limit.concurrency = options.concurrency;
      if (options.rateLimit) limit.rateLimit = options.rateLimit;
      if (options.workerConcurrency !== undefined) {
        const active = [...this.active.values()].filter((slot) => slot.queue === queue).length;
        limit.max = Math.max(0, options.workerConcurrency - active);
      }
      limits[queue] = limit;
    }
    return limits;
  }

  /**
   * Something changed in the storage, we do not know what (SQLite's change polling): a read, not a claim
   * (which takes the write lock), finds out whether anything this worker serves is due, and when.
   */
  private async lookForDueWork(): Promise<void> {
    if (this.stopping || this.active.size >= this.config.concurrency) return;
    const { storage, clock, queues, registry } = this.config;
    try {
      const next = await storage.nextDueAt({ queues, names: registry.names(), now: clock.now() });
      if (next !== null) this.wake(next);
    } catch {
      // The poll fallback looks again.
    }
  }

  /** Arms the wake-up timer for `at` unless one is already armed for earlier. */
  private planWake(at: number, force = false): void {
    if (this.stopping) return;
    if (!force && this.wakeTimer && at >= this.wakeAt) return;
    this.wakeTimer?.cancel();
    this.wakeAt = at;
    this.wakeTimer = this.config.clock.setTimer(() => {
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      this.wake();
    }, Math.max(0, at - this.config.clock.now()));
  }

  private launch(row: ClaimedWorkflow): void {
    const config = this.config;
    const { registry, logger } = config;
    const lease: Lease = { workflowId: row.id, owner: config.owner, epoch: row.epoch };
    const log = logger.child({ workflowId: row.id, workflow: row.name });
    const registration = registry.get(row.name)!;
    const due = row.dueAt;
    if (due !== undefined) telemetry().claimLag.record(Math.max(0, config.clock.now() - due), { 'steadfast.queue.recovered': row.recoveryAttempts > 0 });
    const { span, context: spanContext } = startWorkflowSpan(row.name, {
      'steadfast.workflow.id': row.id,
      'steadfast.workflow.name': row.name,
      'steadfast.workflow.kind': row.kind,
      'steadfast.lease.epoch': row.epoch,
      'steadfast.recovery_attempts': row.recoveryAttempts,
    });
    const execute = async (): Promise<ExecutionOutcome> => {
      const maxRecovery = registration.meta.kind === 'workflow' ? registration.meta.maxRecoveryAttempts : 10;
      if (row.recoveryAttempts > maxRecovery) {
        const error = config.serializer.serializeError(new MaxRecoveryAttemptsError(row.id, row.recoveryAttempts));
        await retryWhileUnavailable(() => config.storage.fail(lease, error, null, config.clock.now()), {
          clock: config.clock,
          logger: log,
          what: 'failing a workflow',
        });
        log.error({ recoveryAttempts: row.recoveryAttempts }, 'workflow failed: too many recoveries');
        return 'failed';
      }
      if (row.recoveryAttempts > 0) log.warn({ recoveryAttempts: row.recoveryAttempts }, 'recovering workflow whose worker stopped mid-run');
      log.debug({ epoch: row.epoch }, 'claimed');
      const state = row.state ?? (await retryWhileUnavailable(() => config.storage.loadExecution(lease), { clock: config.clock, logger: log, what: 'loading a workflow' }));
      const execution = new WorkflowExecution(
        {
          storage: config.storage,
          // Payload codecs write in the workflow's scope (its tenant's key), read from its stored arguments.
          serializer: config.serializer.forWorkflow?.({ id: row.id, name: row.name, storedArgs: state.args }) ?? config.serializer,
          clock: config.clock,
          logger: log,
          inMemoryWaitMs: config.inMemoryWaitMs,
          wake: (at) => this.wake(at),
          telemetryContext: spanContext,
        },
        lease,
        executionBody(registration),
        state,
      );
      slot.execution = execution;
      if (slot.superseded) execution.abandon('this worker claimed the workflow again after its lease expired');
      // Claimed while a shutdown began: stop at the first step boundary and hand it back.
      else if (this.stopping) execution.yield();
      return execution.run();
    };
    // A worker whose event loop stalled past its lease can claim its own workflow back: the old execution
    // is fenced out already, so give it up here rather than let two run side by side.
    const previous = this.active.get(row.id);
    if (previous) {
      previous.superseded = true;
      previous.execution?.abandon('this worker claimed the workflow again after its lease expired');
    }
    // Take the slot before the first await so a concurrent claim does not overfill.
    const slot: Slot = { queue: row.queue };
    this.active.set(row.id, slot);
    this.leases.started();
    execute()
      .catch((error): ExecutionOutcome => {
        log.error({ err: error }, 'execution could not start; its lease will expire and it will be retried');
        return 'abandoned';
      })
      .then((outcome) => {
        span.setAttribute('steadfast.outcome', outcome);
        endSpan(span);
        if (this.active.get(row.id) === slot) this.active.delete(row.id);
        config.onSettled(row.id, outcome, slot.execution?.end);
        if (this.active.size === 0) for (const done of [...this.idleWaiters]) done();
        this.wake();
      });
  }
}

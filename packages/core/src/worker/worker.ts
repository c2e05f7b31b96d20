import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../foundation/clock.js';
import { CancelledError, MaxRecoveryAttemptsError } from '../foundation/errors.js';
import type { Serializer } from '../foundation/serialization.js';
import { endSpan, startWorkflowSpan, telemetry } from '../foundation/telemetry.js';
import type { ResolvedQueue } from '../definition/queue-options.js';
import type { Registry } from '../definition/registry.js';
import type { StartReservation, WorkflowEnd, WorkflowRecord } from '../foundation/types.js';
import { WorkflowExecution, type ExecutionOutcome } from '../execution/workflow-execution.js';
import type { ClaimedWorkflow, Lease, QueueLimit, StorageAdapter } from '../storage/storage-adapter.js';
import { retryWhileUnavailable } from '../storage/storage-retry.js';
import { executionBody } from './execution-body.js';
import { HeldWorkflows } from './held-workflows.js';
import { LeaseKeeper } from './lease-keeper.js';

interface Slot {
  queue: string;
  execution?: WorkflowExecution;
  /** Another claim of the same workflow took this slot's place before its execution loaded. */
  superseded?: boolean;
  /** Its body has stopped and its last write is in flight: it holds its lease but no longer a slot. */
  finishing?: boolean;
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
  /** Claimed workflows held ready beyond `concurrency` (not for queues with limits). */
  prefetch: number;
  leaseMs: number;
  heartbeatMs: number;
  pollIntervalMs: number;
  /** With a storage that notifies: the longest idle wait between looks of its own. */
  idlePollIntervalMs: number;
  inMemoryWaitMs: number;
  /** A pinned worker's versions (claims only those and unpinned runs); undefined: every run. */
  serveVersions?: readonly string[];
  /** The version new child workflows are pinned to (the runtime's `version`), or null. */
  version?: string | null;
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
  /** Claimed workflows waiting for a slot, in the order claimed. */
  private readonly waiting: HeldWorkflows;
  /** Slots taken by starts of this runtime that are being stored claimed by this worker. */
  private reserved = 0;
  /** Executions here whose last write is in flight (they hold no slot; see `Slot.finishing`). */
  private finishing = 0;
  private readonly idleWaiters = new Set<() => void>();
  private wakeTimer: TimerHandle | undefined;
  private wakeAt = Infinity;
  private readonly leases: LeaseKeeper;
  private claiming = false;
  private claimAgain = false;
  /**
   * A claim was skipped because every slot was taken (or enough were held ready), so due work may be waiting
   * for a slot: the next execution to end claims. Cleared when a claim is sent (it sees all that is due).
   */
  private behind = true;
  private stopping = false;
  private claimDone: Promise<void> = Promise.resolve();
  private unsubscribe: (() => Promise<void>) | undefined;
  /** The storage tells this worker when work becomes due: idle, it looks on its own only rarely. */
  private notified = false;

  constructor(private readonly config: WorkerConfig) {
    this.waiting = new HeldWorkflows(config.owner);
    this.leases = new LeaseKeeper(config, {
      executions: () => [...this.executions(), ...this.waiting.leases()],
      active: () => this.active.size + this.waiting.size,
    });
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

  /** Slots in use: executions, and starts being stored claimed by this worker. */
  private get busy(): number {
    return this.active.size - this.finishing + this.reserved;
  }

  /**
   * Takes a slot for a start of workflow `name` on `queue` (pinned to `version`) that this worker can run at
   * once: it serves the queue and the name, the queue has no flow control, and a slot is free. Undefined
   * otherwise (the start is stored pending, for any worker). A worker with due work waiting has no free slot
   * (its claims fill them, and what it claimed beyond them runs first), so a start made here does not
   * overtake the backlog for long: freed slots go to claimed work first, and to new starts in turn.
   */
  reserve(id: string, name: string, queue: string, version: string | null): StartReservation | undefined {
    const { config } = this;
    if (this.stopping || this.busy >= config.concurrency || this.waiting.size > 0 || this.active.has(id)) return undefined;
    if (!config.queues.includes(queue) || config.queueOptions.has(queue) || !config.registry.get(name)) return undefined;
    if (version !== null && config.serveVersions && !config.serveVersions.includes(version)) return undefined;
    this.reserved++;
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      this.reserved--;
      return true;
    };
    return {
      claimFor: { owner: config.owner, leaseMs: config.leaseMs },
      run: (record) => {
        if (!settle()) return;
        if (record.leaseOwner !== config.owner || record.status !== 'running' || record.leaseEpoch !== 1 || this.active.has(record.id)) {
          this.wake(); // not stored claimed (the id existed): it is claimed the usual way, if it is due
          return;
        }
        this.launch({
          id: record.id, name: record.name, kind: record.kind, queue: record.queue, epoch: record.leaseEpoch, attempts: record.attempts,
          recoveryAttempts: record.recoveryAttempts, dueAt: record.createdAt,
          state: { args: record.args, deadlineAt: record.deadlineAt, steps: [], retries: new Map() },
        });
      },
      release: () => {
        if (settle()) this.wake();
      },
    };
  }

  /**
   * An execution's body stopped and only its last write remains: its slot goes to the next workflow now, so
   * that a claim (or a held workflow) overlaps that write instead of waiting for it. `concurrency` bounds the
   * bodies running at once; the leases held may briefly be more.
   */
  private slotFreed(slot: Slot): void {
    if (slot.finishing || this.stopping) return;
    slot.finishing = true;
    this.finishing++;
    this.startWaiting();
    if (this.behind) this.wake();
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
    this.waiting.delete(workflowId);
    this.execution(workflowId)?.abandon('the workflow was cancelled', new CancelledError(workflowId));
  }

  private executions(): WorkflowExecution[] {
    return [...this.active.values()].flatMap((slot) => (slot.execution ? [slot.execution] : []));
  }

  /** Claims now (or at `at`, if that is sooner than the wake-up already planned). */
  wake(at?: number): void {
    if (this.stopping) return;
    if (at !== undefined && at > this.config.clock.now()) return this.planWake(at);
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
    // The claimed workflows that never started go back, so that any worker may claim them at once.
    await this.waiting.releaseAll(this.config.storage, this.config.clock.now(), this.config.logger);
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

  /** Starts held claimed workflows in the slots that are free. */
  private startWaiting(): void {
    const { clock, concurrency, heartbeatMs, logger } = this.config;
    while (this.waiting.size > 0 && this.busy < concurrency && !this.stopping) {
      const row = this.waiting.next(clock.now(), heartbeatMs, logger);
      if (row) this.launch(row);
    }
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
        this.startWaiting();
        const free = config.concurrency - this.busy;
        const queueLimits = this.queueLimits();
        // Workflows of queues with limits are not held ready: they would hold room that others could use.
        const room = queueLimits ? 0 : config.prefetch - this.waiting.size;
        // Saturated (and enough held ready: refilled once half is used): the next execution to end calls
        // wake(); polling now would only spin.
        if (this.stopping || free + room <= 0 || (free <= 0 && this.waiting.size > config.prefetch / 2)) {
          this.behind = true;
          return;
        }
        const names = registry.names();
        lastClaimAt = clock.now();
        this.behind = false;
        const limit = free + room;
        const claimed = await storage.claim({
          owner: config.owner,
          queues: config.queues,
          names,
          versions: config.serveVersions,
          limit,
          leaseMs: config.leaseMs,
          now: lastClaimAt,
          queueLimits,
        });
        for (const row of claimed) {
          this.waiting.delete(row.id); // claimed again (its lease had run out): the older claim is void
          if (this.busy < config.concurrency) this.launch(row);
          else this.hold(row, lastClaimAt + config.leaseMs);
        }
        if (claimed.length === limit) this.claimAgain = true; // there may be more due
      } while (this.claimAgain && !this.stopping);
      if (!this.stopping) {
        const now = clock.now();
        const next = await storage.nextDueAt({ queues: config.queues, names: registry.names(), versions: config.serveVersions, now });
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
          // Look again after the poll interval rather than spin, or when a slot frees.
          this.behind = true;
          this.planWake(now + config.pollIntervalMs);
        }
      }
    } catch (error) {
      logger.error({ err: error }, 'claiming failed; retrying after the poll interval');
      this.behind = true;
      this.planWake(clock.now() + config.pollIntervalMs, true);
    } finally {
      this.claiming = false;
    }
  }

  /** Keeps a claimed workflow ready until a slot frees, its lease renewed with the running ones'. */
  private hold(row: ClaimedWorkflow, until: number): void {
    this.waiting.hold(row, until);
    this.leases.started();
  }

  /** The limits of the queues this worker serves, with the room each has left on this worker (none: undefined). */
  private queueLimits(): Record<string, QueueLimit> | undefined {
    if (this.config.queueOptions.size === 0) return undefined;
    const limits: Record<string, QueueLimit> = {};
    for (const queue of this.config.queues) {
      const options = this.config.queueOptions.get(queue);
      if (!options) continue;
      const limit: QueueLimit = {};
      if (options.concurrency !== undefined) limit.concurrency = options.concurrency;
      if (options.rateLimit) limit.rateLimit = options.rateLimit;
      if (options.perKey) limit.perKey = options.perKey;
      if (options.workerConcurrency !== undefined) {
        const active = [...this.active.values()].filter((slot) => slot.queue === queue).length;
        limit.max = Math.max(0, options.workerConcurrency - active);
      }
      limits[queue] = limit;
    }
    return Object.keys(limits).length > 0 ? limits : undefined;
  }

  /**
   * Something changed in the storage, we do not know what (SQLite's change polling): a read, not a claim
   * (which takes the write lock), finds out whether anything this worker serves is due, and when.
   */
  private async lookForDueWork(): Promise<void> {
    if (this.stopping || this.active.size >= this.config.concurrency) return;
    const { storage, clock, queues, registry, serveVersions } = this.config;
    try {
      const next = await storage.nextDueAt({ queues, names: registry.names(), versions: serveVersions, now: clock.now() });
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
          finishing: () => this.slotFreed(slot),
          telemetryContext: spanContext,
          version: config.version ?? null,
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
        if (slot.finishing) this.finishing--;
        config.onSettled(row.id, outcome, slot.execution?.end);
        if (this.active.size === 0) for (const done of [...this.idleWaiters]) done();
        this.startWaiting();
        // A freed slot takes due work if some may be waiting for one (behind), and what this end made due: a
        // suspension's wake time is planned by the claim loop, and a child's end (its id is `<parent>/<seq>`)
        // wakes its parent, which is this worker's to claim too (its own commits do not notify it on SQLite).
        // A workflow that ended for good with no parent makes nothing due: no claim for it.
        const final = outcome === 'completed' || outcome === 'failed';
        if (!final || this.behind || row.id.includes('/')) this.wake();
      });
  }
}

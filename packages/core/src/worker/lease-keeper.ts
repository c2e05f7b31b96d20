import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../foundation/clock.js';
import { LeaseLostError } from '../foundation/errors.js';
import type { Lease, StorageAdapter } from '../storage/storage-adapter.js';

/** An execution whose lease is kept alive, from the keeper's point of view. */
export interface LeasedExecution {
  readonly lease: Lease;
  abandon(reason: string, error?: unknown): void;
  /** The lease was renewed (on the storage's clock, about) until `until`. */
  renewed?(until: number): void;
}

/**
 * Renews the leases of a worker's executions every `heartbeatMs`, in one storage call, and gives up the
 * executions whose leases were lost (taken over, cancelled). It sets a timer only while something runs.
 */
export class LeaseKeeper {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly config: { storage: StorageAdapter; clock: Clock; logger: Logger; leaseMs: number; heartbeatMs: number },
    private readonly work: {
      /** The executions running now (loaded), and the claimed workflows waiting to start. */
      executions(): LeasedExecution[];
      /** Leases held, loaded or not: a claimed workflow still loading holds a lease too. */
      active(): number;
    },
  ) {}

  /** An execution started: make sure the heartbeat runs. */
  started(): void {
    if (!this.timer && !this.stopped) this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(): void {
    this.timer = this.config.clock.setTimer(() => void this.beat(), this.config.heartbeatMs);
  }

  private async beat(): Promise<void> {
    const { storage, clock, leaseMs, logger } = this.config;
    const executions = this.work.executions();
    try {
      if (executions.length > 0) {
        const now = clock.now();
        const lost = new Set(await storage.renewLeases(executions.map((e) => e.lease), leaseMs, now));
        for (const execution of executions) {
          if (lost.has(execution.lease.workflowId)) {
            execution.abandon('the lease was lost (another worker took over, or it was cancelled)', new LeaseLostError(execution.lease.workflowId, execution.lease.epoch));
          }
          else execution.renewed?.(now + leaseMs);
        }
      }
    } catch (error) {
      logger.warn({ err: error }, 'heartbeat failed; will try again');
    } finally {
      this.timer = undefined;
      if (!this.stopped && this.work.active() > 0) this.schedule();
    }
  }
}

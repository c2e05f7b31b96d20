import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../foundation/clock.js';
import { toMilliseconds, type DurationInput } from '../foundation/duration.js';
import { ValidationError } from '../foundation/errors.js';
import { describe } from '../foundation/names.js';
import type { WorkflowStatus } from '../foundation/types.js';
import { purgeExpired } from '../storage/purge-expired.js';
import type { StorageAdapter } from '../storage/storage-adapter.js';

/** How long finished workflows are kept before they are deleted with their steps, events and signals. */
export interface RetentionOptions {
  /** Age (since finishing) after which completed workflows are purged. Default: kept forever. */
  completed?: DurationInput;
  /** Age after which failed workflows (the dead-letter pool) are purged. Default: kept forever. */
  failed?: DurationInput;
  /** Age after which cancelled workflows are purged. Default: kept forever. */
  cancelled?: DurationInput;
  /** How often a worker looks for expired workflows. Default 60 000 ms. */
  intervalMs?: number;
  /** Rows deleted per transaction, so a large purge never holds locks for long. Default 500. */
  batchSize?: number;
}

export interface ResolvedRetention {
  ages: Array<{ status: WorkflowStatus; ms: number }>;
  intervalMs: number;
  batchSize: number;
}

const STATUSES = ['completed', 'failed', 'cancelled'] as const;

export function resolveRetention(options: RetentionOptions | undefined): ResolvedRetention | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw new ValidationError(`invalid retention: expected an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (![...STATUSES, 'intervalMs', 'batchSize'].includes(key)) {
      throw new ValidationError(`unknown retention option ${JSON.stringify(key)}; known: completed, failed, cancelled, intervalMs, batchSize`);
    }
  }
  const ages = STATUSES.flatMap((status) => (options[status] === undefined ? [] : [{ status, ms: toMilliseconds(options[status]!, `retention.${status}`) }]));
  const intervalMs = options.intervalMs ?? 60_000;
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(intervalMs) || intervalMs < 100) throw new ValidationError(`invalid retention.intervalMs: ${describe(intervalMs)} (expected a whole number of ms >= 100)`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new ValidationError(`invalid retention.batchSize: ${describe(batchSize)} (expected 1 to 100000)`);
  return { ages, intervalMs, batchSize };
}

/** A worker's periodic purge. The storage lets one worker purge at a time. */
export class RetentionLoop {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly storage: StorageAdapter,
    private readonly retention: ResolvedRetention,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(() => void this.run(), this.retention.intervalMs);
  }

  private async run(): Promise<void> {
    try {
      const deleted = await purgeExpired(this.storage, this.retention.ages, this.clock.now(), this.retention.batchSize);
      if (deleted > 0) this.logger.info({ deleted }, 'retention purged finished workflows');
    } catch (error) {
      this.logger.warn({ err: error }, 'retention purge failed; will try again');
    } finally {
      this.schedule();
    }
  }
}

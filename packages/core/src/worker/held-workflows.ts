import type { Logger } from 'pino';
import type { ClaimedWorkflow, Lease, StorageAdapter } from '../storage/storage-adapter.js';
import type { LeasedExecution } from './lease-keeper.js';

/** A claimed workflow held ready on this worker until a slot frees (see the `prefetch` option). */
interface Held extends LeasedExecution {
  readonly row: ClaimedWorkflow;
  /** Until when its lease holds, as far as this worker knows (renewed by the heartbeat). */
  until: number;
}

/**
 * The claimed workflows a worker holds ready beyond its running ones (`prefetch`), in the order claimed. Each
 * holds a lease, renewed with the running ones' (they are `LeasedExecution`s for the lease keeper); one whose
 * lease was lost leaves at once. At shutdown they are given back so that any worker may claim them at once.
 */
export class HeldWorkflows {
  private readonly held = new Map<string, Held>();

  constructor(private readonly owner: string) {}

  get size(): number {
    return this.held.size;
  }

  /** For the lease keeper. */
  leases(): IterableIterator<LeasedExecution> {
    return this.held.values();
  }

  /** Keeps `row` ready, its lease known to hold until `until`. */
  hold(row: ClaimedWorkflow, until: number): void {
    const held: Held = {
      row,
      lease: { workflowId: row.id, owner: this.owner, epoch: row.epoch },
      until,
      abandon: () => {
        if (this.held.get(row.id) === held) this.held.delete(row.id);
      },
      renewed: (at) => (held.until = at),
    };
    this.held.set(row.id, held);
  }

  /** Drops a held workflow (cancelled, or claimed again: the older claim is void). */
  delete(workflowId: string): void {
    this.held.delete(workflowId);
  }

  /**
   * Takes the next held workflow whose lease still holds `marginMs` from `now`, or undefined. One whose heartbeats
   * failed for a while (the storage was unreachable) may have lost its lease, and another worker may run it now:
   * it is left, and whoever claims it next runs it.
   */
  next(now: number, marginMs: number, logger: Logger): ClaimedWorkflow | undefined {
    for (const [id, held] of this.held) {
      this.held.delete(id);
      if (held.until - marginMs > now) return held.row;
      logger.debug({ workflowId: id }, 'a prefetched workflow’s lease may have expired; not starting it');
    }
    return undefined;
  }

  /** Gives every held workflow back (shutdown). */
  async releaseAll(storage: StorageAdapter, now: number, logger: Logger): Promise<void> {
    const leases: Lease[] = [...this.held.values()].map((held) => held.lease);
    this.held.clear();
    await Promise.all(
      leases.map((lease) =>
        storage.release(lease, now).catch((error) => {
          logger.warn({ err: error, workflowId: lease.workflowId }, 'could not release lease');
        }),
      ),
    );
  }
}

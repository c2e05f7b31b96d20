import type { Logger } from 'pino';
import type { Clock } from '../foundation/clock.js';
import type { StorageAdapter } from '../storage/storage-adapter.js';

/** How long a queue seen served by a live worker is taken to be served before the workers table is read again. */
export const SERVED_RECHECK_MS = 60_000;

export interface UnservedQueueHost {
  /** The storage as it is, without retries: a look that fails is given up, it never delays a start. */
  storage: StorageAdapter;
  clock: Clock;
  logger: Logger;
  /** Whether this process's own worker runs `name` from `queue` (no read needed then). */
  servedHere(name: string, queue: string): boolean;
}

/**
 * Warns once per queue when work is stored in a queue that no live worker serves: such work waits and
 * nothing says why. The look at the workers table happens after the work was stored, is not awaited by the
 * caller, and is skipped while this process's worker serves the queue or a look in the last minute found
 * a worker that does.
 */
export class UnservedQueueWarnings {
  private readonly warned = new Set<string>();
  private readonly servedUntil = new Map<string, number>();
  private readonly looking = new Map<string, Promise<void>>();

  constructor(private readonly host: UnservedQueueHost) {}

  /** Work of `name` was just stored in `queue`. */
  stored(name: string, queue: string): void {
    const { clock, logger, storage } = this.host;
    if (this.warned.has(queue) || this.looking.has(queue) || this.host.servedHere(name, queue)) return;
    const now = clock.now();
    if ((this.servedUntil.get(queue) ?? -Infinity) > now) return;
    const look = storage
      .listWorkers(now)
      .then((workers) => {
        if (workers.some((worker) => worker.queues.includes(queue))) {
          this.servedUntil.set(queue, now + SERVED_RECHECK_MS);
          return;
        }
        this.warned.add(queue);
        const example = JSON.stringify(queue === 'default' ? [queue] : ['default', queue]);
        logger.warn(
          { queue, workflow: name },
          `work was stored in queue ${JSON.stringify(queue)}, which no live worker serves: it waits until a runtime that claims from it is started ` +
            `(the runtime option queues, e.g. new Runtime({ queues: ${example}, ... }); a runtime given no queues option serves the queues it declares with runtime.queue())`,
        );
      })
      .catch((error: unknown) => logger.debug({ err: error, queue }, 'could not read the live workers to check that a queue is served'))
      .finally(() => this.looking.delete(queue));
    this.looking.set(queue, look);
  }

  /** Resolves once no look is in flight (before the storage closes). */
  async settled(): Promise<void> {
    await Promise.all([...this.looking.values()]);
  }
}

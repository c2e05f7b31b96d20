import type { WorkflowEnd } from '../foundation/types.js';
import { KeyedListeners } from '../storage/keyed-listeners.js';

/**
 * Who in this process waits for a workflow's end on the runtime's own worker (handles in `result()`, readers of
 * its streams), so they hear of it at once instead of at their next read of the storage.
 */
export class SettleWaiters {
  private readonly waiters = new KeyedListeners<WorkflowEnd | undefined>();

  /** Calls `fn` whenever the workflow's execution here ends (with how it ended, if it completed or failed it); returns the function that stops it. */
  listen(id: string, fn: (end?: WorkflowEnd) => void): () => void {
    return this.waiters.add(id, fn);
  }

  /** The workflow's execution here ended (or it was cancelled from here). */
  notify(id: string, end?: WorkflowEnd): void {
    this.waiters.tell(id, end);
  }

  /** Wakes every waiter (the client closes). */
  notifyAll(): void {
    this.waiters.tellAll(undefined);
  }

  /**
   * Listens for the workflow's end: `within(ms)` resolves with it, or with undefined after `ms` (time to read
   * storage again); `cancel()` stops listening.
   */
  wait(id: string): { within(ms: number): Promise<WorkflowEnd | undefined>; cancel(): void } {
    let settle: (end: WorkflowEnd | undefined) => void = () => {};
    let reported: { end: WorkflowEnd | undefined } | undefined;
    const cancel = this.listen(id, (end?: WorkflowEnd) => {
      reported = { end };
      settle(end);
    });
    return {
      within: (ms) =>
        reported
          ? Promise.resolve(reported.end)
          : new Promise((resolve) => {
              const timer = setTimeout(() => resolve(undefined), ms);
              settle = (end) => {
                clearTimeout(timer);
                resolve(end);
              };
            }),
      cancel,
    };
  }
}

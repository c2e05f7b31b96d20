import type { StartReservation } from '../foundation/types.js';

/**
 * @internal What a runtime's own worker and its client tell each other; a client on its own has none.
 */
export interface LocalWorker {
  /** Work became due at `at` (now if undefined): claim it. */
  wake(at?: number): void;
  /** Whether the workflow executes on this worker now (its end will be reported through `notifySettled`). */
  runsHere(workflowId: string): boolean;
  /** Whether this worker claims workflows of this name from this queue (so it will likely run this one). */
  serves(name: string, queue: string): boolean;
  /** A slot for a start due now that this worker can run at once (stored claimed by it), if it can. */
  reserve(id: string, name: string, queue: string, version: string | null): StartReservation | undefined;
  /** The workflow was cancelled: give its execution here up at once. */
  cancelled(workflowId: string): void;
  /** The stored schedules changed: read them again. */
  schedulesChanged(): void;
}

/** @internal How a runtime builds the client it composes. */
export interface ClientBinding {
  /** The runtime's worker, once it has one. */
  localWorker(): LocalWorker | undefined;
  /** What the client is called in messages once it is shut down. Default `client`. */
  noun?: string;
  /** Whether the owner began to shut down: the client then refuses new work. */
  stopped?(): boolean;
}

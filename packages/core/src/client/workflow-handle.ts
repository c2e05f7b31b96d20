import type { EventRecord, WorkflowKind, WorkflowStatus } from '../foundation/types.js';
import type { GetEventOptions, PublishedReads, ReadStreamOptions, WorkflowPublishedEvent, WorkflowStreamInfo } from './published-reads.js';
import type { WorkflowStep } from './workflow-steps.js';

/** A workflow as its handle reports it, with payloads decoded. */
export interface WorkflowInfo {
  id: string;
  name: string;
  kind: WorkflowKind;
  version: string | null;
  queue: string;
  priority: number;
  status: WorkflowStatus;
  args: unknown[];
  /** The result, once completed. */
  output: unknown;
  /** The error that failed it, once failed. */
  error: Error | undefined;
  parentId: string | null;
  /** Executions started (claims), including recoveries. */
  attempts: number;
  /** Executions resumed after a worker died mid-run. */
  recoveryAttempts: number;
  /** When it becomes claimable next (start, wake or lease expiry); undefined once finished. */
  nextAt: Date | undefined;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | undefined;
  finishedAt: Date | undefined;
}

/** An entry of the event log, as `history()` returns it. */
export interface WorkflowEvent {
  type: EventRecord['type'];
  /** The step position the event is about, if any. */
  step: number | undefined;
  data: Record<string, unknown> | undefined;
  at: Date;
}

/** What a handle needs from its runtime. */
export interface HandleClient {
  waitForResult(id: string): Promise<unknown>;
  workflowInfo(id: string): Promise<WorkflowInfo>;
  workflowHistory(id: string): Promise<WorkflowEvent[]>;
  workflowSteps(id: string): Promise<WorkflowStep[]>;
  cancel(id: string): Promise<void>;
  /** Readers of what workflows publish (events, streams). */
  readonly published: PublishedReads;
}

/** A reference to one workflow (or job) by id; cheap to create, safe to hold across restarts. */
export class WorkflowHandle<R = unknown> {
  constructor(
    readonly id: string,
    private readonly client: HandleClient,
  ) {}

  /** Resolves with the result once completed; rejects with the workflow's error, or `CancelledError`. */
  result(): Promise<R> {
    return this.client.waitForResult(this.id) as Promise<R>;
  }

  async status(): Promise<WorkflowStatus> {
    return (await this.client.workflowInfo(this.id)).status;
  }

  /** The whole record: name, status, attempts, error, timestamps. */
  info(): Promise<WorkflowInfo> {
    return this.client.workflowInfo(this.id);
  }

  /** The ordered event log: created, claimed, step completed, retry scheduled, sleeping, completed, ... */
  history(): Promise<WorkflowEvent[]> {
    return this.client.workflowHistory(this.id);
  }

  /**
   * The checkpointed steps, by position, with their arguments, results and errors decoded. A timer whose
   * wake time has not come is `sleeping` (set, not fired), not `completed`.
   *
   * @example
   * ```ts
   * for (const step of await handle.steps()) console.log(step.position, step.name, step.status, step.wakeAt ?? step.output);
   * ```
   */
  steps(): Promise<WorkflowStep[]> {
    return this.client.workflowSteps(this.id);
  }

  cancel(): Promise<void> {
    return this.client.cancel(this.id);
  }

  /**
   * The value of the workflow's event `key` (the latest `setEvent(key, …)`), waiting up to `timeout` (default
   * 60 s) for it to be set; undefined if it is not by then, or the workflow ended without setting it.
   *
   * @example
   * ```ts
   * const status = await handle.getEvent<{ percent: number }>('status', { timeout: '5s' });
   * ```
   */
  getEvent<T = unknown>(key: string, options?: GetEventOptions): Promise<T | undefined> {
    return this.client.published.getEvent(this.id, key, options) as Promise<T | undefined>;
  }

  /**
   * The chunks of the workflow's stream `key` (`writeStream(key, …)`), each once, in the order written, as
   * they are written: woken by the storage's notifications, not by polling. It ends after `closeStream(key)`,
   * or once the workflow has finished and every chunk is read. To resume, pass how many were read as `from`.
   *
   * @example
   * ```ts
   * for await (const piece of handle.readStream<string>('answer')) process.stdout.write(piece);
   * ```
   */
  readStream<T = unknown>(key: string, options?: ReadStreamOptions): AsyncGenerator<T, void, undefined> {
    return this.client.published.readStream(this.id, key, options) as AsyncGenerator<T, void, undefined>;
  }

  /** The events the workflow has set, by key, with their latest values. */
  events(): Promise<WorkflowPublishedEvent[]> {
    return this.client.published.events(this.id);
  }

  /** The workflow's streams, by key: how many chunks each has, and whether it is closed. */
  streams(): Promise<WorkflowStreamInfo[]> {
    return this.client.published.streams(this.id);
  }
}

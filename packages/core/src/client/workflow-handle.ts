import type { EventRecord, WorkflowKind, WorkflowStatus } from '../foundation/types.js';
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
}

/**
 * The JSON the management API answers with, as types. Self-contained (no imports): the dashboard's browser
 * script is compiled against this same file, so the page and the router cannot drift apart. Dates are
 * ISO-8601 strings (UTC); absent values are null.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** An error as JSON: `name`, `message`, `code` when it has one, `stack`, `cause`, and the error's own fields. */
export interface ErrorJson {
  [key: string]: Json | undefined;
  name: string;
  message: string;
  code?: string | number;
  stack?: string;
  cause?: Json;
}

export type WorkflowStatusJson = 'pending' | 'running' | 'sleeping' | 'completed' | 'failed' | 'cancelled';

/** A workflow, as core's `workflowToJson` maps it (payloads and full errors included). */
export interface WorkflowJson {
  id: string;
  name: string;
  kind: 'workflow' | 'job';
  version: string | null;
  queue: string;
  priority: number;
  status: WorkflowStatusJson;
  attempts: number;
  recoveryAttempts: number;
  parentId: string | null;
  error: ErrorJson | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  nextAt: string | null;
  args: Json;
  output: Json;
}

/** An entry of a workflow's event log; data fields named `…At` are ISO dates. */
export interface EventJson {
  type: string;
  step: number | null;
  at: string | null;
  data: { [key: string]: Json } | null;
}

/** A failed attempt of a step that was retried. */
export interface RetryJson {
  attempt: number;
  /** When the attempt failed. */
  at: string | null;
  /** When the next attempt was due (the end of the backoff). */
  retryAt: string | null;
  error: Json;
}

/**
 * A stretch of a step's life on the waterfall: an attempt that ran (`run`) or failed (`failed`), the
 * `backoff` before a retry, a `timer` (sleep, runAt, a signal's deadline) from when it was set to its wake
 * time, or a `wait` (for a signal, or a child workflow).
 */
export interface StepSegmentJson {
  kind: 'run' | 'failed' | 'backoff' | 'timer' | 'wait';
  from: string;
  /** Null while it goes on. A timer's is its wake time, which may lie ahead. */
  to: string | null;
  /** The attempt, for `run` and `failed`. */
  attempt: number | null;
}

/** One step of a workflow: what its event log says, with its stored checkpoint and estimated timing. */
export interface StepJson {
  /** The step's position in the workflow. */
  position: number;
  name: string | null;
  kind: string | null;
  /**
   * `completed`; `failed` (its final error failed the step); `retrying` (an attempt failed, another is
   * scheduled); `sleeping` (a timer set that has not fired: shown as "timer set, wakes at …"); `cancelled`
   * (a timer that will never fire: the workflow ended, or its signal came, first).
   */
  status: 'completed' | 'failed' | 'retrying' | 'sleeping' | 'cancelled';
  /** Attempts made so far. */
  attempts: number;
  /** When the step's first event was logged (its first failed attempt, or its completion). */
  firstAt: string | null;
  /** When the step's latest event was logged. */
  lastAt: string | null;
  /** Failed attempts that were retried. */
  retries: RetryJson[];
  /** The error that failed the step (or the workflow at this step), if it did. */
  error: Json;
  /** Whether its checkpoint is stored: false while it retries, and after `retry()` discarded it. */
  checkpointed: boolean;
  /** The arguments it was called with, when the stored preview holds them all; else null (see `argsPreview`). */
  args: Json;
  /** The stored preview of its serialized arguments (cut at 120 characters with `…`), or null for a step without. */
  argsPreview: string | null;
  /** Its recorded result (a timer's: its wake time in epoch ms), or null. */
  output: Json;
  /** When a timer fires (or fired). */
  wakeAt: string | null;
  /**
   * When it began, estimated: the event log records when steps end, not when they begin, so a step is taken
   * to begin when the workflow last moved on (the previous step ended, a timer fired, an execution resumed).
   * Exact for steps called one after another; for steps started together (`Promise.all`), later than the truth.
   */
  startedAt: string | null;
  /** When it ended (a timer: its wake time, which may lie ahead), or null while it goes on (or retries). */
  endedAt: string | null;
  /** Its life on the waterfall, in order. */
  segments: StepSegmentJson[];
}

/** `GET /api/workflows`: a page of workflows, newest first. */
export interface WorkflowListJson {
  workflows: WorkflowJson[];
  /** Pass as `after=` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** An event the workflow set (`setEvent`): its latest value. */
export interface PublishedEventJson {
  key: string;
  value: Json;
  /** The step that set it. */
  step: number;
  setAt: string;
}

/** A stream of the workflow (`writeStream`); its chunks are read live from `api/workflows/:id/streams/:key`. */
export interface StreamInfoJson {
  key: string;
  chunks: number;
  closed: boolean;
  updatedAt: string;
}

/** `GET /api/workflows/:id`. */
export interface WorkflowDetailJson {
  workflow: WorkflowJson;
  steps: StepJson[];
  history: EventJson[];
  events: PublishedEventJson[];
  streams: StreamInfoJson[];
}

/** `data` of a stream's `chunk` event (Server-Sent Events): the chunk at `position`. */
export interface StreamChunkJson {
  position: number;
  value: Json;
}

/** What finished in a stretch of time. */
export interface ActivitySummaryJson {
  completed: number;
  failed: number;
  cancelled: number;
  /** `failed / (completed + failed)`, or null when neither happened. */
  failureRate: number | null;
  /** Latency (creation to completion) of the completed ones, in ms; null when none completed. */
  latency: { count: number; meanMs: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number } | null;
}

/** `GET /api/activity`: what finished in the window, per bucket (every one, oldest first) and in total. */
export interface ActivityJson {
  since: string;
  until: string;
  bucketMs: number;
  buckets: Array<ActivitySummaryJson & { start: string }>;
  total: ActivitySummaryJson;
}

/** `GET /api/stats`. */
export interface StatsJson {
  byStatus: Record<WorkflowStatusJson, number>;
  counts: Array<{ queue: string; status: WorkflowStatusJson; count: number }>;
  due: Array<{ queue: string; count: number }>;
  /** Unfinished pinned runs of a version no live worker serves, per queue and version. */
  stranded: Array<{ queue: string; version: string; count: number }>;
  /** Queues with unfinished workflows that no live worker serves, with how many. */
  unserved: Array<{ queue: string; count: number }>;
  /** Live workers by their last heartbeat (versions null: every version). */
  workers: Array<{ id: string; versions: string[] | null; queues: string[]; seenAt: string }>;
  at: string;
}

/** `POST /api/bulk/:action`: how many workflows were acted on (or, with `dryRun`, match). */
export interface BulkResultJson {
  action: string;
  dryRun: boolean;
  count: number;
}

/** Every error answer. */
export interface ApiErrorJson {
  error: { code: string; message: string };
}

import type { EventRecord, ScheduleRecord, StepKind, StepRecord, WorkflowKind, WorkflowRecord, WorkflowStatus } from '../foundation/types.js';

/**
 * The raw rows of the logical tables as SQL adapters read them, and their mapping to the domain records.
 * Column names are the same in every SQL adapter; integer columns may arrive as strings (PostgreSQL
 * bigint), so they are converted here once.
 */
type Int = number | string;
type NullableInt = Int | null;

export interface WorkflowRow {
  id: string;
  name: string;
  kind: string;
  version: string | null;
  queue: string;
  priority: number;
  status: string;
  args: string;
  output: string | null;
  error: string | null;
  parent_id: string | null;
  next_at: NullableInt;
  deadline_at: NullableInt;
  dedupe_key: string | null;
  /** Absent in a row read before the column existed. */
  concurrency_key?: string | null;
  lease_owner: string | null;
  lease_epoch: Int;
  attempts: number;
  recovery_attempts: number;
  created_at: Int;
  updated_at: Int;
  started_at: NullableInt;
  finished_at: NullableInt;
}

export interface StepRow {
  workflow_id: string;
  seq: number;
  name: string;
  kind: string;
  output: string | null;
  error: string | null;
  attempts: number;
  fingerprint: string | null;
  created_at: Int;
}

export interface EventRow {
  id: Int;
  workflow_id: string;
  type: string;
  seq: number | null;
  data: string | null;
  at: Int;
}

export interface ScheduleRow {
  name: string;
  workflow_name: string;
  cron: string;
  timezone: string;
  catch_up: string;
  args: string;
  last_tick_at: Int;
  created_at: Int;
  updated_at: Int;
}

const int = (value: NullableInt): number | null => (value === null ? null : Number(value));

export function toWorkflowRecord(row: WorkflowRow): WorkflowRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as WorkflowKind,
    version: row.version,
    queue: row.queue,
    priority: row.priority,
    status: row.status as WorkflowStatus,
    args: row.args,
    output: row.output,
    error: row.error,
    parentId: row.parent_id,
    nextAt: int(row.next_at),
    deadlineAt: int(row.deadline_at),
    dedupeKey: row.dedupe_key,
    // '' is the key of rows stored without one in a queue with perKey (see QueueLimit.perKey).
    concurrencyKey: row.concurrency_key || null,
    leaseOwner: row.lease_owner,
    leaseEpoch: Number(row.lease_epoch),
    attempts: row.attempts,
    recoveryAttempts: row.recovery_attempts,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    startedAt: int(row.started_at),
    finishedAt: int(row.finished_at),
  };
}

export function toStepRecord(row: StepRow): StepRecord {
  return {
    workflowId: row.workflow_id,
    seq: row.seq,
    name: row.name,
    kind: row.kind as StepKind,
    output: row.output,
    error: row.error,
    attempts: row.attempts,
    fingerprint: row.fingerprint,
    createdAt: Number(row.created_at),
  };
}

export function toEventRecord(row: EventRow): EventRecord {
  return {
    id: Number(row.id),
    workflowId: row.workflow_id,
    type: row.type as EventRecord['type'],
    seq: row.seq,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
    at: Number(row.at),
  };
}

export function toScheduleRecord(row: ScheduleRow): ScheduleRecord {
  return {
    name: row.name,
    workflowName: row.workflow_name,
    cron: row.cron,
    timezone: row.timezone,
    catchUp: row.catch_up as ScheduleRecord['catchUp'],
    args: row.args,
    lastTickAt: Number(row.last_tick_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

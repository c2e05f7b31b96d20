import type { Lease, NewStep, WaitingFor } from '@steadfast/core/adapter';
import { FENCE, type SqliteDatabase } from '../sqlite-database.js';
import { writeStep } from './record-step.js';

/** Parks the workflow until `wakeAt` (or until woken) and releases its lease; due at once if what it waits for is there. */
export function suspend(database: SqliteDatabase, lease: Lease, wakeAt: number | null, now: number, waitingFor?: WaitingFor): void {
  database.write(() => {
    database.fenced(`UPDATE {p}workflows SET status = 'sleeping', next_at = ?, lease_owner = NULL, updated_at = ? WHERE ${FENCE}`, lease, wakeAt, now);
    database.event(lease.workflowId, 'sleeping', null, JSON.stringify({ wakeAt, ...waitingFor }), now);
    if (!waitingFor) return;
    const ready = database
      .sql(
        `SELECT EXISTS (SELECT 1 FROM {p}workflows WHERE id IN (SELECT value FROM json_each(?)) AND status IN ('completed', 'failed', 'cancelled'))
             OR EXISTS (SELECT 1 FROM {p}signals WHERE workflow_id = ? AND delivered_seq IS NULL AND name IN (SELECT value FROM json_each(?))) AS ready`,
      )
      .get(JSON.stringify(waitingFor.children ?? []), lease.workflowId, JSON.stringify(waitingFor.signals ?? [])) as { ready: number };
    if (ready.ready) database.wake(lease.workflowId, now);
  });
}

/** Hands a running workflow back so any worker may claim it at once. */
export function release(database: SqliteDatabase, lease: Lease, now: number): void {
  database.write(() => {
    database.fenced(`UPDATE {p}workflows SET status = 'pending', next_at = ?, lease_owner = NULL, updated_at = ? WHERE ${FENCE}`, lease, now, now);
    database.event(lease.workflowId, 'released', null, null, now);
  });
}

/** Completes the workflow, with its last step's checkpoint first when given (a job's task). */
export function complete(database: SqliteDatabase, lease: Lease, output: string, now: number, step?: NewStep): void {
  database.write(() => {
    const parent = database.fencedReturningParent(
      `UPDATE {p}workflows SET status = 'completed', output = ?, next_at = NULL, lease_owner = NULL, finished_at = ?, updated_at = ? WHERE ${FENCE} RETURNING parent_id`,
      lease, output, now, now,
    );
    if (step) writeStep(database, lease.workflowId, step, now);
    database.event(lease.workflowId, 'completed', null, null, now);
    database.wake(parent, now);
  });
}

export function fail(database: SqliteDatabase, lease: Lease, error: string, failedSeq: number | null, now: number, step?: NewStep): void {
  database.write(() => {
    const parent = database.fencedReturningParent(
      `UPDATE {p}workflows SET status = 'failed', error = ?, next_at = NULL, lease_owner = NULL, finished_at = ?, updated_at = ? WHERE ${FENCE} RETURNING parent_id`,
      lease, error, now, now,
    );
    if (step) writeStep(database, lease.workflowId, step, now);
    database.event(lease.workflowId, 'failed', failedSeq, `{"error":${error}}`, now);
    database.wake(parent, now);
  });
}

/** Extends held leases; returns the ids whose lease is gone. */
export function renewLeases(database: SqliteDatabase, leases: Lease[], leaseMs: number, now: number): string[] {
  return database.write(() =>
    leases
      .filter((lease) => {
        const result = database.sql(`UPDATE {p}workflows SET next_at = ?, updated_at = ? WHERE ${FENCE}`).run(now + leaseMs, now, lease.workflowId, lease.owner, lease.epoch);
        return result.changes !== 1;
      })
      .map((lease) => lease.workflowId),
  );
}

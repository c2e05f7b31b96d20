import { toStepRecord, type ClaimedWorkflow, type StepRow, type WorkflowKind } from '@steadfast/core/adapter';
import { retriesFrom } from './load-execution.js';

// What both claims (claim.ts, claim-fair.ts) share: the row a claim returns, the version filter, the
// statement tail that takes the leases, and the kinds of start.

export interface ClaimRow {
  id: string;
  name: string;
  kind: string;
  queue: string;
  lease_epoch: string;
  attempts: number;
  recovery_attempts: number;
  due_at: string;
  first_start: boolean;
  priority: number;
  args: string;
  deadline_at: string | null;
  steps: StepRow[] | null;
  retries: Array<{ seq: number; data: string }> | null;
}

/**
 * A pinned worker claims its versions and unpinned runs; an unpinned one (`:versions` null) every run. A
 * residual check on the rows the index has found, like the name check, so the statement stays one text.
 */
export const VERSION_FILTER = '(:versions::text[] IS NULL OR version IS NULL OR version = ANY(:versions::text[]))';

/**
 * What a claim does with the rows its `due` CTE locked (id, status, next_at, started_at, priority): takes
 * their leases, writes their events and returns what their executions need. `more`: further CTEs
 * (`, name AS (...)`) that run in the same statement.
 *
 * The UPDATE also looks its rows up by primary key (`w.id = ANY(ARRAY(SELECT id FROM due))`) for the generic
 * plan (the adapter's statements are planned once, without their values): not knowing LIMIT's value, that plan
 * would otherwise join the claimed rows by hashing a scan of the whole table, and JIT-compile it for its cost,
 * on every claim (`bench/tools/explain-claim-generic.mjs`: 24 ms with 60,000 rows, ~1 s with 300,000 or
 * 1,000,000; 0.15-1 ms with the lookup).
 */
export const claimTail = (more = '') => `), claimed AS (
    UPDATE {wf} w SET status = 'running', lease_owner = :owner, lease_epoch = w.lease_epoch + 1,
           next_at = {now_db} + :leaseMs::bigint, attempts = w.attempts + 1,
           recovery_attempts = w.recovery_attempts + (CASE WHEN due.status = 'running' AND w.lease_owner IS DISTINCT FROM :owner THEN 1 ELSE 0 END),
           started_at = coalesce(w.started_at, :now::bigint), updated_at = :now::bigint
      FROM due WHERE w.id = due.id AND w.id = ANY(ARRAY(SELECT id FROM due))
    RETURNING w.id, w.name, w.kind, w.queue, w.lease_epoch, w.attempts, w.recovery_attempts, w.args, w.deadline_at,
              due.status AS previous, due.next_at AS due_at, due.started_at IS NULL AS first_start, due.priority
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at)
    SELECT id, CASE previous WHEN 'running' THEN 'recovered' WHEN 'sleeping' THEN 'woke' ELSE 'claimed' END, NULL,
           json_build_object('owner', :owner::text, 'epoch', lease_epoch)::text, :now::bigint
      FROM claimed
  )${more}
  SELECT c.id, c.name, c.kind, c.queue, c.lease_epoch, c.attempts, c.recovery_attempts, c.due_at, c.first_start, c.priority, c.args, c.deadline_at,
         CASE WHEN c.first_start THEN NULL ELSE
           (SELECT coalesce(json_agg(s ORDER BY s.seq), '[]'::json) FROM {steps} s WHERE s.workflow_id = c.id) END AS steps,
         CASE WHEN c.first_start THEN NULL ELSE
           (SELECT coalesce(json_agg(json_build_object('seq', e.seq, 'data', e.data) ORDER BY e.id), '[]'::json)
              FROM {events} e
             WHERE e.workflow_id = c.id AND e.type = 'retry_scheduled'
               AND e.id > coalesce((SELECT max(id) FROM {events} WHERE workflow_id = c.id AND type = 'retried'), 0)) END AS retries
    FROM claimed c`;

/** Which rows a claim may take: first starts (held to a rate limit), resumed ones (woken, released, recovered), or any. */
export type Starts = 'first' | 'resumed' | 'any';

export function toClaimed(row: ClaimRow): ClaimedWorkflow & { firstStart: boolean } {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as WorkflowKind,
    queue: row.queue,
    epoch: Number(row.lease_epoch),
    attempts: row.attempts,
    recoveryAttempts: row.recovery_attempts,
    dueAt: Number(row.due_at),
    firstStart: row.first_start,
    state: {
      args: row.args,
      deadlineAt: row.deadline_at === null ? null : Number(row.deadline_at),
      steps: (row.steps ?? []).map(toStepRecord),
      retries: retriesFrom(row.retries ?? []),
    },
  };
}

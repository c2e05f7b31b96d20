import type { CreateWorkflowResult, ForkRequest, SetVersionRequest, WorkflowRow } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';
import { getWorkflow, toRecord } from './read-workflows.js';
import { enterKeys, keyOf } from './queue-keys.js';

/**
 * A new pending workflow with copies of the source's checkpoints before `fromStep`, its `created` event
 * (naming the source), a `forked` event on the source and a notification to idle workers: one statement.
 * An existing id (ON CONFLICT) inserts nothing and is read back.
 */
const FORK = `
  WITH source AS (SELECT * FROM {wf} WHERE id = :sourceId), ins AS (
    INSERT INTO {wf} (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, concurrency_key, created_at, updated_at, started_at)
    SELECT :id, name, kind, :version, queue, priority, 'pending', args, NULL, :now::bigint, :deadlineAt::bigint, ${keyOf("nullif(source.concurrency_key, '')", 'source.queue')},
           :now::bigint, :now::bigint, CASE WHEN :fromStep::int > 0 THEN :now::bigint END FROM source
    ON CONFLICT DO NOTHING RETURNING *
  ), st AS (
    INSERT INTO {steps} (workflow_id, seq, name, kind, output, error, attempts, fingerprint, created_at)
    SELECT ins.id, s.seq, s.name, s.kind, s.output, s.error, s.attempts, s.fingerprint, s.created_at
      FROM ins CROSS JOIN {steps} s WHERE s.workflow_id = :sourceId AND s.seq < :fromStep::int
  ), ev AS (
    INSERT INTO {events} (workflow_id, type, seq, data, at)
    SELECT ins.id, 'created', NULL, json_build_object('name', ins.name, 'queue', ins.queue, 'startAt', ins.next_at, 'forkedFrom', :sourceId::text, 'fromStep', :fromStep::int)::text, :now::bigint FROM ins
    UNION ALL
    SELECT :sourceId, 'forked', :fromStep::int, json_build_object('to', ins.id)::text, :now::bigint FROM ins
  ), ${enterKeys('ins')}
  SELECT ins.*, pg_notify(:channel, ins.next_at::text) AS notified, (SELECT count(*) FROM source) AS sources FROM ins`;

export async function forkWorkflow(database: PostgresDatabase, request: ForkRequest): Promise<CreateWorkflowResult | undefined> {
  const { sourceId, id, fromStep, version, deadlineAt, now } = request;
  const [row] = await database.rows<WorkflowRow>(FORK, { sourceId, id, fromStep, version, deadlineAt, now, channel: database.channel });
  if (row) return { created: true, record: toRecord(row) };
  const existing = await getWorkflow(database, id);
  if (existing && (await getWorkflow(database, sourceId))) return { created: false, record: existing };
  return undefined;
}

export async function setVersion(database: PostgresDatabase, request: SetVersionRequest): Promise<string[]> {
  const rows = await database.rows<{ id: string }>(
    `WITH moved AS (
       UPDATE {wf} SET version = :to, updated_at = :now::bigint
        WHERE id = ANY(:ids::text[]) AND version IS NOT DISTINCT FROM :from::text AND status IN ('pending', 'running', 'sleeping')
        RETURNING id
     ), ev AS (
       INSERT INTO {events} (workflow_id, type, seq, data, at)
       SELECT id, 'version_changed', NULL, json_build_object('from', :from::text, 'to', :to::text)::text, :now::bigint FROM moved
     )
     SELECT id FROM moved ORDER BY id`,
    { ids: [...new Set(request.ids)], from: request.from, to: request.to, now: request.now },
  );
  return rows.map((row) => row.id);
}

export async function unfinishedVersions(database: PostgresDatabase): Promise<Array<{ queue: string; version: string | null; count: number }>> {
  return database.rows(
    "SELECT queue, version, count(*)::int AS count FROM {wf} WHERE status IN ('pending', 'running', 'sleeping') GROUP BY queue, version ORDER BY queue, version",
  );
}

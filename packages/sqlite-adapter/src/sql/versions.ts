import type { CreateWorkflowResult, ForkRequest, SetVersionRequest } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';
import { enterKey, keyFor } from './queue-keys.js';
import { getWorkflow } from './read-workflows.js';

/** A new pending workflow with copies of the source's checkpoints before `fromStep`, in one transaction. */
export function forkWorkflow(database: SqliteDatabase, request: ForkRequest): CreateWorkflowResult | undefined {
  return database.write(() => {
    const source = getWorkflow(database, request.sourceId);
    if (!source) return undefined;
    const existing = getWorkflow(database, request.id);
    if (existing) return { created: false, record: existing };
    const { id, now, fromStep } = request;
    const keyed = keyFor(database, source.queue, source.concurrencyKey || null); // a fork keeps its source's key
    database
      .sql(
        `INSERT INTO {p}workflows (id, name, kind, version, queue, priority, status, args, parent_id, next_at, deadline_at, concurrency_key, created_at, updated_at, started_at)
         SELECT @id, name, kind, @version, queue, priority, 'pending', args, NULL, @now, @deadlineAt, @key, @now, @now, @startedAt FROM {p}workflows WHERE id = @sourceId`,
      )
      .run({ id, version: request.version, now, deadlineAt: request.deadlineAt, key: keyed.key, sourceId: source.id, startedAt: fromStep > 0 ? now : null });
    if (keyed.fair) enterKey(database, source.queue, keyed.key!);
    database
      .sql(
        `INSERT INTO {p}steps (workflow_id, seq, name, kind, output, error, attempts, fingerprint, created_at)
         SELECT ?, seq, name, kind, output, error, attempts, fingerprint, created_at FROM {p}steps WHERE workflow_id = ? AND seq < ?`,
      )
      .run(id, source.id, fromStep);
    database.event(id, 'created', null, JSON.stringify({ name: source.name, queue: source.queue, startAt: now, forkedFrom: source.id, fromStep }), now);
    database.event(source.id, 'forked', fromStep, JSON.stringify({ to: id }), now);
    return { created: true, record: getWorkflow(database, id)! };
  });
}

export function setVersion(database: SqliteDatabase, request: SetVersionRequest): string[] {
  return database.write(() => {
    const rows = database
      .sql(
        `UPDATE {p}workflows SET version = @to, updated_at = @now
          WHERE id IN (SELECT value FROM json_each(@ids)) AND version IS @from AND status IN ('pending', 'running', 'sleeping')
          RETURNING id`,
      )
      .all({ ids: JSON.stringify([...new Set(request.ids)]), from: request.from, to: request.to, now: request.now }) as { id: string }[];
    const data = JSON.stringify({ from: request.from, to: request.to });
    for (const { id } of rows) database.event(id, 'version_changed', null, data, request.now);
    return rows.map((row) => row.id);
  });
}

export function unfinishedVersions(database: SqliteDatabase): Array<{ queue: string; version: string | null; count: number }> {
  return database
    .sql("SELECT queue, version, COUNT(*) AS count FROM {p}workflows WHERE status IN ('pending', 'running', 'sleeping') GROUP BY queue, version ORDER BY queue, version")
    .all() as Array<{ queue: string; version: string | null; count: number }>;
}

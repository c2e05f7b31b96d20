import { toScheduleRecord, type ScheduleRecord, type ScheduleRow } from '@steadfast/core/adapter';
import { SCHEDULES_CHANGED } from '../due-listener.js';
import type { PostgresDatabase } from '../postgres-database.js';


/** Stores a schedule and tells the workers listening, so they fire it without waiting for a refresh. */
export async function upsertSchedule(database: PostgresDatabase, s: ScheduleRecord): Promise<void> {
  await database.rows(
    `WITH up AS (
     INSERT INTO {schedules} AS s (name, workflow_name, cron, timezone, catch_up, args, last_tick_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET workflow_name = excluded.workflow_name, catch_up = excluded.catch_up, args = excluded.args,
       updated_at = excluded.updated_at,
       last_tick_at = CASE WHEN s.cron = excluded.cron AND s.timezone = excluded.timezone THEN s.last_tick_at ELSE excluded.last_tick_at END,
       cron = excluded.cron, timezone = excluded.timezone
     RETURNING name)
     SELECT pg_notify(?, ?) FROM up`,
    [s.name, s.workflowName, s.cron, s.timezone, s.catchUp, s.args, s.lastTickAt, s.createdAt, s.updatedAt, database.channel, SCHEDULES_CHANGED],
  );
}

export async function deleteSchedule(database: PostgresDatabase, name: string): Promise<boolean> {
  const rows = await database.rows('WITH d AS (DELETE FROM {schedules} WHERE name = ? RETURNING name) SELECT pg_notify(?, ?) FROM d', [name, database.channel, SCHEDULES_CHANGED]);
  return rows.length === 1;
}

export async function listSchedules(database: PostgresDatabase): Promise<ScheduleRecord[]> {
  return (await database.rows<ScheduleRow>('SELECT * FROM {schedules} ORDER BY name')).map(toScheduleRecord);
}

export async function advanceSchedule(database: PostgresDatabase, name: string, from: number, to: number, now: number): Promise<boolean> {
  const rows = await database.rows('UPDATE {schedules} SET last_tick_at = ?, updated_at = ? WHERE name = ? AND last_tick_at = ? RETURNING name', [to, now, name, from]);
  return rows.length === 1;
}

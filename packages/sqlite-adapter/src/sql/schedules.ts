import { toScheduleRecord, type ScheduleRecord, type ScheduleRow } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';


export function upsertSchedule(database: SqliteDatabase, s: ScheduleRecord): void {
  database.write(() => {
    database
      .sql(
        `INSERT INTO {p}schedules (name, workflow_name, cron, timezone, catch_up, args, last_tick_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET workflow_name = excluded.workflow_name, catch_up = excluded.catch_up, args = excluded.args,
           updated_at = excluded.updated_at,
           last_tick_at = CASE WHEN cron = excluded.cron AND timezone = excluded.timezone THEN last_tick_at ELSE excluded.last_tick_at END,
           cron = excluded.cron, timezone = excluded.timezone`,
      )
      .run(s.name, s.workflowName, s.cron, s.timezone, s.catchUp, s.args, s.lastTickAt, s.createdAt, s.updatedAt);
  });
}

export function deleteSchedule(database: SqliteDatabase, name: string): boolean {
  return database.write(() => database.sql('DELETE FROM {p}schedules WHERE name = ?').run(name).changes === 1);
}

export function listSchedules(database: SqliteDatabase): ScheduleRecord[] {
  return (database.sql('SELECT * FROM {p}schedules ORDER BY name').all() as ScheduleRow[]).map(toScheduleRecord);
}

export function advanceSchedule(database: SqliteDatabase, name: string, from: number, to: number, now: number): boolean {
  return database.write(
    () => database.sql('UPDATE {p}schedules SET last_tick_at = ?, updated_at = ? WHERE name = ? AND last_tick_at = ?').run(to, now, name, from).changes === 1,
  );
}

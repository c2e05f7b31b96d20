import { toStepRecord, type StepRecord, type StepRow } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';

/** The checkpoints of a workflow by position, through the primary key (workflow_id, seq). */
export function listSteps(database: SqliteDatabase, workflowId: string): StepRecord[] {
  const rows = database.sql('SELECT * FROM {p}steps WHERE workflow_id = ? ORDER BY seq').all(workflowId) as StepRow[];
  return rows.map(toStepRecord);
}

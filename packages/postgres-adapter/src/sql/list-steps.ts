import { toStepRecord, type StepRecord, type StepRow } from '@steadfast/core/adapter';
import type { PostgresDatabase } from '../postgres-database.js';

/** The checkpoints of a workflow by position, through the primary key (workflow_id, seq). */
export async function listSteps(database: PostgresDatabase, workflowId: string): Promise<StepRecord[]> {
  const rows = await database.rows<StepRow>('SELECT * FROM {steps} WHERE workflow_id = ? ORDER BY seq', [workflowId]);
  return rows.map(toStepRecord);
}

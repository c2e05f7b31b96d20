import { LeaseLostError, type Lease, type TransactionStep } from '@steadfast/core/adapter';
import { FENCE, type PostgresDatabase } from '../postgres-database.js';
import { RECORD_ONE_STEP, stepRow } from './record-step.js';

/**
 * Runs a transactional step's body in a knex transaction and writes its checkpoint (fenced) in the same
 * transaction: both commit, or neither. A step already checkpointed (a commit whose answer was lost) is
 * not run again. The fence is read first and enforced again with the checkpoint: the workflow row is not
 * locked while the body runs.
 */
export async function runTransactionStep(
  database: PostgresDatabase,
  lease: Lease,
  step: TransactionStep,
  body: (trx: unknown) => Promise<string>,
  now: number,
): Promise<string> {
  return database.knexTransaction(async (trx) => {
    // A stale lease neither runs the body nor reads a checkpoint back as its own. A plain read (no row lock):
    // the fence that counts is the one committed with the checkpoint below.
    const held = await database.rows(`SELECT 1 FROM {wf} WHERE ${FENCE}`, [lease.workflowId, lease.owner, lease.epoch], trx);
    if (held.length !== 1) throw new LeaseLostError(lease.workflowId, lease.epoch);
    const [existing] = await database.rows<{ output: string }>('SELECT output FROM {steps} WHERE workflow_id = ? AND seq = ?', [lease.workflowId, step.seq], trx);
    if (existing) return existing.output;
    const output = await body(trx);
    const data = JSON.stringify({ name: step.name, kind: 'task', attempts: step.attempts, transactional: true });
    const checkpoint = { seq: step.seq, name: step.name, kind: 'task' as const, output, error: null, attempts: step.attempts, fingerprint: step.fingerprint };
    const fenced = await database.rows(RECORD_ONE_STEP, { ...stepRow(lease, checkpoint, now), data }, trx);
    if (fenced.length !== 1) throw new LeaseLostError(lease.workflowId, lease.epoch);
    return output;
  });
}

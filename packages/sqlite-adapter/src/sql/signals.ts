import type { Lease, SignalReceive } from '@steadfast/core/adapter';
import type { SqliteDatabase } from '../sqlite-database.js';

/** Stores a signal for an unfinished workflow and wakes it if it is parked. */
export function sendSignal(database: SqliteDatabase, workflowId: string, name: string, payload: string, now: number, key?: string): 'sent' | 'not_found' | 'finished' {
  return database.write(() => {
    const row = database.sql('SELECT status FROM {p}workflows WHERE id = ?').get(workflowId) as { status: string } | undefined;
    if (!row) return 'not_found';
    if (row.status === 'completed' || row.status === 'failed' || row.status === 'cancelled') return 'finished';
    const stored = database
      .sql('INSERT INTO {p}signals (workflow_id, name, payload, created_at, key) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(workflowId, name, payload, now, key ?? null);
    if (stored.changes === 0) return 'sent'; // sent before with this key
    database.event(workflowId, 'signal_sent', null, JSON.stringify({ name }), now);
    database.wake(workflowId, now);
    return 'sent';
  });
}

/**
 * Delivers the oldest undelivered signal of a name to step `seq` (fenced), exactly once: the signal is
 * marked delivered and the step checkpointed in one transaction. Past the deadline with none waiting, the
 * step is checkpointed as timed out. A step checkpointed already (a repeated call) returns its output.
 */
export function receiveSignal(database: SqliteDatabase, lease: Lease, receive: SignalReceive, now: number): string | null {
  const { seq, name, deadline, timeoutOutput } = receive;
  return database.write(() => {
    database.fence(lease, now);
    const existing = database.sql('SELECT output FROM {p}steps WHERE workflow_id = ? AND seq = ?').get(lease.workflowId, seq) as { output: string } | undefined;
    if (existing) return existing.output;
    const signal = database
      .sql('SELECT id, payload FROM {p}signals WHERE workflow_id = ? AND name = ? AND delivered_seq IS NULL ORDER BY id LIMIT 1')
      .get(lease.workflowId, name) as { id: number; payload: string } | undefined;
    let output: string;
    if (signal) {
      database.sql('UPDATE {p}signals SET delivered_seq = ?, delivered_at = ? WHERE id = ?').run(seq, now, signal.id);
      output = signal.payload;
    } else if (deadline !== null && now >= deadline) {
      output = timeoutOutput;
    } else {
      return null;
    }
    database
      .sql("INSERT INTO {p}steps (workflow_id, seq, name, kind, output, error, attempts, fingerprint, created_at) VALUES (?, ?, ?, 'signal', ?, NULL, 1, NULL, ?)")
      .run(lease.workflowId, seq, name, output, now);
    database.event(lease.workflowId, 'step_completed', seq, JSON.stringify({ name, kind: 'signal', timedOut: !signal }), now);
    return output;
  });
}

import type { Lease, SignalReceive } from '../../storage/storage-adapter.js';
import { FINISHED, type MemoryStore } from './memory-store.js';

/** Stores a signal for an unfinished workflow and wakes it if it is parked. */
export function sendSignal(store: MemoryStore, workflowId: string, name: string, payload: string, now: number, key?: string): 'sent' | 'not_found' | 'finished' {
  const record = store.workflows.get(workflowId);
  if (!record) return 'not_found';
  if (FINISHED.includes(record.status)) return 'finished';
  if (!store.addSignal(workflowId, name, payload, now, key)) return 'sent';
  store.event(workflowId, 'signal_sent', null, JSON.stringify({ name }), now);
  store.wake(workflowId, now);
  return 'sent';
}

/**
 * Delivers the oldest undelivered signal of a name to step `seq` (fenced), exactly once; past the deadline
 * with none waiting, checkpoints the step as timed out. A step checkpointed already returns its output.
 */
export function receiveSignal(store: MemoryStore, lease: Lease, receive: SignalReceive, now: number): string | null {
  const { seq, name, deadline, timeoutOutput } = receive;
  store.fence(lease, now);
  const existing = store.step(lease.workflowId, seq);
  if (existing) return existing.output;
  const signal = (store.signals.get(lease.workflowId) ?? []).find((s) => s.name === name && s.deliveredSeq === null);
  let output: string;
  if (signal) {
    signal.deliveredSeq = seq;
    signal.deliveredAt = now;
    output = signal.payload;
  } else if (deadline !== null && now >= deadline) {
    output = timeoutOutput;
  } else {
    return null;
  }
  store.putStep({ workflowId: lease.workflowId, seq, name, kind: 'signal', output, error: null, attempts: 1, fingerprint: null, createdAt: now });
  store.event(lease.workflowId, 'step_completed', seq, JSON.stringify({ name, kind: 'signal', timedOut: !signal }), now);
  return output;
}

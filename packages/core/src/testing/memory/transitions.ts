import type { Lease, NewStep, WaitingFor } from '../../storage/storage-adapter.js';
import { writeStep } from './steps.js';
import { FINISHED, type MemoryStore } from './memory-store.js';

/** Parks the workflow until `wakeAt` (or until woken) and releases its lease; due at once if what it waits for is there. */
export function suspend(store: MemoryStore, lease: Lease, wakeAt: number | null, now: number, waitingFor?: WaitingFor): void {
  const record = store.fence(lease, now);
  record.status = 'sleeping';
  record.nextAt = wakeAt;
  record.leaseOwner = null;
  store.event(lease.workflowId, 'sleeping', null, JSON.stringify({ wakeAt, ...waitingFor }), now);
  store.announce(wakeAt);
  if (!waitingFor) return;
  const childDone = (waitingFor.children ?? []).some((id) => {
    const child = store.workflows.get(id);
    return child !== undefined && FINISHED.includes(child.status);
  });
  const names = waitingFor.signals ?? [];
  const signalWaiting = (store.signals.get(lease.workflowId) ?? []).some((s) => s.deliveredSeq === null && names.includes(s.name));
  if (childDone || signalWaiting) store.wake(lease.workflowId, now);
}

/** Hands a running workflow back so any worker may claim it at once. */
export function release(store: MemoryStore, lease: Lease, now: number): void {
  const record = store.fence(lease, now);
  record.status = 'pending';
  record.nextAt = now;
  record.leaseOwner = null;
  store.event(lease.workflowId, 'released', null, null, now);
  store.announce(now);
}

export function complete(store: MemoryStore, lease: Lease, output: string, now: number, step?: NewStep): void {
  const record = store.fence(lease, now);
  if (step) writeStep(store, lease.workflowId, step, now);
  record.status = 'completed';
  record.output = output;
  record.nextAt = null;
  record.leaseOwner = null;
  record.finishedAt = now;
  store.event(lease.workflowId, 'completed', null, null, now);
  store.wakeParent(lease.workflowId, now);
}

export function fail(store: MemoryStore, lease: Lease, error: string, failedSeq: number | null, now: number, step?: NewStep): void {
  const record = store.fence(lease, now);
  if (step) writeStep(store, lease.workflowId, step, now);
  record.status = 'failed';
  record.error = error;
  record.nextAt = null;
  record.leaseOwner = null;
  record.finishedAt = now;
  store.event(lease.workflowId, 'failed', failedSeq, `{"error":${error}}`, now);
  store.wakeParent(lease.workflowId, now);
}

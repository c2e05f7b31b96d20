import { CancelledError, WorkflowConflictError } from '../../foundation/errors.js';
import { validateName } from '../../foundation/names.js';
import type { WorkflowRecord } from '../../foundation/types.js';
import { runDefaults, type WorkflowMeta } from '../../definition/step-meta.js';
import type { StepHost } from '../step-host.js';
import { argumentFingerprint } from './fingerprint.js';

/**
 * A workflow called from the body: a child workflow with a deterministic id (`<parent>/<position>`),
 * started (or, on replay, re-attached to) and awaited durably. Until it has finished the parent suspends,
 * holding no slot; the child's completion wakes it. Its outcome is checkpointed as the child stored it.
 */
export function childStep(host: StepHost, meta: WorkflowMeta, args: unknown[]): Promise<unknown> {
  const { storage, serializer, clock, logger } = host.services;
  const fingerprint = argumentFingerprint(serializer, args, `args of child workflow ${meta.name}`);
  return host.step<unknown>({
    name: meta.name,
    kind: 'child',
    fingerprint,
    run: async (seq) => {
      const childId = validateName(`${host.workflowId}/${seq}`, 'child workflow id');
      const now = clock.now();
      const encodedArgs = serializer.serialize(args, `args of child workflow ${meta.name}`);
      // Fenced by the parent's lease: a parent that was cancelled or taken over creates no child (the write is
      // refused and this execution gives up; a new owner creates it), and a cancel cascades to it.
      const { created, record } = await host.write(() =>
        storage.createWorkflow({
          id: childId, name: meta.name, kind: 'workflow', ...runDefaults(meta, now, host.services.version), args: encodedArgs, parentId: host.workflowId,
          nextAt: now, now, parentLease: host.lease,
        }),
      );
      if (record.name !== meta.name) throw new WorkflowConflictError(childId, record.name, meta.name);
      if (created) {
        logger.debug({ childId, child: meta.name }, 'child workflow started');
        host.services.wake(now);
      }
      const encoded = childOutcome(record, (error) => serializer.serializeError(error));
      if (!encoded) return host.waitFor({ child: childId });
      return { encoded };
    },
  });
}

/** A finished child's result or error as checkpoint strings; undefined while it runs. */
function childOutcome(record: WorkflowRecord, serializeError: (error: unknown) => string): { output: string | null; error: string | null } | undefined {
  switch (record.status) {
    case 'completed':
      return { output: record.output, error: null };
    case 'failed':
      return { output: null, error: record.error };
    case 'cancelled':
      return { output: null, error: serializeError(new CancelledError(record.id, `child workflow ${record.id} (${record.name}) was cancelled`)) };
    default:
      return undefined;
  }
}

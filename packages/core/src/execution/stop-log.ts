import type { Logger } from 'pino';
import { CancelledError, LeaseLostError, TimeoutError } from '../foundation/errors.js';
import type { Lease, StorageAdapter } from '../storage/storage-adapter.js';

/**
 * Logs why an execution was given up. Expected stops (a cancel, a timeout) at info, without a stack. A lost
 * lease is most often a cancel from another process: info once the stored workflow shows it, warn (no stack)
 * if another worker took it over. Anything else is a fault, logged as an error with its stack.
 */
export function logStop(deps: { logger: Logger; storage: StorageAdapter }, lease: Lease, reason: string, error: unknown): void {
  const { logger, storage } = deps;
  const fields = { epoch: lease.epoch };
  if (error instanceof CancelledError || error instanceof TimeoutError) {
    logger.info(fields, `execution stopped: ${reason}`);
  } else if (error instanceof LeaseLostError) {
    const takenOver = (more: object) => logger.warn({ ...fields, ...more }, `execution abandoned: ${reason}`);
    storage.getWorkflow(lease.workflowId).then(
      (record) => (record?.status === 'cancelled' ? logger.info(fields, 'execution stopped: the workflow was cancelled') : takenOver({ status: record?.status, leaseOwner: record?.leaseOwner })),
      () => takenOver({}),
    );
  } else if (error === undefined) {
    logger.warn(fields, `execution abandoned: ${reason}`);
  } else {
    logger.error({ ...fields, err: error }, `execution abandoned: ${reason}`);
  }
}

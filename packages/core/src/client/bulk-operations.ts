import { toEpochMs, type TimeInput } from '../foundation/duration.js';
import { isSteadfastError, ValidationError } from '../foundation/errors.js';
import { checkOptionKeys, describe, validateInteger, validateName } from '../foundation/names.js';
import { FINISHED_STATUSES, WORKFLOW_STATUSES, type WorkflowStatus } from '../foundation/types.js';
import type { StorageAdapter } from '../storage/storage-adapter.js';
import { MAX_SELECTED_IDS, type WorkflowRef, type WorkflowSelection } from '../storage/workflow-selection.js';

/**
 * Which workflows `cancelMany`, `retryMany` and `purgeMany` act on: every condition given holds, and at
 * least one must be given (so that "all workflows" is never an accident).
 */
export interface BulkFilter {
  /** Only these statuses, within those the operation acts on. Default all of those. */
  status?: WorkflowStatus | WorkflowStatus[];
  /** Only workflows (or jobs) of this name. */
  name?: string;
  /** Only workflows on this queue. */
  queue?: string;
  /** Only workflows created before this time (a Date, a luxon DateTime, an ISO string with a zone, or epoch ms). */
  createdBefore?: TimeInput;
  /** Only workflows started or enqueued with this `concurrencyKey`. */
  concurrencyKey?: string;
  /** Only these workflow ids (at most 1 000), e.g. a dashboard's selection. */
  ids?: string[];
}

/** Options of `cancelMany`, `retryMany` and `purgeMany`. */
export interface BulkOptions {
  /** Count the workflows the operation would act on now, and change nothing. Default false. */
  dryRun?: boolean;
  /** Workflows per batch; each batch is one bounded transaction (a retry: one per workflow). Default 500, 1 to 10 000. */
  batchSize?: number;
}

/** What a client gives its bulk operations. */
export interface BulkHost {
  readonly storage: StorageAdapter;
  now(): number;
  ensureReady(): Promise<void>;
  /** Retries one failed workflow as `client.retry` does (its failed child first). */
  retry(id: string): Promise<void>;
  /** The workflow was cancelled: its execution here (if any) stops, its waiting handles wake. */
  cancelled(id: string): void;
}

const FILTER_KEYS = ['status', 'name', 'queue', 'createdBefore', 'concurrencyKey', 'ids'] as const;
const UNFINISHED: readonly WorkflowStatus[] = ['pending', 'running', 'sleeping'];

/**
 * `cancelMany`, `retryMany` and `purgeMany` of a client: the filter is checked before anything is read, then
 * the matching workflows are walked in creation order, a batch at a time, each batch committed on its own. An
 * interrupted run is resumed by running it again: what it did no longer matches (cancelled, retried, deleted).
 */
export class BulkOperations {
  constructor(private readonly host: BulkHost) {}

  /** Cancels the unfinished workflows matching the filter (with their unfinished children); returns how many. */
  cancelMany(filter: BulkFilter, options: BulkOptions = {}): Promise<number> {
    const { storage } = this.host;
    return this.run('cancelMany', UNFINISHED, filter, options, async (ids, statuses) => {
      const cancelled = await storage.cancelWorkflows(ids, statuses, this.host.now());
      for (const id of cancelled) this.host.cancelled(id);
      return cancelled.length;
    });
  }

  /** Retries the failed workflows matching the filter, each from its last checkpoint; returns how many. */
  retryMany(filter: BulkFilter, options: BulkOptions = {}): Promise<number> {
    return this.run('retryMany', ['failed'], filter, options, async (ids) => {
      let retried = 0;
      for (const id of ids) {
        try {
          await this.host.retry(id);
          retried++;
        } catch (error) {
          // Retried meanwhile (with its parent, or by someone else) or purged: nothing to do for it.
          if (!isSteadfastError(error) || (error.code !== 'VALIDATION' && error.code !== 'WORKFLOW_NOT_FOUND')) throw error;
        }
      }
      return retried;
    });
  }

  /** Deletes the finished workflows matching the filter (not those whose parent is unfinished); returns how many. */
  purgeMany(filter: BulkFilter, options: BulkOptions = {}): Promise<number> {
    const { storage } = this.host;
    return this.run('purgeMany', FINISHED_STATUSES, filter, options, (ids, statuses) => storage.purgeWorkflows(ids, statuses));
  }

  private async run(
    method: string,
    actsOn: readonly WorkflowStatus[],
    filter: BulkFilter,
    options: BulkOptions,
    act: (ids: string[], statuses: readonly WorkflowStatus[]) => Promise<number>,
  ): Promise<number> {
    const selection = toSelection(method, filter, actsOn);
    checkOptionKeys(options, ['dryRun', 'batchSize'], method);
    if (options.dryRun !== undefined && typeof options.dryRun !== 'boolean') throw new ValidationError(`invalid dryRun of ${method}: expected true or false, got ${describe(options.dryRun)}`);
    const batchSize = validateInteger(options.batchSize ?? 500, `batchSize of ${method}`, 1, 10_000);
    const { storage } = this.host;
    await this.host.ensureReady();
    if (options.dryRun) return storage.countWorkflows(selection);
    let total = 0;
    for (let after: WorkflowRef | null = null; ; ) {
      const batch = await storage.selectWorkflows(selection, after, batchSize);
      if (batch.length > 0) total += await act(batch.map((ref) => ref.id), selection.statuses);
      if (batch.length < batchSize) return total;
      after = batch[batch.length - 1]!;
    }
  }
}

/** Checks a bulk filter and turns it into the storage's selection; `actsOn` are the statuses the operation can act on. */
export function toSelection(method: string, filter: BulkFilter, actsOn: readonly WorkflowStatus[]): WorkflowSelection {
  checkOptionKeys(filter, FILTER_KEYS, `the filter of ${method}`);
  if (!FILTER_KEYS.some((key) => filter[key] !== undefined)) {
    throw new ValidationError(`${method} needs a filter: give at least one of ${FILTER_KEYS.join(', ')} (for every workflow, say createdBefore: new Date())`);
  }
  const statuses = [filter.status ?? actsOn].flat();
  if (statuses.length === 0) throw new ValidationError(`invalid status of ${method}: the list is empty`);
  for (const status of statuses) {
    if (!WORKFLOW_STATUSES.includes(status)) throw new ValidationError(`invalid status ${describe(status)} of ${method}; expected one of ${WORKFLOW_STATUSES.join(', ')}`);
    if (!actsOn.includes(status)) throw new ValidationError(`${method} acts on ${actsOn.join(', ')} workflows only; status ${JSON.stringify(status)} is not one of them`);
  }
  const selection: WorkflowSelection = { statuses: [...new Set(statuses)] };
  if (filter.name !== undefined) selection.name = validateName(filter.name, `name of the filter of ${method}`);
  if (filter.queue !== undefined) selection.queue = validateName(filter.queue, `queue of the filter of ${method}`);
  if (filter.concurrencyKey !== undefined) selection.concurrencyKey = validateName(filter.concurrencyKey, `concurrencyKey of the filter of ${method}`);
  if (filter.createdBefore !== undefined) selection.createdBefore = toEpochMs(filter.createdBefore, `createdBefore of the filter of ${method}`);
  if (filter.ids !== undefined) {
    if (!Array.isArray(filter.ids)) throw new ValidationError(`invalid ids of the filter of ${method}: expected an array of workflow ids, got ${describe(filter.ids)}`);
    if (filter.ids.length > MAX_SELECTED_IDS) throw new ValidationError(`invalid ids of the filter of ${method}: ${filter.ids.length} ids, more than ${MAX_SELECTED_IDS}; select by another condition`);
    selection.ids = filter.ids.map((id, i) => validateName(id, `ids[${i}] of the filter of ${method}`));
  }
  return selection;
}

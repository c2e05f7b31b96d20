import { toMilliseconds, type DurationInput } from '../../foundation/duration.js';
import { ValidationError, WorkflowNotFoundError } from '../../foundation/errors.js';
import { validateInteger, validateName } from '../../foundation/names.js';
import { FINISHED_STATUSES, type WorkflowRecord, type WorkflowStatus } from '../../foundation/types.js';
import type { StorageAdapter } from '../../storage/storage-adapter.js';

/** Which stored runs to look at (`verify`, `migrate-version`): given ids, or a filter. */
export interface RunSelection {
  /** These runs, and no others. */
  ids?: readonly string[];
  /** Only runs of these workflow (or job) names. Default all. */
  names?: readonly string[];
  /** Only runs stored with this version; `null` for unpinned runs. Default any version. */
  version?: string | null;
  /** Finished runs are included if created this long ago at most; `0` leaves them out. Default `'7d'`. */
  since?: DurationInput;
  /** At most this many runs, unfinished ones first (newest first). Default 500, at most 100 000. */
  sample?: number;
}

const UNFINISHED: WorkflowStatus[] = ['pending', 'running', 'sleeping'];
const PAGE = 500;

/** Checks a selection, so a bad one is refused before anything is read. */
export function checkSelection(selection: RunSelection, owner: string): Required<Pick<RunSelection, 'sample'>> & { sinceMs: number } {
  for (const [i, id] of (selection.ids ?? []).entries()) validateName(id, `ids[${i}] of ${owner}`);
  for (const [i, name] of (selection.names ?? []).entries()) validateName(name, `names[${i}] of ${owner}`);
  if (selection.version !== undefined && selection.version !== null) validateName(selection.version, `version of ${owner}`);
  if (selection.ids !== undefined && !Array.isArray(selection.ids)) throw new ValidationError(`ids of ${owner} must be an array of workflow ids`);
  return {
    sample: validateInteger(selection.sample ?? 500, `sample of ${owner}`, 1, 100_000),
    sinceMs: toMilliseconds(selection.since ?? '7d', `since of ${owner}`),
  };
}

/**
 * The stored runs a selection names: the given ids (each must exist), or unfinished runs of any age and then
 * finished ones created within `since`, newest first, up to `sample`.
 */
export async function selectRuns(storage: StorageAdapter, selection: RunSelection, now: number, owner: string): Promise<WorkflowRecord[]> {
  const { sample, sinceMs } = checkSelection(selection, owner);
  const matches = (record: WorkflowRecord) =>
    (selection.version === undefined || record.version === selection.version) && (selection.names === undefined || selection.names.includes(record.name));
  if (selection.ids !== undefined) {
    const records: WorkflowRecord[] = [];
    for (const id of new Set(selection.ids)) {
      const record = await storage.getWorkflow(id);
      if (!record) throw new WorkflowNotFoundError(id);
      records.push(record);
    }
    return records;
  }
  const found: WorkflowRecord[] = [];
  const collect = async (status: WorkflowStatus[], keep: (record: WorkflowRecord) => boolean, stopAt?: (record: WorkflowRecord) => boolean) => {
    for (const name of selection.names ?? [undefined]) {
      let after: { createdAt: number; id: string } | undefined;
      pages: for (;;) {
        const page = await storage.listWorkflows({ status, ...(name === undefined ? {} : { name }), limit: PAGE, ...(after ? { after } : {}) });
        for (const record of page) {
          if (stopAt?.(record)) break pages;
          if (found.length >= sample) return;
          if (keep(record)) found.push(record);
        }
        if (page.length < PAGE) break;
        const last = page[page.length - 1]!;
        after = { createdAt: last.createdAt, id: last.id };
      }
    }
  };
  await collect(UNFINISHED, matches);
  if (sinceMs > 0) await collect([...FINISHED_STATUSES], matches, (record) => record.createdAt < now - sinceMs);
  return found;
}

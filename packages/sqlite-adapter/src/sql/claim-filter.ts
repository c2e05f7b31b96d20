import type { ClaimFilter } from '@steadfast/core/adapter';

/** What a claim reads of a due row. */
export interface DueRow {
  id: string;
  status: string;
  next_at: number;
  started_at: number | null;
  lease_owner: string | null;
  priority: number;
}

/** Which rows a claim may take: first starts (held to a rate limit), resumed ones (woken, released, recovered), or any. */
export type Starts = 'first' | 'resumed' | 'any';

export const startsFilter = (starts: Starts) => (starts === 'first' ? ' AND started_at IS NULL' : starts === 'resumed' ? ' AND started_at IS NOT NULL' : '');

/**
 * A pinned worker claims its versions and unpinned runs; an unpinned one (`@versions` null) every run. A
 * residual check on rows the index has found, like the name check, so the statement stays one text.
 */
export const VERSION_FILTER = '(@versions IS NULL OR version IS NULL OR version IN (SELECT value FROM json_each(@versions)))';

export const versionsJson = (filter: ClaimFilter) => (filter.versions === undefined ? null : JSON.stringify(filter.versions));

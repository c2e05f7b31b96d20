import type { WorkflowStatus } from '../foundation/types.js';

/**
 * Which workflows a bulk operation (`cancelMany`, `retryMany`, `purgeMany`) acts on, as the storage sees it:
 * every condition given holds. The client narrows `statuses` to those the operation can act on, so it is
 * never empty.
 */
export interface WorkflowSelection {
  /** Only workflows in these statuses. */
  statuses: readonly WorkflowStatus[];
  /** Only workflows (or jobs) of this name. */
  name?: string;
  /** Only workflows on this queue. */
  queue?: string;
  /** Only workflows created before this time (epoch ms, exclusive). */
  createdBefore?: number;
  /** Only workflows started or enqueued with this `concurrencyKey`. */
  concurrencyKey?: string;
  /** Only these ids (at most {@link MAX_SELECTED_IDS}). */
  ids?: readonly string[];
}

/** A workflow's place in creation order (oldest first, ties by id): where a bulk operation's next batch begins. */
export interface WorkflowRef {
  id: string;
  createdAt: number;
}

/** Most ids a selection may list (a dashboard's multi-select, a script's list). */
export const MAX_SELECTED_IDS = 1_000;

import type { ListWorkflowsFilter, WorkflowCursor, WorkflowInfo } from '@steadfast/core';
import { ApiError } from './api-error.js';
import type { WorkflowListJson } from './api-types.js';
import type { RouterClient } from './router-options.js';
import { workflowJson } from './workflow-json.js';

/** The most rows core's listWorkflows returns at once. */
const MOST = 10_000;

/**
 * `GET /api/workflows`: a page of `filter.limit` (default 100) workflows, and the cursor of the next page
 * when there is one (one more row is read to know).
 */
export async function listPage(client: RouterClient, filter: ListWorkflowsFilter): Promise<WorkflowListJson> {
  const limit = filter.limit ?? 100;
  const rows = await client.listWorkflows({ ...filter, limit: Math.min(limit + 1, MOST) });
  const page = rows.slice(0, limit);
  const more = rows.length > limit || (limit === MOST && rows.length === MOST);
  return {
    workflows: page.map(workflowJson),
    nextCursor: more && page.length > 0 ? encodeCursor(page[page.length - 1]!) : null,
  };
}

/** The cursor after `info`: opaque to callers (base64url of `[createdAt, id]`), so its form may change. */
export function encodeCursor(info: Pick<WorkflowInfo, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([info.createdAt.getTime(), info.id])).toString('base64url');
}

/** The `after` query parameter as a cursor, or a 400 that names it. */
export function decodeCursor(raw: string): WorkflowCursor {
  let value: unknown;
  try {
    value = /^[A-Za-z0-9_-]+$/.test(raw) ? JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) : undefined;
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length !== 2 || !Number.isSafeInteger(value[0]) || value[0] < 0 || typeof value[1] !== 'string' || value[1] === '') {
    throw new ApiError(400, 'VALIDATION', `query parameter after must be the nextCursor of a previous page, got ${JSON.stringify(raw.slice(0, 60))}`);
  }
  return { createdAt: value[0], id: value[1] };
}

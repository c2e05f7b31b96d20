import express, { type RequestHandler } from 'express';
import type { BulkFilter } from '@steadfast/core';
import { ApiError, asyncHandler } from './api-error.js';
import type { BulkResultJson } from './api-types.js';
import type { RouterClient } from './router-options.js';

const BODY_KEYS = ['filter', 'dryRun'];

/**
 * `POST /api/bulk/cancel`, `/retry` and `/purge` with `{ filter, dryRun? }`: the client's `cancelMany`,
 * `retryMany` or `purgeMany`. The body's shape is checked here; the filter's values by core, whose
 * ValidationError answers 400 naming the field, before anything is read or changed.
 */
export function bulkHandlers(client: RouterClient): Array<[action: string, handler: RequestHandler[]]> {
  const json = express.json({ limit: '256kb', strict: true });
  const actions = { cancel: client.cancelMany, retry: client.retryMany, purge: client.purgeMany } as const;
  return Object.entries(actions).map(([action, run]) => [
    action,
    [
      json,
      asyncHandler(async (req, res) => {
        const { filter, dryRun } = bulkBody(req.body, action);
        const count = await run.call(client, filter, { dryRun });
        const body: BulkResultJson = { action, dryRun, count };
        res.json(body);
      }),
    ],
  ]);
}

function bulkBody(body: unknown, action: string): { filter: BulkFilter; dryRun: boolean } {
  const usage = `POST /api/bulk/${action} takes a JSON object { "filter": { status?, name?, queue?, createdBefore?, concurrencyKey?, ids? }, "dryRun"?: boolean } sent with Content-Type: application/json`;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'VALIDATION', `the body must be ${usage.slice(usage.indexOf('a JSON'))}`);
  for (const key of Object.keys(body)) {
    if (!BODY_KEYS.includes(key)) throw new ApiError(400, 'VALIDATION', `unknown field ${JSON.stringify(key)} in the body; ${usage}`);
  }
  const { filter, dryRun = false } = body as { filter?: unknown; dryRun?: unknown };
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw new ApiError(400, 'VALIDATION', `the body needs "filter", an object; ${usage}`);
  if (typeof dryRun !== 'boolean') throw new ApiError(400, 'VALIDATION', '"dryRun" must be true or false');
  return { filter: filter as BulkFilter, dryRun };
}

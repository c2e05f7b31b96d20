import express, { type Request, type Router } from 'express';
import type { ListWorkflowsFilter, WorkflowStatus } from '@steadfast/core';
import { toJsonValue, workflowToJson } from '@steadfast/core/integration';
import { activityHandler } from './activity-route.js';
import { bulkHandlers } from './bulk-route.js';
import { ApiError, asyncHandler } from './api-error.js';
import { WORKFLOW_STATUSES } from '@steadfast/core';
import { decodeCursor, listPage } from './list-page.js';
import { guardMutation } from './request-guards.js';
import { streamHandler } from './stream-route.js';
import type { ResolvedRouterOptions, RouterClient } from './router-options.js';
import { workflowDetail } from './workflow-detail.js';

/**
 * The JSON management API, to be mounted at `/api` under the router's base path:
 * - `GET  /api/workflows?status=&name=&queue=&limit=&after=` → `{ workflows, nextCursor }` (newest first; `status` may
 *   list several, comma-separated; `after` is the `nextCursor` of the previous page)
 * - `GET  /api/workflows/:id` → `{ workflow, steps, history, events, streams }` (steps with their arguments, results and timing)
 * - `GET  /api/workflows/:id/streams/:key?from=` → the stream as Server-Sent Events, live
 * - `POST /api/workflows/:id/retry` → `{ workflow }` (a failed workflow resumes from its last checkpoint)
 * - `POST /api/workflows/:id/cancel` → `{ workflow }`
 * - `POST /api/workflows/:id/signal` with body `{ name, payload }` → `{ workflow }`
 * - `POST /api/workflows/:id/fork` with body `{ fromStep, id? }` → 201 `{ workflow }`: a new run that reuses the
 *   checkpoints before `fromStep` and executes from there on
 * - `POST /api/bulk/cancel`, `/retry`, `/purge` with body `{ filter, dryRun? }` → `{ action, dryRun, count }`
 * - `GET  /api/stats` → `{ byStatus, counts, due, stranded, unserved, workers, at }`
 * - `GET  /api/activity?window=&bucket=` → what finished per bucket (default the last hour in minutes)
 */
export function apiRoutes(runtime: RouterClient, options: ResolvedRouterOptions): Router {
  const router = express.Router();
  const mutation = guardMutation(options.readOnly);
  const json = express.json({ limit: '1mb', strict: false });

  router.get('/workflows', asyncHandler(async (req, res) => {
    res.json(await listPage(runtime, listFilter(req, options.maxListLimit)));
  }));

  router.get('/workflows/:id', asyncHandler(async (req, res) => {
    res.json(await workflowDetail(runtime, param(req)));
  }));

  router.get('/workflows/:id/streams/:key', streamHandler(runtime));

  router.post('/workflows/:id/retry', mutation, asyncHandler(async (req, res) => {
    const id = param(req);
    await runtime.retry(id);
    res.json({ workflow: workflowToJson(await (await runtime.getWorkflow(id)).info()) });
  }));

  router.post('/workflows/:id/cancel', mutation, asyncHandler(async (req, res) => {
    const id = param(req);
    await runtime.cancel(id);
    res.json({ workflow: workflowToJson(await (await runtime.getWorkflow(id)).info()) });
  }));

  router.post('/workflows/:id/signal', mutation, json, asyncHandler(async (req, res) => {
    const id = param(req);
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ApiError(400, 'VALIDATION', 'the body must be a JSON object { "name": string, "payload"?: any } sent with Content-Type: application/json');
    }
    const { name, payload } = body as { name?: unknown; payload?: unknown };
    if (typeof name !== 'string' || name.trim() === '') throw new ApiError(400, 'VALIDATION', 'the body needs "name": the signal name, a non-empty string');
    await runtime.signal(id, name, payload).catch((error: unknown) => {
      // The payload is the client's input, so one the codec refuses (e.g. nested too deeply) is a bad
      // request like any other; its message names the path.
      if ((error as { code?: unknown } | null)?.code === 'SERIALIZATION') throw new ApiError(400, 'VALIDATION', (error as Error).message);
      throw error;
    });
    res.json({ workflow: workflowToJson(await (await runtime.getWorkflow(id)).info()) });
  }));

  router.post('/workflows/:id/fork', mutation, json, asyncHandler(async (req, res) => {
    const id = param(req);
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ApiError(400, 'VALIDATION', 'the body must be a JSON object { "fromStep": number, "id"?: string } sent with Content-Type: application/json');
    }
    const { fromStep, id: newId, ...rest } = body as { fromStep?: unknown; id?: unknown };
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new ApiError(400, 'VALIDATION', `unknown field ${JSON.stringify(unknown[0])} in the body; a fork takes fromStep and id`);
    if (typeof fromStep !== 'number' || !Number.isInteger(fromStep) || fromStep < 0) {
      throw new ApiError(400, 'VALIDATION', 'the body needs "fromStep": the position to execute from, a whole number from 0');
    }
    if (newId !== undefined && typeof newId !== 'string') throw new ApiError(400, 'VALIDATION', '"id", if given, must be a string: the new run\'s id');
    const handle = await runtime.fork(id, { fromStep, ...(newId === undefined ? {} : { id: newId }) });
    res.status(201).json({ workflow: workflowToJson(await handle.info()) });
  }));
  for (const [action, handlers] of bulkHandlers(runtime)) router.post(`/bulk/${action}`, mutation, ...handlers);

  router.get('/stats', asyncHandler(async (_req, res) => {
    const stats = await runtime.stats();
    res.json({ ...(toJsonValue(stats) as object), at: new Date().toISOString() });
  }));

  router.get('/activity', activityHandler(runtime));

  // Last, without a path: matches whatever is left, in Express 4 and 5 alike.
  router.use((req) => {
    throw new ApiError(404, 'NOT_FOUND', `no API route ${req.method} /api${req.path}`);
  });
  return router;
}

function param(req: Request): string {
  const id = req.params.id;
  if (typeof id !== 'string') throw new ApiError(400, 'VALIDATION', 'a workflow id is required');
  return id;
}

const QUERY_KEYS = ['status', 'name', 'queue', 'limit', 'after'] as const;

/**
 * The filter of `GET /api/workflows`. Every query parameter is checked: a misspelt or unknown one would
 * otherwise be ignored and answer every workflow, which looks like a working filter.
 */
function listFilter(req: Request, maxLimit: number): ListWorkflowsFilter {
  for (const key of Object.keys(req.query)) {
    if (!(QUERY_KEYS as readonly string[]).includes(key)) {
      throw new ApiError(400, 'VALIDATION', `unknown query parameter ${JSON.stringify(key)}; GET /api/workflows takes ${QUERY_KEYS.join(', ')}`);
    }
  }
  const filter: ListWorkflowsFilter = {};
  const value = (key: (typeof QUERY_KEYS)[number]): string | undefined => {
    const raw = req.query[key];
    if (raw === undefined || raw === '') return undefined;
    if (typeof raw !== 'string') throw new ApiError(400, 'VALIDATION', `query parameter ${key} must be given once, as a plain string (not repeated, not ${key}[…]=)`);
    return raw;
  };
  const status = value('status');
  if (status !== undefined) {
    const statuses = status.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (statuses.length === 0) throw new ApiError(400, 'VALIDATION', `query parameter status names no status: ${JSON.stringify(status)}`);
    for (const entry of statuses) {
      if (!(WORKFLOW_STATUSES as readonly string[]).includes(entry)) {
        throw new ApiError(400, 'VALIDATION', `query parameter status: invalid status ${JSON.stringify(entry)}; expected one or more of ${WORKFLOW_STATUSES.join(', ')}, comma-separated`);
      }
    }
    filter.status = statuses.length === 1 ? (statuses[0] as WorkflowStatus) : (statuses as WorkflowStatus[]);
  }
  const name = value('name');
  if (name !== undefined) filter.name = name;
  const queue = value('queue');
  if (queue !== undefined) filter.queue = queue;
  const limit = value('limit');
  if (limit !== undefined) {
    const n = /^\d+$/.test(limit) ? Number(limit) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > maxLimit) {
      throw new ApiError(400, 'VALIDATION', `query parameter limit must be a whole number from 1 to ${maxLimit}, got ${JSON.stringify(limit)}`);
    }
    filter.limit = n;
  }
  const after = value('after');
  if (after !== undefined) filter.after = decodeCursor(after);
  return filter;
}

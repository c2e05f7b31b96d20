import type { RequestHandler } from 'express';
import { asyncHandler } from './api-error.js';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { WORKFLOW_STATUSES, type RuntimeStats } from '@steadfast/core';
import type { ResolvedRouterOptions, RouterClient } from './router-options.js';

/**
 * Gauges refreshed from `runtime.stats()` whenever the registry is collected (one storage query per scrape,
 * shared by the gauges):
 * - `<prefix>workflows_by_status{status}`: workflows per status, all queues together (every status, 0 included)
 * - `<prefix>workflows{queue,status}`: workflows per queue and status
 * - `<prefix>queue_due{queue}`: due but not yet claimed per queue, the backlog
 * - `<prefix>workflows_stranded_by_version{queue,version}`: unfinished pinned runs of a version that no live
 *   worker serves (alert on it: they wait for a worker that is not there)
 * - `<prefix>queue_unserved{queue}`: unfinished workflows in a queue that no live worker serves (alert on it
 *   too: nothing runs them until a worker with that queue in its `queues` starts)
 */
export function createMetrics(runtime: RouterClient, options: ResolvedRouterOptions): Registry {
  const registry = options.registry ?? new Registry();
  const prefix = options.metricsPrefix;
  let pending: Promise<RuntimeStats> | undefined;
  // The gauges are collected together (in parallel) during one scrape; they share one stats() call.
  const stats = () => (pending ??= runtime.stats().finally(() => setImmediate(() => (pending = undefined))));

  new Gauge({
    name: `${prefix}workflows_by_status`,
    help: 'Workflows per status, all queues together.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { byStatus } = await stats();
      this.reset();
      for (const status of WORKFLOW_STATUSES) this.set({ status }, byStatus[status] ?? 0);
    },
  });
  new Gauge({
    name: `${prefix}workflows`,
    help: 'Workflows per queue and status.',
    labelNames: ['queue', 'status'],
    registers: [registry],
    async collect() {
      const { counts } = await stats();
      this.reset();
      for (const row of counts) this.set({ queue: row.queue, status: row.status }, row.count);
    },
  });
  new Gauge({
    name: `${prefix}queue_due`,
    help: 'Workflows due but not yet claimed, per queue: the backlog.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const { due } = await stats();
      this.reset();
      for (const row of due) this.set({ queue: row.queue }, row.count);
    },
  });
  new Gauge({
    name: `${prefix}workflows_stranded_by_version`,
    help: 'Unfinished pinned runs of a version that no live worker serves, per queue and version.',
    labelNames: ['queue', 'version'],
    registers: [registry],
    async collect() {
      const { stranded } = await stats();
      this.reset();
      for (const row of stranded) this.set({ queue: row.queue, version: row.version }, row.count);
    },
  });
  new Gauge({
    name: `${prefix}queue_unserved`,
    help: 'Unfinished workflows in a queue that no live worker serves, per queue.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const { unserved } = await stats();
      this.reset();
      for (const row of unserved) this.set({ queue: row.queue }, row.count);
    },
  });
  if (options.collectDefaultMetrics) collectDefaultMetrics({ register: registry, prefix });
  return registry;
}

/** `GET /metrics`: Prometheus text (content type from the registry); 503 if the storage cannot be read. */
export function metricsHandler(registry: Registry, runtime: RouterClient): RequestHandler {
  return asyncHandler(async (_req, res) => {
    let text: string;
    try {
      text = await registry.metrics();
    } catch (error) {
      try {
        runtime.logger?.error({ err: error }, 'steadfast router: collecting metrics failed');
      } catch {
        // ignore a broken logger
      }
      res.status(503).type('text/plain').send(`# collecting metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
      return;
    }
    res.setHeader('Content-Type', registry.contentType);
    res.send(text);
  });
}

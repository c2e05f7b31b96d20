import express, { type Router } from 'express';
import { apiRoutes } from './api-routes.js';
import { jsonErrorHandler } from './api-error.js';
import { dashboardPageHandler, dashboardScripts, dashboardStylesHandler } from './dashboard/dashboard-routes.js';
import { createMetrics, metricsHandler } from './metrics.js';
import { healthzHandler, readyzHandler } from './readiness.js';
import { requireAuthorization, securityHeaders } from './request-guards.js';
import { resolveRouterOptions, type RouterClient, type SteadfastRouterOptions } from './router-options.js';

/**
 * An Express router with Steadfast's management API, dashboard, Prometheus metrics and health checks.
 * Paths, under `basePath` (default `/`) and wherever the router is mounted:
 *
 * | path | what | authorize |
 * |------|------|-----------|
 * | `GET /` | the dashboard (HTML; `dashboard.css`; `dashboard.js` and the modules it imports) | yes |
 * | `GET /api/workflows?status=&name=&queue=&limit=&after=` | a page, newest first, with the next page's cursor | yes |
 * | `GET /api/workflows/:id` | `{ workflow, steps, history }` | yes |
 * | `POST /api/workflows/:id/retry`, `/cancel`, `/signal` (`{ name, payload }`) | mutations: need the `X-Steadfast-CSRF` header; 403 when `readOnly` | yes |
 * | `GET /api/stats` | counts by status and queue, backlog per queue | yes |
 * | `GET /api/activity?window=&bucket=` | what finished per bucket: throughput, failure rate, latency | yes |
 * | `GET /metrics` | Prometheus text | yes, unless `publicMetrics` |
 * | `GET /healthz`, `GET /readyz` | liveness; readiness (503 unless started, `isReady()` and storage reachable) | no |
 *
 * Errors are JSON `{ error: { code, message } }`: 400 `VALIDATION`, 401 `UNAUTHORIZED`, 403 `READ_ONLY` or
 * `CSRF`, 404 `WORKFLOW_NOT_FOUND`, 500 `INTERNAL` (logged with the runtime's logger), 503
 * `AUTHORIZATION_UNAVAILABLE` when `authorize` throws or does not settle within `authorizeTimeoutMs`.
 *
 * @example
 * ```ts
 * app.use('/steadfast', steadfastRouter(runtime, {
 *   authorize: (req) => req.get('authorization') === `Bearer ${process.env.ADMIN_TOKEN}`,
 * }));
 * // or a public, read-only view: steadfastRouter(runtime, { readOnly: true, allowUnauthenticatedReadOnly: true })
 * ```
 */
export function steadfastRouter(client: RouterClient, options: SteadfastRouterOptions): Router {
  if (typeof client !== 'object' || client === null || typeof client.stats !== 'function' || typeof client.listWorkflows !== 'function') {
    throw new TypeError('steadfastRouter(client, options): the first argument must be a Steadfast Runtime or WorkflowClient');
  }
  const resolved = resolveRouterOptions(options);
  const registry = createMetrics(client, resolved);
  const authorized = requireAuthorization(resolved.authorize, resolved.authorizeTimeoutMs, client);
  const errors = jsonErrorHandler(client);
  const router = express.Router();

  // Middleware is attached per path, never router-wide: mounted at the root of an app, the router must not
  // authorize, or answer errors for, the app's own routes.
  router.get('/healthz', securityHeaders, healthzHandler);
  router.get('/readyz', securityHeaders, readyzHandler(client, resolved), errors);
  router.get('/metrics', securityHeaders, ...(resolved.publicMetrics ? [] : [authorized]), metricsHandler(registry, client), errors);
  router.use('/api', securityHeaders, authorized, apiRoutes(client, resolved), errors);
  if (resolved.dashboard) {
    router.get('/', securityHeaders, authorized, dashboardPageHandler(resolved.readOnly), errors);
    for (const [file, handler] of dashboardScripts()) router.get(`/${file}`, securityHeaders, authorized, handler, errors);
    router.get('/dashboard.css', securityHeaders, authorized, dashboardStylesHandler, errors);
  }
  if (resolved.basePath === '/') return router;
  const outer = express.Router();
  outer.use(resolved.basePath, router);
  return outer;
}

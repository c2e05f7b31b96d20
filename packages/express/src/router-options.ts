import type { Request } from 'express';
import type { Registry } from 'prom-client';
import type { WorkflowClient } from '@steadfast/core';

/**
 * What the router needs: a {@link WorkflowClient}'s management methods. A `WorkflowClient` is one (a
 * dashboard process that executes nothing), and so is a `Runtime`, which composes a client. Structural, so
 * one from another copy of `@steadfast/core` is accepted too. `state` (`'idle' | 'starting' | 'started' |
 * 'stopping' | 'stopped'`) is used by `/readyz` when it has one (a runtime).
 */
export type RouterClient = Pick<
  WorkflowClient,
  'listWorkflows' | 'getWorkflow' | 'retry' | 'cancel' | 'signal' | 'stats' | 'activity' | 'fork' | 'cancelMany' | 'retryMany' | 'purgeMany'
> & {
  readonly state?: unknown;
  readonly logger?: { error(obj: object, msg: string): void };
};

/** @deprecated The earlier name of {@link RouterClient}. */
export type RouterRuntime = RouterClient;

/** Decides whether a request may use the router; see {@link SteadfastRouterOptions.authorize}. */
export type AuthorizeFn = (req: Request) => boolean | Promise<boolean>;

/** Options of {@link steadfastRouter}. */
export interface SteadfastRouterOptions {
  /**
   * Decides whether a request may read or change workflows: return (or resolve) `true` to allow it,
   * `false` to answer 401. Called for the dashboard, its assets, the JSON API and `/metrics` (unless
   * `publicMetrics`); never for `/healthz` and `/readyz`. Required, unless the router is explicitly
   * read-only and public: `{ readOnly: true, allowUnauthenticatedReadOnly: true }`. When it throws, rejects
   * or does not settle within `authorizeTimeoutMs`, the request is answered 503 `AUTHORIZATION_UNAVAILABLE`
   * (never allowed).
   */
  authorize?: AuthorizeFn;
  /**
   * How long a request waits for `authorize` to settle before it is answered 503, so an authorization
   * backend that hangs does not hang every request with it. Default 5000 ms.
   */
  authorizeTimeoutMs?: number;
  /**
   * Refuse every mutation (retry, cancel, signal, the bulk operations) with 403 `READ_ONLY`; the dashboard hides its buttons.
   * Default `false`.
   */
  readOnly?: boolean;
  /**
   * With `readOnly: true` and no `authorize`, let anyone who reaches the router read workflows, their
   * arguments, results and errors. An explicit opt-in because that data is often private. Default `false`;
   * refused unless `readOnly` is `true`.
   */
  allowUnauthenticatedReadOnly?: boolean;
  /**
   * Path inside the router where everything is served, e.g. `'/steadfast'` when the router is mounted with
   * `app.use(router)`. Default `'/'` (mount it where you like: `app.use('/ops', router)`). Either way the
   * dashboard uses relative URLs, so it works under any prefix, and behind a proxy that adds one.
   */
  basePath?: string;
  /**
   * An extra readiness condition for `/readyz`, ANDed with the others: return `false` (e.g. once a SIGTERM
   * arrived) to make `/readyz` answer 503 while the process still serves requests. Default none.
   */
  isReady?: () => boolean | Promise<boolean>;
  /**
   * `/readyz` answers 503 unless the runtime is started (`runtime.state === 'started'`, when the runtime
   * reports a state). Set `false` for a router over a client runtime, one that is never started. Default `true`.
   */
  requireStarted?: boolean;
  /** How long `/readyz` waits for the storage to answer (`runtime.stats()`) before answering 503. Default 2000 ms. */
  readinessTimeoutMs?: number;
  /** Prometheus registry for `/metrics`. Default a new registry per router (not prom-client's global one). */
  registry?: Registry;
  /** Also collect prom-client's default process metrics (CPU, memory, event loop lag) into the registry. Default `false`. */
  collectDefaultMetrics?: boolean;
  /** Prefix of metric names. Default `'steadfast_'`. */
  metricsPrefix?: string;
  /** Serve `/metrics` without calling `authorize` (for a scraper on a private network). Default `false`. */
  publicMetrics?: boolean;
  /** Serve the HTML dashboard at `/`. Default `true`. */
  dashboard?: boolean;
  /** Most workflows `GET /api/workflows` returns (its `limit` may ask for fewer, or up to this). Default 500. */
  maxListLimit?: number;
}

/** Options with defaults applied and checked. */
export interface ResolvedRouterOptions {
  authorize: AuthorizeFn | undefined;
  authorizeTimeoutMs: number;
  readOnly: boolean;
  basePath: string;
  isReady: (() => boolean | Promise<boolean>) | undefined;
  requireStarted: boolean;
  readinessTimeoutMs: number;
  registry: Registry | undefined;
  collectDefaultMetrics: boolean;
  metricsPrefix: string;
  publicMetrics: boolean;
  dashboard: boolean;
  maxListLimit: number;
}

const KNOWN = [
  'authorize', 'authorizeTimeoutMs', 'readOnly', 'allowUnauthenticatedReadOnly', 'basePath', 'isReady', 'requireStarted', 'readinessTimeoutMs',
  'registry', 'collectDefaultMetrics', 'metricsPrefix', 'publicMetrics', 'dashboard', 'maxListLimit',
];

/** Applies defaults and refuses inconsistent options with a message that says what to do. */
export function resolveRouterOptions(options: SteadfastRouterOptions | undefined): ResolvedRouterOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      'steadfastRouter(runtime, options): options are required; pass { authorize: (req) => boolean } ' +
        '(or { readOnly: true, allowUnauthenticatedReadOnly: true } for a public read-only view)',
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new TypeError(`steadfastRouter: unknown option ${JSON.stringify(key)}; known options: ${KNOWN.join(', ')}`);
  }
  const { authorize, readOnly = false, allowUnauthenticatedReadOnly = false } = options;
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw new TypeError('steadfastRouter: authorize must be a function (req) => boolean | Promise<boolean>');
  }
  if (allowUnauthenticatedReadOnly && !readOnly) {
    throw new TypeError(
      'steadfastRouter: allowUnauthenticatedReadOnly requires readOnly: true; a router that can retry, cancel or signal workflows needs authorize',
    );
  }
  if (authorize === undefined && !(readOnly && allowUnauthenticatedReadOnly)) {
    throw new TypeError(
      'steadfastRouter: authorize is required: pass { authorize: (req) => boolean | Promise<boolean> } to decide who may see and manage ' +
        'workflows, or opt into a public read-only view with { readOnly: true, allowUnauthenticatedReadOnly: true }',
    );
  }
  const basePath = options.basePath ?? '/';
  if (typeof basePath !== 'string' || !basePath.startsWith('/') || /[?#*:()]/.test(basePath)) {
    throw new TypeError(`steadfastRouter: basePath must be a path starting with "/" (e.g. "/steadfast"), got ${JSON.stringify(basePath)}`);
  }
  if (options.isReady !== undefined && typeof options.isReady !== 'function') {
    throw new TypeError('steadfastRouter: isReady must be a function () => boolean | Promise<boolean>');
  }
  return {
    authorize,
    authorizeTimeoutMs: positiveInteger(options.authorizeTimeoutMs ?? 5000, 'authorizeTimeoutMs'),
    readOnly,
    basePath: basePath.length > 1 ? basePath.replace(/\/+$/, '') : '/',
    isReady: options.isReady,
    requireStarted: options.requireStarted ?? true,
    readinessTimeoutMs: positiveInteger(options.readinessTimeoutMs ?? 2000, 'readinessTimeoutMs'),
    registry: options.registry,
    collectDefaultMetrics: options.collectDefaultMetrics ?? false,
    metricsPrefix: checkPrefix(options.metricsPrefix ?? 'steadfast_'),
    publicMetrics: options.publicMetrics ?? false,
    dashboard: options.dashboard ?? true,
    maxListLimit: positiveInteger(options.maxListLimit ?? 500, 'maxListLimit'),
  };
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`steadfastRouter: ${name} must be a positive whole number, got ${String(value)}`);
  }
  return value;
}

function checkPrefix(value: unknown): string {
  if (typeof value !== 'string' || !/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(value)) {
    throw new TypeError(`steadfastRouter: metricsPrefix must be a valid Prometheus name prefix, got ${JSON.stringify(value)}`);
  }
  return value;
}

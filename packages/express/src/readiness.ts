import type { RequestHandler } from 'express';
import { asyncHandler } from './api-error.js';
import type { ResolvedRouterOptions, RouterClient } from './router-options.js';

/** The outcome of a readiness check, as `/readyz` reports it. */
export interface Readiness {
  ready: boolean;
  /** Why it is not ready; absent when ready. */
  reason?: string;
}

/**
 * Ready when (1) the runtime is started, if it reports a `state` and `requireStarted` is on; (2) the
 * `isReady` option, if given, says so; (3) the storage answers `runtime.stats()` within the timeout.
 * A runtime that is shutting down fails (1), or (3) where it has no `state`: its calls are refused.
 */
export async function checkReadiness(runtime: RouterClient, options: ResolvedRouterOptions): Promise<Readiness> {
  const state = runtime.state;
  if (options.requireStarted && typeof state === 'string' && state !== 'started') {
    return { ready: false, reason: `the runtime is ${state}, not started` };
  }
  if (options.isReady) {
    let ready: boolean;
    try {
      ready = (await options.isReady()) === true;
    } catch (error) {
      return { ready: false, reason: `isReady threw: ${describeError(error)}` };
    }
    if (!ready) return { ready: false, reason: 'isReady() returned false (e.g. the process is shutting down)' };
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`storage did not answer within ${options.readinessTimeoutMs} ms`)), options.readinessTimeoutMs);
    timer.unref?.();
  });
  try {
    await Promise.race([runtime.stats(), timeout]);
  } catch (error) {
    return { ready: false, reason: `storage check failed: ${describeError(error)}` };
  } finally {
    clearTimeout(timer);
  }
  return { ready: true };
}

/** `GET /healthz`: liveness, 200 whenever the process can answer. Not authorized: probes carry no credentials. */
export const healthzHandler: RequestHandler = (_req, res) => {
  res.json({ status: 'ok' });
};

/**
 * `GET /readyz`: 200 `{ status: 'ready' }` when ready to take traffic (see {@link checkReadiness}), else 503
 * with the reason. Not authorized: probes carry no credentials, and the answer holds no workflow data.
 */
export function readyzHandler(runtime: RouterClient, options: ResolvedRouterOptions): RequestHandler {
  return asyncHandler(async (_req, res) => {
    const readiness = await checkReadiness(runtime, options);
    res.status(readiness.ready ? 200 : 503).json(readiness.ready ? { status: 'ready' } : { status: 'not ready', reason: readiness.reason });
  });
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

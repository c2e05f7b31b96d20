import type { Request, RequestHandler } from 'express';
import { logRequestError, sendError } from './api-error.js';
import type { AuthorizeFn, RouterClient } from './router-options.js';

/**
 * Header every mutation must carry (any non-empty value; the dashboard sends `1`). A browser sends a
 * custom header cross-origin only after a CORS preflight that this router never approves, so a forged
 * form or cross-site `fetch` cannot retry, cancel or signal a workflow with the user's cookies.
 */
export const CSRF_HEADER = 'X-Steadfast-CSRF';

const TIMED_OUT = Symbol('timed out');

/**
 * Answers 401 unless `authorize(req)` resolves to exactly `true`. With no `authorize` everything passes.
 * An `authorize` that throws (logged) or does not settle within `timeoutMs` answers 503: the request is
 * neither allowed nor blamed on the client, and it does not hang with the authorization backend.
 */
export function requireAuthorization(authorize: AuthorizeFn | undefined, timeoutMs: number, runtime: RouterClient): RequestHandler {
  return async (req, res, next) => {
    if (!authorize) return next();
    let allowed: boolean | typeof TIMED_OUT;
    try {
      allowed = await settleWithin(authorize, req, timeoutMs);
    } catch (error) {
      logRequestError(runtime, req, error, 'steadfast router: authorize threw; answered 503');
      return sendError(res, 503, 'AUTHORIZATION_UNAVAILABLE', 'authorization failed on the server; try again later');
    }
    if (allowed === TIMED_OUT) {
      logRequestError(runtime, req, undefined, `steadfast router: authorize did not settle within ${timeoutMs} ms; answered 503`);
      return sendError(res, 503, 'AUTHORIZATION_UNAVAILABLE', `authorization did not answer within ${timeoutMs} ms; try again later`);
    }
    if (!allowed) {
      res.setHeader('Cache-Control', 'no-store');
      return sendError(res, 401, 'UNAUTHORIZED', 'not authorized to use the Steadfast management API');
    }
    next();
  };
}

/** `authorize(req) === true`, or TIMED_OUT after `timeoutMs`; a late rejection is dropped, not left unhandled. */
async function settleWithin(authorize: AuthorizeFn, req: Request, timeoutMs: number): Promise<boolean | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const decision = Promise.resolve().then(() => authorize(req)).then((answer) => answer === true);
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    return await Promise.race([decision, deadline]);
  } finally {
    clearTimeout(timer);
    decision.catch(() => undefined);
  }
}

/**
 * Guards a mutation: 403 `READ_ONLY` on a read-only router; 403 `CSRF` without the {@link CSRF_HEADER}
 * header, or when the browser says the request comes from another site (`Sec-Fetch-Site: cross-site`).
 */
export function guardMutation(readOnly: boolean): RequestHandler {
  return (req, res, next) => {
    if (readOnly) return sendError(res, 403, 'READ_ONLY', 'this Steadfast router is read-only; retry, cancel, signal and the bulk operations are disabled');
    const token = req.get(CSRF_HEADER);
    if (token === undefined || token.trim() === '') {
      return sendError(res, 403, 'CSRF', `mutations must send the header ${CSRF_HEADER}: 1 (a protection against cross-site requests)`);
    }
    if (req.get('sec-fetch-site') === 'cross-site') {
      return sendError(res, 403, 'CSRF', 'cross-site requests may not change workflows');
    }
    next();
  };
}

/** Headers for every answer of the router: no sniffing, no framing, no referrer; API answers are not cached. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  next();
};

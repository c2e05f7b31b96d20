import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { RouterClient } from './router-options.js';

/** An error the router answers with a given HTTP status and code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Passes the rejection of an async handler to `next`, as Express 5 does by itself and Express 4 does not. */
export function asyncHandler(fn: (req: Request, res: Response, next: NextFunction) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    fn(req, res, next).catch(next);
  };
}

/** HTTP status for the `code` of a Steadfast error; matched by code, so duplicate installs of core work too. */
const STATUS_BY_CODE: Record<string, number> = {
  WORKFLOW_NOT_FOUND: 404,
  VALIDATION: 400,
  SERIALIZATION: 400,
  PAYLOAD_TOO_LARGE: 413,
  WORKFLOW_CONFLICT: 409,
  // cancel of a completed or failed workflow: the request conflicts with the workflow's state.
  WORKFLOW_FINISHED: 409,
  UNKNOWN_WORKFLOW: 400,
  STORAGE_UNAVAILABLE: 503,
  // A payload this process cannot encrypt or decrypt (its key is missing): the request cannot be served here.
  ENCRYPTED_PAYLOAD: 422,
};

/** Logs a request's server-side failure with the runtime's logger, if it has one. */
export function logRequestError(runtime: RouterClient, req: Request, error: unknown, message: string): void {
  try {
    runtime.logger?.error({ err: error, method: req.method, url: req.originalUrl }, message);
  } catch {
    // A broken logger must not turn an error answer into a hung request.
  }
}

/** Sends `{ error: { code, message } }` with `status`. */
export function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/**
 * Turns any error into a JSON answer: `ApiError`s and known Steadfast codes with their status and message,
 * body-parser failures as 400/413, anything else as 500 with a generic message (the error is logged).
 */
export function jsonErrorHandler(runtime: RouterClient): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof ApiError) return sendError(res, error.status, error.code, error.message);
    const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
    const message = typeof fields.message === 'string' ? fields.message : String(error);
    if (typeof fields.code === 'string' && fields.code in STATUS_BY_CODE) {
      return sendError(res, STATUS_BY_CODE[fields.code]!, fields.code, message);
    }
    // body-parser (express.json) marks its errors with `type` and an HTTP `status`.
    if (fields.type === 'entity.parse.failed') return sendError(res, 400, 'BAD_REQUEST', `request body is not valid JSON: ${message}`);
    if (fields.type === 'entity.too.large') return sendError(res, 413, 'PAYLOAD_TOO_LARGE', 'request body is too large');
    if (typeof fields.status === 'number' && fields.status >= 400 && fields.status < 500) {
      return sendError(res, fields.status, 'BAD_REQUEST', message);
    }
    logRequestError(runtime, req, error, 'steadfast router: request failed');
    sendError(res, 500, typeof fields.code === 'string' ? fields.code : 'INTERNAL', 'internal error; see the server log');
  };
}

import type { Request, RequestHandler, Response } from 'express';
import { toJsonValue } from '@steadfast/core/integration';
import { ApiError, asyncHandler, logRequestError } from './api-error.js';
import type { RouterClient } from './router-options.js';

/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;
/** Error codes whose message may reach the client; anything else is logged and reported as INTERNAL. */
const CLIENT_CODES = new Set(['VALIDATION', 'WORKFLOW_NOT_FOUND', 'SERIALIZATION', 'ENCRYPTED_PAYLOAD']);

/**
 * `GET /api/workflows/:id/streams/:key?from=N`: the stream as Server-Sent Events, each chunk as it is written
 * (`handle.readStream`): `event: chunk` with `id: <position>` and `data: { position, value }` (the value as
 * JSON), then `event: end` once the stream is closed or the workflow has finished. A reconnecting EventSource
 * sends `Last-Event-ID`, and the stream resumes after that position. Authorized like the rest of the API; a
 * bad request or an unknown workflow is answered with JSON before the stream begins.
 */
export function streamHandler(client: RouterClient): RequestHandler {
  return asyncHandler(async (req, res) => {
    const { id, key } = req.params as { id?: string; key?: string };
    if (typeof id !== 'string' || typeof key !== 'string') throw new ApiError(400, 'VALIDATION', 'a workflow id and a stream key are required');
    let from = startPosition(req);
    const handle = await client.getWorkflow(id);
    const abort = new AbortController();
    const chunks = handle.readStream(key, { from, signal: abort.signal });
    res.on('close', () => abort.abort());
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    try {
      for await (const value of chunks) {
        send(res, 'chunk', { position: from, value: toJsonValue(value) }, from);
        from++;
      }
      if (!abort.signal.aborted) send(res, 'end', { position: from });
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      const known = typeof code === 'string' && CLIENT_CODES.has(code);
      if (!known) logRequestError(client, req, error, 'steadfast router: stream failed');
      send(res, 'error', known ? { code, message: (error as Error).message } : { code: 'INTERNAL', message: 'the stream failed; see the server log' });
    } finally {
      clearInterval(keepalive);
      res.end();
    }
  });
}

function send(res: Response, event: string, data: unknown, id?: number): void {
  // JSON has no raw newlines, so one data line carries it whole.
  res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** `from` (a position), or after the `Last-Event-ID` of a reconnecting EventSource, whichever is later. */
function startPosition(req: Request): number {
  for (const name of Object.keys(req.query)) {
    if (name !== 'from') throw new ApiError(400, 'VALIDATION', `unknown query parameter ${JSON.stringify(name)}; a stream takes from`);
  }
  const position = (raw: unknown, what: string): number => {
    if (raw === undefined || raw === '') return 0;
    if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw new ApiError(400, 'VALIDATION', `${what} must be a whole number of at least 0, got ${JSON.stringify(raw)}`);
    return Number(raw);
  };
  const from = position(req.query.from, 'query parameter from');
  const last = req.get('last-event-id');
  return last === undefined ? from : Math.max(from, position(last, 'the Last-Event-ID header') + 1);
}

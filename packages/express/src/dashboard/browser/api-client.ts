import type { ApiErrorJson } from '../../api-types.js';

/** An answer other than 2xx, with the API's message and the HTTP status (401 asks the user to sign in again). */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Header every mutation must carry (the router's CSRF guard). */
const CSRF_HEADER = 'X-Steadfast-CSRF';

/**
 * Calls the management API at a URL relative to the page (`api/...`), so the dashboard works under any
 * mount path, and returns its JSON as `T`. A `payload` is sent as JSON.
 */
export async function api<T>(path: string, method: 'GET' | 'POST' = 'GET', payload?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method === 'POST') headers[CSRF_HEADER] = '1';
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, credentials: 'same-origin', headers, body: payload === undefined ? undefined : JSON.stringify(payload) });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) throw new HttpError((body as ApiErrorJson | null)?.error?.message ?? `HTTP ${res.status}`, res.status);
  return body as T;
}

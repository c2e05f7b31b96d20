import type { Request, RequestHandler, Response } from 'express';
import { renderDashboardPage } from './page.js';
import { DASHBOARD_JS } from './script.js';
import { DASHBOARD_CSS } from './styles.js';

/**
 * Only this origin's script, style and API; no inline code, no framing. The page needs nothing else, so a
 * workflow argument that looks like HTML cannot run anyway (the script inserts text only).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self' data:",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

/** `GET /`: the dashboard page. Requested without a trailing slash, it redirects to it so relative URLs resolve. */
export function dashboardPageHandler(readOnly: boolean): RequestHandler {
  const html = renderDashboardPage({ readOnly });
  return (req, res) => {
    const redirect = trailingSlashRedirect(req);
    if (redirect) return res.redirect(302, redirect);
    send(res, 'text/html; charset=utf-8', html);
  };
}

export const dashboardScriptHandler: RequestHandler = (_req, res) => send(res, 'text/javascript; charset=utf-8', DASHBOARD_JS);
export const dashboardStylesHandler: RequestHandler = (_req, res) => send(res, 'text/css; charset=utf-8', DASHBOARD_CSS);

function send(res: Response, type: string, body: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.send(body);
}

/**
 * A relative redirect (`prefix/`) when the URL path does not end with a slash: `/ops/steadfast` →
 * `./steadfast/`. Relative, so it also works behind a proxy that strips or adds a prefix.
 */
function trailingSlashRedirect(req: Request): string | undefined {
  const url = req.originalUrl;
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (path.endsWith('/')) return undefined;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return `./${last}/${queryAt === -1 ? '' : url.slice(queryAt)}`;
}

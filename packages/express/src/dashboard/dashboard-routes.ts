import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Request, RequestHandler, Response } from 'express';
import { renderDashboardPage } from './page.js';
import { DASHBOARD_CSS } from './styles.js';

/**
 * The compiled browser script: `src/dashboard/browser` built by `tsconfig.browser.json` into the package's
 * `dist/dashboard/browser`. Addressed from the package root, so it is found both from `dist` (the published
 * package) and from `src` (tests run the sources once the package is built).
 */
const BROWSER_DIR = new URL('../../dist/dashboard/browser/', import.meta.url);

let assets: Map<string, RequestHandler> | undefined;

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

/**
 * The dashboard's ES modules by file name (`dashboard.js`, the entry, and those it imports, with their
 * source maps), each served at `/<file>` so the entry's relative imports resolve. Read from disk once, on
 * the first call; a package whose build left them out fails here, when the router is made.
 */
export function dashboardScripts(): Map<string, RequestHandler> {
  if (assets) return assets;
  let files: string[];
  try {
    files = readdirSync(BROWSER_DIR).filter((file) => file.endsWith('.js') || file.endsWith('.js.map'));
  } catch (error) {
    throw new Error(
      `@steadfast/express: the dashboard's script is not built (${fileURLToPath(BROWSER_DIR)} cannot be read): build the package, or pass dashboard: false`,
      { cause: error },
    );
  }
  if (!files.includes('dashboard.js')) throw new Error(`@steadfast/express: ${fileURLToPath(BROWSER_DIR)} holds no dashboard.js: build the package`);
  assets = new Map(
    files.map((file) => {
      const body = readFileSync(new URL(file, BROWSER_DIR), 'utf8');
      const type = file.endsWith('.map') ? 'application/json; charset=utf-8' : 'text/javascript; charset=utf-8';
      const handler: RequestHandler = (_req, res) => send(res, type, body);
      return [file, handler];
    }),
  );
  return assets;
}

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

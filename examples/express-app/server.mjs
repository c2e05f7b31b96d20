// Steadfast in an Express app: a welcome-email workflow, the management API and dashboard under /steadfast,
// and a graceful shutdown on SIGTERM that loses nothing.
//
//   npm start                     → http://127.0.0.1:3000/login asks for the admin token and opens the dashboard
//   curl -XPOST localhost:3000/welcome -H 'content-type: application/json' -d '{"email":"ada@example.com","name":"Ada"}'
//   curl -XPOST 'localhost:3000/welcome?fail=1' …   → a run whose delivery fails once: see it failed, press Retry
//
// The HTTP parts are meant to be copied: input is checked before anything is started, every error is a JSON
// answer `{ error: { code, message } }` without a stack trace or a server path, request bodies are limited
// (413), and authorization never throws.
//
// Environment: PORT (3000), STEADFAST_DB (.data/steadfast.db), STEADFAST_ADMIN_TOKEN (dev-token),
// READINESS_GRACE_MS (0: how long /readyz answers 503 before the server stops accepting connections; give
// your load balancer's probe interval here), SHUTDOWN_TIMEOUT_MS (10000), DELIVER_MS (800: how long the
// pretend email delivery takes).

import { timingSafeEqual } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import express from 'express';
import { defineTask, defineWorkflow, NonRetryableError, Runtime, sleep, taskContext } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { steadfastRouter } from '@steadfast/express';

const HERE = dirname(fileURLToPath(import.meta.url));
const PORT = Number(process.env.PORT ?? 3000);
const DB_FILE = process.env.STEADFAST_DB ?? join(HERE, '.data', 'steadfast.db');
const ADMIN_TOKEN = process.env.STEADFAST_ADMIN_TOKEN ?? 'dev-token';
const READINESS_GRACE_MS = Number(process.env.READINESS_GRACE_MS ?? 0);
const SHUTDOWN_TIMEOUT_MS = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10_000);
const DELIVER_MS = Number(process.env.DELIVER_MS ?? 800);

const log = (message) => console.log(`[express-app] ${message}`);
if (!process.env.STEADFAST_ADMIN_TOKEN) log('STEADFAST_ADMIN_TOKEN is not set; using "dev-token" (set it for anything but a local try-out)');

// ---- the workflow ------------------------------------------------------------------------------------

// Workflows started with ?fail=1 whose delivery has failed once in this process; a retry then succeeds.
const refusedOnce = new Set();

const compose = defineTask('welcome.compose', async (name) => `Welcome aboard, ${name}!`);
const deliver = defineTask(
  'welcome.deliver',
  async (email, text, failOnce = false) => {
    const { workflowId } = taskContext();
    if (failOnce && !refusedOnce.has(workflowId)) {
      refusedOnce.add(workflowId);
      // Not retried by the task's policy: the workflow fails, and the dashboard's Retry runs the step again.
      throw new NonRetryableError(`the mail provider refused ${email} (started with ?fail=1; Retry delivers it)`);
    }
    log(`delivering to ${email}`);
    await delay(DELIVER_MS); // an email provider call; a shutdown lets it finish and checkpoint
    log(`delivered to ${email}: ${text}`);
    return { deliveredTo: email };
  },
  { retries: 3 },
);
const welcome = defineWorkflow('welcome.send', async (email, name, failOnce = false) => {
  const text = await compose(name);
  await sleep('1s'); // a durable timer
  return deliver(email, text, failOnce);
});

// ---- two runtimes on one database ------------------------------------------------------------------
// The worker executes workflows. The client (never started) serves HTTP requests: it starts, inspects and
// retries workflows. On SIGTERM the worker stops claiming and drains while in-flight HTTP requests still
// complete through the client; the client's storage is closed last.
const worker = new Runtime({ storage: new SqliteAdapter({ filename: DB_FILE }) });
worker.register(welcome, compose, deliver);
const client = new Runtime({ storage: new SqliteAdapter({ filename: DB_FILE }) });

let phase = 'starting'; // → serving → draining

// ---- the HTTP app ------------------------------------------------------------------------------------

/** Whether `given` is the admin token, compared in constant time. */
function isAdminToken(given) {
  const a = Buffer.from(typeof given === 'string' ? given : '');
  const b = Buffer.from(ADMIN_TOKEN);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The admin token from `Authorization: Bearer <token>` or the `steadfast_token` cookie. It never throws: a
 * malformed cookie (e.g. `%E0%A4%A`) is a refusal (401), not a server error logged on every request.
 */
function authorize(req) {
  const header = req.get('authorization') ?? '';
  if (header.startsWith('Bearer ')) return isAdminToken(header.slice(7));
  const cookie = /(?:^|;\s*)steadfast_token=([^;]*)/.exec(req.get('cookie') ?? '')?.[1];
  if (cookie === undefined) return false;
  try {
    return isAdminToken(decodeURIComponent(cookie));
  } catch {
    return false;
  }
}

/** An error answered to the client as `{ error: { code, message } }` with `status`. */
class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const app = express();

// Limits say what a route accepts; a bigger body is answered 413 by the error handler below.
app.post('/welcome', express.json({ limit: '10kb' }), async (req, res) => {
  const { email, name } = req.body ?? {};
  if (typeof email !== 'string' || email.length > 150 || !EMAIL.test(email)) {
    throw new HttpError(400, 'VALIDATION', '"email" must be an email address of at most 150 characters, e.g. "ada@example.com"');
  }
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
    throw new HttpError(400, 'VALIDATION', '"name" must be a non-empty string of at most 100 characters');
  }
  const failOnce = req.query.fail === '1';
  // The id makes the start idempotent: posting the same address again returns the same run.
  const id = `welcome-${email}${failOnce ? '-fail' : ''}`;
  const handle = await client.startWorkflow(welcome, [email, name, failOnce], { id });
  res.status(202).json({ id: handle.id, status: await handle.status() });
});

// Opening the dashboard in a browser: a form that POSTs the token, which is then kept in an HTTP-only
// cookie. A token in the URL (?token=) would end up in the browser history and in access logs.
const loginPage = (problem = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Steadfast dashboard login</title></head>
<body><form method="post" action="/login">
${problem ? `<p role="alert">${problem}</p>\n` : ''}<label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Open the dashboard</button>
</form></body></html>
`;
const LOGIN_CSP = "default-src 'none'; form-action 'self'; frame-ancestors 'none'";
app.get('/login', (_req, res) => {
  res.set('Content-Security-Policy', LOGIN_CSP).type('html').send(loginPage());
});
app.post('/login', express.urlencoded({ extended: false, limit: '1kb' }), (req, res) => {
  if (!isAdminToken(req.body?.token)) {
    res.status(401).set('Content-Security-Policy', LOGIN_CSP).type('html').send(loginPage('Wrong token.'));
    return;
  }
  res.cookie('steadfast_token', ADMIN_TOKEN, { httpOnly: true, sameSite: 'strict', path: '/steadfast' });
  res.redirect(303, '/steadfast/');
});

app.use(
  '/steadfast',
  steadfastRouter(client, {
    authorize,
    // The client runtime is never started; readiness follows the app's phase (the worker is started first).
    requireStarted: false,
    isReady: () => phase === 'serving',
  }),
);

app.use((req) => {
  throw new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${req.path}`);
});

// Last: every error becomes JSON. Express's default handler would answer an HTML page with the stack trace
// and the server's file paths. Client errors say what is wrong; anything else is logged here, once, and
// answered with a generic message.
app.use((error, req, res, next) => {
  if (res.headersSent) return next(error);
  const [status, code, message] = errorAnswer(error);
  if (status >= 500) console.error(`[express-app] ${req.method} ${req.originalUrl} failed:`, error);
  res.status(status).json({ error: { code, message } });
});

// Steadfast errors carry a string `code`; these are the caller's fault.
const CLIENT_ERROR_CODES = new Map([['VALIDATION', 400], ['SERIALIZATION', 400], ['PAYLOAD_TOO_LARGE', 413], ['WORKFLOW_CONFLICT', 409]]);

/** `[status, code, message]` for an error: what a client may see. */
function errorAnswer(error) {
  if (error instanceof HttpError) return [error.status, error.code, error.message];
  if (CLIENT_ERROR_CODES.has(error?.code)) return [CLIENT_ERROR_CODES.get(error.code), error.code, error.message];
  // body-parser (express.json, express.urlencoded) marks its errors with `type` and an HTTP `status`.
  if (error?.type === 'entity.too.large') return [413, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${error.limit} bytes`];
  if (error?.type === 'entity.parse.failed') return [400, 'BAD_REQUEST', 'the request body is not valid JSON'];
  if (Number.isInteger(error?.status) && error.status >= 400 && error.status < 500) return [error.status, 'BAD_REQUEST', String(error.message)];
  return [500, 'INTERNAL', 'internal error; see the server log'];
}

// ---- start and graceful shutdown ---------------------------------------------------------------------

await worker.start();
const server = app.listen(PORT, '127.0.0.1', () => {
  phase = 'serving';
  log(`listening on http://127.0.0.1:${server.address().port} (dashboard: /login, probes: /steadfast/healthz, /steadfast/readyz)`);
});

async function shutdown(signal) {
  if (phase !== 'serving') return;
  phase = 'draining';
  log(`${signal} received`);
  const watchdog = setTimeout(() => {
    log('shutdown took too long; exiting with 1');
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS + 5_000);
  watchdog.unref();

  log('shutdown 1/5: readiness answers 503');
  if (READINESS_GRACE_MS > 0) await delay(READINESS_GRACE_MS); // load balancers stop sending traffic

  const workerDone = worker.shutdown({ timeout: SHUTDOWN_TIMEOUT_MS }); // stops claiming at once, then drains
  await new Promise((resolve) => setImmediate(resolve));
  log('shutdown 2/5: worker stopped claiming');

  server.closeIdleConnections();
  await new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  log('shutdown 3/5: HTTP server closed (in-flight requests finished)');

  await workerDone;
  log('shutdown 4/5: worker drained (in-flight steps finished and checkpointed, leases released)');

  await client.shutdown();
  log('shutdown 5/5: storage closed');
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    shutdown(signal).then(
      () => {
        process.exitCode = 0;
      },
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

// Steadfast in an Express app: a welcome-email workflow, the management API and dashboard under /steadfast,
// and a graceful shutdown on SIGTERM that loses nothing.
//
//   npm start                     → http://127.0.0.1:3000/login?token=dev-token opens the dashboard
//   curl -XPOST localhost:3000/welcome -H 'content-type: application/json' -d '{"email":"ada@example.com","name":"Ada"}'
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
import { defineTask, defineWorkflow, Runtime, sleep } from '@steadfast/core';
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

const compose = defineTask('welcome.compose', async (name) => `Welcome aboard, ${name}!`);
const deliver = defineTask(
  'welcome.deliver',
  async (email, text) => {
    log(`delivering to ${email}`);
    await delay(DELIVER_MS); // an email provider call; a shutdown lets it finish and checkpoint
    log(`delivered to ${email}: ${text}`);
    return { deliveredTo: email };
  },
  { retries: 3 },
);
const welcome = defineWorkflow('welcome.send', async (email, name) => {
  const text = await compose(name);
  await sleep('1s'); // a durable timer
  return deliver(email, text);
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

/** The admin token from `Authorization: Bearer <token>` or the `steadfast_token` cookie, compared in constant time. */
function authorize(req) {
  const header = req.get('authorization') ?? '';
  const cookie = /(?:^|;\s*)steadfast_token=([^;]*)/.exec(req.get('cookie') ?? '')?.[1];
  const given = header.startsWith('Bearer ') ? header.slice(7) : cookie ? decodeURIComponent(cookie) : '';
  const a = Buffer.from(given);
  const b = Buffer.from(ADMIN_TOKEN);
  return a.length === b.length && timingSafeEqual(a, b);
}

const app = express();

app.post('/welcome', express.json(), async (req, res) => {
  const { email, name } = req.body ?? {};
  if (typeof email !== 'string' || typeof name !== 'string') {
    res.status(400).json({ error: 'send { "email": string, "name": string }' });
    return;
  }
  const handle = await client.startWorkflow(welcome, [email, name], { id: `welcome-${email}` });
  res.status(202).json({ id: handle.id, status: await handle.status() });
});

// A convenience for opening the dashboard in a browser: sets the token as an HTTP-only cookie.
app.get('/login', (req, res) => {
  if (req.query.token !== ADMIN_TOKEN) {
    res.status(401).send('wrong or missing ?token=');
    return;
  }
  res.cookie('steadfast_token', ADMIN_TOKEN, { httpOnly: true, sameSite: 'strict', path: '/steadfast' });
  res.redirect('/steadfast/');
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

// ---- start and graceful shutdown ---------------------------------------------------------------------

await worker.start();
const server = app.listen(PORT, '127.0.0.1', () => {
  phase = 'serving';
  log(`listening on http://127.0.0.1:${server.address().port} (dashboard: /login?token=…, probes: /steadfast/healthz, /steadfast/readyz)`);
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

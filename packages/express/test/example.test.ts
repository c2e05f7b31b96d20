import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { CSRF, waitFor } from './harness.js';

const EXAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../examples/express-app');
const TOKEN = 'test-token';
const bearer = { authorization: `Bearer ${TOKEN}` };

interface Example {
  child: ChildProcess;
  base: string;
  db: string;
  /** Everything the process wrote to stdout and stderr, line by line. */
  lines: string[];
  /** Index of the first line containing `text`, or -1. */
  has(text: string): number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the process if it still runs and removes its database. */
  stop(): void;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** Starts `server.mjs` on a free port and a fresh database, and waits until it listens. */
async function startExample(env: Record<string, string> = {}): Promise<Example> {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-express-app-'));
  const db = join(dir, 'app.db');
  const port = await freePort();
  const lines: string[] = [];
  const child = spawn(process.execPath, ['server.mjs'], {
    cwd: EXAMPLE,
    env: { ...process.env, PORT: String(port), STEADFAST_DB: db, STEADFAST_ADMIN_TOKEN: TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  const collect = (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const example: Example = {
    child,
    base: `http://127.0.0.1:${port}`,
    db,
    lines,
    has: (text) => lines.findIndex((line) => line.includes(text)),
    exited: new Promise((done) => child.once('exit', (code, signal) => done({ code, signal }))),
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(() => example.has('listening on') >= 0, 20_000, 'the app to listen');
  } catch (error) {
    example.stop();
    throw new Error(`${(error as Error).message}; its output:\n${lines.join('\n')}`);
  }
  return example;
}

describe('examples/express-app', () => {
  let example: Example | undefined;
  afterEach(() => {
    example?.stop();
    example = undefined;
  });

  it('serves a workflow and, on SIGTERM, shuts down in order and exits 0 with the in-flight step checkpointed', async () => {
    example = await startExample({ DELIVER_MS: '1500', READINESS_GRACE_MS: '400' });
    const { base, child, has, lines, exited, db } = example;
    expect((await fetch(`${base}/steadfast/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/steadfast/api/workflows`)).status).toBe(401);

    const started = await fetch(`${base}/welcome`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', name: 'Ada' }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const shown = await fetch(`${base}/steadfast/api/workflows/${encodeURIComponent(id)}`, { headers: bearer });
    expect(shown.status).toBe(200);

    // SIGTERM while the delivery step is in flight: it must finish and be checkpointed before the storage closes.
    await waitFor(() => has('delivering to ada@example.com') >= 0, 20_000, 'the delivery step to begin');
    child.kill('SIGTERM');
    await waitFor(() => has('shutdown 1/5') >= 0, 10_000, 'readiness to flip');
    const duringGrace = await fetch(`${base}/steadfast/readyz`);
    expect(duringGrace.status).toBe(503);
    expect(await fetch(`${base}/steadfast/healthz`).then((res) => res.status)).toBe(200);

    expect(await exited).toEqual({ code: 0, signal: null });
    const steps = [1, 2, 3, 4, 5].map((n) => has(`shutdown ${n}/5`));
    expect(steps.every((index) => index >= 0), lines.join('\n')).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(has('SIGTERM received')).toBeLessThan(steps[0]!);
    const delivered = has('delivered to ada@example.com');
    expect(delivered).toBeGreaterThan(has('delivering to ada@example.com'));
    expect(delivered).toBeLessThan(steps[3]!); // drained: the step finished before the worker stopped

    // The database agrees: the delivery is checkpointed, and nothing failed.
    const inspector = new Runtime({ storage: new SqliteAdapter({ filename: db }), logger: pino({ level: 'silent' }) });
    try {
      const handle = await inspector.getWorkflow(id);
      const history = await handle.history();
      expect(history.filter((e) => e.type === 'step_completed' && e.data?.name === 'welcome.deliver')).toHaveLength(1);
      expect(['completed', 'pending', 'sleeping']).toContain(await handle.status());
    } finally {
      await inspector.shutdown();
    }
  }, 60_000);
});

describe('examples/express-app is a pattern to copy', () => {
  let example: Example;
  beforeAll(async () => {
    example = await startExample({ DELIVER_MS: '50' });
  }, 30_000);
  afterAll(() => example?.stop());

  /** A request to the example; the body parsed as JSON when the answer says it is JSON. */
  async function call(path: string, init: RequestInit = {}): Promise<{ status: number; type: string; text: string; body: any; headers: Headers }> {
    const res = await fetch(example.base + path, { redirect: 'manual', ...init });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, type, text, body: type.includes('json') ? JSON.parse(text) : undefined, headers: res.headers };
  }
  const postJson = (path: string, body: string, headers: Record<string, string> = {}) =>
    call(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  /** Lines logged after `from` that look like a stack trace or an error report. */
  const errorLogSince = (from: number) => example.lines.slice(from).filter((line) => /^\s+at |Error|failed:/.test(line));

  it('answers bad requests with JSON errors: no HTML page, no stack trace, no server path, nothing logged', async () => {
    const from = example.lines.length;
    const answers = [
      [await postJson('/welcome', JSON.stringify({ email: 'not-an-email', name: 'Ada' })), 400, 'VALIDATION', /"email" must be an email address/],
      [await postJson('/welcome', JSON.stringify({ email: 'ada@example.com' })), 400, 'VALIDATION', /"name" must be a non-empty string/],
      // Passes the app's own check, refused by Steadfast (a control character in the workflow id): still a 400.
      [await postJson('/welcome', JSON.stringify({ email: 'a\u0000b@example.com', name: 'Ada' })), 400, 'VALIDATION', /workflow id/],
      [await postJson('/welcome', '{"email": '), 400, 'BAD_REQUEST', 'the request body is not valid JSON'],
      [await postJson('/welcome', JSON.stringify({ email: 'ada@example.com', name: 'x'.repeat(200_000) })), 413, 'PAYLOAD_TOO_LARGE', 'the request body is larger than 10240 bytes'],
      [await call('/nowhere'), 404, 'NOT_FOUND', 'no route GET /nowhere'],
    ] as const;
    for (const [res, status, code, message] of answers) {
      expect(res.status, res.text).toBe(status);
      expect(res.type).toContain('application/json');
      expect(res.body.error.code, res.text).toBe(code);
      expect(res.body.error.message).toMatch(message);
      expect(res.text).not.toMatch(/\bat .*:\d+:\d+|<html|<pre/i);
      expect(res.text).not.toContain(EXAMPLE);
    }
    expect(errorLogSince(from)).toEqual([]);
  });

  it('refuses a malformed token cookie with 401, not 500, and logs nothing however often it comes', async () => {
    const from = example.lines.length;
    for (let i = 0; i < 3; i++) {
      const res = await call('/steadfast/api/workflows', { headers: { cookie: 'steadfast_token=%E0%A4%A' } });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    }
    expect((await call('/steadfast/api/workflows', { headers: { cookie: 'steadfast_token=wrong%20token' } })).status).toBe(401);
    expect((await call('/steadfast/api/workflows', { headers: { cookie: `other=1; steadfast_token=${TOKEN}` } })).status).toBe(200);
    expect(errorLogSince(from)).toEqual([]);
  });

  it('logs in with a POST form, never a token in the URL, and keeps the token in an HTTP-only cookie', async () => {
    const form = await call('/login');
    expect(form.status).toBe(200);
    expect(form.text).toContain('<form method="post" action="/login">');
    expect(form.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect((await call(`/login?token=${TOKEN}`)).headers.get('set-cookie')).toBeNull();

    const login = (token: string) =>
      call('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
    const wrong = await login('guess');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const right = await login(TOKEN);
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/steadfast/');
    const cookie = right.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^steadfast_token=test-token; Path=\/steadfast; HttpOnly; SameSite=Strict$/);
    expect((await call('/steadfast/', { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
  });

  it('?fail=1 starts a run that fails, so the dashboard shows it failed, and Retry completes it', async () => {
    const started = await postJson('/welcome?fail=1', JSON.stringify({ email: 'grace@example.com', name: 'Grace' }));
    expect(started.status).toBe(202);
    expect(started.body.id).toBe('welcome-grace@example.com-fail');
    const path = `/steadfast/api/workflows/${encodeURIComponent(started.body.id)}`;
    const failed = await waitFor(async () => {
      const res = await call(path, { headers: bearer });
      return res.body.workflow.status === 'failed' && res.body;
    }, 20_000, 'the run to fail');
    expect(failed.workflow.error.message).toBe('the mail provider refused grace@example.com (started with ?fail=1; Retry delivers it)');

    const retried = await call(`${path}/retry`, { method: 'POST', headers: { ...bearer, ...CSRF } });
    expect(retried.status).toBe(200);
    const done = await waitFor(async () => {
      const res = await call(path, { headers: bearer });
      return res.body.workflow.status === 'completed' && res.body;
    }, 20_000, 'the retried run to complete');
    expect(done.workflow.output).toEqual({ deliveredTo: 'grace@example.com' });
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { waitFor } from './harness.js';

const EXAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../examples/express-app');
const TOKEN = 'test-token';

let child: ChildProcess | undefined;
let dir: string | undefined;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

describe('examples/express-app', () => {
  it('serves a workflow and, on SIGTERM, shuts down in order and exits 0 with the in-flight step checkpointed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'steadfast-express-app-'));
    const db = join(dir, 'app.db');
    const port = await freePort();
    const lines: string[] = [];
    child = spawn(process.execPath, ['server.mjs'], {
      cwd: EXAMPLE,
      env: { ...process.env, PORT: String(port), STEADFAST_DB: db, STEADFAST_ADMIN_TOKEN: TOKEN, DELIVER_MS: '1500', READINESS_GRACE_MS: '400' },
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
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child!.once('exit', (code, signal) => done({ code, signal })));
    const has = (text: string) => lines.findIndex((line) => line.includes(text));

    await waitFor(() => has('listening on') >= 0, 20_000, 'the app to listen');
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/steadfast/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/steadfast/api/workflows`)).status).toBe(401);

    const started = await fetch(`${base}/welcome`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', name: 'Ada' }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const shown = await fetch(`${base}/steadfast/api/workflows/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
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

// examples/nestjs-app end to end: built with its own tsconfig (emitDecoratorMetadata), run as a child
// process on a free port, driven over HTTP, then stopped with SIGTERM, which must drain and exit 0.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Runtime } from '@steadfast/core';
import { sqliteOptions, tempDir, waitFor } from './support/test-env.js';

const exampleDir = join(import.meta.dirname, '..', '..', '..', 'examples', 'nestjs-app');

beforeAll(() => {
  // The example's build script (tsc -p tsconfig.json); its dependencies are built by the repository build.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(exampleDir, 'tsconfig.json')], { stdio: 'pipe' });
}, 60_000);

let tmp: ReturnType<typeof tempDir>;
let child: ChildProcess | undefined;
beforeEach(() => (tmp = tempDir()));
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  tmp.cleanup();
});

/** Starts the built example on port 0 (the OS picks a free one) and resolves with its base URL. */
async function startExample(databaseFile: string): Promise<{ url: string; output: () => string }> {
  const proc = spawn(process.execPath, [join(exampleDir, 'dist', 'main.js')], {
    cwd: exampleDir,
    env: { ...process.env, PORT: '0', STEADFAST_DB: databaseFile, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let output = '';
  proc.stdout!.on('data', (chunk) => (output += chunk));
  proc.stderr!.on('data', (chunk) => (output += chunk));
  const url = await waitFor(
    () => {
      if (proc.exitCode !== null) throw new Error(`the example exited with code ${proc.exitCode}:\n${output}`);
      return /listening on (http:\/\/\S+)/.exec(output)?.[1];
    },
    20_000,
    'the example to listen',
  );
  return { url, output: () => output };
}

async function json(response: Response): Promise<{ status: number; body: any }> {
  return { status: response.status, body: await response.json() };
}

describe('examples/nestjs-app', () => {
  it('starts a checkout over HTTP, reports it completed, and exits 0 on SIGTERM', async () => {
    const databaseFile = tmp.file();
    const { url, output } = await startExample(databaseFile);
    const checkout = () => fetch(`${url}/orders/o-42/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cents: 1999 }) });

    const started = await json(await checkout());
    expect(started.status).toBe(202);
    expect(started.body.id).toBe('checkout-o-42');
    const done = await waitFor(
      async () => {
        const { status, body } = await json(await fetch(`${url}/workflows/${started.body.id}`));
        expect(status).toBe(200);
        expect(['pending', 'running', 'completed']).toContain(body.status);
        return body.status === 'completed' && body;
      },
      15_000,
      'the checkout workflow to complete',
    );
    expect(done).toMatchObject({ id: 'checkout-o-42', name: 'orders.checkout', output: { orderId: 'o-42', chargeId: expect.stringMatching(/^ch_/) } });
    // Starting the same order again returns the same workflow; it is not charged twice.
    expect((await json(await checkout())).body).toEqual({ id: 'checkout-o-42', status: 'completed' });
    expect(output().match(/charging 1999 cents for order o-42/g)).toHaveLength(1);
    expect((await fetch(`${url}/workflows/nope`)).status).toBe(404);

    // The next checkout is stopped mid-sleep: SIGTERM drains it, it stays resumable, and the process exits 0.
    const second = await json(await fetch(`${url}/orders/o-43/checkout`, { method: 'POST' }));
    expect(second.status).toBe(202);
    await waitFor(() => output().includes('charging 4200 cents for order o-43'), 10_000, 'the second charge');
    // Stopped mid-sleep: once the sleep's wake time is checkpointed (a SIGTERM before that would stop it at the
    // step boundary before the sleep, with nothing to keep).
    const watcher = new Runtime(sqliteOptions(databaseFile));
    try {
      await waitFor(async () => {
        const history = await (await watcher.getWorkflow('checkout-o-43')).history();
        return history.some((e) => e.type === 'step_completed' && e.data?.name === 'sleep');
      }, 10_000, 'the sleep to be checkpointed');
    } finally {
      await watcher.shutdown();
    }
    const exited = once(child!, 'exit');
    const stopAt = Date.now();
    child!.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const stopMs = Date.now() - stopAt;
    expect(stopMs).toBeLessThan(5_000);
    const client = new Runtime(sqliteOptions(databaseFile));
    try {
      const parked = await client.getWorkflow('checkout-o-43');
      expect(await parked.status()).toBe('sleeping'); // suspended with its wake time kept, not lost
      const steps = (await parked.history()).filter((e) => e.type === 'step_completed').map((e) => e.data?.name);
      expect(steps).toEqual(['orders.charge', 'sleep']);
    } finally {
      await client.shutdown();
    }

    // A restarted application finishes it without charging again.
    const restarted = await startExample(databaseFile);
    await waitFor(
      async () => (await json(await fetch(`${restarted.url}/workflows/checkout-o-43`))).body.status === 'completed',
      15_000,
      'the parked checkout to complete after the restart',
    );
    expect(restarted.output()).toContain('receipt for order o-43 sent');
    expect(restarted.output()).not.toContain('charging');
    child!.kill('SIGTERM');
    expect(await once(child!, 'exit')).toEqual([0, null]);
  });
});

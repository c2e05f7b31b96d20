import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '@steadfast/core';
import { startServer, type TestServer } from './harness.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function probe(path: '/readyz' | '/healthz'): Promise<{ status: number; body: { status: string; reason?: string } }> {
  const res = await fetch(server!.base + path);
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
}

/** The runtime with a `state` the test controls, as a core that reports its lifecycle would have. */
function withState(runtime: Runtime, state: { value: string }): Runtime {
  return Object.create(runtime, { state: { get: () => state.value } }) as Runtime;
}

const hasState = (runtime: Runtime) => typeof (runtime as { state?: unknown }).state === 'string';

describe('/healthz and /readyz', () => {
  it('/healthz is 200 whenever the process answers, even after shutdown, and needs no credentials', async () => {
    server = await startServer({ authorize: () => false }, { start: false });
    expect(await probe('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    await server.runtime.shutdown();
    expect((await probe('/healthz')).status).toBe(200);
  });

  it('with isReady: 503 before start, 200 once started, 503 as soon as shutdown begins', async () => {
    let phase = 'booting';
    server = await startServer({ authorize: () => false, isReady: () => phase === 'serving' }, { start: false });
    const before = await probe('/readyz');
    expect(before.status).toBe(503);
    expect(before.body.status).toBe('not ready');
    await server.runtime.start();
    phase = 'serving';
    expect(await probe('/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    phase = 'draining';
    expect((await probe('/readyz')).body.reason).toMatch(/isReady\(\) returned false/);
    // Even if the app forgot to flip its flag: once shutdown begins, the runtime refuses calls, and /readyz says so.
    phase = 'serving';
    const stopping = server.runtime.shutdown({ timeout: 1000 });
    const during = await probe('/readyz');
    expect(during.status).toBe(503);
    await stopping;
    expect((await probe('/readyz')).status).toBe(503);
  });

  it('feature-detects runtime.state: ready only while started', async () => {
    const state = { value: 'idle' };
    server = await startServer({ authorize: () => false }, { start: false, wrap: (runtime) => withState(runtime, state) });
    const idle = await probe('/readyz');
    expect(idle.status).toBe(503);
    expect(idle.body.reason).toBe('the runtime is idle, not started');
    state.value = 'starting';
    expect((await probe('/readyz')).status).toBe(503);
    state.value = 'started';
    expect((await probe('/readyz')).status).toBe(200);
    state.value = 'stopping';
    expect((await probe('/readyz')).body.reason).toBe('the runtime is stopping, not started');
  });

  it('requireStarted: false serves readiness for a client runtime (never started) from the storage check', async () => {
    const state = { value: 'idle' };
    server = await startServer({ authorize: () => false, requireStarted: false }, { start: false, wrap: (runtime) => withState(runtime, state) });
    expect((await probe('/readyz')).status).toBe(200);
  });

  it('answers 503 when isReady throws or storage does not answer in time', async () => {
    server = await startServer({
      authorize: () => false,
      isReady: () => {
        throw new Error('flag store down');
      },
    });
    expect((await probe('/readyz')).body.reason).toBe('isReady threw: flag store down');
    await server.close();
    const slow = { value: 'started' };
    server = await startServer(
      { authorize: () => false, readinessTimeoutMs: 50 },
      { wrap: (runtime) => Object.assign(withState(runtime, slow), { stats: () => new Promise(() => {}) }) },
    );
    const res = await probe('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.reason).toBe('storage check failed: storage did not answer within 50 ms');
  });

  it('with the real runtime.state (when core has it) and no isReady: 503 before start, 200 started, 503 after shutdown', async () => {
    server = await startServer({ authorize: () => false }, { start: false });
    if (!hasState(server.runtime)) {
      console.warn('\n*** SKIPPED: this @steadfast/core has no runtime.state; readiness before start needs the isReady option ***\n');
      return;
    }
    expect((await probe('/readyz')).status).toBe(503);
    await server.runtime.start();
    expect((await probe('/readyz')).status).toBe(200);
    const stopping = server.runtime.shutdown({ timeout: 1000 });
    expect((await probe('/readyz')).status).toBe(503);
    await stopping;
    expect((await probe('/readyz')).status).toBe(503);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { defineTask, defineWorkflow, Runtime, sleep, VersionMigrationRefusedError } from '../src/index.js';
import { createTestRuntime, MemoryAdapter, type TestEnvironment } from '../src/testing/index.js';

const envs: TestEnvironment[] = [];
afterEach(async () => {
  for (const env of envs.splice(0)) await env.shutdown();
});

const step = defineTask('vt.step', async (n: number) => n * 2);
const labelled = defineWorkflow('vt.labelled', async (n: number) => {
  const doubled = await step(n);
  await sleep('1h');
  return doubled;
}, { version: 'label-3' });

/** Log lines a runtime writes, as objects. */
function capture(): { logger: pino.Logger; lines: Array<{ msg: string; level: number }> } {
  const lines: Array<{ msg: string; level: number }> = [];
  return { lines, logger: pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) }) };
}

describe('version pinning', () => {
  it('stores the runtime\'s version on every run it starts, over the workflow\'s own label; unpinned runs keep the label', async () => {
    const pinned = await createTestRuntime({ items: [labelled, step], options: { version: 'r-42' } });
    envs.push(pinned);
    const handle = await pinned.runtime.startWorkflow(labelled, [1]);
    expect((await handle.info()).version).toBe('r-42');
    const plain = await createTestRuntime(labelled, step);
    envs.push(plain);
    expect((await (await plain.runtime.startWorkflow(labelled, [1])).info()).version).toBe('label-3');
  });

  it('checks version and serveVersions before anything starts', () => {
    const storage = new MemoryAdapter();
    expect(() => new Runtime({ storage, version: '' })).toThrow(/invalid version: it is empty/);
    expect(() => new Runtime({ storage, serveVersions: [] })).toThrow(/invalid serveVersions: expected a non-empty array/);
    expect(() => new Runtime({ storage, serveVersions: ['ok', 7 as never] })).toThrow(/invalid serveVersions\[1\]/);
  });

  it('a pinned worker leaves runs of other versions alone and warns about them once a minute', async () => {
    const { logger, lines } = capture();
    const env = await createTestRuntime({ items: [labelled, step], options: { version: 'v2', logger, heartbeatMs: 100, leaseMs: 1_000 } });
    envs.push(env);
    await env.runtime.client.storage.createWorkflow({
      id: 'old', name: 'vt.labelled', kind: 'workflow', version: 'v1', queue: 'default', priority: 0, args: '[1]', parentId: null, nextAt: env.clock.now(), deadlineAt: null, now: env.clock.now(),
    });
    await env.advance(0);
    expect(await (await env.runtime.getWorkflow('old')).status()).toBe('pending');
    expect((await env.runtime.stats()).stranded).toEqual([{ queue: 'default', version: 'v1', count: 1 }]);
    // Heartbeats run on real time (every 100 ms here); the warning's once-a-minute is the runtime's clock.
    for (let i = 0; i < 12; i++) {
      await env.advance('30s');
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const warnings = lines.filter((line) => /stranded by version/.test(line.msg));
    // Six virtual minutes: a warning at most every other heartbeat round, and at least a few.
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    expect(warnings.length).toBeLessThanOrEqual(7);
    expect(warnings[0]!.msg).toMatch(/1 unfinished run\(s\) are stranded by version: no live worker serves v1 on queue default \(1\)/);
  });
});

describe('fork, replay and migrateVersion through the runtime', () => {
  it('forks from a step, replays a run with an observer, and refuses a version move the code would not replay', async () => {
    const env = await createTestRuntime({ items: [labelled, step], options: { version: 'v1' }, autoAdvance: true });
    envs.push(env);
    const source = await env.runtime.startWorkflow(labelled, [5], { id: 'src' });
    expect(await source.result()).toBe(10);
    const fork = await env.runtime.fork('src', { fromStep: 1, id: 'src-2', version: null });
    expect(await fork.result()).toBe(10);
    expect((await fork.info()).version).toBeNull();
    expect((await fork.steps())[0]!.recordedAt).toEqual((await source.steps())[0]!.recordedAt);

    const seen: string[] = [];
    const replayed = await env.runtime.replay('src', [labelled, step], { onReplayed: (seq, recorded) => seen.push(`${seq}:${recorded.kind}:${recorded.name}`) });
    expect(replayed).toMatchObject({ ok: true, end: 'completed', replayedSteps: 2 });
    expect(seen).toEqual(['0:task:vt.step', '1:sleep:sleep']);

    await env.runtime.startWorkflow(labelled, [7], { id: 'mid' });
    await env.advance(0);
    const changed = defineWorkflow('vt.labelled', async (n: number) => step(n + 1));
    const refused = await env.runtime.migrateVersion({ ids: ['mid'], to: 'v2', workflows: [changed] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VersionMigrationRefusedError);
    expect((refused as VersionMigrationRefusedError).refusals).toEqual([{ id: 'mid', message: expect.stringMatching(/^step 0 task vt\.step was recorded with arguments \[7\], but the code now passes \[8\]/) }]);
    expect((await (await env.runtime.getWorkflow('mid')).info()).version).toBe('v1');
    const result = await env.runtime.migrateVersion({ version: 'v1', to: 'v2', workflows: [labelled] });
    expect(result.moved).toEqual(['mid']);
    await expect(env.runtime.migrateVersion({ to: 'v2', workflows: [labelled] })).rejects.toThrow(/needs ids, or a filter/);
    await expect(env.runtime.migrateVersion({ ids: ['mid'], to: 'v2', workflows: [] })).rejects.toThrow(/needs the workflows of the new version/);
    await expect(env.runtime.fork('src', { fromStep: 3 })).rejects.toThrow(/has checkpoints up to step 1 only/);
  });
});

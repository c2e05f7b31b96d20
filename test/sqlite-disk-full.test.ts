// A full disk is the storage's trouble, not a task's: on SQLite a transactional step whose commit finds the
// disk full is run again once there is room (no attempt used, no failed workflow), as an unreachable
// PostgreSQL is waited out. Found by the soak: SQLITE_FULL failed the step for good and the workflow with it.
import { closeSync, fstatSync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { defineTransaction, defineWorkflow, Runtime, taskContext } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { mountTmpfs } from '../soak/lib/tmpfs.mjs';
import { notRoot, requirement } from './support/requirements.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Fills the file system of `dir` to ENOSPC, then gives `leaveBytes` back; returns the function that frees it. */
function fill(dir: string, leaveBytes: number): () => void {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  for (const size of [1 << 20, 4096, 64]) {
    for (;;) {
      try {
        writeSync(fd, Buffer.alloc(size, 1));
      } catch {
        break;
      }
    }
  }
  ftruncateSync(fd, fstatSync(fd).size - leaveBytes);
  closeSync(fd);
  return () => rmSync(file, { force: true });
}

describe.skipIf(!requirement('SQLite full-disk tests (a tmpfs of their own)', notRoot()))('SQLite on a full disk', () => {
  it('runs a transactional step again once there is room, without using an attempt or failing the workflow', async () => {
    const disk = mountTmpfs(4);
    cleanups.push(() => disk.unmount());
    const storeBlob = defineTransaction('full.store', async (kb: number) => {
      const trx = taskContext().trx;
      await trx.raw('CREATE TABLE IF NOT EXISTS blobs (b BLOB)');
      if (kb > 1) await new Promise((resolve) => setTimeout(resolve, 500)); // the disk fills meanwhile
      await trx('blobs').insert({ b: Buffer.alloc(kb * 1024, 7) });
      return `stored ${kb} KiB`;
    });
    const flow = defineWorkflow('full.flow', async (kb: number) => storeBlob(kb));
    const runtime = new Runtime({ storage: new SqliteAdapter({ filename: join(disk.dir, 'db.sqlite') }), logger: pino({ level: 'silent' }), pollIntervalMs: 100 });
    cleanups.push(() => runtime.shutdown({ timeout: 0 }));
    runtime.register(flow, storeBlob);
    await runtime.start();
    expect(await (await runtime.startWorkflow(flow, [1])).result()).toBe('stored 1 KiB');

    const handle = await runtime.startWorkflow(flow, [256], { id: 'big' });
    await new Promise((resolve) => setTimeout(resolve, 200)); // its transaction is open, its body waiting
    const free = fill(disk.dir, 64 * 1024); // room for small writes, not for the 256 KiB
    cleanups.push(free);
    const whileFull = await Promise.race([
      handle.result().then((value) => `settled: ${String(value)}`, (error: Error) => `failed: ${error.message}`),
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 2_500)),
    ]);
    expect(whileFull).toBe('waiting');
    expect((await handle.info()).status).toBe('running');
    free();
    expect(await handle.result()).toBe('stored 256 KiB');
    const info = await handle.info();
    expect(info.status).toBe('completed');
    const steps = (await handle.history()).filter((e) => e.type === 'step_completed' || e.type === 'step_failed' || e.type === 'retry_scheduled');
    expect(steps.map((e) => [e.type, e.data?.attempts])).toEqual([['step_completed', 1]]);
  }, 30_000);
});

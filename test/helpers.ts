import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { pino, type Logger } from 'pino';
import { Runtime, type RuntimeOptions } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';

/** A fresh directory for one test's database files, removed by the returned cleanup. */
export function tempDir(): { dir: string; file: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-test-'));
  return { dir, file: (name = 'test.db') => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A logger that records every entry, for asserting what was logged. */
export function memoryLogger(): { logger: Logger; entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => entries.push(JSON.parse(line)) });
  return { logger, entries };
}

/** A runtime on a SQLite file with fast timings for tests. */
export function sqliteRuntime(filename: string, options: Partial<RuntimeOptions> = {}): Runtime {
  return new Runtime({
    storage: new SqliteAdapter({ filename, synchronous: 'NORMAL' }),
    logger: pino({ level: 'silent' }),
    leaseMs: 3_000,
    heartbeatMs: 1_000,
    pollIntervalMs: 50,
    ...options,
  });
}

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Registers per-test set-up in the calling file: a fresh temp dir, and `runtime(options)` making runtimes on
 * one SQLite file in it (the same file for every runtime of a test, as processes sharing a database), shut
 * down and removed after each test.
 */
export function useSqliteRuntimes(defaults: Partial<RuntimeOptions> = {}): { runtime(options?: Partial<RuntimeOptions>): Runtime; file(): string } {
  let tmp: ReturnType<typeof tempDir>;
  const runtimes: Runtime[] = [];
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    for (const r of runtimes.splice(0)) await r.shutdown({ timeout: 1_000 }).catch(() => {});
    tmp.cleanup();
  });
  return {
    runtime(options = {}) {
      const r = sqliteRuntime(tmp.file(), { ...defaults, ...options });
      runtimes.push(r);
      return r;
    },
    file: () => tmp.file(),
  };
}

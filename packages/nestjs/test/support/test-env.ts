import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { pino } from 'pino';
import type { RuntimeOptions } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';

/**
 * Compiles test/fixtures/<name>.ts with the TypeScript compiler, with the options applications use for
 * NestJS (experimentalDecorators, emitDecoratorMetadata), and imports it. vitest's transform lowers legacy
 * decorators but emits no decorator metadata, so Nest could not inject constructor parameters by type in
 * classes it compiles; compiled here, the fixtures exercise the module exactly as an application does.
 */
export async function loadFixture<T>(name: string): Promise<T> {
  const fixtures = join(import.meta.dirname, '..', 'fixtures');
  const { outputText, diagnostics } = ts.transpileModule(readFileSync(join(fixtures, `${name}.ts`), 'utf8'), {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
    reportDiagnostics: true,
  });
  if (diagnostics?.length) throw new Error(ts.formatDiagnostics(diagnostics, ts.createCompilerHost({})));
  // Written beside the fixture so its imports resolve from the workspace.
  const file = join(fixtures, `.${name}-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, outputText);
  try {
    return (await import(file)) as T;
  } finally {
    rmSync(file, { force: true });
  }
}

/** A fresh directory for one test's database files, removed by the returned cleanup. */
export function tempDir(): { file: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-nestjs-'));
  return { file: (name = 'test.db') => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `check` until it returns a truthy value (which it resolves with), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runtime options for tests: a SQLite file, no log output, short leases and polls. */
export function sqliteOptions(filename: string): RuntimeOptions {
  return {
    storage: new SqliteAdapter({ filename, synchronous: 'NORMAL' }),
    logger: pino({ level: 'silent' }),
    leaseMs: 3_000,
    heartbeatMs: 1_000,
    pollIntervalMs: 50,
  };
}

// @workflow()/@task() under TC39 standard decorators: the fixture is compiled here by the TypeScript
// compiler with experimentalDecorators off (vitest's own transform only lowers legacy decorators).
// test/lifecycle.test.ts covers the legacy ones.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Runtime } from '@steadfast/core';
import { entryMeta } from '@steadfast/core/integration';
import { sqliteRuntime, tempDir, waitFor } from './helpers.js';

interface ShippingModule {
  Shipping: new () => { labels: number; ship(orderId: string): Promise<string>; printLabel(orderId: string): Promise<string> };
  defineBadClass(): unknown;
}

let fixture: ShippingModule;
beforeAll(async () => {
  const source = readFileSync(join(import.meta.dirname, 'fixtures/standard-decorated.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, experimentalDecorators: false },
  });
  // Written beside the fixture so '@steadfast/core' resolves from the workspace.
  const file = join(import.meta.dirname, 'fixtures', `.standard-decorated-${process.pid}.mjs`);
  writeFileSync(file, outputText);
  try {
    fixture = (await import(file)) as ShippingModule;
  } finally {
    (await import('node:fs')).rmSync(file, { force: true });
  }
});

let tmp: ReturnType<typeof tempDir>;
const runtimes: Runtime[] = [];
beforeEach(() => (tmp = tempDir()));
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.shutdown({ timeout: 1_000 }).catch(() => {});
  tmp.cleanup();
});

describe('TC39 standard decorators', () => {
  it('are really compiled as standard decorators', () => {
    // A legacy decorator stores reflect-metadata on the prototype; a standard one cannot.
    expect(Reflect.getMetadata(Symbol.for('steadfast:task'), fixture.Shipping.prototype, 'printLabel')).toBeUndefined();
    expect(entryMeta(fixture.Shipping.prototype.printLabel)?.kind).toBe('task');
  });

  it('register, retry, suspend and replay like legacy decorators, with the default Class.method name', async () => {
    const shipping = new fixture.Shipping();
    expect(entryMeta(fixture.Shipping.prototype.printLabel)?.name).toBe('Shipping.printLabel');
    const first = sqliteRuntime(tmp.file(), { inMemoryWaitMs: 0 }).register(shipping);
    runtimes.push(first);
    await first.start();
    await first.startWorkflow(fixture.Shipping.prototype.ship, ['o-7'], { id: 'ship-1' });
    await waitFor(async () => (await (await first.getWorkflow('ship-1')).status()) === 'sleeping', 5_000, 'parked');
    await first.shutdown();
    expect(shipping.labels).toBe(1);

    const second = sqliteRuntime(tmp.file(), { inMemoryWaitMs: 0 }).register(shipping);
    runtimes.push(second);
    await second.start();
    expect(await (await second.getWorkflow('ship-1')).result()).toBe('label-o-7 shipped');
    expect(shipping.labels).toBe(1); // replayed, not printed again
    const history = await (await second.getWorkflow('ship-1')).history();
    expect(history.filter((e) => e.type === 'retry_scheduled')).toHaveLength(1);
    expect(history.find((e) => e.type === 'step_completed')?.data).toMatchObject({ name: 'Shipping.printLabel', attempts: 2 });
    // Calling the workflow method directly starts it on its runtime and awaits it.
    expect(await shipping.ship('o-8')).toBe('label-o-8 shipped');
  });

  it('validate options when the class is defined', () => {
    expect(() => fixture.defineBadClass()).toThrow('invalid retries for task <class>.t: -2');
  });
});

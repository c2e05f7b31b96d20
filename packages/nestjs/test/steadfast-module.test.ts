// SteadfastModule in a Nest application context: discovery, injection, lifecycle. The Nest classes live in
// fixtures/checkout-app.ts, compiled by the TypeScript compiler with emitDecoratorMetadata (see
// support/test-env.ts), so constructor injection by type works as in an application.
import type { INestApplicationContext, ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Runtime } from '@steadfast/core';
import { SteadfastModule } from '@steadfast/nestjs';
import { loadFixture, sqliteOptions, tempDir, waitFor } from './support/test-env.js';

type CheckoutApp = typeof import('./fixtures/checkout-app.js');
let app: CheckoutApp;
beforeAll(async () => {
  app = await loadFixture<CheckoutApp>('checkout-app');
});

let tmp: ReturnType<typeof tempDir>;
const opened: INestApplicationContext[] = [];
const clients: Runtime[] = [];
beforeEach(() => (tmp = tempDir()));
afterEach(async () => {
  for (const context of opened.splice(0)) await context.close().catch(() => {});
  for (const client of clients.splice(0)) await client.shutdown().catch(() => {});
  tmp.cleanup();
});

async function compile(metadata: ModuleMetadata): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  opened.push(moduleRef);
  return moduleRef;
}

/** Compiles and initializes (onModuleInit, onApplicationBootstrap), as `app.listen()` or `app.init()` would. */
async function boot(metadata: ModuleMetadata): Promise<TestingModule> {
  return (await compile(metadata)).init();
}

/** A runtime that is never started, to look at the database between applications. */
function client(file: string): Runtime {
  const runtime = new Runtime(sqliteOptions(file));
  clients.push(runtime);
  return runtime;
}

describe('SteadfastModule.forRoot', () => {
  it('runs a workflow on a provider whose tasks use its injected services', async () => {
    const m = await boot({
      imports: [SteadfastModule.forRoot(sqliteOptions(tmp.file()))],
      providers: [app.PaymentsService, app.Journal, app.Checkout],
    });
    const runtime = m.get(Runtime);
    const checkout = m.get(app.Checkout);
    const handle = await runtime.startWorkflow(checkout.checkout, ['o-1', 4200], { id: 'checkout-o-1' });
    expect(await handle.result()).toEqual({ chargeId: 'ch_o-1_1', receipt: 'receipt-o-1' });
    expect(m.get(app.PaymentsService).charges).toEqual(['o-1:4200']);
    expect(m.get(app.Journal).entries).toEqual(['receipt o-1 ch_o-1_1']);
    const steps = (await handle.history()).filter((e) => e.type === 'step_completed').map((e) => e.data?.name);
    expect(steps).toEqual(['Checkout.charge', 'Checkout.receipt']);
    // Calling the workflow method directly starts it on the module's runtime and awaits it.
    expect(await checkout.checkout('o-2', 100)).toEqual({ chargeId: 'ch_o-2_2', receipt: 'receipt-o-2' });
  });

  it('registers inherited decorated methods and defineWorkflow functions provided as values', async () => {
    const m = await boot({
      imports: [SteadfastModule.forRoot(sqliteOptions(tmp.file()))],
      providers: [app.Greeter, { provide: 'GREETER_ALIAS', useExisting: app.Greeter }, { provide: app.DOUBLE, useValue: app.double }, app.Doubler],
    });
    const runtime = m.get(Runtime);
    expect(await (await runtime.startWorkflow(m.get(app.Greeter).greet, ['ada'])).result()).toBe('hello ada');
    expect(await (await runtime.startWorkflow(m.get(app.Doubler).fn, [21])).result()).toBe(42);
  });

  it('injects the runtime by type and with @InjectRuntime(), in feature modules that do not import it', async () => {
    const m = await boot({ imports: [SteadfastModule.forRoot(sqliteOptions(tmp.file())), app.FeatureModule] });
    const runtime = m.get(Runtime);
    expect(runtime).toBeInstanceOf(Runtime);
    const consumers = m.get(app.RuntimeConsumers);
    expect(consumers.byType).toBe(runtime);
    expect(consumers.byDecorator).toBe(runtime);
  });

  it('with isGlobal: false, only modules that import it get the runtime', async () => {
    const error = await compile({ imports: [SteadfastModule.forRoot({ ...sqliteOptions(tmp.file()), isGlobal: false }), app.FeatureModule] }).catch((e) => e);
    expect(error.message).toContain("Nest can't resolve dependencies of the RuntimeConsumers");
  });

  it('on close, lets the in-flight task finish and parks its workflow, which the next application resumes', async () => {
    const file = tmp.file();
    const providers = [app.Journal, app.Shipping];
    const first = await boot({ imports: [SteadfastModule.forRoot({ ...sqliteOptions(file), shutdownTimeoutMs: 5_000 })], providers });
    const runtime = first.get(Runtime);
    const journal = first.get(app.Journal);
    await runtime.startWorkflow(first.get(app.Shipping).ship, ['o-9'], { id: 'ship-o-9' });
    await waitFor(() => journal.entries.includes('pack start o-9'), 5_000, 'the slow task to start');
    await first.close();
    expect(journal.entries).toEqual(['pack start o-9', 'pack end o-9']); // finished, and nothing new began
    await expect(runtime.getWorkflow('ship-o-9')).rejects.toThrow('this runtime was shut down'); // storage closed

    const parked = await client(file).getWorkflow('ship-o-9');
    const info = await parked.info();
    expect(info.status).toBe('sleeping'); // suspended, due at once, no lease held: not lost
    expect(info.nextAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await parked.history()).filter((e) => e.type === 'step_completed').map((e) => e.data?.name)).toEqual(['Shipping.pack']);

    const second = await boot({ imports: [SteadfastModule.forRoot(sqliteOptions(file))], providers });
    expect(await (await second.get(Runtime).getWorkflow('ship-o-9')).result()).toBe('parcel-o-9 dispatched');
    expect(second.get(app.Journal).entries).toEqual(['dispatch parcel-o-9']); // the packed parcel was replayed, not packed again
  });

  it('with worker: false is a client: it starts workflows that a worker application executes', async () => {
    const file = tmp.file();
    const api = await boot({ imports: [SteadfastModule.forRoot({ ...sqliteOptions(file), worker: false })], providers: [app.Greeter] });
    const handle = await api.get(Runtime).startWorkflow(api.get(app.Greeter).greet, ['grace'], { id: 'greet-1' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await handle.status()).toBe('pending');
    await boot({ imports: [SteadfastModule.forRoot(sqliteOptions(file))], providers: [app.Greeter] });
    expect(await handle.result()).toBe('hello grace');
  });

  it('names the provider when its workflow names collide', async () => {
    const modules = [class GreetersA {}, class GreetersB {}].map((module) => ({ module, providers: [app.Greeter] }));
    const m = await compile({ imports: [SteadfastModule.forRoot(sqliteOptions(tmp.file())), ...modules] });
    await expect(m.init()).rejects.toThrow(
      'SteadfastModule could not register provider Greeter (in module GreetersB): a workflow named "greeter.greet" is already registered; names must be unique',
    );
  });

  it('refuses invalid options when the module is created', async () => {
    const options = sqliteOptions(tmp.file());
    await expect(compile({ imports: [SteadfastModule.forRoot({ ...options, shutdownTimeoutMs: -1 })] })).rejects.toThrow(
      'SteadfastModule: invalid shutdownTimeoutMs -1 (expected a whole number of milliseconds from 0 to 86400000)',
    );
    await expect(compile({ imports: [SteadfastModule.forRoot({ ...options, concurency: 2 } as never)] })).rejects.toThrow(
      'unknown Runtime option "concurency"',
    );
    expect(() => SteadfastModule.forRootAsync({} as never)).toThrow('options.useFactory must be a function');
  });
});

describe('SteadfastModule.forRootAsync', () => {
  function configured(values: Record<string, unknown>) {
    return SteadfastModule.forRootAsync({
      imports: [app.AppConfigModule.register(values)],
      inject: [app.AppConfig],
      useFactory: async (config: InstanceType<CheckoutApp['AppConfig']>) => ({
        ...sqliteOptions(config.get<string>('databaseFile')),
        concurrency: config.get<number>('concurrency'),
        shutdownTimeoutMs: config.get<number>('shutdownTimeoutMs'),
      }),
    });
  }

  it('builds the runtime from a configuration provider', async () => {
    const m = await boot({
      imports: [configured({ databaseFile: tmp.file('configured.db'), concurrency: 2, shutdownTimeoutMs: 1_000 })],
      providers: [app.PaymentsService, app.Journal, app.Checkout],
    });
    const handle = await m.get(Runtime).startWorkflow(m.get(app.Checkout).checkout, ['o-3', 300]);
    expect((await handle.result()).chargeId).toBe('ch_o-3_1');
    expect(await client(tmp.file('configured.db')).listWorkflows()).toHaveLength(1);
  });

  it('applies shutdownTimeoutMs: a task still running at the deadline is given up and its lease released', async () => {
    const file = tmp.file();
    const m = await boot({ imports: [configured({ databaseFile: file, concurrency: 1, shutdownTimeoutMs: 100 })], providers: [app.Journal, app.Shipping] });
    const journal = m.get(app.Journal);
    app.Shipping.packMs = 5_000;
    try {
      await m.get(Runtime).startWorkflow(m.get(app.Shipping).ship, ['o-4'], { id: 'ship-o-4' });
      await waitFor(() => journal.entries.includes('pack start o-4'), 5_000, 'the slow task to start');
      await m.close();
      expect(journal.entries).toEqual(['pack start o-4', 'pack aborted o-4']); // the default 10 s would have let it end
    } finally {
      app.Shipping.packMs = 400;
    }
    const handle = await client(file).getWorkflow('ship-o-4');
    expect(await handle.status()).toBe('pending');
    expect((await handle.history()).map((e) => e.type)).toContain('released');
  });
});

// Workflows and tasks need one long-lived provider instance: request-scoped and transient providers with
// decorated methods are refused at startup, naming the provider. Fixtures compiled as in steadfast-module.test.ts.
import { Test } from '@nestjs/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Runtime } from '@steadfast/core';
import { SteadfastModule } from '@steadfast/nestjs';
import { loadFixture, sqliteOptions, tempDir } from './support/test-env.js';

type ScopedProviders = typeof import('./fixtures/scoped-providers.js');
let scoped: ScopedProviders;
beforeAll(async () => {
  scoped = await loadFixture<ScopedProviders>('scoped-providers');
});

let tmp: ReturnType<typeof tempDir>;
const closers: Array<() => Promise<void>> = [];
beforeEach(() => (tmp = tempDir()));
afterEach(async () => {
  for (const close of closers.splice(0)) await close().catch(() => {});
  tmp.cleanup();
});

async function init(providers: Array<ScopedProviders[keyof ScopedProviders]>): Promise<unknown> {
  const moduleRef = await Test.createTestingModule({ imports: [SteadfastModule.forRoot(sqliteOptions(tmp.file()))], providers }).compile();
  closers.push(() => moduleRef.close());
  return moduleRef.init().then(
    () => moduleRef,
    (error: unknown) => error,
  );
}

describe('scoped providers', () => {
  it('refuses a request-scoped provider with a workflow, naming it', async () => {
    const error = (await init([scoped.RequestScopedCheckout])) as Error;
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe(
      'SteadfastModule cannot register provider RequestScopedCheckout (in module RootTestModule): it has @workflow()/@task() ' +
        'methods but is request-scoped (Scope.REQUEST, or it depends on a request-scoped provider): its instances live for one request, ' +
        'while workflows and tasks run outside any request, after restarts and on other workers. Make it a singleton ' +
        '(the default scope, with no request-scoped dependencies) and pass request data as workflow arguments.',
    );
  });

  it('refuses a provider that is request-scoped through a dependency', async () => {
    const error = (await init([scoped.RequestContext, scoped.ImplicitlyScopedTasks])) as Error;
    expect(error.message).toMatch(/^SteadfastModule cannot register provider ImplicitlyScopedTasks \(in module RootTestModule\): .* is request-scoped/);
  });

  it('refuses a transient provider with a task', async () => {
    const error = (await init([scoped.TransientTasks])) as Error;
    expect(error.message).toMatch(/^SteadfastModule cannot register provider TransientTasks .* is transient \(Scope.TRANSIENT\): every consumer gets its own instance/);
  });

  it('leaves request-scoped providers without workflows or tasks alone', async () => {
    const moduleRef = await init([scoped.PlainRequestScoped, scoped.RequestContext]);
    expect(moduleRef).not.toBeInstanceOf(Error);
    expect((moduleRef as { get(token: unknown): unknown }).get(Runtime)).toBeInstanceOf(Runtime);
  });
});

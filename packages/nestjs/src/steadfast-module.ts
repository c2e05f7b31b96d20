import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Runtime, ValidationError } from '@steadfast/core';
import { RuntimeLifecycle } from './runtime-lifecycle.js';
import {
  MODULE_ONLY_KEYS,
  STEADFAST_MODULE_OPTIONS,
  type SteadfastModuleAsyncOptions,
  type SteadfastModuleExtras,
  type SteadfastModuleOptions,
} from './steadfast-module-options.js';
import { WorkflowExplorer } from './workflow-explorer.js';

/**
 * Provides a Steadfast `Runtime` to a NestJS application: providers with `@workflow()`/`@task()` methods
 * are registered at module init, the worker starts on application bootstrap and drains on shutdown.
 * Import it once per application (it is global by default). Call `app.enableShutdownHooks()` so that
 * SIGTERM/SIGINT run the drain; `app.close()` runs it too.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [SteadfastModule.forRoot({ storage: new SqliteAdapter({ filename: 'steadfast.db' }) })],
 *   providers: [PaymentsService, Checkout],   // Checkout has @workflow()/@task() methods
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class SteadfastModule {
  /** The module with options known up front. */
  static forRoot(options: SteadfastModuleOptions & SteadfastModuleExtras): DynamicModule {
    const { isGlobal, ...moduleOptions } = options ?? ({} as SteadfastModuleOptions);
    return build({ provide: STEADFAST_MODULE_OPTIONS, useValue: moduleOptions }, [], isGlobal);
  }

  /**
   * The module with options built by a factory, e.g. from configuration.
   *
   * @example
   * ```ts
   * SteadfastModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ storage: new PostgresAdapter({ connection: config.get('DATABASE_URL') }) }),
   * })
   * ```
   */
  static forRootAsync(options: SteadfastModuleAsyncOptions): DynamicModule {
    if (typeof options?.useFactory !== 'function') {
      throw new ValidationError('SteadfastModule.forRootAsync(options): options.useFactory must be a function returning the module options');
    }
    const provider: Provider = { provide: STEADFAST_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] };
    return build(provider, options.imports ?? [], options.isGlobal);
  }
}

function build(optionsProvider: Provider, imports: NonNullable<DynamicModule['imports']>, isGlobal = true): DynamicModule {
  return {
    module: SteadfastModule,
    global: isGlobal,
    imports: [...imports, DiscoveryModule],
    providers: [
      optionsProvider,
      { provide: Runtime, useFactory: createRuntime, inject: [STEADFAST_MODULE_OPTIONS] },
      WorkflowExplorer,
      RuntimeLifecycle,
    ],
    exports: [Runtime],
  };
}

function createRuntime(options: SteadfastModuleOptions): Runtime {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('SteadfastModule: the options must be an object with at least { storage }');
  }
  const { shutdownTimeoutMs, worker } = options;
  if (shutdownTimeoutMs !== undefined && (!Number.isInteger(shutdownTimeoutMs) || shutdownTimeoutMs < 0 || shutdownTimeoutMs > 86_400_000)) {
    throw new ValidationError(`SteadfastModule: invalid shutdownTimeoutMs ${String(shutdownTimeoutMs)} (expected a whole number of milliseconds from 0 to 86400000)`);
  }
  if (worker !== undefined && typeof worker !== 'boolean') {
    throw new ValidationError(`SteadfastModule: invalid worker ${String(worker)} (expected true or false)`);
  }
  const runtimeOptions: Record<string, unknown> = { ...options };
  for (const key of MODULE_ONLY_KEYS) delete runtimeOptions[key];
  return new Runtime(runtimeOptions as unknown as SteadfastModuleOptions);
}

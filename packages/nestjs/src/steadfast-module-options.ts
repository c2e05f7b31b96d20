import type { ModuleMetadata } from '@nestjs/common';
import type { RuntimeOptions } from '@steadfast/core';

/**
 * Options of `SteadfastModule.forRoot(...)`: every `new Runtime(...)` option (see `RuntimeOptions` in
 * `@steadfast/core`, each documented with its default) plus the module's own below.
 */
export interface SteadfastModuleOptions extends RuntimeOptions {
  /**
   * How long `beforeApplicationShutdown` lets in-flight steps finish before their leases are released
   * anyway (passed to `runtime.shutdown({ timeout })`). Default 10 000 ms.
   */
  shutdownTimeoutMs?: number;
  /**
   * Whether this application executes workflows. `false` makes the runtime a client: it starts, enqueues,
   * signals and inspects workflows that separate worker processes execute (an API process). Default `true`.
   */
  worker?: boolean;
}

/** What `forRoot` takes besides the runtime: module-level settings that are not passed to the factory. */
export interface SteadfastModuleExtras {
  /**
   * Register the module globally, so feature modules inject the `Runtime` without importing it. Default
   * `true`, like `TypeOrmModule.forRoot` and `BullModule.forRoot`: one runtime per application.
   */
  isGlobal?: boolean;
}

/** Options of `SteadfastModule.forRootAsync(...)`. */
export interface SteadfastModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'>, SteadfastModuleExtras {
  /** Builds the options, e.g. from a configuration service; may be async. */
  useFactory: (...args: any[]) => SteadfastModuleOptions | Promise<SteadfastModuleOptions>;
  /** Providers passed to `useFactory`, in order. Default none. */
  inject?: Array<string | symbol | Function | { token: string | symbol | Function; optional: boolean }>;
}

/** Injection token of the resolved {@link SteadfastModuleOptions} (internal to the module). */
export const STEADFAST_MODULE_OPTIONS = Symbol.for('steadfast:nestjs:module-options');

/** The options the module itself reads; the rest are the runtime's. */
export const MODULE_ONLY_KEYS = ['shutdownTimeoutMs', 'worker'] as const;

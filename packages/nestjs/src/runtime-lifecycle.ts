import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Runtime } from '@steadfast/core';
import { STEADFAST_MODULE_OPTIONS, type SteadfastModuleOptions } from './steadfast-module-options.js';

/**
 * Ties the runtime to the application's lifecycle: the worker starts once every module is initialized
 * (so every provider is registered), and stops before the application shuts down.
 *
 * Nest calls `onModuleDestroy` of every provider before any `beforeApplicationShutdown`: services that
 * tasks use should release their connections in `onApplicationShutdown`, after the drain.
 */
@Injectable()
export class RuntimeLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(Runtime) private readonly runtime: Runtime,
    @Inject(STEADFAST_MODULE_OPTIONS) private readonly options: SteadfastModuleOptions,
  ) {}

  /** Migrates the storage and begins claiming, unless the module is a client (`worker: false`). */
  async onApplicationBootstrap(): Promise<void> {
    if (this.options.worker !== false) await this.runtime.start();
  }

  /** Stops claiming, lets in-flight steps finish within `shutdownTimeoutMs`, releases leases, closes the storage. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime.shutdown({ timeout: this.options.shutdownTimeoutMs });
  }

  /** The drain above closed the storage; awaiting the same idempotent shutdown guarantees it whichever hooks ran. */
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.shutdown({ timeout: this.options.shutdownTimeoutMs });
  }
}

import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { Runtime, ValidationError } from '@steadfast/core';
import { entryMeta, TASK_METADATA, WORKFLOW_METADATA } from '@steadfast/core/integration';

/**
 * Finds the providers (and controllers) whose classes have `@workflow()`/`@task()` methods and registers
 * their instances with the runtime, so a task runs with `this` being the provider Nest built, dependencies
 * injected. Runs in `onModuleInit`, before any `onApplicationBootstrap` starts the worker.
 */
@Injectable()
export class WorkflowExplorer implements OnModuleInit {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Runtime) private readonly runtime: Runtime,
  ) {}

  onModuleInit(): void {
    const seen = new Set<unknown>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      // An alias (useExisting) or a provider exported twice yields the same instance again.
      if (seen.has(instance)) continue;
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
        this.refuseIfDecorated(wrapper);
        continue;
      }
      if (instance === null || instance === undefined) continue;
      // A defineWorkflow/defineTask function provided as a value is registered like an instance.
      const decorated = entryMeta(instance) !== undefined || (typeof instance === 'object' && this.hasDecoratedMethods(Object.getPrototypeOf(instance)));
      if (!decorated) continue;
      seen.add(instance);
      try {
        this.runtime.register(instance as object);
      } catch (error) {
        throw new ValidationError(`SteadfastModule could not register provider ${describeProvider(wrapper)}: ${(error as Error).message}`, { cause: error });
      }
    }
  }

  /** True if a method on the prototype chain carries workflow or task metadata (legacy or standard decorators). */
  private hasDecoratedMethods(prototype: object | null): boolean {
    if (!prototype || prototype === Object.prototype) return false;
    return this.scanner.getAllMethodNames(prototype).some(
      (name) =>
        Reflect.getMetadata(WORKFLOW_METADATA, prototype, name) !== undefined ||
        Reflect.getMetadata(TASK_METADATA, prototype, name) !== undefined ||
        entryMeta((prototype as Record<string, unknown>)[name]) !== undefined,
    );
  }

  /**
   * A request-scoped or transient provider has no single instance to run workflows with (a workflow runs
   * outside any request, possibly in another process), so one with decorated methods is refused at startup.
   */
  private refuseIfDecorated(wrapper: InstanceWrapper): void {
    const instance: unknown = wrapper.instance;
    const prototypes = [
      typeof wrapper.metatype === 'function' && !wrapper.inject ? wrapper.metatype.prototype : undefined,
      typeof instance === 'object' && instance !== null ? Object.getPrototypeOf(instance) : undefined,
    ];
    if (!prototypes.some((prototype) => this.hasDecoratedMethods(prototype ?? null))) return;
    const scope = wrapper.isTransient
      ? 'transient (Scope.TRANSIENT): every consumer gets its own instance'
      : 'request-scoped (Scope.REQUEST, or it depends on a request-scoped provider): its instances live for one request';
    throw new ValidationError(
      `SteadfastModule cannot register provider ${describeProvider(wrapper)}: it has @workflow()/@task() methods but is ${scope}, ` +
        'while workflows and tasks run outside any request, after restarts and on other workers. Make it a singleton ' +
        '(the default scope, with no request-scoped dependencies) and pass request data as workflow arguments.',
    );
  }
}

function describeProvider(wrapper: InstanceWrapper): string {
  const name = typeof wrapper.token === 'function' ? wrapper.token.name : String(wrapper.name ?? wrapper.token);
  const host = wrapper.host?.name;
  return host ? `${name} (in module ${host})` : name;
}

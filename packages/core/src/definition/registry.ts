import 'reflect-metadata';
import { ValidationError } from '../foundation/errors.js';
import { describe } from '../foundation/names.js';
import { entryMeta, TASK_METADATA, WORKFLOW_METADATA, type StepMeta } from './step-meta.js';

/** A registered workflow or task: its metadata and the `this` its method runs with. */
export interface Registration {
  readonly meta: StepMeta;
  readonly target: unknown;
}

/** Workflow and task names known to one runtime, each bound to the `this` it runs with. */
export class Registry {
  private readonly entries = new Map<string, Registration>();

  /** Adds all or nothing: a name taken by another implementation refuses the whole call. */
  add(registrations: Registration[]): void {
    const seen = new Map(this.entries);
    for (const { meta, target } of registrations) {
      const existing = seen.get(meta.name);
      if (existing && (existing.meta.method !== meta.method || existing.target !== target)) {
        throw new ValidationError(
          `a ${existing.meta.kind} named ${JSON.stringify(meta.name)} is already registered; names must be unique (give one of them another name with the name option)`,
        );
      }
      seen.set(meta.name, { meta, target });
    }
    for (const registration of registrations) this.entries.set(registration.meta.name, registration);
  }

  get(name: string): Registration | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * What `register(...items)` registers: class instances with decorated methods (bound to the instance), or
   * `defineWorkflow`/`defineTask` functions. Anything else is refused, naming it.
   */
  static registrationsOf(items: readonly object[]): Registration[] {
    const registrations: Registration[] = [];
    for (const item of items) {
      const meta = entryMeta(item);
      if (meta) {
        registrations.push({ meta, target: undefined });
      } else if (typeof item === 'object' && item !== null) {
        const metas = Registry.decoratedMethods(item);
        if (metas.length === 0) throw new ValidationError(`cannot register ${describe(item)}: it has no @workflow() or @task() methods`);
        for (const m of metas) registrations.push({ meta: m, target: item });
      } else {
        throw new ValidationError(`cannot register ${describe(item)}: expected an object with decorated methods, or a defineWorkflow/defineTask function`);
      }
    }
    return registrations;
  }

  /** Decorated methods on an instance's prototype chain. */
  static decoratedMethods(instance: object): StepMeta[] {
    const found = new Map<string, StepMeta>();
    for (let proto = Object.getPrototypeOf(instance); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const key of Object.getOwnPropertyNames(proto)) {
        if (found.has(key) || key === 'constructor') continue;
        // Legacy decorators leave reflect-metadata; standard decorators leave only the entry point itself.
        const value = Object.getOwnPropertyDescriptor(proto, key)?.value;
        const meta: StepMeta | undefined =
          Reflect.getMetadata(WORKFLOW_METADATA, proto, key) ?? Reflect.getMetadata(TASK_METADATA, proto, key) ?? entryMeta(value);
        if (meta) found.set(key, meta);
      }
    }
    return [...found.values()];
  }
}

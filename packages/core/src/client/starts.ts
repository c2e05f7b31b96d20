import type { Logger } from 'pino';
import type { Clock } from '../foundation/clock.js';
import { ValidationError, WorkflowConflictError } from '../foundation/errors.js';
import { checkOptionKeys, describe, validateName } from '../foundation/names.js';
import type { Serializer } from '../foundation/serialization.js';
import { telemetry } from '../foundation/telemetry.js';
import type { WorkflowKind } from '../foundation/types.js';
import { entryMeta, type StepMeta } from '../definition/step-meta.js';
import type { CreateWorkflowResult, StorageAdapter } from '../storage/storage-adapter.js';
import type { ClientBinding } from './client-binding.js';
import { newWorkflowInput, type CreateRequest } from './new-workflow.js';
import type { EnqueueOptions, ManyItem, ManyOptions, StartWorkflowOptions } from './start-options.js';
import type { UnservedQueueWarnings } from './unserved-queue-warnings.js';

export interface StartsDeps {
  /** The storage as the client calls it (waiting out outages). */
  storage: StorageAdapter;
  serializer: Serializer;
  clock: Clock;
  logger: Logger;
  /** The client's `version`: runs it starts are pinned to it. */
  version: string | null | undefined;
  binding: ClientBinding;
  unserved: UnservedQueueWarnings;
  ensureReady: () => Promise<void>;
}

/**
 * How a client stores new workflows and jobs: every option and argument checked and encoded before anything
 * is stored, then one insert (or one per batch for the bulk forms). A start due now that this runtime's own
 * worker can run at once is stored claimed by it and handed to it, without a claim (see `LocalWorker.reserve`);
 * otherwise the worker is woken for its due time. Returns the stored ids.
 */
export class Starts {
  constructor(private readonly deps: StartsDeps) {}

  workflow(fn: unknown, args: unknown[], options: StartWorkflowOptions): Promise<string> {
    const meta = entry(fn, 'workflow', 'startWorkflow');
    checkOptionKeys(options, ['id', 'startAt', 'delay', 'queue', 'priority', 'concurrencyKey'], 'startWorkflow');
    return this.create(meta, 'workflow', args, { ...options, at: options.startAt, atName: 'startAt' });
  }

  job(taskFn: unknown, args: unknown[], options: EnqueueOptions): Promise<string> {
    const meta = entry(taskFn, 'task', 'enqueue');
    checkOptionKeys(options, ['id', 'runAt', 'delay', 'queue', 'priority', 'dedupeKey', 'debounce', 'concurrencyKey'], 'enqueue');
    const dedupeKey = options.dedupeKey === undefined ? undefined : validateName(options.dedupeKey, `dedupeKey of ${meta.name}`);
    let delay = options.delay;
    if (options.debounce !== undefined) {
      if (dedupeKey === undefined) throw new ValidationError(`debounce of ${meta.name} needs a dedupeKey: it names the calls that replace each other`);
      if (options.runAt !== undefined || options.delay !== undefined) throw new ValidationError(`give either debounce or runAt/delay for ${meta.name}, not both`);
      delay = options.debounce;
    }
    return this.create(meta, 'job', args, { ...options, at: options.runAt, atName: 'runAt', delay, dedupeKey, debounce: options.debounce !== undefined });
  }

  /** `startMany` (kind `workflow`) or `enqueueMany` (kind `job`). */
  async many(fn: unknown, kind: WorkflowKind, items: ReadonlyArray<ManyItem<unknown[]>>, options: ManyOptions): Promise<string[]> {
    const method = kind === 'workflow' ? 'startMany' : 'enqueueMany';
    const meta = entry(fn, kind === 'workflow' ? 'workflow' : 'task', method);
    checkOptionKeys(options, ['startAt', 'delay', 'queue', 'priority', 'concurrencyKey'], method);
    if (!Array.isArray(items)) throw new ValidationError(`${method} expects an array of items (argument arrays, or { args, ...options }), got ${describe(items)}`);
    const { serializer, version } = this.deps;
    const now = this.deps.clock.now();
    const inputs = items.map((item, i) => {
      const label = `${method} items[${i}]`;
      try {
        const own: ItemOptions = Array.isArray(item) ? { args: item } : (item as ItemOptions);
        checkOptionKeys(own, ['args', 'id', 'dedupeKey', 'startAt', 'delay', 'queue', 'priority', 'concurrencyKey'], label);
        const request: Omit<ItemOptions, 'args'> = { ...options, ...withoutArgs(own) };
        if (own.startAt !== undefined && options.delay !== undefined && own.delay === undefined) delete request.delay;
        if (own.delay !== undefined && options.startAt !== undefined && own.startAt === undefined) delete request.startAt;
        const dedupeKey = request.dedupeKey === undefined ? undefined : validateName(request.dedupeKey, `dedupeKey of ${meta.name}`);
        return newWorkflowInput(meta, kind, own.args, { ...request, dedupeKey, at: request.startAt, atName: 'startAt', version }, serializer, now);
      } catch (error) {
        if (error instanceof Error) error.message = `${label}: ${error.message}`;
        throw error;
      }
    });
    const ids = new Map<string, number>();
    inputs.forEach((input, i) => {
      const first = ids.get(input.id);
      if (first !== undefined) throw new ValidationError(`${method} items[${i}]: id ${JSON.stringify(input.id)} is given twice (also items[${first}])`);
      ids.set(input.id, i);
    });
    if (inputs.length === 0) return [];
    await this.deps.ensureReady();
    const results = await this.deps.storage.createWorkflows(inputs);
    const conflict = results.findIndex((result) => result.name !== meta.name);
    const created = results.filter((result) => result.created).length;
    if (created > 0) {
      telemetry().started.add(created, { 'steadfast.workflow.name': meta.name, 'steadfast.workflow.kind': kind });
      this.deps.logger.info({ workflow: meta.name, kind, created, items: inputs.length }, 'enqueued in bulk');
      this.deps.binding.localWorker()?.wake(Math.min(...inputs.map((input) => input.nextAt)));
      for (const queue of new Set(inputs.map((input) => input.queue))) this.deps.unserved.stored(meta.name, queue);
    }
    if (conflict !== -1) throw new WorkflowConflictError(results[conflict]!.id, results[conflict]!.name, meta.name);
    return results.map((result) => result.id);
  }

  private async create(meta: StepMeta, kind: WorkflowKind, args: unknown[], request: CreateRequest): Promise<string> {
    const { storage, binding, logger } = this.deps;
    const input = newWorkflowInput(meta, kind, args, { ...request, version: this.deps.version }, this.deps.serializer, this.deps.clock.now());
    await this.deps.ensureReady();
    const worker = binding.localWorker();
    // Due now and this runtime's worker has a free slot: stored claimed by it, and run here without a claim.
    const reservation = input.dedupeKey == null && input.nextAt <= input.now ? worker?.reserve(input.id, meta.name, input.queue, input.version) : undefined;
    if (reservation) input.claimFor = reservation.claimFor;
    let stored: CreateWorkflowResult;
    try {
      stored = await storage.createWorkflow(input);
    } catch (error) {
      reservation?.release();
      throw error;
    }
    const { created, record } = stored;
    reservation?.run(record);
    if (!created && record.name !== meta.name) throw new WorkflowConflictError(input.id, record.name, meta.name);
    if (!created && input.debounce) worker?.wake(input.nextAt);
    if (created) {
      telemetry().started.add(1, { 'steadfast.workflow.name': meta.name, 'steadfast.workflow.kind': kind });
      logger.info({ workflowId: input.id, workflow: meta.name, kind, queue: input.queue, startAt: new Date(input.nextAt).toISOString() }, 'enqueued');
      if (!reservation) worker?.wake(input.nextAt);
      this.deps.unserved.stored(meta.name, input.queue);
    }
    return record.id;
  }
}

/** The metadata of a workflow or task function, or a ValidationError naming what was passed instead. */
export function entry(fn: unknown, kind: StepMeta['kind'], method: string): StepMeta {
  const meta = entryMeta(fn);
  if (!meta || meta.kind !== kind) {
    const got = meta ? `the ${meta.kind} ${meta.name}` : describe(fn);
    throw new ValidationError(`${method} expects a ${kind} (a @${kind}() method or a define${kind === 'task' ? 'Task' : 'Workflow'} function), got ${got}`);
  }
  return meta;
}

/** An item of `startMany`/`enqueueMany` in its object form. */
type ItemOptions = Exclude<ManyItem<unknown[]>, unknown[]>;

function withoutArgs<T extends { args: unknown }>(item: T): Omit<T, 'args'> {
  const { args: _args, ...rest } = item;
  return rest;
}

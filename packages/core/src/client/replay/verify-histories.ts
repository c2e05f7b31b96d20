import { systemClock, type Clock } from '../../foundation/clock.js';
import { createSerializer, type Serializer } from '../../foundation/serialization.js';
import { STEADFAST_ERROR_CLASSES } from '../../foundation/errors.js';
import { Registry } from '../../definition/registry.js';
import type { StorageAdapter } from '../../storage/storage-adapter.js';
import { replayRun, type ReplayResult } from './replay-run.js';
import { selectRuns, type RunSelection } from './run-selection.js';

/** Options of `verifyHistories`. */
export interface VerifyOptions extends RunSelection {
  /** The storage holding the recorded runs (read only: nothing is written). Required. */
  storage: StorageAdapter;
  /**
   * The new build's workflows and tasks, as you pass them to `runtime.register(...)`: class instances with
   * decorated methods, or `defineWorkflow`/`defineTask` functions. Required.
   */
  workflows: readonly object[];
  /** Decodes checkpoints; pass the one your runtime uses if it has `errorClasses` or limits of its own. Default the built-in serializer. */
  serializer?: Serializer;
  /** Decides whether a recorded timer has fired. Default the system clock. */
  clock?: Clock;
}

/** What `verifyHistories` found. */
export interface VerifyReport {
  /** True when every run checked replays cleanly on the code given. */
  ok: boolean;
  checked: number;
  diverged: number;
  /** One per run checked, diverged ones first. */
  results: ReplayResult[];
}

/**
 * Replays recorded runs on new workflow code, in memory, before you deploy it: each run's checkpoints are
 * fed to the real execution, which stops at the first step the history does not have (that step would run
 * for real: nothing runs, nothing is written). A run whose recorded steps the code no longer calls in order,
 * with the same arguments, is reported with the first divergence.
 *
 * @example
 * ```ts
 * const report = await verifyHistories({ storage, workflows: [new Orders(payments)], since: '7d', sample: 500 });
 * expect(report.results.filter((r) => !r.ok)).toEqual([]);
 * ```
 */
export async function verifyHistories(options: VerifyOptions): Promise<VerifyReport> {
  const registry = new Registry();
  registry.add(Registry.registrationsOf(options.workflows));
  const serializer = options.serializer ?? builtInSerializer();
  const clock = options.clock ?? systemClock;
  const runs = await selectRuns(options.storage, options, clock.now(), 'verifyHistories');
  const results: ReplayResult[] = [];
  for (const record of runs) {
    results.push(await replayRun(record, await options.storage.listSteps(record.id), { registry, serializer, clock }));
  }
  results.sort((a, b) => Number(a.ok) - Number(b.ok));
  const diverged = results.filter((result) => !result.ok).length;
  return { ok: diverged === 0, checked: results.length, diverged, results };
}

function builtInSerializer(): Serializer {
  const serializer = createSerializer();
  serializer.registerErrorClass(...STEADFAST_ERROR_CLASSES);
  return serializer;
}

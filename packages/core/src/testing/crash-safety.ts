import { isDeepStrictEqual } from 'node:util';
import { pino } from 'pino';
import { STEADFAST_ERROR_CLASSES, SteadfastError, ValidationError } from '../foundation/errors.js';
import { createSerializer, type ErrorClass, type Serializer } from '../foundation/serialization.js';
import { Registry } from '../definition/registry.js';
import { entryMeta } from '../definition/step-meta.js';
import type { StepSpec } from '../execution/step-template.js';
import { WorkflowExecution } from '../execution/workflow-execution.js';
import type { StorageAdapter } from '../storage/storage-adapter.js';
import { executionBody } from '../worker/execution-body.js';
import { MemoryAdapter } from './memory-adapter.js';
import { VirtualClock } from './virtual-clock.js';

/** Options of `checkCrashSafety`. */
export interface CrashSafetyOptions {
  /** Child workflows the workflow starts (they must be known to run). Its tasks need not be listed. Default none. */
  items?: object[];
  /** Your error classes, revived by name when a recorded error is replayed. */
  errorClasses?: ErrorClass[];
  /** Whether two results are the same. Default deep equality of the decoded results. */
  compare?(uninterrupted: unknown, recovered: unknown): boolean;
}

/** How one run ended. */
export interface CrashRunOutcome {
  status: 'completed' | 'failed' | 'unfinished';
  /** The decoded result (completed) or error (failed). */
  value?: unknown;
  error?: Error;
  /** How often each task body ran (attempts, failed ones included) in this run, crash and recovery together. */
  taskRuns: Record<string, number>;
}

/** What `checkCrashSafety` found. */
export interface CrashSafetyReport {
  ok: boolean;
  /** Checkpoints the uninterrupted run wrote: one crash run was made after each. */
  checkpoints: number;
  uninterrupted: CrashRunOutcome;
  /** One per checkpoint `after` (1-based): the run that crashed right after writing it, then recovered. */
  crashes: Array<CrashRunOutcome & { after: number; same: boolean }>;
  /** Each task's body runs: in the uninterrupted run, and the most in any crash run. */
  taskRuns: Record<string, { uninterrupted: number; mostAfterACrash: number }>;
}

/** `checkCrashSafety` found a crash point after which the recovered run ends differently. */
export class CrashSafetyError extends SteadfastError {
  constructor(readonly report: CrashSafetyReport) {
    const bad = report.crashes.filter((crash) => !crash.same);
    const first = bad[0]!;
    super(
      'CRASH_UNSAFE',
      `the workflow ends differently when its worker dies right after checkpoint ${bad.map((b) => b.after).join(', ')} of ${report.checkpoints}: ` +
        `uninterrupted it ${describeOutcome(report.uninterrupted)}, after a crash at ${first.after} it ${describeOutcome(first)}. ` +
        'Look for side effects or non-deterministic values in the workflow body outside tasks and now()/random()/uuid(). Task body runs: ' +
        Object.entries(report.taskRuns).map(([name, runs]) => `${name} ${runs.uninterrupted}→${runs.mostAfterACrash}`).join(', '),
    );
  }
}

/**
 * Runs a workflow once uninterrupted, then once per checkpoint k, abandoning the execution right after it
 * wrote checkpoint k (as a killed worker would: the checkpoint is stored, nothing after it is) and recovering
 * it from storage, and checks that every recovered run ends as the uninterrupted one did. Runs in memory on
 * a virtual clock: the real execution and an in-memory storage, one execution at a time, leases expiring
 * at once. Resolves with the report; rejects with `CrashSafetyError` (its `report` attached) on a difference.
 *
 * @example
 * ```ts
 * const report = await checkCrashSafety(checkout, ['o-1']);
 * expect(report.taskRuns['charge']).toEqual({ uninterrupted: 1, mostAfterACrash: 1 });
 * ```
 */
export async function checkCrashSafety<F extends (...args: any[]) => Promise<any>>(workflowFn: F, args: Parameters<F>, options: CrashSafetyOptions = {}): Promise<CrashSafetyReport> {
  const meta = entryMeta(workflowFn);
  if (meta?.kind !== 'workflow') throw new ValidationError('checkCrashSafety expects a workflow (a @workflow() method or a defineWorkflow function)');
  const registry = new Registry();
  registry.add(Registry.registrationsOf([workflowFn, ...(options.items ?? [])]));
  const serializer = createSerializer();
  serializer.registerErrorClass(...STEADFAST_ERROR_CLASSES, ...(options.errorClasses ?? []));
  const encodedArgs = serializer.serialize(args, `args of ${meta.name}`);
  const run = (crashAfter: number | null) => runToEnd(registry, serializer, meta.name, encodedArgs, crashAfter);
  const uninterrupted = await run(null);
  const same = (outcome: CrashRunOutcome) =>
    outcome.status === uninterrupted.outcome.status &&
    (outcome.status === 'failed'
      ? outcome.error?.message === uninterrupted.outcome.error?.message
      : (options.compare ?? isDeepStrictEqual)(uninterrupted.outcome.value, outcome.value));
  const crashes: CrashSafetyReport['crashes'] = [];
  for (let after = 1; after <= uninterrupted.checkpoints; after++) {
    const { outcome } = await run(after);
    crashes.push({ after, same: same(outcome), ...outcome });
  }
  const taskRuns: CrashSafetyReport['taskRuns'] = {};
  for (const name of new Set([...Object.keys(uninterrupted.outcome.taskRuns), ...crashes.flatMap((c) => Object.keys(c.taskRuns))])) {
    taskRuns[name] = { uninterrupted: uninterrupted.outcome.taskRuns[name] ?? 0, mostAfterACrash: Math.max(0, ...crashes.map((c) => c.taskRuns[name] ?? 0)) };
  }
  const report: CrashSafetyReport = { ok: crashes.every((c) => c.same), checkpoints: uninterrupted.checkpoints, uninterrupted: uninterrupted.outcome, crashes, taskRuns };
  if (!report.ok) throw new CrashSafetyError(report);
  return report;
}

const silent = pino({ level: 'silent' });
const START = Date.UTC(2026, 0, 1);
/** A workflow that never ends (or loops) must not hang the check. */
const MAX_EXECUTIONS = 10_000;

/** Executes a workflow to its end in a fresh store; with `crashAfter`, its execution dies once, right after that many checkpoints. */
async function runToEnd(registry: Registry, serializer: Serializer, name: string, args: string, crashAfter: number | null): Promise<{ outcome: CrashRunOutcome; checkpoints: number }> {
  const memory = new MemoryAdapter();
  await memory.migrate();
  const clock = new VirtualClock(START);
  const taskRuns: Record<string, number> = {};
  let checkpoints = 0;
  let current: WorkflowExecution | undefined;
  const checkpointed = <T>(result: T): T => {
    if (++checkpoints === crashAfter) current?.abandon(`simulated crash right after checkpoint ${crashAfter}`);
    return result;
  };
  const storage = crashingStorage(memory, checkpointed);
  await memory.createWorkflow({ id: 'crash-check', name, kind: 'workflow', version: null, queue: 'default', priority: 0, args, parentId: null, nextAt: START, deadlineAt: null, now: START });
  const queues = [...new Set(['default', ...registry.names().map((n) => { const m = registry.get(n)!.meta; return m.kind === 'workflow' ? (m.queue ?? 'default') : 'default'; })])];
  for (let executions = 0; executions < MAX_EXECUTIONS; executions++) {
    const filter = { queues, names: registry.names(), now: clock.now() };
    const [row] = await memory.claim({ ...filter, owner: 'crash-check', limit: 1, leaseMs: 0 });
    if (!row) {
      const next = await memory.nextDueAt(filter);
      if (next === null) break;
      await clock.advanceTo(Math.max(next, clock.now()));
      continue;
    }
    const lease = { workflowId: row.id, owner: 'crash-check', epoch: row.epoch };
    const state = row.state ?? (await memory.loadExecution(lease));
    current = new CountingExecution(
      { storage, serializer, clock, logger: silent, inMemoryWaitMs: 0, wake: () => {} },
      lease,
      executionBody(registry.get(row.name)!),
      state,
      taskRuns,
    );
    await current.run();
  }
  const record = (await memory.getWorkflow('crash-check'))!;
  const outcome: CrashRunOutcome =
    record.status === 'completed'
      ? { status: 'completed', value: serializer.deserialize(record.output!), taskRuns }
      : record.status === 'failed'
        ? { status: 'failed', error: serializer.deserializeError(record.error!), taskRuns }
        : { status: 'unfinished', taskRuns };
  await memory.close();
  return { outcome, checkpoints };
}

/** The execution, counting each task body it starts. */
class CountingExecution extends WorkflowExecution {
  constructor(deps: ConstructorParameters<typeof WorkflowExecution>[0], lease: ConstructorParameters<typeof WorkflowExecution>[1], body: ConstructorParameters<typeof WorkflowExecution>[2], state: ConstructorParameters<typeof WorkflowExecution>[3], private readonly taskRuns: Record<string, number>) {
    super(deps, lease, body, state);
  }

  override step<V, R = V>(spec: StepSpec<V, R>): Promise<R> {
    if (spec.kind !== 'task') return super.step(spec);
    return super.step({ ...spec, run: (seq) => ((this.taskRuns[spec.name] = (this.taskRuns[spec.name] ?? 0) + 1), spec.run(seq)) });
  }
}

/** The memory storage, telling `checkpointed` after each checkpoint it has written (before the writer hears back). */
function crashingStorage(memory: MemoryAdapter, checkpointed: <T>(result: T) => T): StorageAdapter {
  const wrapped: Partial<StorageAdapter> = {
    recordStep: async (...a) => checkpointed(await memory.recordStep(...a)),
    receiveSignal: async (...a) => {
      const output = await memory.receiveSignal(...a);
      return output === null ? output : checkpointed(output);
    },
    runTransactionStep: async (...a) => checkpointed(await memory.runTransactionStep(...a)),
  };
  return new Proxy(memory, {
    get: (target, key, receiver) => (key in wrapped ? wrapped[key as keyof StorageAdapter] : Reflect.get(target, key, receiver)),
  }) as StorageAdapter;
}

function describeOutcome(outcome: CrashRunOutcome): string {
  if (outcome.status === 'completed') return `returned ${JSON.stringify(outcome.value) ?? String(outcome.value)}`;
  if (outcome.status === 'failed') return `failed with ${outcome.error?.name}: ${outcome.error?.message}`;
  return 'did not finish';
}

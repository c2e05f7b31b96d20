import { pino } from 'pino';
import type { DurationInput, TimeInput } from '../foundation/duration.js';
import { ValidationError } from '../foundation/errors.js';
import { describe } from '../foundation/names.js';
import { entryMeta } from '../definition/step-meta.js';
import { Runtime } from '../runtime/runtime.js';
import type { ShutdownOptions } from '../runtime/runtime-options.js';
import type { RuntimeOptions } from '../runtime/runtime-options.js';
import { nextChange, untilIdle } from './idle.js';
import { MemoryAdapter, storeOf } from './memory-adapter.js';
import type { MemoryStore } from './memory/memory-store.js';
import { VirtualClock } from './virtual-clock.js';

/** Options of `createTestRuntime({ ... })`. */
export interface TestRuntimeOptions {
  /** Workflows and tasks to register: class instances with decorated methods, or `defineWorkflow`/`defineTask` functions. */
  items?: object[];
  /**
   * Move the clock by itself: whenever the runtime is idle (no execution in progress, no storage work)
   * and a workflow is due later, jump to the next timer. `await handle.result()` of a workflow that sleeps
   * a week then resolves in milliseconds. Time does not move while nothing waits on it (a workflow waiting
   * for a signal without a timeout). Leave it off to act at chosen moments with `advance`. Default false.
   */
  autoAdvance?: boolean;
  /** Where the virtual clock starts. Default 2026-01-01T00:00:00Z. */
  start?: TimeInput;
  /** The storage. Default a new `MemoryAdapter`; pass one to look inside it or share its store. */
  storage?: MemoryAdapter;
  /**
   * Runtime options. Defaults that differ from `new Runtime()`: a silent logger, `inMemoryWaitMs: 0` (every
   * wait suspends the workflow durably, as long waits do in production), `pollIntervalMs: 3_600_000` (the
   * storage notifies the worker of due work, so polling is only a fallback and costs no virtual ticks; but
   * due work held back by a queue's `concurrency` or `rateLimit` is looked at again only after it: lower it
   * in tests of queue limits), `workerId: 'test-worker'`.
   */
  options?: Omit<RuntimeOptions, 'storage' | 'clock'>;
}

const OPTION_KEYS = ['items', 'autoAdvance', 'start', 'storage', 'options'];

/**
 * A started runtime on a virtual clock and in-memory storage, for tests: time moves only when the test
 * advances it (or, with `autoAdvance`, whenever the runtime is idle), so a week of sleeps, backoffs and
 * timeouts runs in milliseconds.
 */
export class TestEnvironment {
  private stopped = false;
  private readonly store: MemoryStore;
  private readonly autoLoop: Promise<void> | undefined;
  private readonly wakeLoop: { stop?: () => void } = {};

  /** @internal Made by `createTestRuntime`, which has started the runtime. */
  constructor(
    /** The runtime: start workflows, signal, cancel and inspect them through it. */
    readonly runtime: Runtime,
    /** The virtual clock the runtime reads and sets its timers on. */
    readonly clock: VirtualClock,
    /** The in-memory storage behind the runtime. */
    readonly storage: MemoryAdapter,
    autoAdvance: boolean,
  ) {
    this.store = storeOf(storage);
    if (autoAdvance) this.autoLoop = this.driveClock();
  }

  /**
   * Moves time forward by `duration` and runs everything that falls due, in due order: before each timer
   * fires, and before this resolves, the runtime finishes all it can do at that moment. `advance(0)` runs
   * what is due now (a workflow just started) and returns once it has finished or is waiting.
   */
  advance(duration: DurationInput): Promise<void> {
    return this.clock.advance(duration);
  }

  /**
   * Stops the clock driving (with `autoAdvance`) and shuts the runtime down: in-flight steps get `timeout`
   * (real) milliseconds to finish, default 1 000. Idempotent.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    this.stopped = true;
    this.wakeLoop.stop?.();
    await this.runtime.shutdown({ timeout: options.timeout ?? 1_000 });
    await this.autoLoop;
  }

  /** Jumps to the next timer whenever the runtime is idle and something waits on time. */
  private async driveClock(): Promise<void> {
    while (!this.stopped) {
      await this.idle();
      if (this.stopped) return;
      const target = this.nextJump();
      if (target === undefined) {
        await nextChange(this.store, 50, this.wakeLoop);
        continue;
      }
      await this.clock.advanceTo(target);
    }
  }

  private idle(): Promise<void> {
    return untilIdle(this.store, this.clock);
  }

  /**
   * Where time should jump: with executions holding leases (they wait on a timer: a task timeout), or due
   * work held back by a queue limit (a worker looks again on a timer), the next timer; otherwise the next due
   * time of a pending or sleeping workflow, if any (none: nothing waits on time).
   */
  private nextJump(): number | undefined {
    const now = this.clock.now();
    if (this.store.runningCount() > 0 || this.store.heldBack(now)) return this.clock.nextTimerAt();
    return this.store.nextDueAfter(now);
  }
}

/**
 * Creates a runtime on a {@link VirtualClock} and a {@link MemoryAdapter}, registers the items, and starts it.
 * Pass the items directly, or an options object.
 *
 * @example
 * ```ts
 * const env = await createTestRuntime(reminders);
 * const handle = await env.runtime.startWorkflow(reminders.weekly, ['ada']);
 * await env.advance('7 days');
 * expect(await handle.result()).toBe('reminded ada');
 * await env.shutdown();
 *
 * const auto = await createTestRuntime({ items: [weekly, remind], autoAdvance: true });
 * expect(await (await auto.runtime.startWorkflow(weekly, ['ada'])).result()).toBe('reminded ada');
 * ```
 */
export function createTestRuntime(options: TestRuntimeOptions): Promise<TestEnvironment>;
export function createTestRuntime(...items: object[]): Promise<TestEnvironment>;
export async function createTestRuntime(...args: object[]): Promise<TestEnvironment> {
  const options: TestRuntimeOptions = args.length === 1 && isOptions(args[0]) ? checkOptions(args[0]) : { items: args };
  const storage = options.storage ?? new MemoryAdapter();
  if (!(storage instanceof MemoryAdapter)) {
    throw new ValidationError(`createTestRuntime: storage must be a MemoryAdapter, got ${describe(storage)}`);
  }
  const store = storeOf(storage);
  const clock: VirtualClock = new VirtualClock(options.start, { settle: () => untilIdle(store, clock) });
  const runtime = new Runtime({
    logger: pino({ level: 'silent' }),
    inMemoryWaitMs: 0,
    pollIntervalMs: 3_600_000,
    workerId: 'test-worker',
    ...options.options,
    storage,
    clock,
  });
  runtime.register(...(options.items ?? []));
  await runtime.start();
  return new TestEnvironment(runtime, clock, storage, options.autoAdvance === true);
}

/** A plain object (not a class instance, not a defined workflow) is options; anything else is an item. */
function isOptions(value: unknown): value is TestRuntimeOptions {
  if (typeof value !== 'object' || value === null || entryMeta(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkOptions(options: TestRuntimeOptions): TestRuntimeOptions {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      throw new ValidationError(`unknown createTestRuntime option ${JSON.stringify(key)}; known options: ${OPTION_KEYS.join(', ')} (register classes and defined workflows through items)`);
    }
  }
  if (options.items !== undefined && !Array.isArray(options.items)) throw new ValidationError('createTestRuntime: items must be an array');
  for (const key of ['storage', 'clock'] as const) {
    if (options.options && key in options.options) {
      throw new ValidationError(`createTestRuntime: options.${key} is not allowed; the test runtime brings its own${key === 'storage' ? ' (pass a MemoryAdapter as storage)' : ''}`);
    }
  }
  return options;
}

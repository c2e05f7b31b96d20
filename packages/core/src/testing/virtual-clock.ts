import type { Clock, TimerHandle } from '../foundation/clock.js';
import { toEpochMs, toMilliseconds, type DurationInput, type TimeInput } from '../foundation/duration.js';

interface Timer {
  at: number;
  order: number;
  fn: () => void;
}

/** Options of `new VirtualClock(start, options)`. */
export interface VirtualClockOptions {
  /**
   * How `advance` lets the code under test react before each timer fires, and before it returns: resolves
   * once that code has done all it can without time moving. `createTestRuntime` passes one that waits until
   * its runtime is idle. Default: a few event-loop turns (enough for microtask-driven code, a guess for
   * code doing real I/O).
   */
  settle?: () => Promise<void>;
}

/**
 * A clock that only moves when told to. Timers fire in time order (in the order they were set, for equal
 * times) as `advance` passes their due time, with the code under test given a chance to react (storage
 * writes, claims) before each, so a test runs a week of sleeps in milliseconds.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock('2026-03-01T09:00:00Z');
 * const runtime = new Runtime({ storage: new MemoryAdapter(), clock });
 * await clock.advance('7 days');
 * ```
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly timers = new Set<Timer>();
  private readonly settleHook: (() => Promise<void>) | undefined;
  private order = 0;
  /** Advances run one after the other, never interleaved. */
  private queue: Promise<void> = Promise.resolve();

  /** Starts at `start` (a Date, ISO string with offset, luxon DateTime or epoch ms). Default 2026-01-01T00:00:00Z. */
  constructor(start: TimeInput = Date.UTC(2026, 0, 1), options: VirtualClockOptions = {}) {
    this.current = toEpochMs(start, 'VirtualClock start');
    this.settleHook = options.settle;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.current + Math.max(0, ms), order: this.order++, fn };
    this.timers.add(timer);
    return { cancel: () => this.timers.delete(timer) };
  }

  /** The due time of the earliest timer, if any. */
  nextTimerAt(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers) if (next === undefined || t.at < next) next = t.at;
    return next;
  }

  /** Timers set and neither fired nor cancelled yet. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `duration`, firing every timer that falls due, in order. Before each timer (and
   * before returning) it lets the code under test settle (see {@link VirtualClockOptions.settle}).
   */
  advance(duration: DurationInput): Promise<void> {
    const ms = toMilliseconds(duration, 'advance() duration');
    return this.serialized(() => this.moveTo(this.current + ms));
  }

  /** Like {@link advance}, up to a point in time; a time already past only lets the code settle. */
  advanceTo(time: TimeInput): Promise<void> {
    const target = toEpochMs(time, 'advanceTo() time');
    return this.serialized(() => this.moveTo(target));
  }

  private serialized(fn: () => Promise<void>): Promise<void> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private async moveTo(target: number): Promise<void> {
    for (;;) {
      await this.settle(3);
      const due = this.earliestDue(target);
      if (!due) break;
      this.timers.delete(due);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = Math.max(this.current, target);
    await this.settle(20);
  }

  private earliestDue(target: number): Timer | undefined {
    let due: Timer | undefined;
    for (const t of this.timers) {
      if (t.at <= target && (!due || t.at < due.at || (t.at === due.at && t.order < due.order))) due = t;
    }
    return due;
  }

  private settle(turns: number): Promise<void> {
    return this.settleHook ? this.settleHook() : eventLoopTurns(turns);
  }
}

/** Lets pending I/O callbacks and promise chains run (several macrotask turns). */
async function eventLoopTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

import type { Clock, TimerHandle } from '../clock.js';
import { toMilliseconds, type DurationInput } from '../duration.js';

interface Timer {
  at: number;
  order: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in time order as `advance` passes their due time,
 * with the runtime given a chance to react (storage writes, claims) between them, so a test runs a week of
 * sleeps in milliseconds.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly timers = new Set<Timer>();
  private order = 0;

  /** Starts at `start` (epoch ms). Default 2026-01-01T00:00:00Z. */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
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

  /**
   * Moves time forward by `duration`, firing every timer that falls due, in order. After each timer (and
   * at the end) it lets real I/O and promise callbacks run until the runtime has settled.
   */
  async advance(duration: DurationInput): Promise<void> {
    const target = this.current + toMilliseconds(duration, 'advance() duration');
    for (;;) {
      // A few turns let the runtime react to the last timer (its storage calls resolve in microtasks).
      await settle(3);
      const due = [...this.timers].filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.timers.delete(due);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = target;
    await settle(20);
  }
}

/** Lets pending I/O callbacks and promise chains run (several macrotask turns). */
async function settle(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

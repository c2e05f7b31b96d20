/**
 * Time as a seam: the runtime reads the time and sets timers only through a `Clock`, so tests can run a
 * week of sleeps and backoffs on a virtual clock (see `VirtualClock` in `@steadfast/core/testing`).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` after `ms`; the returned handle cancels it. */
  setTimer(fn: () => void, ms: number): TimerHandle;
}

export interface TimerHandle {
  cancel(): void;
}

/**
 * The real clock: `Date.now()` and Node timers. Timers keep the process alive, as a started worker should
 * (like a listening server) until `runtime.shutdown()` clears them.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    // Never before `now() + ms`: Node's timers run on a monotonic clock and may fire a millisecond before
    // Date.now() gets there (a retry or a timer would run before its recorded time), and they are capped at
    // 2^31-1 ms. Either way the timer is armed again for what is left.
    const max = 2_147_483_647;
    const due = Date.now() + Math.max(0, ms);
    let handle: NodeJS.Timeout;
    const arm = (remaining: number) => {
      handle = setTimeout(() => {
        const left = due - Date.now();
        if (left > 0) arm(left);
        else fn();
      }, Math.min(remaining, max));
    };
    arm(Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
};

/** Resolves after `ms` on `clock`, or rejects when `signal` aborts. */
export function delay(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      timer.cancel();
      reject(signal!.reason);
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

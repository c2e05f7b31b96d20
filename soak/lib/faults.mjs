// Faults on a schedule: each runs every `everyMs` (jittered), one run at a time, until stopped. Stopping
// waits for a run in progress (a database restart must be over before the drain begins).

/**
 * @param {string} name
 * @param {number} everyMs
 * @param {() => unknown} run  one injection (may be async)
 * @param {{ firstAfterMs?: number, jitter?: number }} [options]
 */
export function repeat(name, everyMs, run, { firstAfterMs = everyMs, jitter = 0.1 } = {}) {
  const fault = { name, count: 0, errors: [], stopped: false, current: Promise.resolve(), timer: undefined };
  const next = (ms) => {
    fault.timer = setTimeout(() => {
      fault.current = (async () => {
        try {
          await run();
          fault.count++;
        } catch (error) {
          fault.errors.push(String(error?.message ?? error).slice(0, 300));
        }
      })();
      fault.current.then(() => {
        if (!fault.stopped) next(everyMs * (1 - jitter + Math.random() * 2 * jitter));
      });
    }, ms);
  };
  next(firstAfterMs);
  return {
    fault,
    async stop() {
      fault.stopped = true;
      clearTimeout(fault.timer);
      await fault.current;
    },
  };
}

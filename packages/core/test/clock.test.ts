import { describe, expect, it } from 'vitest';
import { systemClock } from '../src/foundation/clock.js';

function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // the event loop's cached time goes stale, as it does while a long synchronous commit runs
  }
}

describe('systemClock', () => {
  it('never fires a timer before Date.now() reaches its time, even when the event loop was busy when it was set', async () => {
    const early: number[] = [];
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        setImmediate(() => {
          busy(30);
          const setAt = Date.now();
          systemClock.setTimer(() => {
            const late = Date.now() - (setAt + 40);
            if (late < 0) early.push(late);
            resolve();
          }, 40);
        });
      });
    }
    expect(early).toEqual([]);
  });

  it('cancels a timer', async () => {
    let fired = false;
    const timer = systemClock.setTimer(() => (fired = true), 10);
    timer.cancel();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fired).toBe(false);
  });
});

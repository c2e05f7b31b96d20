import { SteadfastError } from '../../foundation/errors.js';
import type { StorageAdapter } from '../../storage/storage-adapter.js';

/** How a replayed execution ended, as its storage saw it. Nothing of it is stored anywhere. */
export type ReplayEnding =
  | { kind: 'completed'; output: string }
  | { kind: 'failed'; error: string }
  /** It parked: a timer still ahead, a child or a signal not yet recorded. */
  | { kind: 'waiting' }
  /** It reached for an operation a replay never performs (a replay stops before any step runs). */
  | { kind: 'write'; operation: string };

/**
 * A storage for one replayed execution that stores nothing: the execution's end (complete, fail,
 * suspend) is captured instead of written, and every other operation is refused, which gives the execution
 * up. A replay stops before any step would run, so in practice only its end reaches here.
 */
export function replayStorage(): { storage: StorageAdapter; ending(): ReplayEnding | undefined } {
  let ending: ReplayEnding | undefined;
  const captured: Partial<StorageAdapter> = {
    capabilities: { notify: false, transactions: false },
    complete: async (_lease, output, _now, step) => void (ending ??= { kind: 'completed', output: step?.output ?? output }),
    fail: async (_lease, error) => void (ending ??= { kind: 'failed', error }),
    suspend: async () => void (ending ??= { kind: 'waiting' }),
  };
  const storage = new Proxy(captured, {
    get(target, key) {
      if (key in target) return target[key as keyof StorageAdapter];
      if (typeof key !== 'string' || key === 'then') return undefined;
      return async () => {
        ending ??= { kind: 'write', operation: key };
        throw new SteadfastError('REPLAY_READ_ONLY', `a replay performs no storage operation (${key})`);
      };
    },
  }) as StorageAdapter;
  return { storage, ending: () => ending };
}

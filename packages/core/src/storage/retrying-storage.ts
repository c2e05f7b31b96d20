import type { StorageAdapter } from './storage-adapter.js';
import { retryWhileUnavailable, type RetryOptions } from './storage-retry.js';

/** Calls that are not retried: the lifecycle and the abilities with state of their own. */
const PASS_THROUGH = new Set<PropertyKey>(['close', 'subscribe', 'runTransactionStep', 'capabilities']);

/**
 * The storage as a client calls it: every operation waits out an unreachable storage (with backoff, for at
 * most `options.withinMs`) before it fails. Safe because every operation a client makes can be repeated:
 * starts are idempotent by an id fixed before the first try, signals by a key, cancels and retries by the
 * state they leave.
 */
export function retryingStorage(storage: StorageAdapter, options: RetryOptions): StorageAdapter {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(storage, {
    get(target, property) {
      const value = (target as unknown as Record<PropertyKey, unknown>)[property];
      if (typeof value !== 'function' || PASS_THROUGH.has(property)) return value;
      let wrapper = wrapped.get(property);
      if (!wrapper) {
        const operation = value as (...args: unknown[]) => Promise<unknown>;
        wrapper = (...args: unknown[]) => retryWhileUnavailable(() => operation.apply(target, args), { ...options, what: `${String(property)} (${options.what})` });
        wrapped.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

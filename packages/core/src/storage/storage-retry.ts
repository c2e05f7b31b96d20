import type { Logger } from 'pino';
import { delay, type Clock } from '../foundation/clock.js';
import { StorageUnavailableError } from '../foundation/errors.js';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;

/**
 * Runs a storage operation until it succeeds, waiting out `StorageUnavailableError` (the database is
 * restarting, a connection dropped) with capped exponential backoff and jitter. Any other error is thrown at
 * once. Stops with the abort reason when `signal` aborts (the execution was given up meanwhile).
 */
export async function retryWhileUnavailable<T>(
  op: () => Promise<T>,
  options: { clock: Clock; logger: Logger; what: string; signal?: AbortSignal },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (error) {
      if (!(error instanceof StorageUnavailableError) || options.signal?.aborted) throw error;
      const cap = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(attempt - 1, 16));
      const wait = Math.round(cap / 2 + (Math.random() * cap) / 2);
      options.logger.warn({ err: error, attempt, retryInMs: wait }, `storage unavailable during ${options.what}; retrying`);
      await delay(options.clock, wait, options.signal);
    }
  }
}

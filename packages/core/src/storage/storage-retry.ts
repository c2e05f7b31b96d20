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
export function retryWhileUnavailable<T>(op: () => Promise<T>, options: RetryOptions): Promise<T> {
  // The first try adds nothing to the operation's own promise: this is on every checkpoint's path.
  let first: Promise<T>;
  try {
    first = op();
  } catch (error) {
    return retrying(op, options, error);
  }
  return first.catch((error: unknown) => retrying(op, options, error));
}

export interface RetryOptions {
  clock: Clock;
  logger: Logger;
  /** What is being done, for the log. */
  what: string;
  /** Stop retrying (rethrowing the last error) once this aborts. */
  signal?: AbortSignal;
  /** Stop retrying once this returns true (an alternative to `signal` that allocates nothing). */
  stopped?: () => boolean;
  /** Give up (rethrowing the last error) once a retry would start after this much time, in ms. Default: never. */
  withinMs?: number;
}

async function retrying<T>(op: () => Promise<T>, options: RetryOptions, first: unknown): Promise<T> {
  let error = first;
  const giveUpAt = options.withinMs === undefined ? Infinity : options.clock.now() + options.withinMs;
  for (let attempt = 1; ; attempt++) {
    if (!(error instanceof StorageUnavailableError) || options.signal?.aborted || options.stopped?.()) throw error;
    const cap = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(attempt - 1, 16));
    const wait = Math.round(cap / 2 + (Math.random() * cap) / 2);
    if (options.clock.now() + wait > giveUpAt) throw error;
    options.logger.warn({ err: error, attempt, retryInMs: wait }, `storage unavailable during ${options.what}; retrying`);
    await delay(options.clock, wait, options.signal);
    try {
      return await op();
    } catch (next) {
      error = next;
    }
  }
}

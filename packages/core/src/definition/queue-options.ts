import { toMilliseconds, type DurationInput } from '../foundation/duration.js';
import { ValidationError } from '../foundation/errors.js';
import { describe, validateInteger, validateName } from '../foundation/names.js';

/** Flow control of one queue: `runtime.queue(name, options)`. Configure it the same on every worker. */
export interface QueueOptions {
  /** Running at once in this queue across all workers and processes. Default unlimited. */
  concurrency?: number;
  /** Running at once in this queue on this worker. Default: the runtime's `concurrency`. */
  workerConcurrency?: number;
  /** At most `max` starts in any sliding window of `per`, across all workers. Default unlimited. */
  rateLimit?: { max: number; per: DurationInput };
  /**
   * Fairness between the queue's concurrency keys (the `concurrencyKey` of `startWorkflow` / `enqueue`; rows
   * without one form one key of their own): claims take keys round-robin, so a key with a large backlog
   * cannot starve one with a few due jobs. `concurrency`: running at once per key, across all workers
   * (default unlimited). Default: no fairness, claims in priority then due order.
   *
   * @example
   * runtime.queue('reports', { perKey: { concurrency: 2 } });
   * await runtime.enqueue(buildReport, [id], { queue: 'reports', concurrencyKey: tenantId });
   */
  perKey?: { concurrency?: number };
}

export interface ResolvedQueue {
  concurrency?: number;
  workerConcurrency?: number;
  rateLimit?: { max: number; perMs: number };
  perKey?: { concurrency?: number };
}

const KNOWN = ['concurrency', 'workerConcurrency', 'rateLimit', 'perKey'];

export function resolveQueueOptions(name: string, options: QueueOptions): ResolvedQueue {
  validateName(name, 'queue name');
  const owner = `queue ${name}`;
  if (typeof options !== 'object' || options === null) throw new ValidationError(`invalid options of ${owner}: expected an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new ValidationError(`unknown option ${JSON.stringify(key)} of ${owner}; known: ${KNOWN.join(', ')}`);
  }
  const resolved: ResolvedQueue = {};
  if (options.concurrency !== undefined) resolved.concurrency = validateInteger(options.concurrency, `concurrency of ${owner}`, 1, 1_000_000);
  if (options.workerConcurrency !== undefined) resolved.workerConcurrency = validateInteger(options.workerConcurrency, `workerConcurrency of ${owner}`, 1, 10_000);
  if (options.rateLimit !== undefined) {
    const { rateLimit } = options;
    if (typeof rateLimit !== 'object' || rateLimit === null) throw new ValidationError(`invalid rateLimit of ${owner}: expected { max, per }, got ${describe(rateLimit)}`);
    const max = validateInteger(rateLimit.max, `rateLimit.max of ${owner}`, 1, 1_000_000_000);
    const perMs = toMilliseconds(rateLimit.per, `rateLimit.per of ${owner}`);
    if (perMs < 1) throw new ValidationError(`invalid rateLimit.per of ${owner}: it must be longer than 0`);
    resolved.rateLimit = { max, perMs };
  }
  if (options.perKey !== undefined) resolved.perKey = resolvePerKey(options.perKey, owner);
  return resolved;
}

function resolvePerKey(perKey: unknown, owner: string): { concurrency?: number } {
  if (typeof perKey !== 'object' || perKey === null) throw new ValidationError(`invalid perKey of ${owner}: expected { concurrency? }, got ${describe(perKey)}`);
  const unknown = Object.keys(perKey).filter((key) => key !== 'concurrency');
  if (unknown.length > 0) throw new ValidationError(`unknown option ${unknown.map((key) => JSON.stringify(key)).join(', ')} of perKey of ${owner}; known: concurrency`);
  const { concurrency } = perKey as { concurrency?: unknown };
  return concurrency === undefined ? {} : { concurrency: validateInteger(concurrency, `perKey.concurrency of ${owner}`, 1, 1_000_000) };
}

/**
 * How long a failed task waits before its next attempt, and how many attempts it gets. Options are
 * validated once, when the task is defined, into a {@link BackoffPolicy} of plain milliseconds that the
 * runtime can store and replay without reparsing.
 */
import { describeValue, toMilliseconds, type DurationInput } from '../foundation/duration.js';
import { ValidationError } from '../foundation/errors.js';

/** `'fixed'`: the same delay before every retry. `'exponential'`: each delay `factor` times the previous one. */
export type BackoffType = 'fixed' | 'exponential';

/** Backoff as written in task options. */
export interface BackoffOptions {
  /** `'fixed'` or `'exponential'`. Required. */
  type: BackoffType;
  /** Delay before the first retry (and every retry for `'fixed'`). Default 1s. */
  initial?: DurationInput;
  /** Growth per retry for `'exponential'`; must be finite and >= 1. Default 2. Refused for `'fixed'`, which ignores it. */
  factor?: number;
  /** Upper bound on a single delay; must be >= `initial`. Default 5m, or `initial` if that is longer. */
  max?: DurationInput;
  /** Randomize each delay (to spread retries of many workers). Default true for `'exponential'`, false for `'fixed'`. */
  jitter?: boolean;
}

/** A backoff type alone (its defaults apply), or full options. */
export type BackoffOption = BackoffType | BackoffOptions;

/** Validated backoff in milliseconds, as stored with a task. */
export interface BackoffPolicy {
  readonly type: BackoffType;
  readonly initialMs: number;
  /** 1 for `'fixed'`. */
  readonly factor: number;
  readonly maxMs: number;
  readonly jitter: boolean;
}

/** The backoff of a task that names none: exponential from 1s, doubling, capped at 5m, with jitter. */
export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({
  type: 'exponential',
  initialMs: 1000,
  factor: 2,
  maxMs: 300_000,
  jitter: true,
});

const DEFAULT_INITIAL_MS = 1000;
const DEFAULT_FACTOR = 2;
const DEFAULT_MAX_MS = 300_000;
const OPTION_KEYS = ['type', 'initial', 'factor', 'max', 'jitter'] as const;
const TYPES: readonly BackoffType[] = ['fixed', 'exponential'];

/** Upper bound of {@link validateRetries}: beyond it a task is better modelled as a schedule than as retries. */
export const MAX_RETRIES = 1000;

function isBackoffType(value: unknown): value is BackoffType {
  return typeof value === 'string' && (TYPES as readonly string[]).includes(value);
}

function badType(value: unknown, what: string): ValidationError {
  return new ValidationError(
    `invalid backoff type ${describeValue(value)} for ${what}: expected 'fixed' or 'exponential'`,
  );
}

/**
 * Validates backoff options and fills in defaults; `undefined` gives {@link DEFAULT_BACKOFF}.
 *
 * @param what names the owner in error messages, e.g. `'task Orders.charge'`.
 * @throws ValidationError for an unknown type or option key, a factor below 1 or not finite, a max below
 * initial, a non-boolean jitter, or a bad duration.
 * @example
 * normalizeBackoff('fixed', 'task Orders.charge');
 * // { type: 'fixed', initialMs: 1000, factor: 1, maxMs: 300000, jitter: false }
 * normalizeBackoff({ type: 'exponential', initial: '500ms', max: '1m' }, 'task Orders.charge');
 */
export function normalizeBackoff(option: BackoffOption | undefined, what: string): BackoffPolicy {
  if (option === undefined) return DEFAULT_BACKOFF;
  if (typeof option === 'string') {
    if (!isBackoffType(option)) throw badType(option, what);
    return normalizeBackoff({ type: option }, what);
  }
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new ValidationError(
      `invalid backoff ${describeValue(option)} for ${what}: expected 'fixed', 'exponential' or an object such as { type: 'exponential', initial: '1s', max: '5m' }`,
    );
  }

  const unknown = Object.keys(option).filter((key) => !(OPTION_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      `unknown backoff option ${unknown.map((key) => JSON.stringify(key)).join(', ')} for ${what}: expected ${OPTION_KEYS.join(', ')}`,
    );
  }

  const { type, initial, factor, max, jitter } = option;
  if (!isBackoffType(type)) throw badType(type, what);

  const initialMs = initial === undefined ? DEFAULT_INITIAL_MS : toMilliseconds(initial, `backoff.initial of ${what}`);

  let policyFactor = 1;
  if (type === 'fixed') {
    // A factor on a fixed backoff would be silently ignored; saying so beats a surprise in production.
    if (factor !== undefined) {
      throw new ValidationError(`invalid backoff.factor ${describeValue(factor)} for ${what}: factor only applies to 'exponential' backoff`);
    }
  } else if (factor === undefined) {
    policyFactor = DEFAULT_FACTOR;
  } else if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1) {
    throw new ValidationError(`invalid backoff.factor ${describeValue(factor)} for ${what}: expected a finite number >= 1`);
  } else {
    policyFactor = factor;
  }

  let maxMs: number;
  if (max === undefined) {
    // Raising the default cap to a long `initial` keeps `{ initial: '10m' }` valid without also asking for `max`.
    maxMs = Math.max(DEFAULT_MAX_MS, initialMs);
  } else {
    maxMs = toMilliseconds(max, `backoff.max of ${what}`);
    if (maxMs < initialMs) {
      throw new ValidationError(
        `invalid backoff.max ${describeValue(max)} for ${what}: it is shorter than backoff.initial (${maxMs}ms < ${initialMs}ms)`,
      );
    }
  }

  if (jitter !== undefined && typeof jitter !== 'boolean') {
    throw new ValidationError(`invalid backoff.jitter ${describeValue(jitter)} for ${what}: expected true or false`);
  }

  return Object.freeze({
    type,
    initialMs,
    factor: policyFactor,
    maxMs,
    jitter: jitter ?? type === 'exponential',
  });
}

/**
 * The delay in milliseconds before retry number `retry` (1 for the first retry), as a whole number.
 *
 * `'fixed'` waits `initialMs` every time; `'exponential'` waits `min(maxMs, initialMs * factor^(retry-1))`.
 * With jitter, the delay is drawn from [nominal/2, nominal] ("equal jitter"): the random half spreads the
 * retries of many workers that failed together (a thundering herd), while the fixed half keeps a floor,
 * so a struggling dependency always gets at least half the intended rest.
 *
 * @param random returns a number in [0, 1); pass the workflow's deterministic random for replayable delays.
 * @example
 * backoffDelay(DEFAULT_BACKOFF, 3, () => 0); // 2000 (nominal 4000, halved by the lowest draw)
 */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: () => number = Math.random): number {
  if (!Number.isInteger(retry) || retry < 1) {
    throw new ValidationError(`invalid retry number ${describeValue(retry)}: expected a whole number >= 1 (1 for the first retry)`);
  }
  let nominal: number;
  if (policy.type === 'fixed' || policy.initialMs === 0) {
    // Zero is checked apart because 0 * Infinity (a huge factor^retry) is NaN, not 0.
    nominal = policy.type === 'fixed' ? policy.initialMs : 0;
  } else {
    // factor^(retry-1) may overflow to Infinity; min() then yields the cap, which is the intended result.
    nominal = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (retry - 1));
  }
  if (!policy.jitter) return Math.round(nominal);
  // Clamped so that a caller's out-of-range random cannot break the [nominal/2, nominal] promise.
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.round(nominal / 2 + (draw * nominal) / 2);
}

/**
 * Validates a task's `retries` option: the number of attempts after the first. `undefined` gives 0.
 *
 * @param what names the owner in error messages, e.g. `'task Orders.charge'`.
 * @throws ValidationError unless a whole number from 0 to {@link MAX_RETRIES}.
 */
export function validateRetries(value: unknown, what: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_RETRIES) {
    throw new ValidationError(
      `invalid retries for ${what}: ${describeValue(value)} (expected a whole number from 0 to ${MAX_RETRIES})`,
    );
  }
  return value;
}

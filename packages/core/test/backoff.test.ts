import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/foundation/errors.js';
import {
  DEFAULT_BACKOFF,
  MAX_RETRIES,
  backoffDelay,
  normalizeBackoff,
  validateRetries,
  type BackoffOption,
  type BackoffPolicy,
} from '../src/definition/backoff.js';

const OWNER = 'task Orders.charge';
const LOWEST = () => 0;
const HIGHEST = () => 0.9999999999;

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

function policy(overrides: Partial<BackoffPolicy>): BackoffPolicy {
  return { ...DEFAULT_BACKOFF, jitter: false, ...overrides };
}

describe('normalizeBackoff', () => {
  it('gives the documented defaults', () => {
    expect(DEFAULT_BACKOFF).toEqual({ type: 'exponential', initialMs: 1000, factor: 2, maxMs: 300_000, jitter: true });
    expect(Object.isFrozen(DEFAULT_BACKOFF)).toBe(true);
    expect(normalizeBackoff(undefined, OWNER)).toBe(DEFAULT_BACKOFF);
    expect(normalizeBackoff('exponential', OWNER)).toEqual(DEFAULT_BACKOFF);
    expect(normalizeBackoff({ type: 'exponential' }, OWNER)).toEqual(DEFAULT_BACKOFF);
  });

  it('fills fixed defaults: no growth, no jitter', () => {
    expect(normalizeBackoff('fixed', OWNER)).toEqual({
      type: 'fixed',
      initialMs: 1000,
      factor: 1,
      maxMs: 300_000,
      jitter: false,
    });
  });

  it('reads durations in every accepted form and keeps explicit choices', () => {
    expect(
      normalizeBackoff({ type: 'exponential', initial: '500ms', factor: 3, max: { minutes: 1 }, jitter: false }, OWNER),
    ).toEqual({ type: 'exponential', initialMs: 500, factor: 3, maxMs: 60_000, jitter: false });
    expect(normalizeBackoff({ type: 'fixed', initial: 'PT10S', jitter: true }, OWNER)).toEqual({
      type: 'fixed',
      initialMs: 10_000,
      factor: 1,
      maxMs: 300_000,
      jitter: true,
    });
    expect(normalizeBackoff({ type: 'exponential', initial: 0, factor: 1, max: 0 }, OWNER)).toMatchObject({
      initialMs: 0,
      factor: 1,
      maxMs: 0,
    });
  });

  it('raises the default max to a longer initial', () => {
    expect(normalizeBackoff({ type: 'fixed', initial: '10m' }, OWNER).maxMs).toBe(600_000);
    expect(normalizeBackoff({ type: 'exponential', initial: '1h' }, OWNER).maxMs).toBe(3_600_000);
  });

  it('returns a frozen policy', () => {
    expect(Object.isFrozen(normalizeBackoff('fixed', OWNER))).toBe(true);
  });

  it.each<[unknown, string[]]>([
    ['linear', ['invalid backoff type "linear" for task Orders.charge', "'fixed' or 'exponential'"]],
    ['Fixed', ['"Fixed"', OWNER]],
    [{ type: 'linear' }, ['invalid backoff type "linear" for task Orders.charge']],
    [{}, ['invalid backoff type undefined for task Orders.charge']],
    [{ initial: '1s' }, ['invalid backoff type undefined for task Orders.charge']],
    [null, ['invalid backoff null for task Orders.charge']],
    [5, ['invalid backoff 5 for task Orders.charge']],
    [['fixed'], ['invalid backoff ["fixed"] for task Orders.charge']],
    [{ type: 'fixed', delay: '1s' }, ['unknown backoff option "delay" for task Orders.charge', 'type, initial, factor, max, jitter']],
    [{ type: 'fixed', a: 1, b: 2 }, ['unknown backoff option "a", "b" for task Orders.charge']],
    [{ type: 'exponential', factor: 0.5 }, ['invalid backoff.factor 0.5 for task Orders.charge', '>= 1']],
    [{ type: 'exponential', factor: 0 }, ['invalid backoff.factor 0 for task Orders.charge']],
    [{ type: 'exponential', factor: -2 }, ['invalid backoff.factor -2 for task Orders.charge']],
    [{ type: 'exponential', factor: Number.NaN }, ['invalid backoff.factor NaN for task Orders.charge']],
    [{ type: 'exponential', factor: Number.POSITIVE_INFINITY }, ['invalid backoff.factor Infinity for task Orders.charge']],
    [{ type: 'exponential', factor: '2' }, ['invalid backoff.factor "2" for task Orders.charge']],
    [{ type: 'fixed', factor: 2 }, ['invalid backoff.factor 2 for task Orders.charge', "only applies to 'exponential'"]],
    [{ type: 'exponential', initial: '10s', max: '5s' }, ['invalid backoff.max "5s" for task Orders.charge', '5000ms < 10000ms']],
    [{ type: 'exponential', initial: '10 parsecs' }, ['invalid backoff.initial of task Orders.charge "10 parsecs"']],
    [{ type: 'exponential', initial: -1 }, ['invalid backoff.initial of task Orders.charge -1']],
    [{ type: 'exponential', max: '1y' }, ['invalid backoff.max of task Orders.charge "1y"']],
    [{ type: 'exponential', jitter: 'yes' }, ['invalid backoff.jitter "yes" for task Orders.charge', 'true or false']],
  ])('refuses %o', (option, fragments) => {
    const error = refusal(() => normalizeBackoff(option as BackoffOption, OWNER));
    for (const fragment of fragments) expect(error.message).toContain(fragment);
  });
});

describe('backoffDelay', () => {
  it('waits initialMs every time for fixed', () => {
    const fixed = normalizeBackoff({ type: 'fixed', initial: '2s' }, OWNER);
    expect([1, 2, 3, 10, 100].map((retry) => backoffDelay(fixed, retry))).toEqual([2000, 2000, 2000, 2000, 2000]);
  });

  it('grows by factor for exponential and stops at max', () => {
    const exp = policy({ initialMs: 1000, factor: 2, maxMs: 10_000 });
    expect([1, 2, 3, 4, 5, 6, 7].map((retry) => backoffDelay(exp, retry))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
    const triple = policy({ initialMs: 100, factor: 3, maxMs: 300_000 });
    expect([1, 2, 3, 4].map((retry) => backoffDelay(triple, retry))).toEqual([100, 300, 900, 2700]);
  });

  it('rounds fractional growth to whole milliseconds', () => {
    const exp = policy({ initialMs: 1000, factor: 1.5, maxMs: 300_000 });
    expect([1, 2, 3, 4].map((retry) => backoffDelay(exp, retry))).toEqual([1000, 1500, 2250, 3375]);
    expect(backoffDelay(exp, 5)).toBe(5063); // 5062.5
  });

  it('caps at max instead of overflowing for very late retries', () => {
    const exp = policy({ initialMs: 1000, factor: 10, maxMs: 300_000 });
    expect(backoffDelay(exp, 1000)).toBe(300_000);
    expect(backoffDelay(exp, 1_000_000)).toBe(300_000);
    expect(backoffDelay(policy({ initialMs: 0, factor: 10, maxMs: 0 }), 1000)).toBe(0);
    expect(backoffDelay(policy({ initialMs: 0, factor: 10, maxMs: 0, jitter: true }), 1000, HIGHEST)).toBe(0);
  });

  it('with jitter, stays within [nominal/2, nominal]', () => {
    const exp = { ...DEFAULT_BACKOFF }; // jitter on
    expect(backoffDelay(exp, 1, LOWEST)).toBe(500);
    expect(backoffDelay(exp, 1, HIGHEST)).toBe(1000);
    expect(backoffDelay(exp, 3, LOWEST)).toBe(2000);
    expect(backoffDelay(exp, 3, HIGHEST)).toBe(4000);
    expect(backoffDelay(exp, 3, () => 0.5)).toBe(3000);
    expect(backoffDelay(exp, 20, LOWEST)).toBe(150_000);
    expect(backoffDelay(exp, 20, HIGHEST)).toBe(300_000);
  });

  it('never leaves the bounds, whatever the draw', () => {
    const odd = policy({ initialMs: 3, factor: 3, maxMs: 1_000_000, jitter: true });
    for (let retry = 1; retry <= 12; retry++) {
      const nominal = Math.min(1_000_000, 3 * 3 ** (retry - 1));
      for (const draw of [0, 0.1, 0.5, 0.9, 0.9999999999, -1, 2]) {
        const delay = backoffDelay(odd, retry, () => draw);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(nominal / 2);
        expect(delay).toBeLessThanOrEqual(nominal);
      }
    }
  });

  it('applies jitter to fixed when asked', () => {
    const fixed = normalizeBackoff({ type: 'fixed', initial: '1s', jitter: true }, OWNER);
    expect(backoffDelay(fixed, 5, LOWEST)).toBe(500);
    expect(backoffDelay(fixed, 5, HIGHEST)).toBe(1000);
  });

  it('uses Math.random by default, within bounds', () => {
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(DEFAULT_BACKOFF, 2);
      expect(delay).toBeGreaterThanOrEqual(1000);
      expect(delay).toBeLessThanOrEqual(2000);
    }
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses retry number %s', (retry) => {
    expect(refusal(() => backoffDelay(DEFAULT_BACKOFF, retry)).message).toContain(`invalid retry number ${retry}`);
  });
});

describe('validateRetries', () => {
  it('defaults to no retries', () => {
    expect(validateRetries(undefined, OWNER)).toBe(0);
  });

  it.each([0, 1, 5, MAX_RETRIES])('accepts %s', (value) => {
    expect(validateRetries(value, OWNER)).toBe(value);
  });

  it('names the value and the owner', () => {
    expect(refusal(() => validateRetries(-1, OWNER)).message).toBe(
      'invalid retries for task Orders.charge: -1 (expected a whole number from 0 to 1000)',
    );
  });

  it.each<[unknown, string]>([
    [1001, '1001'],
    [1.5, '1.5'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    ['3', '"3"'],
    [null, 'null'],
    [true, 'true'],
  ])('refuses %o', (value, shown) => {
    expect(refusal(() => validateRetries(value, OWNER)).message).toContain(
      `invalid retries for task Orders.charge: ${shown} (expected`,
    );
  });
});

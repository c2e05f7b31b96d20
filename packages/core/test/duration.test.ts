import { DateTime, Duration } from 'luxon';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/foundation/errors.js';
import { formatDuration, toEpochMs, toMilliseconds, type DurationInput, type TimeInput } from '../src/foundation/duration.js';

const WHAT = 'sleep() duration';

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('toMilliseconds', () => {
  it.each<[number, number]>([
    [0, 0],
    [250, 250],
    [1.4, 1],
    [1.5, 2],
    [86_400_000, 86_400_000],
  ])('accepts the number %s as %s ms', (input, expected) => {
    expect(toMilliseconds(input, WHAT)).toBe(expected);
  });

  it.each<[string, number]>([
    ['500', 500],
    [' 500 ', 500],
    ['2.6', 3],
    ['300ms', 300],
    ['300 msec', 300],
    ['1 millisecond', 1],
    ['2 milliseconds', 2],
    ['90s', 90_000],
    ['1 sec', 1_000],
    ['2secs', 2_000],
    ['1 second', 1_000],
    ['3 seconds', 3_000],
    ['10m', 600_000],
    ['1 min', 60_000],
    ['5mins', 300_000],
    ['1 minute', 60_000],
    ['2 minutes', 120_000],
    ['1h', 3_600_000],
    ['1hr', 3_600_000],
    ['2 hrs', 7_200_000],
    ['1 hour', 3_600_000],
    ['3 hours', 10_800_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1d', 86_400_000],
    ['1 day', 86_400_000],
    ['2 days', 172_800_000],
    ['1w', 604_800_000],
    ['1 week', 604_800_000],
    ['2weeks', 1_209_600_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['  1 h 30 m  ', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['1H30M', 5_400_000],
    ['2 Days', 172_800_000],
    ['PT10M', 600_000],
    ['pt10m', 600_000],
    ['PT1.5H', 5_400_000],
    ['P1D', 86_400_000],
    ['P1W', 604_800_000],
    ['P1DT2H', 93_600_000],
    ['PT0.25S', 250],
  ])('accepts the string %j as %s ms', (input, expected) => {
    expect(toMilliseconds(input, WHAT)).toBe(expected);
  });

  it.each<[DurationInput, number]>([
    [Duration.fromObject({ minutes: 10 }), 600_000],
    [Duration.fromMillis(1234), 1234],
    [Duration.fromISO('PT1H30M'), 5_400_000],
    [{ minutes: 10 }, 600_000],
    [{ hours: 1, minutes: 30 }, 5_400_000],
    [{ days: 1, milliseconds: 1 }, 86_400_001],
    [{ weeks: 1 }, 604_800_000],
    [{ minute: 2 }, 120_000],
    [{}, 0],
  ])('accepts %o as %s ms', (input, expected) => {
    expect(toMilliseconds(input, WHAT)).toBe(expected);
  });

  it('quotes the value and names `what` in the message', () => {
    const error = refusal(() => toMilliseconds('10 parsecs', WHAT));
    expect(error.message).toBe(
      `invalid sleep() duration "10 parsecs": expected milliseconds, a string such as '300ms', '10m', '1h30m' or 'PT10M', a luxon Duration, or an object such as { minutes: 10 }`,
    );
    expect(error.code).toBe('VALIDATION');
  });

  it.each<[unknown, string]>([
    [-1, '-1'],
    [-0.4, '-0.4'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [1e300, '1e+300'],
    ['', '""'],
    ['   ', '"   "'],
    ['10 parsecs', '"10 parsecs"'],
    ['-5m', '"-5m"'],
    ['1h foo', '"1h foo"'],
    ['1h30', '"1h30"'],
    ['h', '"h"'],
    ['5 m s', '"5 m s"'],
    ['1,5h', '"1,5h"'],
    ['1e3', '"1e3"'],
    ['P', '"P"'],
    ['PT', '"PT"'],
    ['PT10X', '"PT10X"'],
    ['-PT10M', '"-PT10M"'],
    ['P1M', '"P1M"'],
    ['P1Y', '"P1Y"'],
    [null, 'null'],
    [undefined, 'undefined'],
    [true, 'true'],
    [10n, '10'],
    [new Date(0), 'Date 1970-01-01T00:00:00.000Z'],
    [{ parsecs: 10 }, '{"parsecs":10}'],
    [{ minutes: -5 }, '{"minutes":-5}'],
    [{ minutes: Number.NaN }, '{"minutes":null}'],
    [{ months: 1 }, '{"months":1}'],
    [Duration.fromObject({ minutes: -5 }), 'Duration PT-5M'],
    [Duration.fromObject({ hours: 1, minutes: -30 }), 'Duration PT1H-30M'],
    [Duration.invalid('broken'), 'invalid Duration'],
  ])('refuses %o, naming it as %s', (input, shown) => {
    const error = refusal(() => toMilliseconds(input as DurationInput, 'backoff.initial of task Orders.charge'));
    expect(error.message).toContain(`invalid backoff.initial of task Orders.charge ${shown}:`);
  });

  it('explains non-value refusals', () => {
    expect(refusal(() => toMilliseconds(null as never, WHAT)).message).toContain('got null');
    expect(refusal(() => toMilliseconds(true as never, WHAT)).message).toContain('got boolean');
    expect(refusal(() => toMilliseconds({ months: 1 }, WHAT)).message).toContain('runAt');
    expect(refusal(() => toMilliseconds('P1Y', WHAT)).message).toContain('months and years have no fixed length');
    expect(refusal(() => toMilliseconds(Duration.fromMillis(-5), WHAT)).message).toContain('cannot be negative');
  });

  it('keeps the luxon error as the cause for unknown units', () => {
    const error = refusal(() => toMilliseconds({ parsecs: 10 } as never, WHAT));
    expect(error.message).toContain('parsecs');
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toContain('Invalid unit');
  });
});

describe('toEpochMs', () => {
  const WHEN = 'runAt of task Emails.send';
  const instant = Date.UTC(2025, 2, 1, 8, 0, 0); // 2025-03-01T08:00:00Z

  it.each<[TimeInput, number]>([
    ['2025-03-01T08:00:00Z', instant],
    ['2025-03-01T08:00:00z', instant],
    ['2025-03-01T08:00:00.000Z', instant],
    ['2025-03-01T09:00:00+01:00', instant],
    ['2025-03-01T09:00:00+0100', instant],
    ['2025-03-01T09:00+01', instant],
    ['2025-03-01T03:00:00-05:00', instant],
    ['  2025-03-01T08:00:00Z  ', instant],
    [new Date(instant), instant],
    [DateTime.fromMillis(instant, { zone: 'Asia/Tokyo' }), instant],
    [DateTime.fromISO('2025-03-01T09:00', { zone: 'Europe/Paris' }), instant],
    [instant, instant],
    [0, 0],
  ])('accepts %o as %s', (input, expected) => {
    expect(toEpochMs(input, WHEN)).toBe(expected);
  });

  it('accepts dates before 1970 given as Date', () => {
    expect(toEpochMs(new Date(-1000), WHEN)).toBe(-1000);
  });

  it('refuses an ISO string without offset and says how to fix it', () => {
    for (const input of ['2025-03-01T08:00:00', '2025-03-01T08:00', '2025-03-01']) {
      const error = refusal(() => toEpochMs(input, WHEN));
      expect(error.message).toContain(`invalid ${WHEN} "${input}"`);
      expect(error.message).toContain('add an offset or Z');
      expect(error.message).toContain('DateTime.fromISO(s, {');
    }
  });

  it.each<[unknown, string]>([
    [new Date(Number.NaN), 'Invalid Date'],
    [DateTime.invalid('broken'), 'invalid DateTime'],
    [DateTime.fromISO('2025-13-01T00:00:00Z'), 'invalid DateTime'],
    [-1, '-1'],
    [1.5, '1.5'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    ['tomorrow', '"tomorrow"'],
    ['2025-13-01T00:00:00Z', '"2025-13-01T00:00:00Z"'],
    ['', '""'],
    [null, 'null'],
    [true, 'true'],
    [{ at: 1 }, '{"at":1}'],
  ])('refuses %o, naming it as %s', (input, shown) => {
    const error = refusal(() => toEpochMs(input as TimeInput, WHEN));
    expect(error.message).toContain(`invalid ${WHEN} ${shown}:`);
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0ms'],
    [0.4, '0ms'],
    [250, '250ms'],
    [1_000, '1s'],
    [1_500, '1s 500ms'],
    [90_000, '1m 30s'],
    [5_400_000, '1h 30m'],
    [5_400_999, '1h 30m'],
    [3_600_000, '1h'],
    [3_600_005, '1h'],
    [183_600_000, '2d 3h'],
    [86_400_000, '1d'],
    [-90_000, '-1m 30s'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
  ])('formats %s as %j', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

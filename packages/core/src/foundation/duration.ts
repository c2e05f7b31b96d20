/**
 * Lengths of time and points in time as users write them, turned into the plain milliseconds the runtime
 * stores. Everything is checked up front so a typo fails when a workflow is defined or a step is called,
 * not hours later when a timer fires.
 *
 * A day is always 24 hours and a week 7 days: a duration is an exact number of milliseconds, so it cannot
 * follow daylight-saving shifts or month lengths. Months and years are refused for that reason. For
 * calendar-aware waits ("next Monday 09:00 in Paris", "in one month") compute the moment with a luxon
 * `DateTime` and pass it as `runAt`, e.g. `DateTime.now().setZone('Europe/Paris').plus({ months: 1 })`.
 */
import { DateTime, Duration, type DurationLikeObject } from 'luxon';
import { ValidationError } from './errors.js';

/**
 * A length of time: milliseconds, a string (`'300ms'`, `'10m'`, `'1h30m'`, `'2 days'`, `'1.5h'`, `'PT10M'`),
 * a luxon `Duration`, or an object such as `{ minutes: 10 }`. A bare number string (`'500'`) is milliseconds.
 */
export type DurationInput = number | string | Duration | DurationLikeObject;

/**
 * A point in time: a `Date`, a luxon `DateTime`, an ISO-8601 string with an offset or `Z`
 * (`'2025-03-01T09:00:00+01:00'`), or epoch milliseconds. An ISO string without a zone is refused as
 * ambiguous: it would mean a different instant on every server.
 */
export type TimeInput = Date | DateTime | string | number;

const EXPECTED_DURATION =
  "expected milliseconds, a string such as '300ms', '10m', '1h30m' or 'PT10M', a luxon Duration, or an object such as { minutes: 10 }";

const EXPECTED_TIME =
  "expected a Date, a luxon DateTime, an ISO-8601 string with an offset or Z such as '2025-03-01T09:00:00Z', or epoch milliseconds";

const CALENDAR_HINT =
  'months and years have no fixed length; compute the moment with a luxon DateTime (e.g. DateTime.now().plus({ months: 1 })) and pass it as runAt';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1, msec: 1, msecs: 1, millisecond: 1, milliseconds: 1,
  s: SECOND, sec: SECOND, secs: SECOND, second: SECOND, seconds: SECOND,
  m: MINUTE, min: MINUTE, mins: MINUTE, minute: MINUTE, minutes: MINUTE,
  h: HOUR, hr: HOUR, hrs: HOUR, hour: HOUR, hours: HOUR,
  d: DAY, day: DAY, days: DAY,
  w: WEEK, week: WEEK, weeks: WEEK,
};

// One `<number><unit>` token; sticky so that any character the grammar does not cover stops the scan.
const TOKEN = /\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)/iy;
const BARE_NUMBER = /^(?:\d+(?:\.\d+)?|\.\d+)$/;
// Requires a time part, so a date-only string such as '2025-03-01' (whose '-01' looks like an offset) is refused.
const HAS_OFFSET = /T.*(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * Describes a value for an error message: strings quoted, luxon values in ISO form, others by type.
 * @internal Shared by the option validators of core; not part of the public surface.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : `Date ${value.toISOString()}`;
  if (Duration.isDuration(value)) return value.isValid ? `Duration ${value.toISO()}` : 'invalid Duration';
  if (DateTime.isDateTime(value)) return value.isValid ? `DateTime ${value.toISO()}` : 'invalid DateTime';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

function invalidDuration(what: string, input: unknown, detail = EXPECTED_DURATION, cause?: unknown): ValidationError {
  return new ValidationError(`invalid ${what} ${describeValue(input)}: ${detail}`, { cause });
}

/** Rounds and range-checks the final figure; every accepted form goes through here. */
function finishMs(ms: number, what: string, input: unknown): number {
  if (!Number.isFinite(ms)) throw invalidDuration(what, input);
  if (ms < 0) throw invalidDuration(what, input, `a duration cannot be negative; ${EXPECTED_DURATION}`);
  const rounded = Math.round(ms);
  if (rounded > Number.MAX_SAFE_INTEGER) {
    throw invalidDuration(what, input, `the duration is too long to count in milliseconds; ${EXPECTED_DURATION}`);
  }
  return rounded;
}

function parseCompound(text: string): number | undefined {
  if (BARE_NUMBER.test(text)) return Number(text);
  TOKEN.lastIndex = 0;
  let total = 0;
  let match: RegExpExecArray | null;
  while ((match = TOKEN.exec(text)) !== null) {
    const unit = UNIT_MS[match[2]!.toLowerCase()];
    if (unit === undefined) return undefined;
    total += Number(match[1]) * unit;
    if (TOKEN.lastIndex === text.length) return total;
  }
  // Empty text, or trailing characters no token could consume.
  return undefined;
}

function durationMs(duration: Duration, what: string, input: unknown): number {
  if (!duration.isValid) {
    throw invalidDuration(what, input, `${duration.invalidExplanation ?? duration.invalidReason ?? 'invalid Duration'}; ${EXPECTED_DURATION}`);
  }
  const parts = duration.toObject();
  if (parts.years || parts.quarters || parts.months) throw invalidDuration(what, input, CALENDAR_HINT);
  if (Object.values(parts).some((v) => typeof v === 'number' && v < 0)) {
    throw invalidDuration(what, input, `a duration cannot be negative; ${EXPECTED_DURATION}`);
  }
  return finishMs(duration.toMillis(), what, input);
}

/**
 * Converts a {@link DurationInput} to a whole number of milliseconds (fractions are rounded).
 *
 * @param what names the value in error messages, e.g. `'sleep() duration'` or `'backoff.initial of task Orders.charge'`.
 * @throws ValidationError for negative, non-finite or unparseable input, and for months or years.
 * @example
 * toMilliseconds('1h30m', 'sleep() duration'); // 5_400_000
 * toMilliseconds({ minutes: 10 }, 'timeout of task Orders.charge'); // 600_000
 */
export function toMilliseconds(input: DurationInput, what: string): number {
  if (typeof input === 'number') return finishMs(input, what, input);
  if (typeof input === 'string') {
    const text = input.trim();
    if (/^[+-]?P/i.test(text)) {
      // Luxon reads 'P' and 'PT' as zero; a designator with no figure is a mistake, not an intent.
      if (!/\d/.test(text)) throw invalidDuration(what, input);
      return durationMs(Duration.fromISO(text.toUpperCase()), what, input);
    }
    const ms = parseCompound(text);
    if (ms === undefined) throw invalidDuration(what, input);
    return finishMs(ms, what, input);
  }
  if (Duration.isDuration(input)) return durationMs(input, what, input);
  if (typeof input === 'object' && input !== null && !(input instanceof Date) && !DateTime.isDateTime(input)) {
    let duration: Duration;
    try {
      duration = Duration.fromObject(input);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw invalidDuration(what, input, `${reason}; ${EXPECTED_DURATION}`, error);
    }
    return durationMs(duration, what, input);
  }
  throw invalidDuration(what, input, `got ${input === null ? 'null' : typeof input}; ${EXPECTED_DURATION}`);
}

/**
 * Converts a {@link TimeInput} to epoch milliseconds.
 *
 * @param what names the value in error messages, e.g. `'runAt of task Emails.send'`.
 * @throws ValidationError for an invalid Date or DateTime, a negative or fractional number, or an ISO
 * string that does not parse or has no offset.
 * @example
 * toEpochMs('2025-03-01T09:00:00+01:00', 'runAt'); // 1_740_816_000_000
 * toEpochMs(DateTime.fromISO('2025-03-01T09:00', { zone: 'Europe/Paris' }), 'runAt');
 */
export function toEpochMs(input: TimeInput, what: string): number {
  const refuse = (detail: string) => new ValidationError(`invalid ${what} ${describeValue(input)}: ${detail}`);
  if (input instanceof Date) {
    const ms = input.getTime();
    if (Number.isNaN(ms)) throw refuse(`the Date is invalid; ${EXPECTED_TIME}`);
    return ms;
  }
  if (DateTime.isDateTime(input)) {
    if (!input.isValid) throw refuse(`${input.invalidExplanation ?? input.invalidReason ?? 'invalid DateTime'}; ${EXPECTED_TIME}`);
    return input.toMillis();
  }
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0) throw refuse(`epoch milliseconds must be a whole number >= 0; ${EXPECTED_TIME}`);
    return input;
  }
  if (typeof input === 'string') {
    const text = input.trim();
    const parsed = DateTime.fromISO(text, { setZone: true });
    if (!parsed.isValid) throw refuse(`${parsed.invalidExplanation ?? 'not an ISO-8601 time'}; ${EXPECTED_TIME}`);
    if (!HAS_OFFSET.test(text)) {
      throw refuse(
        'an ISO time without an offset is ambiguous (it names a different instant in each time zone); ' +
          "add an offset or Z, e.g. '2025-03-01T09:00:00+01:00', or pass DateTime.fromISO(s, { zone: 'Europe/Paris' })",
      );
    }
    return parsed.toMillis();
  }
  throw refuse(`got ${input === null ? 'null' : typeof input}; ${EXPECTED_TIME}`);
}

const FORMAT_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', DAY],
  ['h', HOUR],
  ['m', MINUTE],
  ['s', SECOND],
  ['ms', 1],
];

/**
 * A short human form for logs and messages: the largest non-zero unit and, if non-zero, the one below
 * it; smaller units are dropped (`'1h 30m'`, `'250ms'`, `'2d 3h'`, `'1s 500ms'`, `'0ms'`). Lossy on
 * purpose: a log line wants "about when", and the exact figure is in the stored milliseconds.
 *
 * @example
 * formatDuration(5_400_000); // '1h 30m'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.round(Math.abs(ms));
  const first = FORMAT_UNITS.findIndex(([, size]) => abs >= size);
  if (abs === 0 || first === -1) return '0ms';
  const [unit, size] = FORMAT_UNITS[first]!;
  let text = `${Math.floor(abs / size)}${unit}`;
  const next = FORMAT_UNITS[first + 1];
  if (next !== undefined) {
    const count = Math.floor((abs % size) / next[1]);
    if (count > 0) text += ` ${count}${next[0]}`;
  }
  return (ms < 0 ? '-' : '') + text;
}

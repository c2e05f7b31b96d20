import { Cron } from 'croner';
import { IANAZone } from 'luxon';
import { ValidationError } from '../foundation/errors.js';
import { describe } from '../foundation/names.js';

/** What to do with ticks that passed while no worker ran. */
export type CatchUpPolicy = 'none' | 'latest' | 'all';

/** A cron schedule: `@workflow({ schedule })` or `runtime.schedule(name, fn, args, options)`. */
export interface ScheduleOptions {
  /** A cron expression (5 fields, or 6 with seconds first), e.g. `'30 2 * * *'`; one that never fires is refused. */
  cron: string;
  /** IANA time zone the expression is read in, e.g. `'Europe/Berlin'` (stored by its canonical name, whatever the case given). Default `'UTC'`. */
  timezone?: string;
  /**
   * Ticks missed while no worker ran (more than a minute late): `'none'` skips them, `'latest'` (default)
   * runs the most recent one, `'all'` runs each of them (at most 1 000).
   */
  catchUp?: CatchUpPolicy;
}

export interface ResolvedSchedule {
  cron: string;
  timezone: string;
  catchUp: CatchUpPolicy;
}

/** A tick this much late or more counts as missed (not merely slow to start). */
export const MISSED_AFTER_MS = 60_000;
/** The most ticks `'all'` runs at once after an outage. */
export const MAX_CATCH_UP = 1_000;

const POLICIES: CatchUpPolicy[] = ['none', 'latest', 'all'];

/** Validates a schedule, naming the bad part: an invalid expression or time zone is refused at registration. */
export function resolveSchedule(options: ScheduleOptions, owner: string): ResolvedSchedule {
  if (typeof options !== 'object' || options === null) throw new ValidationError(`invalid schedule of ${owner}: expected { cron, timezone?, catchUp? }, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!['cron', 'timezone', 'catchUp'].includes(key)) throw new ValidationError(`unknown schedule option ${JSON.stringify(key)} of ${owner}; known: cron, timezone, catchUp`);
  }
  const given = options.timezone ?? 'UTC';
  if (typeof given !== 'string' || !IANAZone.isValidZone(given)) {
    throw new ValidationError(`invalid time zone ${describe(given)} in the schedule of ${owner}: expected an IANA zone such as 'Europe/Berlin' or 'UTC'`);
  }
  const timezone = canonicalZone(given);
  if (typeof options.cron !== 'string') throw new ValidationError(`invalid cron expression of ${owner}: expected a string, got ${describe(options.cron)}`);
  let next: Date | null;
  try {
    next = new Cron(options.cron, { timezone, paused: true }).nextRun();
  } catch (error) {
    throw new ValidationError(`invalid cron expression ${JSON.stringify(options.cron)} in the schedule of ${owner}: ${(error as Error).message}`, { cause: error });
  }
  if (next === null) {
    throw new ValidationError(`cron expression ${JSON.stringify(options.cron)} in the schedule of ${owner} never fires: no date matches it (e.g. the 30th of February)`);
  }
  const catchUp = options.catchUp ?? 'latest';
  if (!POLICIES.includes(catchUp)) throw new ValidationError(`invalid catchUp ${describe(catchUp)} in the schedule of ${owner}: expected 'none', 'latest' or 'all'`);
  return { cron: options.cron, timezone, catchUp };
}

/**
 * The zone's canonical IANA name, as the platform's time zone data spells it: `'europe/berlin'` is stored as
 * `'Europe/Berlin'` (and a link such as `'US/Pacific'` as the zone it names), so that one zone is one name.
 */
function canonicalZone(zone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
}

/**
 * The next tick strictly after `after` (epoch ms), computed in the schedule's time zone: across daylight
 * saving changes each wall-clock time fires once (a time skipped by a spring-forward fires at the first
 * valid moment after it; a time repeated by a fall-back fires once).
 */
export function nextTick(schedule: Pick<ResolvedSchedule, 'cron' | 'timezone'>, after: number): number | null {
  const next = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }).nextRun(new Date(after));
  return next ? next.getTime() : null;
}

/**
 * The ticks to fire now, given the last tick fired: every tick in (lastTick, now], filtered by the catch-up
 * policy, and the tick to record as the last one (the latest due, fired or skipped).
 */
export function dueTicks(schedule: ResolvedSchedule, lastTick: number, now: number): { fire: number[]; last: number } {
  const cron = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
  const due: number[] = [];
  let cursor = lastTick;
  let skipped = 0;
  for (;;) {
    const next = cron.nextRun(new Date(cursor));
    if (!next || next.getTime() > now) break;
    cursor = next.getTime();
    if (due.length >= MAX_CATCH_UP) {
      due.shift();
      skipped++;
    }
    due.push(cursor);
    if (skipped > 100_000) break; // a per-second schedule after a very long outage: stop counting
  }
  if (due.length === 0) return { fire: [], last: lastTick };
  const last = due[due.length - 1]!;
  const onTime = due.filter((tick) => now - tick < MISSED_AFTER_MS);
  const missed = due.filter((tick) => now - tick >= MISSED_AFTER_MS);
  switch (schedule.catchUp) {
    case 'all':
      return { fire: due, last };
    case 'none':
      return { fire: onTime, last };
    case 'latest':
      return { fire: onTime.length > 0 ? onTime : missed.slice(-1), last };
  }
}

/** The workflow id of one tick: the same on every worker, so a tick runs once. */
export function tickWorkflowId(scheduleName: string, tick: number): string {
  return `${scheduleName}@${new Date(tick).toISOString()}`;
}

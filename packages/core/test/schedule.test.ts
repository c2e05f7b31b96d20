import { describe, expect, it } from 'vitest';
import { dueTicks, MISSED_AFTER_MS, nextTick, resolveSchedule, tickWorkflowId } from '../src/definition/schedule.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const ticks = (cron: string, timezone: string, from: string, count: number) => {
  const out: string[] = [];
  let at = Date.parse(from);
  for (let i = 0; i < count; i++) {
    at = nextTick({ cron, timezone }, at)!;
    out.push(iso(at)!);
  }
  return out;
};

describe('cron ticks across daylight saving changes', () => {
  it('Europe/Berlin: a 02:30 daily job runs once on the spring-forward day (at 03:30 local)', () => {
    expect(ticks('30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 02:30 does not exist: 03:30 CEST, once
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('Europe/Berlin: a 02:30 daily job runs once, not twice, on the fall-back day', () => {
    const out = ticks('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 2);
    expect(out).toHaveLength(2);
    expect(out[0]!.startsWith('2026-10-25')).toBe(true);
    expect(out[1]!.startsWith('2026-10-26')).toBe(true);
  });

  it('America/New_York: spring forward runs 02:30 once; fall back runs 01:30 once', () => {
    expect(ticks('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 2)).toEqual(['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    const fallBack = ticks('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2);
    expect(fallBack.filter((t) => t.startsWith('2026-11-01'))).toHaveLength(1);
    expect(fallBack[1]).toBe('2026-11-02T06:30:00.000Z');
  });
});

describe('catch-up policies', () => {
  const hourly = (catchUp: 'none' | 'latest' | 'all') => resolveSchedule({ cron: '0 * * * *', catchUp }, 'test');
  const last = Date.parse('2026-01-01T00:00:00Z');
  const now = Date.parse('2026-01-01T05:30:00Z'); // ticks 01:00 .. 05:00 were missed

  it("'all' runs every missed tick, 'latest' the most recent, 'none' none; all advance the last tick", () => {
    expect(dueTicks(hourly('all'), last, now).fire.map(iso)).toEqual(['01', '02', '03', '04', '05'].map((h) => `2026-01-01T${h}:00:00.000Z`));
    expect(dueTicks(hourly('latest'), last, now).fire.map(iso)).toEqual(['2026-01-01T05:00:00.000Z']);
    expect(dueTicks(hourly('none'), last, now).fire).toEqual([]);
    for (const policy of ['all', 'latest', 'none'] as const) expect(iso(dueTicks(hourly(policy), last, now).last)).toBe('2026-01-01T05:00:00.000Z');
  });

  it('a tick that is merely a little late is on time, whatever the policy', () => {
    const onTime = Date.parse('2026-01-01T01:00:00Z') + MISSED_AFTER_MS - 1;
    expect(dueTicks(hourly('none'), last, onTime).fire.map(iso)).toEqual(['2026-01-01T01:00:00.000Z']);
    expect(dueTicks(hourly('none'), last, last + 1).fire).toEqual([]);
  });

  it('names each tick deterministically', () => {
    expect(tickWorkflowId('nightly', Date.parse('2026-01-01T02:00:00Z'))).toBe('nightly@2026-01-01T02:00:00.000Z');
  });
});

describe('schedule validation', () => {
  it('refuses an invalid expression, time zone or policy, naming it', () => {
    expect(() => resolveSchedule({ cron: '61 * * * *' }, 'workflow w')).toThrow('invalid cron expression "61 * * * *" in the schedule of workflow w');
    expect(() => resolveSchedule({ cron: '0 0 30 2 *' }, 'workflow w')).toThrow('cron expression "0 0 30 2 *" in the schedule of workflow w never fires: no date matches it');
    expect(() => resolveSchedule({ cron: '0 0 31 4 *', timezone: 'Europe/Berlin' }, 'workflow w')).toThrow('never fires');
    expect(resolveSchedule({ cron: '0 0 29 2 *' }, 'workflow w').cron).toBe('0 0 29 2 *'); // every leap year
    expect(resolveSchedule({ cron: '0 * * * *', timezone: 'europe/berlin' }, 'workflow w').timezone).toBe('Europe/Berlin');
    expect(resolveSchedule({ cron: '0 * * * *', timezone: 'utc' }, 'workflow w').timezone).toBe('UTC');
    expect(() => resolveSchedule({ cron: 'every day' }, 'workflow w')).toThrow('invalid cron expression "every day"');
    expect(() => resolveSchedule({ cron: '0 * * * *', timezone: 'Mars/Olympus' }, 'workflow w')).toThrow(
      'invalid time zone "Mars/Olympus" in the schedule of workflow w',
    );
    expect(() => resolveSchedule({ cron: '0 * * * *', catchUp: 'some' as never }, 'workflow w')).toThrow("invalid catchUp \"some\"");
    expect(() => resolveSchedule({ cron: '0 * * * *', every: 1 } as never, 'workflow w')).toThrow('unknown schedule option "every"');
  });
});

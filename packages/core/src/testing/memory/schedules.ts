import type { ScheduleRecord } from '../../foundation/types.js';
import { compare } from './read-create.js';
import type { MemoryStore } from './memory-store.js';

/** Creates or replaces a schedule; its last tick is kept unless it is new or its cron or time zone changed. */
export function upsertSchedule(store: MemoryStore, s: ScheduleRecord): void {
  const existing = store.schedules.get(s.name);
  const keepTick = existing !== undefined && existing.cron === s.cron && existing.timezone === s.timezone;
  store.schedules.set(s.name, {
    ...s,
    createdAt: existing?.createdAt ?? s.createdAt,
    lastTickAt: keepTick ? existing.lastTickAt : s.lastTickAt,
  });
}

export function deleteSchedule(store: MemoryStore, name: string): boolean {
  return store.schedules.delete(name);
}

/** By name. */
export function listSchedules(store: MemoryStore): ScheduleRecord[] {
  return [...store.schedules.values()].sort((a, b) => compare(a.name, b.name)).map((s) => ({ ...s }));
}

/** Moves the last tick from `from` to `to` only if it is still `from`: one worker wins each tick. */
export function advanceSchedule(store: MemoryStore, name: string, from: number, to: number, now: number): boolean {
  const schedule = store.schedules.get(name);
  if (!schedule || schedule.lastTickAt !== from) return false;
  schedule.lastTickAt = to;
  schedule.updatedAt = now;
  return true;
}

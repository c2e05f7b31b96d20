import { inspectPayload } from '../foundation/codec/codec-serializer.js';
import type { Serializer } from '../foundation/serialization.js';
import type { ScheduleRecord } from '../foundation/types.js';
import { nextTick, type CatchUpPolicy } from '../definition/schedule.js';

/** A stored cron schedule as `listSchedules()` returns it: like `WorkflowInfo`, with Dates and decoded arguments. */
export interface ScheduleInfo {
  name: string;
  /** The workflow each tick starts. */
  workflowName: string;
  cron: string;
  /** The IANA time zone the expression is read in, canonical (`'Europe/Berlin'`). */
  timezone: string;
  catchUp: CatchUpPolicy;
  /** The arguments each tick's workflow is started with (an encrypted payload this process cannot read shows as such). */
  args: unknown[];
  /** The latest tick fired or skipped; ticks after it are due. */
  lastTickAt: Date;
  /** The next tick after `lastTickAt`; undefined if the expression never fires again. */
  nextTickAt: Date | undefined;
  createdAt: Date;
  updatedAt: Date;
}

export function toScheduleInfo(record: ScheduleRecord, serializer: Serializer): ScheduleInfo {
  // Schedules are checked to fire when stored, but one stored before that check may never fire.
  const next = nextTick(record, record.lastTickAt);
  return {
    name: record.name,
    workflowName: record.workflowName,
    cron: record.cron,
    timezone: record.timezone,
    catchUp: record.catchUp,
    args: inspectPayload(record.args, serializer) as unknown[],
    lastTickAt: new Date(record.lastTickAt),
    nextTickAt: next === null ? undefined : new Date(next),
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
  };
}

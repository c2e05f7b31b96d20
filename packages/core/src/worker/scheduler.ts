import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../foundation/clock.js';
import type { ScheduleRecord } from '../foundation/types.js';
import type { Registry } from '../definition/registry.js';
import { dueTicks, nextTick, tickWorkflowId } from '../definition/schedule.js';
import { runDefaults, type WorkflowMeta } from '../definition/step-meta.js';
import type { StorageAdapter } from '../storage/storage-adapter.js';

export interface SchedulerConfig {
  storage: StorageAdapter;
  registry: Registry;
  clock: Clock;
  logger: Logger;
  /** How often schedules are re-read (to see ones added or removed by other processes). */
  refreshMs: number;
  /** Told when a tick's workflow was created, so the worker claims it at once. */
  onCreated(at: number): void;
  /** The version each tick's run is pinned to (the runtime's `version`), or null. */
  version?: string | null;
}

/**
 * Fires cron schedules on a started runtime. Every worker runs one: each tick's workflow has a
 * deterministic id, so however many workers fire it, it is created once; the schedule's last tick moves
 * forward by compare-and-set. Missed ticks follow the schedule's catch-up policy.
 */
export class Scheduler {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly config: SchedulerConfig) {}

  start(): void {
    this.refresh();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** Re-reads the schedules now, fires what is due, and plans the next wake-up. */
  refresh(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.tick()
      .catch((error) => {
        this.config.logger.warn({ err: error }, 'firing schedules failed; will try again');
        // A failed round (the database away) must not stop the schedules: look again soon.
        this.arm(this.config.clock.now() + Math.min(this.config.refreshMs, 1_000));
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      });
  }

  private async tick(): Promise<void> {
    const { storage, clock, refreshMs } = this.config;
    const schedules = await storage.listSchedules();
    let wakeAt = clock.now() + refreshMs;
    for (const schedule of schedules) {
      const meta = this.config.registry.get(schedule.workflowName)?.meta;
      if (!meta || meta.kind !== 'workflow') continue; // a worker that registered it fires it
      const last = await this.fire(schedule, meta);
      const next = nextTick(schedule, Math.max(last, clock.now()));
      if (next !== null) wakeAt = Math.min(wakeAt, next);
    }
    this.arm(wakeAt);
  }

  private arm(at: number): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = this.config.clock.setTimer(() => this.refresh(), Math.max(0, at - this.config.clock.now()));
  }

  /** Creates the workflows of the due ticks, then records the last tick; returns it. */
  private async fire(schedule: ScheduleRecord, meta: WorkflowMeta): Promise<number> {
    const { storage, clock, logger } = this.config;
    const now = clock.now();
    const { fire, last } = dueTicks(schedule, schedule.lastTickAt, now);
    if (last === schedule.lastTickAt) return last;
    for (const tick of fire) {
      const { created } = await storage.createWorkflow({
        id: tickWorkflowId(schedule.name, tick),
        name: meta.name,
        kind: 'workflow',
        ...runDefaults(meta, tick, this.config.version),
        args: schedule.args,
        parentId: null,
        nextAt: tick,
        now,
      });
      if (created) {
        logger.info({ schedule: schedule.name, tick: new Date(tick).toISOString() }, 'schedule fired');
        this.config.onCreated(tick);
      }
    }
    const skipped = schedule.lastTickAt < last ? countSkipped(fire.length, schedule, last) : 0;
    if (skipped > 0) logger.warn({ schedule: schedule.name, skipped, catchUp: schedule.catchUp }, 'skipped ticks missed while no worker ran');
    await storage.advanceSchedule(schedule.name, schedule.lastTickAt, last, now);
    return last;
  }
}

function countSkipped(fired: number, schedule: ScheduleRecord, last: number): number {
  let count = 0;
  for (let t = nextTick(schedule, schedule.lastTickAt); t !== null && t <= last && count < 100_000; t = nextTick(schedule, t)) count++;
  return count - fired;
}

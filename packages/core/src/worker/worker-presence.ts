import type { Logger } from 'pino';
import type { Clock } from '../foundation/clock.js';
import { strandedByVersion } from '../storage/stranded-runs.js';
import type { StorageAdapter } from '../storage/storage-adapter.js';

export interface PresenceConfig {
  storage: StorageAdapter;
  clock: Clock;
  logger: Logger;
  /** The worker's id. */
  owner: string;
  queues: readonly string[];
  /** A pinned worker's versions; undefined for an unpinned worker (every version). */
  serveVersions: readonly string[] | undefined;
  /** How often the presence is refreshed (the lease heartbeat's interval). */
  heartbeatMs: number;
  leaseMs: number;
}

/** At most one warning about stranded runs per this long, from each worker. */
const WARN_EVERY_MS = 60_000;

/**
 * Announces a started worker in the storage's workers table every heartbeat, with the versions and queues it
 * serves, so a client can tell runs that no live worker serves (stranded by version) from runs that merely
 * wait. A presence outlives a missed heartbeat or two and then expires by itself: a killed worker leaves no
 * row behind for long. At most once a minute (of the runtime's clock) it also looks for stranded runs and
 * warns about them. Heartbeats are timed in real time (see `beat`).
 */
export class WorkerPresence {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastWarnAt = -Infinity;

  constructor(private readonly config: PresenceConfig) {}

  /** Announces the worker now (so it is known before it claims anything) and then every heartbeat. */
  async start(): Promise<void> {
    await this.beat();
  }

  /** Stops announcing and withdraws the presence (a graceful shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.config.storage.withdrawWorker(this.config.owner).catch((error) => this.config.logger.warn({ err: error }, 'could not withdraw the worker presence'));
  }

  private async beat(): Promise<void> {
    const { storage, clock, logger, owner, heartbeatMs, leaseMs } = this.config;
    const now = clock.now();
    try {
      await storage.announceWorker({
        id: owner,
        versions: this.config.serveVersions ? [...this.config.serveVersions] : null,
        queues: [...this.config.queues],
        seenAt: now,
        expiresAt: now + Math.max(3 * heartbeatMs, leaseMs),
      });
      if (now - this.lastWarnAt >= WARN_EVERY_MS) await this.warnStranded(now);
    } catch (error) {
      logger.warn({ err: error }, 'could not announce the worker presence; will try again');
    } finally {
      // Liveness is a matter of real time, whatever the runtime's clock: on a virtual clock that jumps a week,
      // a heartbeat on that clock would fire some 120 000 times. The stamps are the runtime's clock, which
      // clients compare them with.
      if (!this.stopped) this.timer = setTimeout(() => void this.beat(), heartbeatMs).unref();
    }
  }

  private async warnStranded(now: number): Promise<void> {
    this.lastWarnAt = now;
    const { stranded, workers } = await strandedByVersion(this.config.storage, now);
    if (stranded.length === 0) return;
    const served = workers.map((w) => `${w.id}: ${w.versions === null ? 'every version' : w.versions.join(', ')} on ${w.queues.join(', ')}`);
    this.config.logger.warn(
      { stranded, workers: served },
      `${stranded.reduce((sum, row) => sum + row.count, 0)} unfinished run(s) are stranded by version: no live worker serves ` +
        `${stranded.map((row) => `${row.version} on queue ${row.queue} (${row.count})`).join(', ')}. ` +
        'Start a worker that serves that version, or move the runs with "steadfast migrate-version".',
    );
  }
}

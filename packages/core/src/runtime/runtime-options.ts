import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../foundation/clock.js';
import { ValidationError } from '../foundation/errors.js';
import { validateInteger, validateName } from '../foundation/names.js';
import type { ErrorClass, Serializer } from '../foundation/serialization.js';
import type { PayloadCodec } from '../foundation/codec/payload-codec.js';
import { checkKnownOptions, CLIENT_OPTION_KEYS, resolveClientOptions, type ResolvedClientOptions } from '../client/client-options.js';
import type { StorageAdapter } from '../storage/storage-adapter.js';
import { resolveRetention, type ResolvedRetention, type RetentionOptions } from '../worker/retention.js';

/** Options of `new Runtime(...)`: a client's options, and how its worker claims and runs work. */
export interface RuntimeOptions {
  /** Where workflows, steps and events are kept: a `SqliteAdapter` or a `PostgresAdapter`. Required. */
  storage: StorageAdapter;
  /** A pino logger. Default: pino at level `warn`, named `steadfast`. */
  logger?: Logger;
  /** Workflows and jobs this runtime executes at once. Default 10. */
  concurrency?: number;
  /**
   * Claimed workflows held ready beyond `concurrency`, so that a finished one is followed at once, without a
   * claim in between: they are leased (and their leases renewed) while they wait, given back at shutdown,
   * and, if this process dies, resumed elsewhere once their leases expire. Not used for queues with flow
   * control (`runtime.queue()`), whose room they would hold. Default 0.
   */
  prefetch?: number;
  /**
   * Queues this runtime claims from: exactly these when given. Default `['default']` and every queue declared
   * on this runtime with `runtime.queue(name, …)` (declaring flow control for a queue is asking to run it).
   * Work stored in a queue that no live worker serves is warned about once and shown in `stats().unserved`.
   */
  queues?: string[];
  /** How long a claim lasts without a heartbeat; a crashed worker's work is resumed after this. Default 15 000 ms. */
  leaseMs?: number;
  /** How often leases are renewed. Must be at most a third of `leaseMs`. Default 5 000 ms, or a third of `leaseMs` if that is less. */
  heartbeatMs?: number;
  /**
   * Longest wait between looks for due work that a queue's limits hold back, and between looks of an idle
   * worker whose storage cannot notify it; also how often `result()` reads a workflow that runs elsewhere.
   * Default 1 000 ms.
   */
  pollIntervalMs?: number;
  /**
   * With a storage that notifies idle workers of due work (PostgreSQL, SQLite): how long an idle worker waits,
   * at most, before it looks on its own, in case a notification was lost. Default 30 000 ms.
   */
  idlePollIntervalMs?: number;
  /** Waits (sleeps, retry backoffs) up to this long stay in memory with the lease held; longer ones free the slot. Default 5 000 ms. */
  inMemoryWaitMs?: number;
  /** Largest serialized argument list or result. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Error classes revived by name when a checkpointed error is replayed (the built-in and Steadfast errors always are). */
  errorClasses?: ErrorClass[];
  /** Time source and timers. Default the system clock; tests pass a virtual clock. */
  clock?: Clock;
  /** Encodes arguments, results and errors. Default the built-in tagged-JSON serializer. */
  serializer?: Serializer;
  /**
   * Payload codecs applied, in order, to every stored payload, e.g. `[compression(), encryption({ keys, currentKey })]`;
   * see `WorkflowClientOptions.codec`. Default none.
   */
  codec?: PayloadCodec | PayloadCodec[];
  /** Names this worker in leases and logs. Default `<hostname>:<pid>:<random>`. */
  workerId?: string;
  /** Purge finished workflows after these ages (a started runtime does it; one worker at a time). Default: keep all. */
  retention?: RetentionOptions;
  /**
   * Your application's version (a release id, a commit). Every run this runtime starts (its own starts,
   * child workflows, cron ticks) is stored with it, and the worker is pinned: it claims only runs of
   * `serveVersions` and unpinned ones. Default none: unpinned runs (or their workflow's `version` label), and
   * a worker that serves every run. Never default it to something that changes with every build: each deploy
   * would strand the runs in flight.
   */
  version?: string | null;
  /**
   * The versions whose runs this worker claims, besides unpinned runs (those stored with no version). Giving
   * it pins the worker. Default: `[version]` when `version` is set (a pinned worker serves its own
   * version), else unpinned: every run, whatever its version, as without versions at all.
   */
  serveVersions?: string[];
}

export interface ResolvedOptions extends ResolvedClientOptions {
  concurrency: number;
  prefetch: number;
  /** The queues the worker claims from; grows with `runtime.queue()` when `servesDeclaredQueues`. */
  queues: string[];
  /** `queues` was not given: a queue declared with `runtime.queue()` is served too. */
  servesDeclaredQueues: boolean;
  leaseMs: number;
  heartbeatMs: number;
  inMemoryWaitMs: number;
  idlePollIntervalMs: number;
  workerId: string;
  retention: ResolvedRetention | undefined;
  /** What the worker serves besides unpinned runs; undefined for an unpinned worker (every run). */
  serveVersions: string[] | undefined;
}

const KNOWN = [
  ...CLIENT_OPTION_KEYS, 'concurrency', 'prefetch', 'queues', 'leaseMs', 'heartbeatMs', 'inMemoryWaitMs', 'idlePollIntervalMs', 'workerId', 'retention',
  'serveVersions',
];

export function resolveOptions(options: RuntimeOptions): ResolvedOptions {
  checkKnownOptions(options, KNOWN, 'Runtime');
  const client = resolveClientOptions(options, 'Runtime');
  const leaseMs = validateInteger(options.leaseMs ?? 15_000, 'leaseMs', 1_000, 3_600_000);
  const heartbeatMs = validateInteger(options.heartbeatMs ?? Math.min(5_000, Math.floor(leaseMs / 3)), 'heartbeatMs', 100, 1_200_000);
  if (heartbeatMs * 3 > leaseMs) {
    throw new ValidationError(`invalid heartbeatMs: ${heartbeatMs} must be at most a third of leaseMs (${leaseMs}) so a lease survives a missed heartbeat`);
  }
  const queues = options.queues === undefined ? ['default'] : [...options.queues];
  if (!Array.isArray(queues) || queues.length === 0) throw new ValidationError('invalid queues: expected a non-empty array of queue names');
  queues.forEach((queue, i) => validateName(queue, `queues[${i}]`));
  return {
    ...client,
    concurrency: validateInteger(options.concurrency ?? 10, 'concurrency', 1, 10_000),
    prefetch: validateInteger(options.prefetch ?? 0, 'prefetch', 0, 10_000),
    queues,
    servesDeclaredQueues: options.queues === undefined,
    leaseMs,
    heartbeatMs,
    inMemoryWaitMs: validateInteger(options.inMemoryWaitMs ?? 5_000, 'inMemoryWaitMs', 0, 3_600_000),
    idlePollIntervalMs: validateInteger(options.idlePollIntervalMs ?? Math.max(30_000, client.pollIntervalMs), 'idlePollIntervalMs', 10, 3_600_000),
    workerId: validateName(options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, 'workerId'),
    retention: resolveRetention(options.retention),
    serveVersions: resolveServeVersions(options.serveVersions, client.version),
  };
}

function resolveServeVersions(serve: string[] | undefined, version: string | null): string[] | undefined {
  if (serve === undefined) return version === null ? undefined : [version];
  if (!Array.isArray(serve) || serve.length === 0) throw new ValidationError('invalid serveVersions: expected a non-empty array of versions (leave it out for an unpinned worker)');
  return [...new Set(serve.map((v, i) => validateName(v, `serveVersions[${i}]`)))];
}

/** See `runtime.state`. */
export type RuntimeState = 'idle' | 'starting' | 'started' | 'stopping' | 'stopped';

export interface ShutdownOptions {
  /** How long in-flight steps may take to finish before their leases are released anyway. Default 10 000 ms. */
  timeout?: number;
}

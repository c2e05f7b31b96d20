import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from '../foundation/clock.js';
import { STEADFAST_ERROR_CLASSES, ValidationError } from '../foundation/errors.js';
import { validateInteger, validateName } from '../foundation/names.js';
import { createSerializer, DEFAULT_MAX_PAYLOAD_BYTES, type ErrorClass, type Serializer } from '../foundation/serialization.js';
import type { PayloadCodec } from '../foundation/codec/payload-codec.js';
import { withCodecs } from '../foundation/codec/codec-serializer.js';
import type { StorageAdapter } from '../storage/storage-adapter.js';

/** Options of `new WorkflowClient(...)`: the part of the runtime options a client needs. */
export interface WorkflowClientOptions {
  /** Where workflows, steps and events are kept: a `SqliteAdapter` or a `PostgresAdapter`. Required. */
  storage: StorageAdapter;
  /** A pino logger. Default: pino at level `warn`, named `steadfast`. */
  logger?: Logger;
  /** Largest serialized argument list or result. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Error classes revived by name when a stored error is read (the built-in and Steadfast errors always are). */
  errorClasses?: ErrorClass[];
  /** Time source. Default the system clock; tests pass a virtual clock. */
  clock?: Clock;
  /** Encodes arguments, results and errors. Default the built-in tagged-JSON serializer. */
  serializer?: Serializer;
  /**
   * Payload codecs applied, in order, to every payload the serializer writes (arguments, step results, errors,
   * events, stream chunks, signals), and undone on read: e.g. `[compression(), encryption({ keys, currentKey })]`.
   * Give every process of a database the codecs (and keys) of the others. Default none (payloads are
   * stored as readable JSON; encoded ones written by others are still decoded where the codec is known).
   */
  codec?: PayloadCodec | PayloadCodec[];
  /** Longest wait between two reads of a workflow that `result()` waits for while it runs elsewhere. Default 1 000 ms. */
  pollIntervalMs?: number;
  /**
   * How long a call (start, enqueue, signal, cancel, retry, reads) waits out an unreachable storage, retrying
   * with backoff, before it fails with `StorageUnavailableError`. Safe: starts are idempotent by an id fixed
   * before the first try, signals by a key. 0 fails at once. Default 30 000 ms.
   */
  unavailableRetryMs?: number;
  /**
   * Your application's version (a release id, a commit): every run this client or runtime starts is stored
   * with it (pinned), and pinned workers claim only runs of the versions they serve (see the runtime's
   * `serveVersions`). Default none: runs are unpinned (or carry their workflow's `version` option) and any
   * worker serves them (null says the same). A default that changed with every build would strand in-flight
   * runs on each deploy.
   */
  version?: string | null;
}

/** The client option names, which `new Runtime(...)` accepts too. */
export const CLIENT_OPTION_KEYS = [
  'storage', 'logger', 'maxPayloadBytes', 'errorClasses', 'clock', 'serializer', 'codec', 'pollIntervalMs', 'unavailableRetryMs', 'version',
] as const;

export interface ResolvedClientOptions {
  storage: StorageAdapter;
  logger: Logger;
  clock: Clock;
  serializer: Serializer;
  pollIntervalMs: number;
  unavailableRetryMs: number;
  /** Null when unpinned. */
  version: string | null;
}

/** Checks the client's options and applies the defaults; `owner` names the class in messages (`Runtime`, `WorkflowClient`). */
export function resolveClientOptions(options: WorkflowClientOptions, owner: string): ResolvedClientOptions {
  if (!options.storage || typeof options.storage.claim !== 'function') {
    throw new ValidationError(`new ${owner}(options): options.storage must be a storage adapter such as new SqliteAdapter({ filename })`);
  }
  const maxPayloadBytes = validateInteger(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, 'maxPayloadBytes', 1, 1024 * 1024 * 1024);
  const serializer = withCodecs(options.serializer ?? createSerializer({ maxPayloadBytes }), options.codec);
  serializer.registerErrorClass(...STEADFAST_ERROR_CLASSES, ...(options.errorClasses ?? []));
  return {
    storage: options.storage,
    logger: options.logger ?? pino({ name: 'steadfast', level: 'warn' }),
    clock: options.clock ?? systemClock,
    serializer,
    pollIntervalMs: validateInteger(options.pollIntervalMs ?? 1_000, 'pollIntervalMs', 10, 3_600_000),
    unavailableRetryMs: validateInteger(options.unavailableRetryMs ?? 30_000, 'unavailableRetryMs', 0, 86_400_000),
    version: options.version == null ? null : validateName(options.version, 'version'),
  };
}

/** Refuses anything but an object whose keys are all in `known`, naming the unknown one and the known ones. */
export function checkKnownOptions(options: unknown, known: readonly string[], owner: string): void {
  if (typeof options !== 'object' || options === null) throw new ValidationError(`new ${owner}(options): options must be an object with at least { storage }`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new ValidationError(`unknown ${owner} option ${JSON.stringify(key)}; known options: ${known.join(', ')}`);
  }
}

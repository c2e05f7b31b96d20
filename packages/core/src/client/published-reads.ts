import { toMilliseconds, type DurationInput } from '../foundation/duration.js';
import { ValidationError, WorkflowNotFoundError } from '../foundation/errors.js';
import { checkOptionKeys, describe, validateInteger, validateName } from '../foundation/names.js';
import { inspectPayload } from '../foundation/codec/codec-serializer.js';
import type { Serializer } from '../foundation/serialization.js';
import { FINISHED_STATUSES } from '../foundation/types.js';
import { MAX_STREAM_READ } from '../storage/publication.js';
import type { StorageAdapter } from '../storage/storage-adapter.js';

/** Options of `handle.getEvent`. */
export interface GetEventOptions {
  /** How long to wait for the event to be set, if it is not yet. `0` reads once. Default 60 s. */
  timeout?: DurationInput;
}

/** Options of `handle.readStream`. */
export interface ReadStreamOptions {
  /** The position to start at: the chunk written first is at 0; after reading `n` chunks, pass `n` to resume. Default 0. */
  from?: number;
  /** Stops the iteration (it ends, without an error) when aborted, e.g. when the HTTP client went away. */
  signal?: AbortSignal;
}

/** An event a workflow set, as `handle.events()` reports it. */
export interface WorkflowPublishedEvent {
  key: string;
  value: unknown;
  /** The step that set it. */
  step: number;
  setAt: Date;
}

/** A stream of a workflow, as `handle.streams()` reports it. */
export interface WorkflowStreamInfo {
  key: string;
  /** Chunks written so far. */
  chunks: number;
  /** Whether `closeStream` ended it. */
  closed: boolean;
  updatedAt: Date;
}

/** What a client gives its readers of events and streams. */
export interface PublicationsHost {
  readonly storage: StorageAdapter;
  readonly serializer: Serializer;
  /** Longest wait between two looks of a reader that heard nothing (the fallback to notifications). */
  readonly pollIntervalMs: number;
  ensureReady(): Promise<void>;
  /** Calls `fn` when the workflow's execution on this runtime's own worker ends; returns the function that stops it. */
  onSettled(id: string, fn: () => void): () => void;
}

const DEFAULT_EVENT_TIMEOUT_MS = 60_000;

/**
 * Reads what running workflows publish: each reader watches the workflow (the storage's notifications, the
 * runtime's own worker ending it) and reads again when told, or after the poll interval at the longest; it
 * never polls faster. Reads stop when the workflow has finished and nothing more is there.
 */
export class PublishedReads {
  constructor(private readonly host: PublicationsHost) {}

  /** The event's value once set (the latest); undefined if the timeout passes first or the workflow ends without it. */
  async getEvent(id: string, key: string, options: GetEventOptions = {}): Promise<unknown> {
    validateName(key, 'event key of getEvent');
    checkOptionKeys(options, ['timeout'], 'getEvent');
    const timeoutMs = options.timeout === undefined ? DEFAULT_EVENT_TIMEOUT_MS : toMilliseconds(options.timeout, 'timeout of getEvent');
    const deadline = Date.now() + timeoutMs;
    const { storage, serializer } = this.host;
    const watch = await this.watch(id);
    try {
      for (;;) {
        const seen = watch.version;
        // The status first: an event set before the workflow finished is then seen by the read after it.
        const finished = await this.finished(id);
        const [event] = await storage.readPublishedEvents(id, key);
        if (event) return serializer.deserialize(event.value);
        const remaining = deadline - Date.now();
        if (finished || remaining <= 0) return undefined;
        await watch.changeAfter(seen, Math.min(remaining, this.host.pollIntervalMs));
      }
    } finally {
      await watch.stop();
    }
  }

  /**
   * Yields the stream's chunks from `from` on, as they are written, until it is closed or the workflow has
   * finished. The options are checked now; the workflow when the iteration begins.
   */
  readStream(id: string, key: string, options: ReadStreamOptions = {}): AsyncGenerator<unknown, void, undefined> {
    validateName(id, 'workflow id');
    validateName(key, 'stream key of readStream');
    checkOptionKeys(options, ['from', 'signal'], 'readStream');
    const from = validateInteger(options.from ?? 0, 'from of readStream', 0, Number.MAX_SAFE_INTEGER);
    const { signal } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ValidationError(`invalid signal of readStream: expected an AbortSignal, got ${describe(signal)}`);
    return this.chunks(id, key, from, signal);
  }

  private async *chunks(id: string, key: string, from: number, signal: AbortSignal | undefined): AsyncGenerator<unknown, void, undefined> {
    let position = from;
    const { storage, serializer } = this.host;
    const watch = await this.watch(id);
    try {
      let finished = false;
      while (!signal?.aborted) {
        const seen = watch.version;
        const chunks = await storage.readStream(id, key, position, MAX_STREAM_READ);
        for (const chunk of chunks) {
          if (chunk.data === null) return;
          position = chunk.position + 1;
          yield serializer.deserialize(chunk.data);
          if (signal?.aborted) return;
        }
        if (chunks.length === MAX_STREAM_READ) continue;
        // It had finished before the read that came back short: nothing more will come.
        if (finished) return;
        finished = await this.finished(id);
        if (!finished) await watch.changeAfter(seen, this.host.pollIntervalMs, signal);
      }
    } finally {
      await watch.stop();
    }
  }

  async events(id: string): Promise<WorkflowPublishedEvent[]> {
    await this.finished(id);
    const events = await this.host.storage.readPublishedEvents(id);
    return events.map((event) => ({ key: event.key, value: inspectPayload(event.value, this.host.serializer), step: event.seq, setAt: new Date(event.updatedAt) }));
  }

  async streams(id: string): Promise<WorkflowStreamInfo[]> {
    await this.finished(id);
    const streams = await this.host.storage.listStreams(id);
    return streams.map((stream) => ({ key: stream.key, chunks: stream.chunks, closed: stream.closed, updatedAt: new Date(stream.updatedAt) }));
  }

  /** Whether the workflow has finished; `WorkflowNotFoundError` if there is none. */
  private async finished(id: string): Promise<boolean> {
    validateName(id, 'workflow id');
    await this.host.ensureReady();
    const record = await this.host.storage.getWorkflow(id);
    if (!record) throw new WorkflowNotFoundError(id);
    return FINISHED_STATUSES.includes(record.status);
  }

  private async watch(id: string): Promise<PublicationWatch> {
    await this.finished(id);
    const watch = new PublicationWatch();
    watch.stops.push(this.host.onSettled(id, watch.changed));
    const { storage } = this.host;
    if (storage.capabilities.notify && storage.watchPublications) {
      const stop = await storage.watchPublications(id, watch.changed);
      watch.stops.push(() => void stop().catch(() => {}));
    }
    return watch;
  }
}

/** What one reader has been told: a count of changes, and a wait for the next. */
class PublicationWatch {
  version = 0;
  readonly stops: Array<() => void> = [];
  private wake: (() => void) | undefined;

  readonly changed = (): void => {
    this.version++;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  };

  /** Resolves at once if told of a change since `seen`, else when told, after `ms`, or when `signal` aborts. */
  changeAfter(seen: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.version !== seen || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  async stop(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
  }
}

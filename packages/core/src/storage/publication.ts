/**
 * What a running workflow publishes for the world outside (`setEvent`, `writeStream`, `closeStream`): each is a
 * step whose checkpoint and publication are written together, fenced, so a replayed step publishes nothing
 * again. Values are serialized payloads, opaque to the storage like every other.
 */
export type Publication =
  /** Sets the event `key` to `value` (replacing an earlier value). */
  | { kind: 'event'; key: string; value: string }
  /** Appends `data` to the stream `key` at the next position (0 for the first chunk). */
  | { kind: 'chunk'; key: string; data: string }
  /** Ends the stream `key`: a last entry without data; later chunks are refused. */
  | { kind: 'close'; key: string };

/** What `publish` did: `published` (or written before, by a call with the same step), or `closed`: a chunk for a stream that has ended, refused with nothing written. */
export type PublishOutcome = 'published' | 'closed';

/** A workflow's event as stored: its latest value. */
export interface PublishedEvent {
  key: string;
  /** The serialized value. */
  value: string;
  /** The step that set it. */
  seq: number;
  /** When it was set (epoch ms). */
  updatedAt: number;
}

/** One entry of a stream. */
export interface StreamChunk {
  /** Its position in the stream: 0, 1, 2, … with no gaps. */
  position: number;
  /** The serialized chunk, or null for the entry that ends the stream. */
  data: string | null;
  /** When it was written (epoch ms). */
  createdAt: number;
}

/** A stream of a workflow, for inspection. */
export interface StreamSummary {
  key: string;
  /** Chunks written (the end entry not counted). */
  chunks: number;
  closed: boolean;
  /** When its last entry was written (epoch ms). */
  updatedAt: number;
}

/** Most chunks one `readStream` call returns. */
export const MAX_STREAM_READ = 1_000;

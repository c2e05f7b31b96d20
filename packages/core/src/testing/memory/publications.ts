import type { Publication, PublishedEvent, PublishOutcome, StreamChunk, StreamSummary } from '../../storage/publication.js';
import type { Lease, NewStep } from '../../storage/storage-adapter.js';
import { compare } from './read-create.js';
import type { MemoryStore } from './memory-store.js';
import { writeStep } from './steps.js';

/** The step's checkpoint with what it publishes, atomically; see the contract for a stream that has ended. */
export function publish(store: MemoryStore, lease: Lease, step: NewStep, publication: Publication, now: number): PublishOutcome {
  store.fence(lease, now);
  const id = lease.workflowId;
  if (store.step(id, step.seq)) return 'published';
  if (publication.kind === 'event') {
    let events = store.publishedEvents.get(id);
    if (!events) store.publishedEvents.set(id, (events = new Map()));
    events.set(publication.key, { key: publication.key, value: publication.value, seq: step.seq, updatedAt: now });
  } else {
    let streams = store.streams.get(id);
    if (!streams) store.streams.set(id, (streams = new Map()));
    const chunks = streams.get(publication.key) ?? [];
    streams.set(publication.key, chunks);
    const closed = chunks.at(-1)?.data === null;
    if (closed && publication.kind === 'chunk') return 'closed';
    if (!closed) chunks.push({ position: chunks.length, data: publication.kind === 'chunk' ? publication.data : null, createdAt: now });
  }
  writeStep(store, id, step, now);
  store.published(id);
  return 'published';
}

export function readPublishedEvents(store: MemoryStore, workflowId: string, key?: string): PublishedEvent[] {
  const events = [...(store.publishedEvents.get(workflowId)?.values() ?? [])].filter((event) => key === undefined || event.key === key);
  return events.sort((a, b) => compare(a.key, b.key)).map((event) => ({ ...event }));
}

export function readStream(store: MemoryStore, workflowId: string, key: string, from: number, limit: number): StreamChunk[] {
  return (store.streams.get(workflowId)?.get(key) ?? []).slice(from, from + limit).map((chunk) => ({ ...chunk }));
}

export function listStreams(store: MemoryStore, workflowId: string): StreamSummary[] {
  return [...(store.streams.get(workflowId) ?? [])]
    .filter(([, chunks]) => chunks.length > 0)
    .sort(([a], [b]) => compare(a, b))
    .map(([key, chunks]) => {
      const closed = chunks.at(-1)!.data === null;
      return { key, chunks: chunks.length - (closed ? 1 : 0), closed, updatedAt: chunks.at(-1)!.createdAt };
    });
}

import { ValidationError } from '../../foundation/errors.js';
import type { Publication } from '../../storage/publication.js';
import type { StepHost } from '../step-host.js';
import { argumentFingerprint } from './fingerprint.js';

/** What a body publishes, before it is serialized. */
export type PublishRequest = { kind: 'event'; key: string; value: unknown } | { kind: 'chunk'; key: string; value: unknown } | { kind: 'close'; key: string };

/**
 * `setEvent`, `writeStream`, `closeStream`: a step whose checkpoint and publication the storage writes in one
 * fenced transaction, so a step that replays publishes nothing again and a worker that lost its lease
 * publishes nothing at all. The value is serialized (and checked) when the call is made, before a position
 * is taken, so a bad one throws there, the same way on every run. A chunk for a stream the workflow ended is
 * the step's error, checkpointed like a task's.
 */
export function publishStep(host: StepHost, request: PublishRequest): Promise<void> {
  const { storage, serializer } = host.services;
  const what = request.kind === 'event' ? `event ${request.key}` : `stream ${request.key}`;
  const publication: Publication =
    request.kind === 'event'
      ? { kind: 'event', key: request.key, value: serializer.serialize(request.value, `value of ${what}`) }
      : request.kind === 'chunk'
        ? { kind: 'chunk', key: request.key, data: serializer.serialize(request.value, `chunk of ${what}`) }
        : { kind: 'close', key: request.key };
  // A replay that publishes something else at this position is caught like a task called with other arguments.
  const fingerprint = request.kind === 'close' ? null : argumentFingerprint(serializer, [request.value], `${what}`);
  const kind = request.kind === 'event' ? 'event' : 'stream';
  return host.step<void>({
    name: request.key,
    kind,
    fingerprint,
    run: async (seq) => {
      const output = serializer.serialize(undefined, `result of ${what}`);
      const step = { seq, name: request.key, kind, output, error: null, attempts: 1, fingerprint } as const;
      const outcome = await host.write(() => storage.publish(host.lease, step, publication, host.checkpointTime()));
      if (outcome === 'closed') {
        return { error: new ValidationError(`stream ${JSON.stringify(request.key)} of workflow ${host.workflowId} was closed with closeStream(); nothing more can be written to it`) };
      }
      return { value: undefined, checkpointed: true };
    },
  });
}

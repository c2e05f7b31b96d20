import { validateName } from '../foundation/names.js';
import { currentTask, requireWorkflow } from '../execution/scope.js';
import { SteadfastError } from '../foundation/errors.js';
import { publishStep, type PublishRequest } from '../execution/steps/publish-step.js';

/*
 * What a workflow body publishes for the world outside while it runs: events (a value per key, read with
 * `handle.getEvent`) and streams (chunks in order, read with `handle.readStream`). Each call is a checkpointed
 * step: written once, with its checkpoint, however often the body replays.
 */

/**
 * Sets the workflow's event `key` to `value` (replacing an earlier value), for `handle.getEvent(key)` to read:
 * a status, a progress figure, a URL to show a user. A step: written exactly once, with its checkpoint.
 *
 * @example
 * ```ts
 * await setEvent('status', { step: 'charging', percent: 40 });
 * ```
 */
export function setEvent(key: string, value: unknown): Promise<void> {
  return publish('setEvent()', { kind: 'event', key, value });
}

/**
 * Appends `chunk` to the workflow's stream `key`, for `handle.readStream(key)` to yield as it is written: the
 * lines of a report, the pieces of an LLM answer (each produced by a task, then written here). A step: written
 * exactly once, with its checkpoint, at the next position of the stream (0 for the first).
 *
 * @example
 * ```ts
 * for (let part = 0; ; part++) {
 *   const piece = await this.nextPiece(prompt, part);   // a task
 *   if (piece === null) break;
 *   await writeStream('answer', piece);
 * }
 * await closeStream('answer');
 * ```
 */
export function writeStream(key: string, chunk: unknown): Promise<void> {
  return publish('writeStream()', { kind: 'chunk', key, value: chunk });
}

/** Ends the stream `key`: its readers finish after its last chunk; a later `writeStream(key, …)` fails. Ending it twice is harmless. */
export function closeStream(key: string): Promise<void> {
  return publish('closeStream()', { kind: 'close', key });
}

function publish(what: string, request: PublishRequest): Promise<void> {
  if (currentTask()) {
    // A task may run more than once (retries, a worker dying before its checkpoint): what it wrote would be
    // written again. The body publishes once per position.
    throw new SteadfastError('OUTSIDE_WORKFLOW', `${what} is a workflow step: call it in the workflow body (for example with what a task returned), not inside a task`);
  }
  const { host } = requireWorkflow(what);
  validateName(request.key, `${request.kind === 'event' ? 'event' : 'stream'} key of ${what}`);
  return publishStep(host, request);
}

import type { Logger } from 'pino';
import type { Clock } from '../foundation/clock.js';

/**
 * What a workflow or task entry point needs from the runtime it was registered with when it is called from
 * outside any workflow: a task runs with the runtime's clock and logger, a workflow starts on it.
 */
export interface EntryOwner {
  readonly clock: Clock;
  readonly logger: Logger;
  runWorkflow(entry: Function, args: unknown[]): Promise<unknown>;
}

/** Instance (decorated classes) or entry function (defineWorkflow/defineTask) → the runtime it is registered with. */
const owners = new WeakMap<object, EntryOwner>();

/** Records that `key` (an instance or an entry function) was registered with `owner`. */
export function bindOwner(key: object, owner: EntryOwner): void {
  owners.set(key, owner);
}

/** The runtime an entry point called with `self` as `this` (or the entry function itself) is registered with. */
export function ownerOf(self: unknown, entry: object): EntryOwner | undefined {
  return owners.get((self as object) ?? entry) ?? owners.get(entry);
}

import type { StepKind } from '../../foundation/types.js';
import type { StepHost } from '../step-host.js';

/** `now()`, `random()`, `uuid()`: a value produced once and checkpointed. */
export function valueStep<T>(host: StepHost, name: string, kind: StepKind, produce: () => T): Promise<T> {
  return host.step<T>({ name, kind, run: async () => ({ value: produce() }) });
}

/**
 * `patched(id)`: true for executions that reach this point running the new code (a marker is recorded),
 * false for executions that recorded something else here before the change (the old path replays).
 */
export function patchStep(host: StepHost, id: string): Promise<boolean> {
  const recorded = host.peekNext();
  if (recorded && !(recorded.kind === 'patch' && recorded.name === id)) return Promise.resolve(false);
  return host.step<boolean>({ name: id, kind: 'patch', run: async () => ({ value: true }) });
}

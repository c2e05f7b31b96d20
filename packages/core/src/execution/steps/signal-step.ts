import type { StepHost } from '../step-host.js';
import { valueStep } from './value-step.js';

/**
 * `waitForSignal()`: the payload of the first signal of that name, or undefined at the deadline. With a
 * timeout it takes two positions, both assigned now: the deadline (a timer checkpoint) and the receipt.
 *
 * Of several waits for one name pending in an execution, the latest the body made takes the next signal
 * (see `ReceiveOrder`). The receipt is exactly once: the storage consumes the oldest undelivered signal of that name and
 * checkpoints the step in one fenced transaction. With none waiting, the workflow suspends (holding no slot)
 * until a signal wakes it or its deadline passes, when the step is checkpointed as `undefined`.
 */
export function signalStep(host: StepHost, name: string, timeoutMs: number | null): Promise<unknown> {
  const { storage, serializer, clock } = host.services;
  const deadline = timeoutMs === null ? Promise.resolve(null) : valueStep(host, `deadline of signal ${name}`, 'sleep', () => clock.now() + timeoutMs);
  return host.step<unknown>({
    name,
    kind: 'signal',
    run: async (seq) => {
      const until = await deadline;
      if (!(await host.receiveTurn(name, seq))) {
        // A later wait for this name takes the next signal: this one only times out, or waits its turn.
        if (until !== null && clock.now() >= until) return { value: undefined };
        return host.waitFor({ signal: name, until });
      }
      const timeoutOutput = serializer.serialize(undefined, 'signal timeout');
      const output = await host.write(() => storage.receiveSignal(host.lease, { seq, name, deadline: until, timeoutOutput }, host.checkpointTime()));
      if (output === null) return host.waitFor({ signal: name, until });
      return { value: serializer.deserialize(output), checkpointed: true };
    },
  });
}

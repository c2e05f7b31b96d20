import type { StepHost } from '../step-host.js';

/** `sleep()` and `runAt()`: the wake time is the checkpoint; the step ends when it has come. */
export function waitStep(host: StepHost, name: 'sleep' | 'runAt', wakeAt: (now: number) => number): Promise<void> {
  const { clock, serializer } = host.services;
  return host.step<number, void>({
    name,
    kind: 'sleep',
    run: async () => ({ value: wakeAt(clock.now()) }),
    then: (at) => host.waitUntil(at),
    resume: (recorded, seq) => {
      const at = serializer.deserialize(recorded.output!) as number;
      // A timer that has fired completed at its wake time: it takes its turn among replayed steps.
      return at <= clock.now() ? host.replayTurn(at, seq) : host.waitUntil(at);
    },
  });
}

import { never, type WorkflowExecution } from '../execution.js';
import type { TaskMeta, WorkflowMeta } from '../registry.js';
import { endSpan } from '../telemetry.js';
import type { StepKind } from '../types.js';
import { executeChild } from './child-step.js';
import { executeReceive } from './signal-step.js';
import { executeTask } from './task-step.js';
import { argumentFingerprint, stepSpan } from './step-helpers.js';

/*
 * The steps a workflow body calls, each taking its position at call time through `execution.begin()`:
 * replayed from its checkpoint when it has one, otherwise run (tracked as in flight) and checkpointed.
 */

/** A task called from the body: replayed from its checkpoint, or run with retries and checkpointed. */
export function runTaskStep(execution: WorkflowExecution, meta: TaskMeta, target: unknown, args: unknown[]): Promise<unknown> {
  const fingerprint = argumentFingerprint(execution, args, `args of task ${meta.name}`);
  const step = execution.begin(meta.name, 'task', fingerprint);
  if (!step) return never();
  if (step.recorded) {
    const span = stepSpan(execution, meta.name, step.seq, step.recorded.attempts, true);
    endSpan(span, step.recorded.error === null ? undefined : 'recorded error');
    return execution.replay(step.recorded);
  }
  return execution.track(() => executeTask(execution, meta, target, args, step.seq, fingerprint));
}

/** A workflow called from the body: a child workflow with a deterministic id, awaited durably. */
export function childStep(execution: WorkflowExecution, meta: WorkflowMeta, args: unknown[]): Promise<unknown> {
  const fingerprint = argumentFingerprint(execution, args, `args of child workflow ${meta.name}`);
  const step = execution.begin(meta.name, 'child', fingerprint);
  if (!step) return never();
  if (step.recorded) return execution.replay(step.recorded);
  return execution.track(() => executeChild(execution, meta, args, step.seq, fingerprint));
}

/**
 * `waitForSignal()`: the payload of the first signal of that name, or undefined at the deadline. With a
 * timeout it takes two positions, both assigned now: the deadline (a timer checkpoint) and the receipt.
 */
export function signalStep(execution: WorkflowExecution, name: string, timeoutMs: number | null): Promise<unknown> {
  const deadlineStep = timeoutMs === null ? null : execution.begin(`deadline of signal ${name}`, 'sleep', null);
  if (deadlineStep === undefined) return never();
  const step = execution.begin(name, 'signal', null);
  if (!step) return never();
  return execution.track(async () => {
    let deadline: number | null = null;
    if (deadlineStep) {
      if (deadlineStep.recorded) {
        deadline = execution.deps.serializer.deserialize(deadlineStep.recorded.output!) as number;
      } else {
        deadline = execution.clock.now() + timeoutMs!;
        await execution.record(deadlineStep.seq, `deadline of signal ${name}`, 'sleep', deadline, 1, null);
      }
    }
    if (step.recorded) return execution.replay(step.recorded);
    return executeReceive(execution, name, deadline, step.seq);
  });
}

/** `sleep()` and `runAt()`: the wake time is the checkpoint. */
export function waitStep(execution: WorkflowExecution, name: 'sleep' | 'runAt', wakeAt: (now: number) => number): Promise<void> {
  const step = execution.begin(name, 'sleep', null);
  if (!step) return never();
  return execution.track(async () => {
    let at: number;
    if (step.recorded) {
      at = execution.deps.serializer.deserialize(step.recorded.output!) as number;
      // A timer that has fired completed at its wake time: it takes its turn among replayed steps.
      if (at <= execution.clock.now()) return execution.replayTurn(at, step.seq);
    } else {
      at = wakeAt(execution.clock.now());
      await execution.record(step.seq, name, 'sleep', at, 1, null);
    }
    await execution.waitUntil(at);
  });
}

/** `now()`, `random()`, `uuid()`: a value produced once and checkpointed. */
export function valueStep<T>(execution: WorkflowExecution, name: string, kind: StepKind, produce: () => T): Promise<T> {
  const step = execution.begin(name, kind, null);
  if (!step) return never();
  if (step.recorded) return execution.replay(step.recorded) as Promise<T>;
  return execution.track(async () => {
    const value = produce();
    await execution.record(step.seq, name, kind, value, 1, null);
    return value;
  });
}

/**
 * `patched(id)`: true for executions that reach this point running the new code (a marker is recorded),
 * false for executions that recorded something else here before the change (the old path replays).
 */
export function patched(execution: WorkflowExecution, id: string): Promise<boolean> {
  if (execution.halting) return never();
  const recorded = execution.peekNext();
  if (recorded && !(recorded.kind === 'patch' && recorded.name === id)) return Promise.resolve(false);
  const step = execution.begin(id, 'patch', null)!;
  if (step.recorded) return Promise.resolve(true);
  return execution.track(async () => {
    await execution.record(step.seq, id, 'patch', true, 1, null);
    return true;
  });
}

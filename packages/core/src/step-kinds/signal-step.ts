import type { WorkflowExecution } from '../execution.js';

/**
 * Receives a signal exactly once: the storage consumes the oldest undelivered signal of that name and
 * checkpoints it in one fenced transaction. With none waiting, the workflow suspends (holding no slot)
 * until a signal wakes it or its deadline passes, when the step is checkpointed as `undefined`.
 */
export async function executeReceive(execution: WorkflowExecution, name: string, deadline: number | null, seq: number): Promise<unknown> {
  const { storage, serializer } = execution.deps;
  const timeoutOutput = serializer.serialize(undefined, 'signal timeout');
  const output = await execution.write(() => storage.receiveSignal(execution.lease, { seq, name, deadline, timeoutOutput }, execution.checkpointTime()));
  if (output !== null) return serializer.deserialize(output);
  return execution.waitFor({ signal: name, until: deadline });
}

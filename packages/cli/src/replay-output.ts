import type { Divergence, ReplayResult, ReplayStepSummary } from '@steadfast/core';
import type { Json } from './json-output.js';

/** A replay's outcome as `verify --json` and `replay --json` report it (stable field names). */
export function replayJson(result: ReplayResult): Json {
  return {
    id: result.id,
    name: result.name,
    version: result.version,
    status: result.status,
    ok: result.ok,
    replayedSteps: result.replayedSteps,
    recordedSteps: result.recordedSteps,
    end: result.end,
    next: result.next ? { position: result.next.position, ...stepJson(result.next) } : null,
    divergence: result.divergence ? divergenceJson(result.divergence) : null,
  };
}

function divergenceJson(d: Divergence): Json {
  return {
    reason: d.reason,
    position: d.position,
    recorded: d.recorded && stepJson(d.recorded),
    now: d.now && stepJson(d.now),
    patches: { recorded: d.patches.recorded, now: d.patches.now },
    message: d.message,
  };
}

const stepJson = (step: ReplayStepSummary): { [key: string]: Json } => ({ kind: step.kind, name: step.name, arguments: step.arguments ?? null });

/** One line for a replay: where it stopped, or its first divergence. */
export function replayLine(result: ReplayResult): string {
  if (result.divergence) return `DIVERGED  ${result.id} (${result.name}): ${result.divergence.message}`;
  const where =
    result.end === 'end-of-history' && result.next
      ? `reached the end of its history at step ${result.next.position} (next: ${result.next.kind} ${result.next.name})`
      : result.end === 'waiting'
        ? 'waits where the recorded run waits'
        : `${result.end ?? 'stopped'} as recorded`;
  return `ok        ${result.id} (${result.name}): ${result.replayedSteps}/${result.recordedSteps} steps replayed; ${where}`;
}

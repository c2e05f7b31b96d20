// The workflows and tasks every benchmark process registers (the parent and the worker processes alike).

import { defineTask, defineWorkflow, taskContext } from '@steadfast/core';
import { entryMeta } from '@steadfast/core/integration';

/** Set by a scenario or a worker process: told when a probed task starts (workflow id, Date.now()). */
export const hooks = { onStart: undefined };

/** A task that does nothing: the step cost is all framework and storage. */
export const noop = defineTask('bench.noop', async () => null);

/** A no-op task that reports the moment it starts (the first thing it does). */
export const probe = defineTask('bench.probe', async () => {
  const at = Date.now();
  hooks.onStart?.(taskContext().workflowId, at);
  return null;
});

/** S1: ten no-op steps. */
export const tenSteps = defineWorkflow('bench.tenSteps', async () => {
  for (let i = 0; i < 10; i++) await noop();
  return 10;
});

/** S6: a step that runs for a long time (until its worker dies or gives it up). */
export const longStep = defineTask('bench.longStep', async (ms) => {
  hooks.onStart?.(taskContext().workflowId, Date.now());
  const { signal } = taskContext();
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
  return null;
});

export const longWorkflow = defineWorkflow('bench.longWorkflow', async (ms) => {
  await longStep(ms);
  return 'done';
});

/** S5: the name of the bulk-inserted sleeping workflows (never due during the benchmark). */
export const sleeper = defineWorkflow('bench.sleeper', async () => null);

export const ALL = [noop, probe, tenSteps, longStep, longWorkflow, sleeper];

/** The registered name of a defined workflow or task (as stored in the `name` column). */
export const nameOf = (fn) => entryMeta(fn).name;
export const NAMES = ALL.map(nameOf);

// The soak's workflows and tasks, registered by every worker process and by the driver's client runtime.
//
// Workflow i runs five steps of different kinds, in an order that depends on i (one of the 120 orders):
//   task    a task with retries that fails its first (i % 3) attempts (and, for i % 50 === 7, fails for good
//           with a NonRetryableError that the workflow catches)
//   trx     a transactional step that inserts one row into the effects table through taskContext().trx
//   sleep   200 ms (held in memory) or 1.5 s (longer than the workers' inMemoryWaitMs: the workflow suspends)
//   child   a child workflow with one task step
//   signal  waitForSignal('go'), sent by the driver at a random moment after the start
// Every task body first records its execution in the ledger (outside the framework; see useLedger), so the
// ledger shows every execution of every body, including ones whose checkpoint was never written.

import { defineTask, defineTransaction, defineWorkflow, NonRetryableError, sleep, taskContext, waitForSignal } from '@steadfast/core';

export const KINDS = ['task', 'trx', 'sleep', 'child', 'signal'];
export const SIGNAL = 'go';
export const WORKFLOW_NAME = 'soak.mixed';
export const CHILD_NAME = 'soak.child';

/**
 * @typedef {object} LedgerPort
 * @property {(row: { execId: string, workflowId: string, step: number, attempt: number, kind: string }) => Promise<void>} record
 *   durably records one execution of a task body (retrying on its own until it is stored)
 * @property {(trx: any, row: { workflowId: string, step: number, execId: string }) => Promise<void>} effect
 *   inserts the transactional effect through the step's transaction
 */

/** @type {LedgerPort | undefined} */
let ledger;

/** Called once by a worker process: where task bodies record their executions and effects. */
export function useLedger(port) {
  ledger = port;
}

/** The order of the five step kinds in workflow i: the (i mod 120)-th permutation. */
export function planFor(i) {
  const pool = [...KINDS];
  const plan = [];
  let code = i % 120;
  for (let n = pool.length; n > 0; n--) {
    const fact = factorial(n - 1);
    plan.push(pool.splice(Math.floor(code / fact), 1)[0]);
    code %= fact;
  }
  return plan;
}

function factorial(n) {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

const failsFor = (i) => i % 3;
const failsForGood = (i) => i % 50 === 7;
const sleepMsFor = (i) => (i % 2 === 0 ? 200 : 1_500);
export const signalPayload = (i) => ({ go: i });

/** What workflow i must return: checked against every completed workflow's stored output. */
export function expectedOutput(i) {
  return {
    task: failsForGood(i) ? 'caught: planned permanent failure' : failsFor(i) + 1,
    trx: `credited:${i}`,
    sleep: sleepMsFor(i),
    child: i * 2,
    signal: signalPayload(i),
  };
}

/**
 * Records this execution of a task body, then "works" for 10-40 ms (so kills, pauses and cut connections
 * find steps in flight); returns its execution id (the effect of a trx step names it).
 */
async function recordExecution(kind) {
  if (!ledger) throw new Error('no ledger configured in this process (useLedger)');
  const { workflowId, stepIndex, attempt } = taskContext();
  const execId = crypto.randomUUID();
  await ledger.record({ execId, workflowId, step: stepIndex, attempt, kind });
  await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 30));
  return execId;
}

export const flaky = defineTask(
  'soak.flaky',
  async (i) => {
    await recordExecution('task');
    if (failsForGood(i)) throw new NonRetryableError('planned permanent failure');
    const { attempt } = taskContext();
    if (attempt <= failsFor(i)) throw new Error(`planned failure of attempt ${attempt}`);
    return attempt;
  },
  { retries: 3, backoff: { type: 'fixed', initial: '100ms' } },
);

export const credit = defineTransaction('soak.credit', async (i) => {
  const execId = await recordExecution('trx');
  const { trx, workflowId, stepIndex } = taskContext();
  await ledger.effect(trx, { workflowId, step: stepIndex, execId });
  return `credited:${i}`;
});

export const childWork = defineTask('soak.childWork', async (i) => {
  await recordExecution('child');
  return i * 2;
});

export const child = defineWorkflow(CHILD_NAME, async (i) => childWork(i), { maxRecoveryAttempts: 1_000 });

/**
 * maxRecoveryAttempts is raised from its default (10): under a SIGKILL every 200 ms a healthy workflow is
 * recovered many times, and failing it for that would hide what the soak is after. The highest count seen
 * is reported.
 */
export const mixed = defineWorkflow(
  WORKFLOW_NAME,
  async (i) => {
    const out = {};
    for (const kind of planFor(i)) {
      if (kind === 'task') {
        try {
          out.task = await flaky(i);
        } catch (error) {
          out.task = `caught: ${error.message}`;
        }
      } else if (kind === 'trx') out.trx = await credit(i);
      else if (kind === 'sleep') {
        await sleep(sleepMsFor(i));
        out.sleep = sleepMsFor(i);
      } else if (kind === 'child') out.child = await child(i);
      else out.signal = await waitForSignal(SIGNAL);
    }
    return out;
  },
  { maxRecoveryAttempts: 1_000 },
);

export const ALL = [flaky, credit, childWork, child, mixed];

/** Ids of the soak's workflows: zero-padded, so they sort in start order. */
export const workflowId = (i) => `soak-${String(i).padStart(6, '0')}`;
export const indexOf = (id) => Number(/^soak-(\d+)/.exec(id)?.[1]);

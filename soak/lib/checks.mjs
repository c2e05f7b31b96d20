// The soak's verdict, computed from what is stored (readStored) and what the driver did (kills, pauses).
//
// Each task-body execution in the ledger is attributed to the lease epoch under which its process held the
// workflow (the last claim event by that process before the body started), and called *recorded* when its
// outcome was stored under that epoch: the step's checkpoint with its attempt number, or the attempt's
// retry_scheduled event; for a transactional step, the effect that committed with the checkpoint names it.
// Any other execution was cut short: its process was SIGKILLed, paused past its lease, or lost the lease
// (heartbeats starved by a restart or the proxy), or its transaction failed to commit and ran again.

import { createSerializer } from '@steadfast/core';
import { CHILD_NAME, expectedOutput, indexOf, SIGNAL, WORKFLOW_NAME } from './definitions.mjs';

const serializer = createSerializer();
const CHECKPOINT_TYPES = new Set(['step_completed', 'step_failed']);
const CLAIM_TYPES = new Set(['claimed', 'recovered', 'woke']);
/** Checkpointed positions of each completed workflow: five steps in a parent, one in a child. */
const STEPS_OF = { [WORKFLOW_NAME]: 5, [CHILD_NAME]: 1 };

/** JSON with sorted keys: outputs are compared by value, whatever the order their keys were set in. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

function groupBy(rows, key) {
  const groups = new Map();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** Walks each workflow's events in order: its claims, and which epoch stored each checkpoint and retry. */
function indexEvents(events, pidOf) {
  const claims = new Map(); // workflow -> [{ pid, epoch, at }]
  const checkpoints = new Map(); // `${wf}:${seq}` -> { pid, epoch, at, attempts }
  const retries = new Map(); // `${wf}:${seq}:${attempt}` -> { epoch }
  let duplicateCheckpoints = 0;
  let duplicatesAcrossEpochs = 0;
  let current;
  let workflow;
  for (const e of events) {
    if (e.workflow_id !== workflow) [workflow, current] = [e.workflow_id, undefined];
    if (CLAIM_TYPES.has(e.type)) {
      current = { pid: pidOf(e.data.owner), epoch: Number(e.data.epoch), at: e.at };
      const list = claims.get(workflow) ?? [];
      list.push(current);
      claims.set(workflow, list);
    } else if (CHECKPOINT_TYPES.has(e.type)) {
      const key = `${workflow}:${e.seq}`;
      const earlier = checkpoints.get(key);
      if (earlier) {
        duplicateCheckpoints++;
        if (earlier.epoch !== current?.epoch) duplicatesAcrossEpochs++;
      } else checkpoints.set(key, { pid: current?.pid, epoch: current?.epoch, at: e.at, attempts: e.data?.attempts });
    } else if (e.type === 'retry_scheduled') {
      retries.set(`${workflow}:${e.seq}:${e.data.attempt}`, { epoch: current?.epoch });
    }
  }
  return { claims, checkpoints, retries, duplicateCheckpoints, duplicatesAcrossEpochs };
}

/** The epoch under which `pid` held `workflow` when a body started at `at` (its last claim before). */
function epochOf(claims, workflow, pid, at) {
  let epoch;
  for (const c of claims.get(workflow) ?? []) if (c.pid === pid && c.at <= at) epoch = c.epoch;
  return epoch;
}

/**
 * @param stored readStored() output
 * @param run { ids: string[], kills: {pid,at}[], pausedPids: number[], pidOf(owner) }
 * @returns {{ figures: Record<string, number>, checks: Array<{ name: string, value: number, pass: boolean, expect: string }>, failures: object[] }}
 */
export function analyze(stored, run) {
  const { claims, checkpoints, retries, duplicateCheckpoints, duplicatesAcrossEpochs } = indexEvents(stored.events, run.pidOf);
  const killed = new Set(run.kills.map((k) => k.pid));
  const paused = new Set(run.pausedPids);
  const effectsByExec = new Map(stored.effects.map((x) => [x.exec_id, x]));

  // Executions: attributed, recorded or cut short, and why.
  const causes = { killed: 0, paused: 0, commitRetried: 0, leaseLost: 0 };
  let unattributed = 0;
  let replayViolations = 0;
  let sameExecutionReruns = 0;
  const executions = stored.executions.map((x) => ({ ...x, epoch: epochOf(claims, x.workflow_id, x.pid, x.started_at) }));
  for (const x of executions) {
    if (x.epoch === undefined) unattributed++;
    const checkpoint = checkpoints.get(`${x.workflow_id}:${x.step}`);
    const retry = retries.get(`${x.workflow_id}:${x.step}:${x.attempt}`);
    // A claim after the outcome was stored replays it: running the body again is a replay bug.
    if ((checkpoint && x.epoch > checkpoint.epoch) || (retry && x.epoch > retry.epoch)) replayViolations++;
    x.recorded =
      x.kind === 'trx'
        ? effectsByExec.has(x.exec_id)
        : (checkpoint?.epoch === x.epoch && checkpoint.attempts === x.attempt) || retry?.epoch === x.epoch;
  }
  const attempts = groupBy(executions, (x) => `${x.workflow_id}:${x.step}:${x.attempt}`);
  let reExecutions = 0;
  let doublyRecorded = 0;
  for (const group of attempts.values()) {
    reExecutions += group.length - 1;
    if (group.filter((x) => x.recorded).length > 1) doublyRecorded++;
    for (const x of group) {
      if (x.recorded) continue;
      const sameEpoch = group.some((y) => y !== x && y.epoch === x.epoch && y.pid === x.pid);
      if (killed.has(x.pid)) causes.killed++;
      else if (x.kind === 'trx' && sameEpoch) causes.commitRetried++;
      else if (paused.has(x.pid)) causes.paused++;
      else causes.leaseLost++;
      if (x.kind !== 'trx' && sameEpoch) sameExecutionReruns++;
    }
  }

  // Transactional effects: exactly one per transactional checkpoint, from the execution that committed it.
  const effectsPerStep = groupBy(stored.effects, (x) => `${x.workflow_id}:${x.step}`);
  const duplicateEffects = [...effectsPerStep.values()].reduce((n, g) => n + g.length - 1, 0);
  const trxCheckpoints = stored.steps.filter((s) => s.name === 'soak.credit');
  const checkpointsWithoutEffect = trxCheckpoints.filter((s) => !effectsPerStep.has(`${s.workflow_id}:${s.seq}`)).length;
  const stepKeys = new Set(stored.steps.map((s) => `${s.workflow_id}:${s.seq}`));
  const effectsWithoutCheckpoint = stored.effects.filter((x) => !stepKeys.has(`${x.workflow_id}:${x.step}`)).length;

  // Workflows: every started one finished, with the right output and all its checkpoints.
  const byId = new Map(stored.workflows.map((w) => [w.id, w]));
  const top = run.ids.map((id) => byId.get(id));
  const completed = top.filter((w) => w?.status === 'completed');
  const failed = top.filter((w) => w?.status === 'failed');
  const wrongOutputs = completed.filter((w) => canonical(serializer.deserialize(w.output)) !== canonical(expectedOutput(indexOf(w.id)))).length;
  const stepsPer = groupBy(stored.steps, (s) => s.workflow_id);
  const children = stored.workflows.filter((w) => w.name === CHILD_NAME);
  const incomplete = stored.workflows.filter((w) => w.status === 'completed' && (stepsPer.get(w.id)?.length ?? 0) !== STEPS_OF[w.name]).length;
  const delivered = groupBy(stored.signals.filter((s) => s.name === SIGNAL && s.delivered_seq !== null), (s) => s.workflow_id);
  const signalsNotOnce = completed.filter((w) => delivered.get(w.id)?.length !== 1).length;
  const undeliveredSignals = stored.signals.filter((s) => s.delivered_seq === null).length;

  // The soak never cancels anything: a parent failed by a cancelled child met the stale-execution cancel
  // (a takeover while the old owner was starting that child; see the soak README's findings).
  const cancelledChild = failed.filter((w) => /"name":"CancelledError","message":"child workflow /.test(w.error ?? '')).length;

  const figures = {
    workflows: run.ids.length,
    completed: completed.length,
    failed: failed.length,
    failedByCancelledChild: cancelledChild,
    lost: run.ids.length - completed.length - failed.length,
    childWorkflows: children.length,
    childrenCompleted: children.filter((w) => w.status === 'completed').length,
    checkpoints: stored.steps.length,
    bodyExecutions: executions.length,
    distinctAttempts: attempts.size,
    reExecutions,
    cutShort: executions.filter((x) => !x.recorded).length,
    inFlightAtKills: causes.killed,
    cutShortPaused: causes.paused,
    cutShortLeaseLost: causes.leaseLost,
    trxCommitRetries: causes.commitRetried,
    kills: run.kills.length,
    recoveries: stored.events.filter((e) => e.type === 'recovered').length,
    maxRecoveryAttempts: Math.max(0, ...stored.workflows.map((w) => w.recovery_attempts)),
    effects: stored.effects.length,
    duplicateEffects,
    duplicateCheckpoints,
    duplicateCheckpointsAcrossEpochs: duplicatesAcrossEpochs,
    undeliveredSignals,
  };
  const zero = (name, value) => ({ name, value, pass: value === 0, expect: '= 0' });
  const checks = [
    zero('lost workflows', figures.lost),
    zero('failed workflows', figures.failed),
    zero('failed child workflows', children.filter((w) => w.status === 'failed').length),
    zero('wrong outputs', wrongOutputs),
    zero('completed workflows missing checkpoints', incomplete),
    zero('duplicate transactional effects', duplicateEffects),
    zero('transactional checkpoints without their effect', checkpointsWithoutEffect),
    zero('effects without a checkpoint', effectsWithoutCheckpoint),
    zero('duplicate checkpoints (step_completed/step_failed twice for one position)', duplicateCheckpoints),
    zero('attempts recorded twice', doublyRecorded),
    zero('bodies run again after their outcome was stored (replay)', replayViolations),
    zero('task bodies run twice by one execution', sameExecutionReruns),
    zero('executions with no claim by their process', unattributed),
    zero('completed workflows without exactly one signal delivered', signalsNotOnce),
  ];
  // What failed, for the report: the first few failed workflows (parents and children) with their error.
  const failures = stored.workflows
    .filter((w) => w.status === 'failed')
    .slice(0, 5)
    .map((w) => ({ id: w.id, error: w.error?.slice(0, 1_500), steps: (stepsPer.get(w.id) ?? []).map((s) => `${s.seq}:${s.name}`) }));
  return { figures, checks, failures };
}

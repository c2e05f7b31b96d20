// Steadfast quickstart: durability shown for real, on SQLite, in one command (`npm run demo`).
//
// The parent process (this file without arguments) runs two worker processes (this file with
// `--worker <run>`) one after the other on the same database file:
//   run 1  starts the order workflow; once it is asleep after charging the card, the parent kills it with SIGKILL;
//   run 2  calls startWorkflow with the same id (an idempotent start: it gets the existing workflow), waits
//          for the dead worker's lease to expire, takes the workflow over and finishes it.
// Finally the parent reads the workflow's event log with a client runtime (one that is never started)
// and checks it against what each worker printed. It exits 0 only if everything adds up.

import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Runtime, WorkflowNotFoundError } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { checkout, LABELS, output, SLEEP, workflows } from './workflows.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const DATA_DIR = join(HERE, '.data');
const DB_FILE = join(DATA_DIR, 'demo.db');
const WORKFLOW_ID = 'order-1001';
/** Short lease so the crashed worker's workflow is taken over after 1 s (the default is 15 s). */
const LEASE_MS = 1_000;
const SLEEP_MS = 2_000;

// Only errors from the runtime itself: the demo prints its own lines.
const logger = pino({ level: 'error' });

/** One aligned output line: `  ran      charge card (attempt 1)`. */
const say = (tag, text) => output.say(tag, text);

// ---- a worker process ------------------------------------------------------------------------------

function workerId(run, pid) {
  return `run${run}:pid${pid}`;
}

async function worker(run) {
  const runtime = new Runtime({
    storage: new SqliteAdapter({ filename: DB_FILE }),
    logger,
    leaseMs: LEASE_MS,
    workerId: workerId(run, process.pid),
  });
  runtime.register(...workflows);

  // Only to tell the reader what startWorkflow will find; startWorkflow itself is idempotent by id.
  const existing = await runtime.getWorkflow(WORKFLOW_ID).then(
    (handle) => handle.info(),
    (error) => {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    },
  );
  if (existing) {
    say('start', `startWorkflow(checkout, …, { id: '${WORKFLOW_ID}' }): it exists already (status ${existing.status}),`);
    say('', `so this is the same workflow; nothing new is started. Its lease, held by the killed worker,`);
    say('', `runs out at ${clockTime(existing.nextAt)}; then this worker takes it over.`);
  } else {
    say('start', `startWorkflow(checkout, ['${WORKFLOW_ID}', 'sku-42', 4200], { id: '${WORKFLOW_ID}' }): new workflow`);
  }

  await runtime.start();
  const handle = await runtime.startWorkflow(checkout, [WORKFLOW_ID, 'sku-42', 4200], { id: WORKFLOW_ID });

  if (run === 1) {
    // Watch the event log until the sleep's wake time is checkpointed, then say so: the parent kills us then.
    for (;;) {
      const events = await handle.history();
      const sleepStep = events.find((e) => e.type === 'step_completed' && e.data?.kind === 'sleep');
      if (sleepStep) {
        say('sleeping', `${SLEEP} (step ${sleepStep.step}: its wake time is checkpointed)`);
        break;
      }
      const status = await handle.status();
      if (status === 'completed' || status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  const result = await handle.result();
  say('result', JSON.stringify(result));
  await runtime.shutdown();
}

// ---- the parent ------------------------------------------------------------------------------------

function clockTime(date) {
  return date ? new Date(date).toISOString().slice(11, 23) : '-';
}

const banner = (text) => console.log(`\n── ${text} ${'─'.repeat(Math.max(3, 74 - text.length))}`);

/**
 * Runs one worker process and echoes its output; sends SIGKILL at the first line matching `killOn`.
 * Returns the exit, the pid, and the task bodies it reported running (from its `ran` lines).
 */
function runWorker(run, killOn) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--worker', String(run)], {
      cwd: HERE,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const ran = [];
    let killedAt;
    const guard = setTimeout(() => {
      console.log(`parent: worker of run ${run} did not finish in 15 s; killing it`);
      child.kill('SIGKILL');
    }, 15_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      console.log(line);
      const m = /^ {2}ran +(.+?) \(attempt (\d+)\b/.exec(line);
      if (m && killedAt === undefined) ran.push({ label: m[1], attempt: Number(m[2]) });
      if (killOn && killedAt === undefined && killOn.test(line)) {
        killedAt = Date.now();
        child.kill('SIGKILL');
        console.log(`\nparent: SIGKILL → worker pid ${child.pid}, in the middle of its sleep (no shutdown, no cleanup)`);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ run, pid: child.pid, code, signal, killedByParent: killedAt !== undefined, ran });
    });
  });
}

async function parent() {
  const started = Date.now();
  const problems = [];
  const check = (ok, message) => {
    if (!ok) problems.push(message);
  };

  rmSync(DATA_DIR, { recursive: true, force: true });
  console.log('Steadfast quickstart: a durable order workflow on SQLite');
  console.log(`  database  ${relative(process.cwd(), DB_FILE) || DB_FILE} (fresh)`);
  console.log(`  workflow  ${WORKFLOW_ID}: reserve stock → charge card → sleep ${SLEEP} → send receipt`);
  console.log(`  workers   separate processes, leaseMs ${LEASE_MS} (a dead worker's workflow is taken over after ${LEASE_MS / 1000} s)`);

  banner('run 1: a worker process starts the workflow');
  const run1 = await runWorker(1, /^ {2}sleeping\b/);
  if (run1.signal === 'SIGKILL') console.log(`  worker pid ${run1.pid} is gone (killed by SIGKILL)`);
  check(run1.killedByParent && run1.signal === 'SIGKILL', `run 1 was expected to be killed by SIGKILL, but exited with code ${run1.code}, signal ${run1.signal}`);

  banner('run 2: a new worker process on the same database');
  const run2 = await runWorker(2);
  check(run2.code === 0, `run 2 exited with code ${run2.code}${run2.signal ? `, signal ${run2.signal}` : ''}`);

  // Read what really happened from storage, with a client runtime: never started, it executes nothing.
  const client = new Runtime({ storage: new SqliteAdapter({ filename: DB_FILE }), logger });
  let info;
  let events;
  let checkpoints;
  try {
    const handle = await client.getWorkflow(WORKFLOW_ID);
    [info, events, checkpoints] = await Promise.all([handle.info(), handle.history(), handle.steps()]);
  } finally {
    await client.shutdown();
  }

  // Which run each event belongs to: claimed/recovered events name the worker that took the lease.
  const runOfOwner = new Map([[workerId(1, run1.pid), 1], [workerId(2, run2.pid), 2]]);
  const t0 = events[0].at.getTime();
  const steps = new Map();
  const stepOf = (seq) => {
    if (!steps.has(seq)) steps.set(seq, { seq, completed: [], retries: [], failed: [] });
    return steps.get(seq);
  };
  let currentRun;
  let recoveredAt;
  const runsThatExecuted = new Set();

  // A timer's checkpoint (its wake time) is written when the timer is set, as a step_completed event: the
  // sleep is done only at its wake time, which has no event of its own. Show both moments for what they are.
  const wakeAtOf = new Map(checkpoints.filter((c) => c.wakeAt !== undefined).map((c) => [c.position, c.wakeAt.getTime()]));
  const timerFired = [...wakeAtOf].map(([step, at]) => ({ type: 'timer fired', step, at: new Date(at), synthetic: true }));
  const timeline = [...events, ...timerFired].sort((a, b) => a.at.getTime() - b.at.getTime());
  const since = (at) => `+${((at - t0) / 1000).toFixed(3)}s`;

  banner(`event log: handle.history() of ${WORKFLOW_ID}, read by the parent`);
  for (const e of timeline) {
    let note = '';
    let label = e.type;
    if (e.type === 'claimed' || e.type === 'woke' || e.type === 'recovered') {
      currentRun = runOfOwner.get(e.data?.owner);
      runsThatExecuted.add(currentRun);
      note = `by run ${currentRun ?? `? (unknown worker ${e.data?.owner})`}${e.type === 'recovered' ? ', after the killed worker\'s lease expired' : ''}`;
      if (e.type === 'recovered') recoveredAt = e.at.getTime();
    } else if (e.synthetic) {
      note = `step ${e.step} sleep ${SLEEP}: its wake time has come (no event of its own: read from handle.steps())`;
    } else if (e.type === 'step_completed' && wakeAtOf.has(e.step)) {
      stepOf(e.step).completed.push({ run: currentRun, at: e.at.getTime(), ...e.data });
      label = 'timer set';
      note = `step ${e.step} sleep ${SLEEP}, wakes at ${since(wakeAtOf.get(e.step))} (step_completed: the wake time is checkpointed)`;
    } else if (e.type === 'step_completed' || e.type === 'step_failed') {
      const s = stepOf(e.step);
      (e.type === 'step_completed' ? s.completed : s.failed).push({ run: currentRun, at: e.at.getTime(), ...e.data });
      note = `step ${e.step} ${LABELS[e.data?.name] ?? e.data?.name}, attempts ${e.data?.attempts}`;
    } else if (e.type === 'retry_scheduled') {
      const delayMs = Number(e.data?.retryAt) - e.at.getTime();
      const message = e.data?.error?.message ?? 'error';
      stepOf(e.step).retries.push({ run: currentRun, attempt: e.data?.attempt, delayMs, message });
      note = `step ${e.step}: attempt ${e.data?.attempt} failed (${message}); retry in ${delayMs} ms`;
    } else if (e.type === 'sleeping') {
      note = `until ${clockTime(e.data?.wakeAt)}`;
    }
    console.log(`  ${since(e.at.getTime())}  ${label.padEnd(15)} ${note}`.trimEnd());
  }

  // Cross-check the log against the `ran` lines each worker printed, step by step.
  const ranCount = (r, label) => r.ran.filter((x) => x.label === label).length;
  banner('summary: which steps ran in which run');
  const row = (step, what, r1, r2, attempts) => console.log(`  ${String(step).padEnd(5)} ${what.padEnd(14)} ${r1.padEnd(19)} ${r2.padEnd(46)} ${attempts}`);
  row('step', 'what', 'run 1 (killed)', 'run 2', 'attempts');
  for (const s of [...steps.values()].sort((a, b) => a.seq - b.seq)) {
    const done = s.completed[0] ?? s.failed[0];
    check(s.completed.length + s.failed.length === 1, `step ${s.seq} was checkpointed ${s.completed.length + s.failed.length} times`);
    if (!done) continue;
    const cells = {};
    if (done.kind === 'task') {
      const label = LABELS[done.name] ?? done.name;
      for (const r of [run1, run2]) {
        const failedHere = s.retries.filter((x) => x.run === r.run);
        const attemptsHere = failedHere.length + (done.run === r.run ? 1 : 0);
        const printed = ranCount(r, label);
        check(printed === attemptsHere, `step ${s.seq} (${label}): the log shows ${attemptsHere} attempt(s) in run ${r.run}, but its body printed ${printed} 'ran' line(s)`);
        let cell;
        if (attemptsHere === 0) cell = runsThatExecuted.has(r.run) && done.run < r.run ? 'replayed (body not run)' : '-';
        else if (failedHere.length === 0) cell = 'ran';
        else cell = `ran: failed ${failedHere.length}×, retried after ${failedHere.map((x) => `${x.delayMs} ms`).join(', ')}, ok`;
        cells[r.run] = cell;
      }
      row(s.seq, label, cells[1], cells[2], done.attempts);
    } else if (done.kind === 'sleep') {
      const wakeAt = done.at + SLEEP_MS;
      const left = recoveredAt === undefined ? undefined : wakeAt - recoveredAt;
      const run2Cell =
        done.run === 1 && runsThatExecuted.has(2) && left !== undefined
          ? left > 0
            ? `wake time replayed: slept only the last ~${(left / 1000).toFixed(1)}s`
            : 'wake time replayed: already due, no more wait'
          : '-';
      const run1Cell = done.run === 1 ? 'timer set' : '-';
      row(s.seq, `sleep ${SLEEP}`, run1Cell, run2Cell, '-');
    } else {
      row(s.seq, done.kind, done.run === 1 ? 'recorded' : '-', done.run === 2 ? 'recorded' : 'replayed', '-');
    }
  }

  // Anything printed for a task the log does not know about is also a discrepancy.
  for (const r of [run1, run2]) {
    for (const { label } of r.ran) {
      if (!Object.values(LABELS).includes(label)) problems.push(`run ${r.run} printed a body run of an unknown task ${label}`);
    }
  }
  check(info.status === 'completed', `workflow status is ${info.status}, expected completed`);
  check(info.recoveryAttempts === 1, `recoveryAttempts is ${info.recoveryAttempts}, expected 1 (run 2 taking over from the killed run 1)`);
  check(steps.size === 4, `expected 4 checkpointed steps, found ${steps.size}`);
  check(
    [...steps.values()].every((s) => s.completed.length === 1),
    'every step should have completed exactly once',
  );

  console.log(`\n  status ${info.status}, claims ${info.attempts} (recovered ${info.recoveryAttempts}), output ${JSON.stringify(info.output)}`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (problems.length > 0) {
    console.log(`\nFAILED after ${seconds}s:`);
    for (const p of problems) console.log(`  - ${p}`);
    process.exitCode = 1;
    return;
  }
  console.log(
    `\nOK in ${seconds}s: the event log agrees with the 'ran' lines each worker printed. The worker was killed\n` +
      'mid-workflow; the next one replayed the checkpointed steps without running their bodies again (stock\n' +
      'reserved once, card charged once), kept the timer, retried the flaky email step, and completed the workflow.',
  );
}

// ---- entry point -----------------------------------------------------------------------------------

if (process.argv[2] === '--worker') {
  const run = Number(process.argv[3]);
  worker(run).catch((error) => {
    console.error(`worker (run ${run}) failed:`, error);
    process.exit(1);
  });
} else {
  parent().catch((error) => {
    console.error('demo failed:', error);
    process.exit(1);
  });
}

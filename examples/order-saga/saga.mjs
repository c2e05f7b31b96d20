// Steadfast example: a checkout saga with compensations, on SQLite, in one command
// (`npm start --workspace=examples/order-saga`, or `node examples/order-saga/saga.mjs`, after `npm run build`).
//
// The saga, one durable workflow per order:
//
//   reserve inventory → charge payment → hold 1s → ship
//
// When a step after the reservation fails for good, the workflow catches the error and undoes what it had
// done, in reverse order: refund the payment, then release the reservation. It returns what happened:
// { outcome: 'completed', ... } or { outcome: 'compensated', failedStep, reason, compensated: [...] }.
//
// The run: the parent process (this file without arguments) runs two worker processes (this file with
// `--worker <run>`) one after the other on one fresh database file.
//   run 1  starts two orders: ord-1001 (ships) and ord-1002 (an address the carrier cannot deliver to).
//          Once both are reserved, charged and in their hold, the parent kills it with SIGKILL.
//   run 2  starts the same two workflows again (an idempotent start by id returns the existing ones), takes
//          them over when the killed worker's lease runs out, and finishes them: ord-1001 ships; ord-1002's
//          shipping fails with a NonRetryableError, and the workflow refunds the charge that run 1 made
//          and releases the reservation.
// The parent then reads both workflows from storage (handle.info(), handle.history()) with a client runtime,
// and what the fake payment, inventory and carrier services recorded, and checks that every side effect
// happened exactly once. It exits 0 only if everything adds up.

import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Runtime, WorkflowNotFoundError } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { ALL, checkout, HOLD, label, serviceLog, settings } from './saga-workflow.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const DATA_DIR = join(HERE, '.data');
const DB_FILE = join(DATA_DIR, 'saga.db');
/** Short lease, so the killed worker's workflows are taken over after 1 s (the default is 15 s). */
const LEASE_MS = 1_000;

const ORDERS = [
  { id: 'ord-1001', sku: 'sku-mug', quantity: 2, cents: 2_400, address: '12 Harbour Street, Portsmouth' },
  { id: 'ord-1002', sku: 'sku-lamp', quantity: 1, cents: 8_900, address: '1 Nowhere Lane, Atlantis' },
];
const workflowIdOf = (orderId) => `checkout-${orderId}`;

// Only errors from the runtime itself: the example prints its own lines.
const logger = pino({ level: 'error' });
const SERVICES_FILE = settings.servicesFile;

// ---- a worker process ---------------------------------------------------------------------------------

const workerId = (run, pid) => `run${run}:pid${pid}`;
const clockTime = (date) => (date ? new Date(date).toISOString().slice(11, 23) : '-');

function describeResult(result) {
  return result.outcome === 'completed'
    ? `completed: charged ${result.chargeId}, shipped ${result.trackingNumber}`
    : `compensated: '${result.failedStep}' failed (${result.reason}); undone: ${result.compensated.join(', ')}`;
}

async function worker(run) {
  const runtime = new Runtime({
    storage: new SqliteAdapter({ filename: DB_FILE }),
    logger,
    leaseMs: LEASE_MS,
    workerId: workerId(run, process.pid),
  });
  runtime.register(...ALL);
  await runtime.start();

  const handles = [];
  for (const order of ORDERS) {
    const id = workflowIdOf(order.id);
    // Only to tell the reader what startWorkflow will find; startWorkflow itself is idempotent by id.
    const existing = await runtime.getWorkflow(id).then(
      (handle) => handle.info(),
      (error) => {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      },
    );
    const note = existing
      ? `exists already (status ${existing.status}, lease of the killed worker runs out at ${clockTime(existing.nextAt)}): same workflow, nothing new started`
      : 'new workflow';
    console.log(`  ${order.id}  start startWorkflow(checkout, [${order.id}], { id: '${id}' }): ${note}`);
    handles.push(await runtime.startWorkflow(checkout, [order], { id }));
  }

  if (run === 1) {
    // Wait until both sagas have charged and checkpointed their hold, then say so: the parent kills us then.
    const pending = new Set(handles);
    while (pending.size > 0) {
      for (const handle of [...pending]) {
        const events = await handle.history();
        const held = events.find((e) => e.type === 'step_completed' && e.data?.kind === 'sleep');
        if (held || ['completed', 'failed'].includes(await handle.status())) {
          pending.delete(handle);
          if (held) console.log(`  ${handle.id.replace('checkout-', '')}  hold  sleep ${HOLD} (step ${held.step}: its wake time is checkpointed)`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    console.log('  both orders are charged and holding');
  }

  const results = await Promise.all(handles.map((handle) => handle.result()));
  for (const result of results) console.log(`  ${result.orderId}  result ${describeResult(result)}`);
  await runtime.shutdown();
}

// ---- the parent ---------------------------------------------------------------------------------------

const banner = (text) => console.log(`\n── ${text} ${'─'.repeat(Math.max(3, 96 - text.length))}`);

/**
 * Runs one worker process and echoes its output; sends SIGKILL at the first line matching `killOn`.
 * Returns the exit, the pid, and the task bodies it reported running (its `ran` and `undo` lines).
 */
function runWorker(run, killOn) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--worker', String(run)], {
      cwd: HERE,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const bodies = [];
    let killed = false;
    const guard = setTimeout(() => {
      console.log(`parent: worker of run ${run} did not finish in 15 s; killing it`);
      child.kill('SIGKILL');
    }, 15_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      console.log(line);
      const m = /^ {2}(ord-\d+) {2}(ran|undo) +(.+?) +attempt (\d+) /.exec(line);
      if (m) bodies.push({ orderId: m[1], label: m[3], attempt: Number(m[4]) });
      if (killOn && !killed && killOn.test(line)) {
        killed = true;
        child.kill('SIGKILL');
        console.log(`\nparent: SIGKILL → worker pid ${child.pid}, both orders charged, neither shipped (no shutdown, no cleanup)`);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ run, pid: child.pid, code, signal, killedByParent: killed, bodies });
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
  mkdirSync(DATA_DIR, { recursive: true });
  console.log('Steadfast order saga: compensations on failure, and a worker killed mid-saga, on SQLite');
  console.log(`  database  ${relative(process.cwd(), DB_FILE) || DB_FILE} (fresh)`);
  console.log(`  saga      reserve inventory → charge payment → hold ${HOLD} → ship; on failure: refund payment, release inventory`);
  for (const o of ORDERS) console.log(`  ${o.id}  ${o.quantity} × ${o.sku}, ${o.cents} cents, to ${o.address}`);

  banner('run 1: a worker process starts both sagas; killed once both are charged');
  const run1 = await runWorker(1, /^ {2}both orders are charged/);
  if (run1.signal === 'SIGKILL') console.log(`  worker pid ${run1.pid} is gone (killed by SIGKILL)`);
  check(run1.killedByParent && run1.signal === 'SIGKILL', `run 1 was expected to be killed by SIGKILL, but exited with code ${run1.code}, signal ${run1.signal}`);

  banner('run 2: a new worker process on the same database takes both sagas over');
  const run2 = await runWorker(2);
  check(run2.code === 0, `run 2 exited with code ${run2.code}${run2.signal ? `, signal ${run2.signal}` : ''}`);

  // Read what really happened from storage, with a client runtime: never started, it executes nothing.
  const client = new Runtime({ storage: new SqliteAdapter({ filename: DB_FILE }), logger });
  const stored = new Map();
  try {
    for (const order of ORDERS) {
      const handle = await client.getWorkflow(workflowIdOf(order.id));
      const [info, events] = await Promise.all([handle.info(), handle.history()]);
      stored.set(order.id, { info, events });
    }
  } finally {
    await client.shutdown();
  }

  const runOfOwner = new Map([[workerId(1, run1.pid), 1], [workerId(2, run2.pid), 2]]);
  const steps = new Map(); // orderId → [{ seq, name, kind, attempts, failed, run }]
  for (const order of ORDERS) {
    const { info, events } = stored.get(order.id);
    banner(`storage: ${info.id} (handle.info(), handle.history())`);
    console.log(`  info     status ${info.status}, claims ${info.attempts} (recovered ${info.recoveryAttempts})`);
    console.log(`           output ${JSON.stringify(info.output)}`);
    const t0 = events[0].at.getTime();
    const list = [];
    let currentRun;
    events.forEach((e, i) => {
      let note = '';
      if (e.type === 'claimed' || e.type === 'woke' || e.type === 'recovered') {
        currentRun = runOfOwner.get(e.data?.owner);
        note = `by run ${currentRun ?? `? (worker ${e.data?.owner})`}${e.type === 'recovered' ? ", after the killed worker's lease expired" : ''}`;
      } else if (e.type === 'step_completed' || e.type === 'step_failed') {
        list.push({ seq: e.step, name: e.data?.name, kind: e.data?.kind, attempts: e.data?.attempts, failed: e.type === 'step_failed', run: currentRun });
        note = `step ${e.step} ${e.data?.kind === 'sleep' ? `sleep ${HOLD}` : label(e.data?.name)}`;
        if (e.data?.kind === 'task') note += `, attempts ${e.data?.attempts}`;
      } else if (e.type === 'retry_scheduled') {
        note = `step ${e.step}: attempt ${e.data?.attempt} failed (${e.data?.error?.message ?? 'error'})`;
      }
      const head = i === 0 ? '  history' : '         ';
      console.log(`${head}  +${((e.at.getTime() - t0) / 1000).toFixed(3)}s  ${e.type.padEnd(15)} ${note}`.trimEnd());
    });
    steps.set(order.id, list);
  }

  // Which body ran where: from the lines each worker printed, against the checkpoints in storage.
  banner('summary: which steps ran in which run');
  const row = (a, b, c, d, e) => console.log(`  ${a.padEnd(9)} ${b.padEnd(5)} ${c.padEnd(18)} ${d.padEnd(24)} ${e}`);
  row('order', 'step', 'what', 'run 1 (killed)', 'run 2');
  for (const order of ORDERS) {
    for (const s of steps.get(order.id)) {
      const what = s.kind === 'sleep' ? `sleep ${HOLD}` : label(s.name);
      const cells = [run1, run2].map((r) => {
        if (s.kind !== 'task') return s.run === r.run ? 'timer set' : s.run < r.run ? 'wake time replayed' : '-';
        const ran = r.bodies.filter((b) => b.orderId === order.id && b.label === what).length;
        const compensation = s.name === 'saga.refundPayment' || s.name === 'saga.releaseInventory';
        if (ran === 0) return s.run < r.run ? 'replayed (body not run)' : '-';
        const how = s.failed ? 'ran: failed, no retry' : compensation ? 'ran (compensation)' : 'ran';
        return ran > 1 ? `${how} ×${ran}` : how;
      });
      row(s === steps.get(order.id)[0] ? order.id : '', String(s.seq), what, cells[0], cells[1]);
    }
  }

  const services = serviceLog();
  banner(`what the fake services saw: ${relative(process.cwd(), SERVICES_FILE) || SERVICES_FILE}`);
  for (const e of services) {
    const { service, op, orderId, ref, refused, idempotencyKey, cents } = e;
    const detail = [[cents !== undefined && `${cents} cents`, idempotencyKey && `key ${idempotencyKey}`].filter(Boolean).join(', '), ref && `→ ${ref}`, refused && `REFUSED: ${refused}`]
      .filter(Boolean)
      .join(' ');
    console.log(`  ${orderId}  ${`${service}.${op}`.padEnd(17)} ${detail}`);
  }

  // ---- checks ----
  const [good, bad] = ORDERS;
  const bodiesRun = [...run1.bodies.map((b) => ({ ...b, run: 1 })), ...run2.bodies.map((b) => ({ ...b, run: 2 }))];
  const ranIn = (orderId, what) => bodiesRun.filter((b) => b.orderId === orderId && b.label === what).map((b) => b.run);
  const seen = (orderId, service, op, refused = false) => services.filter((e) => e.orderId === orderId && e.service === service && e.op === op && Boolean(e.refused) === refused);

  for (const order of ORDERS) {
    const { info } = stored.get(order.id);
    check(info.status === 'completed', `${info.id}: status ${info.status}, expected completed (a compensated saga completes too)`);
    check(info.recoveryAttempts === 1, `${info.id}: recoveryAttempts ${info.recoveryAttempts}, expected 1 (run 2 taking over from the killed run 1)`);
    const list = steps.get(order.id);
    check(new Set(list.map((s) => s.seq)).size === list.length, `${info.id}: a step was checkpointed more than once`);
    for (const s of list) if (s.kind === 'task') check(s.attempts === 1, `${info.id}: step ${s.seq} ${label(s.name)} took ${s.attempts} attempts, expected 1`);
    // Nothing ran twice: each task body printed exactly one line, in the run expected for it.
    for (const s of list.filter((x) => x.kind === 'task')) {
      const runs = ranIn(order.id, label(s.name));
      check(runs.length === 1, `${info.id}: ${label(s.name)} ran ${runs.length} times (runs ${runs.join(', ') || 'none'}), expected once`);
    }
    check(ranIn(order.id, 'reserve inventory').join() === '1' && ranIn(order.id, 'charge payment').join() === '1', `${info.id}: reserve and charge should have run in run 1 only`);
    check(ranIn(order.id, 'ship order').join() === '2', `${info.id}: ship should have run in run 2 only (after the takeover)`);
    check(seen(order.id, 'inventory', 'reserve').length === 1, `${order.id}: inventory saw ${seen(order.id, 'inventory', 'reserve').length} reservations, expected 1`);
    const charges = seen(order.id, 'payments', 'charge');
    check(charges.length === 1, `${order.id}: the payment provider made ${charges.length} charges, expected 1`);
    check(charges[0]?.idempotencyKey === `${info.id}:1`, `${order.id}: the charge's idempotency key is ${charges[0]?.idempotencyKey}, expected ${info.id}:1`);
  }
  check(services.every((e) => e.refused !== 'duplicate idempotency key'), 'the payment provider refused a duplicate request: a payment body ran twice');

  // The good order: charged once, shipped, nothing undone.
  const goodInfo = stored.get(good.id).info;
  const goodSteps = steps.get(good.id).map((s) => (s.kind === 'sleep' ? 'sleep' : label(s.name))).join(' → ');
  check(goodSteps === 'reserve inventory → charge payment → sleep → ship order', `${good.id}: steps ${goodSteps}`);
  check(goodInfo.output?.outcome === 'completed' && goodInfo.output?.trackingNumber === seen(good.id, 'carrier', 'ship')[0]?.ref, `${good.id}: output ${JSON.stringify(goodInfo.output)}, expected completed with the carrier's tracking number`);
  check(seen(good.id, 'carrier', 'ship').length === 1, `${good.id}: shipped ${seen(good.id, 'carrier', 'ship').length} times, expected 1`);
  check(seen(good.id, 'payments', 'refund').length === 0 && seen(good.id, 'inventory', 'release').length === 0, `${good.id}: was refunded or released, expected neither`);

  // The bad order: charged once, shipping refused once (no retry), refunded once, reservation released, in reverse order.
  const badInfo = stored.get(bad.id).info;
  const badSteps = steps.get(bad.id).map((s) => (s.kind === 'sleep' ? 'sleep' : `${label(s.name)}${s.failed ? ' (failed)' : ''}`)).join(' → ');
  check(badSteps === 'reserve inventory → charge payment → sleep → ship order (failed) → refund payment → release inventory', `${bad.id}: steps ${badSteps}`);
  check(
    badInfo.output?.outcome === 'compensated' && badInfo.output?.failedStep === 'ship order' && /address undeliverable/.test(badInfo.output?.reason) &&
      badInfo.output?.compensated?.join() === 'refund payment,release inventory',
    `${bad.id}: output ${JSON.stringify(badInfo.output)}, expected compensated after 'ship order' (address undeliverable), refund then release`,
  );
  check(seen(bad.id, 'carrier', 'ship', true).length === 1 && seen(bad.id, 'carrier', 'ship').length === 0, `${bad.id}: the carrier should have been asked once (refused) and shipped nothing`);
  const badCharge = seen(bad.id, 'payments', 'charge')[0];
  const refunds = seen(bad.id, 'payments', 'refund');
  check(refunds.length === 1 && refunds[0].chargeId === badCharge?.ref && refunds[0].cents === bad.cents, `${bad.id}: expected one refund of ${badCharge?.ref} for ${bad.cents} cents, found ${JSON.stringify(refunds)}`);
  const releases = seen(bad.id, 'inventory', 'release');
  check(releases.length === 1 && releases[0].ref === seen(bad.id, 'inventory', 'reserve')[0]?.ref, `${bad.id}: expected its reservation released once, found ${JSON.stringify(releases)}`);
  check(ranIn(bad.id, 'refund payment').join() === '2' && ranIn(bad.id, 'release inventory').join() === '2', `${bad.id}: compensations should have run once each, in run 2`);

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (problems.length > 0) {
    console.log(`\nFAILED after ${seconds}s:`);
    for (const p of problems) console.log(`  - ${p}`);
    process.exitCode = 1;
    return;
  }
  console.log(
    `\nOK in ${seconds}s: ${good.id} was charged once and shipped; ${bad.id} was charged once, its shipping failed\n` +
      '(address undeliverable, not retried), and it was refunded once and its reservation released, in reverse order.\n' +
      'The worker was killed after both charges; the next one replayed the checkpointed steps without running\n' +
      'their bodies again (no second charge, no duplicate request refused) and finished both sagas. Nothing ran twice.',
  );
}

// ---- entry point --------------------------------------------------------------------------------------

if (process.argv[2] === '--worker') {
  const run = Number(process.argv[3]);
  worker(run).catch((error) => {
    console.error(`worker (run ${run}) failed:`, error);
    process.exit(1);
  });
} else {
  parent().catch((error) => {
    console.error('order saga failed:', error);
    process.exit(1);
  });
}

// One soak run: an environment (PostgreSQL or SQLite) with its own faults, a fleet of worker processes
// SIGKILLed every killEveryMs and one SIGSTOPped past its lease every pauseEveryMs, a driver that starts the
// workflows over the first 75 % of the fault period and signals them; then the faults stop, the rest drains,
// and the checks run on what is stored.

import { analyze } from './checks.mjs';
import { Driver } from './driver.mjs';
import { repeat } from './faults.mjs';
import { Fleet } from './fleet.mjs';
import { postgresEnvironment } from './postgres-environment.mjs';
import { readStored } from './stored.mjs';
import { sqliteEnvironment } from './sqlite-environment.mjs';

const START_WINDOW = 0.75;
const progress = (message) => process.stderr.write(`soak: ${message}\n`);

export async function runSoak(options) {
  const phase = { current: undefined, set: (label) => (phase.current = label) };
  const environment = options.adapter === 'postgres' ? await postgresEnvironment(options, phase) : await sqliteEnvironment(options, phase);
  const runtime = { leaseMs: options.leaseMs, heartbeatMs: options.heartbeatMs, pollIntervalMs: 500, inMemoryWaitMs: 500, concurrency: options.concurrency };
  const fleet = new Fleet({ size: options.workers, config: { ...environment.workerConfig, runtime }, phase });
  const driver = new Driver({ client: environment.client, count: options.workflows, phase });
  try {
    await fleet.start();
    progress(`${options.workers} ${environment.adapter} workers ready; ${options.workflows} workflows over ${options.durationMs / 1000} s of faults`);
    const t0 = Date.now();
    const faults = [
      repeat('SIGKILL a worker', options.killEveryMs, () => fleet.killOne(), { jitter: 0 }),
      repeat('SIGSTOP a worker past its lease', options.pauseEveryMs, () => fleet.pauseOne(options.leaseMs + 2_000), { firstAfterMs: 5_000 }),
      ...environment.startFaults(),
    ];
    const ticker = setInterval(async () => {
      const finished = await driver.finished(environment.reader);
      progress(`${Math.round((Date.now() - t0) / 1000)} s: ${finished} finished; ${JSON.stringify(fleet.figures())}`);
    }, options.durationMs > 120_000 ? 30_000 : 10_000);
    const starting = driver.startAll(options.durationMs * START_WINDOW);
    await new Promise((resolve) => setTimeout(resolve, options.durationMs));
    fleet.resumeAll();
    for (const fault of faults) await fault.stop();
    const faultsEndAt = Date.now();
    const finishedUnderFaults = await driver.finished(environment.reader);
    clearInterval(ticker);
    progress(`faults stopped after ${Math.round((faultsEndAt - t0) / 1000)} s; draining`);
    await starting;
    await driver.signalsDone();
    const drainedAt = await driver.drain(environment.reader, options.drainTimeoutMs);
    const drainMs = drainedAt === undefined ? null : Math.max(0, drainedAt - faultsEndAt);
    progress(drainMs === null ? `NOT drained within ${options.drainTimeoutMs / 1000} s` : `drained ${drainMs} ms after the faults stopped`);
    await fleet.stop();

    const stored = await readStored(environment.reader);
    const { figures, checks, failures } = analyze(stored, {
      ids: driver.ids,
      kills: fleet.kills,
      pausedPids: fleet.pauses.map((p) => p.pid),
      pidOf: (owner) => Number(/(\d+)$/.exec(owner)?.[1]),
    });
    const fleetFigures = fleet.figures();
    checks.push(
      { name: 'drained within the drain timeout', value: drainMs ?? -1, pass: drainMs !== null, expect: `≤ ${options.drainTimeoutMs} ms` },
      { name: 'worker exits nobody asked for', value: fleetFigures.unexpectedExits, pass: fleetFigures.unexpectedExits === 0, expect: '= 0' },
      { name: 'paused workers that crashed after SIGCONT', value: fleetFigures.pausedWorkersCrashed, pass: fleetFigures.pausedWorkersCrashed === 0, expect: '= 0' },
      { name: 'driver calls given up', value: driver.failedCalls.length, pass: driver.failedCalls.length === 0, expect: '= 0' },
      ...faultErrors(faults),
      ...(await environment.extraChecks()),
    );
    return {
      figures: {
        ...figures,
        ...fleetFigures,
        ...(await environment.figures()),
        ...driver.figures(),
        faultSeconds: Math.round((faultsEndAt - t0) / 1000),
        finishedUnderFaults,
        workflowsPerSecUnderFaults: Number(((finishedUnderFaults / (faultsEndAt - t0)) * 1000).toFixed(1)),
        drainMs,
        workflowsPerSec: Number(((figures.completed / ((drainedAt ?? Date.now()) - t0)) * 1000).toFixed(1)),
      },
      checks,
      detail: {
        failures,
        logs: fleet.topLogs(),
        failedStarts: [...fleet.startErrors].map(([error, count]) => ({ error, count })),
        driverErrors: driver.topErrors(),
        unexpectedExits: fleet.unexpectedExits.slice(0, 5),
        givenUp: driver.failedCalls.slice(0, 5),
        pauses: fleet.pauses,
      },
    };
  } finally {
    await fleet.stop(2_000);
    await environment.teardown();
  }
}

/** A fault that could not be injected (pg_ctl failed, the filler died) makes the run say less than it claims. */
function faultErrors(faults) {
  return faults.map(({ fault }) => ({
    name: `'${fault.name}' injected without errors${fault.errors.length ? ` (${fault.errors[0]})` : ''}`,
    value: fault.errors.length,
    pass: fault.errors.length === 0,
    expect: '= 0',
  }));
}

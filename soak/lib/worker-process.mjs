// A soak worker: a started Runtime on the store named in its configuration (JSON, argv[2]), with the soak's
// workflows registered and its ledger port wired. Prints pino logs (level warn and up, JSON lines) and one
// {"type":"ready"} line on stdout (and {"type":"startFailed"} per failed runtime start, which it retries).
// SIGTERM: graceful shutdown, exit 0. Anything else is a fault injected by
// the driver (SIGKILL, SIGSTOP/SIGCONT) or a finding.
//
//   { adapter: 'postgres', connection, schema, ledgerUrl, poolMax, runtime: { leaseMs, ... } }
//   { adapter: 'sqlite', filename, ledgerFile, runtime: { ... } }

import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { ALL, useLedger } from './definitions.mjs';

const config = JSON.parse(process.argv[2]);
const workerId = `soak-${process.pid}`;
const logger = pino({ name: 'steadfast', level: config.logLevel ?? 'warn', base: { pid: process.pid } });

/** The storage and ledger of one start attempt: a runtime whose start() failed is closed and replaced. */
async function openStorage() {
  if (config.adapter === 'postgres') {
    const { PostgresAdapter } = await import('@steadfast/postgres-adapter');
    const { postgresLedger, SCHEMA } = await import('./postgres-store.mjs');
    const storage = new PostgresAdapter({ connection: config.connection, schema: SCHEMA, logger, pool: { max: config.poolMax ?? 5 }, listenCheckIntervalMs: 1_000 });
    return { storage, ledger: postgresLedger(config.ledgerUrl) };
  }
  const { SqliteAdapter } = await import('@steadfast/sqlite-adapter');
  const { sqliteLedger } = await import('./sqlite-store.mjs');
  return { storage: new SqliteAdapter({ filename: config.filename }), ledger: sqliteLedger(config.ledgerFile) };
}

// start() does not wait out an outage (a restart, a cut connection, a full disk): it rejects. Like a
// supervisor would, try again with a fresh runtime, and say so (the driver counts these).
let runtime;
let ledger;
for (let attempt = 1; ; attempt++) {
  const opened = await openStorage();
  ledger = opened.ledger;
  useLedger(ledger);
  runtime = new Runtime({ storage: opened.storage, logger, workerId, ...config.runtime });
  runtime.register(...ALL);
  try {
    await runtime.start();
    break;
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ type: 'startFailed', pid: process.pid, attempt, error: String(error?.message ?? error) })}\n`);
    await runtime.shutdown({ timeout: 0 }).catch(() => {});
    await ledger.close().catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
  }
}
process.stdout.write(`${JSON.stringify({ type: 'ready', pid: process.pid, workerId })}\n`);

let stopping = false;
process.on('SIGTERM', async () => {
  if (stopping) return;
  stopping = true;
  await runtime.shutdown({ timeout: 5_000 });
  await ledger.close();
  process.exit(0);
});

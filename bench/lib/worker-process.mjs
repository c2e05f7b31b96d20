// A worker process: a started runtime on the store named on its command line, registering the benchmark
// workflows and tasks. Talks to the parent over IPC:
//   -> { type: 'ready', rssBefore }   after runtime.start()
//   -> { type: 'start', id, at }      when a probed task starts (if `report`)
//   <- { type: 'rss' }                -> { type: 'rss', rss, heapUsed } (after a GC)
//   <- { type: 'count' }              -> { type: 'count', total, byKind, transactions } (if `count`: every
//                                        statement this process sent since the last count, heartbeats included)
//   <- { type: 'stop' }               shuts the runtime down and exits

import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { countPostgres, countSqlite, Tally } from './counters.mjs';
import { ALL, hooks } from './definitions.mjs';
import { openAdapter } from './stores.mjs';

const config = JSON.parse(process.argv[2]);
const gc = () => globalThis.gc?.();

if (config.report) hooks.onStart = (id, at) => process.send({ type: 'start', id, at });

const tally = new Tally();
if (config.count) (config.store.adapter === 'postgres' ? countPostgres : countSqlite)(tally, { all: true });

gc();
const rssBefore = process.memoryUsage().rss;
const runtime = new Runtime({ storage: openAdapter(config.store), logger: pino({ level: 'silent' }), ...config.runtime });
runtime.register(...ALL);
await runtime.start();
process.send({ type: 'ready', rssBefore, pid: process.pid });

process.on('message', async (message) => {
  if (message.type === 'rss') {
    gc();
    const { rss, heapUsed } = process.memoryUsage();
    process.send({ type: 'rss', rss, heapUsed });
  } else if (message.type === 'count') {
    process.send({ type: 'count', total: tally.total, byKind: tally.byKind, transactions: tally.transactions });
    tally.reset();
  } else if (message.type === 'stop') {
    await runtime.shutdown({ timeout: message.timeout ?? 0 }).catch(() => {});
    process.exit(0);
  }
});
// The parent went away: do not linger.
process.on('disconnect', () => process.exit(0));

// How soon a SQLite worker hears of another process's commit through the adapter's change watch (inotify on
// the WAL, then PRAGMA data_version; the poll every changePollMs is the fallback). This process commits one
// row at a time (through adapter.knex, or a raw better-sqlite3 connection with WRITER=raw), 10-20 ms after
// the previous commit was heard; a forked child subscribes with changePollMs=POLL (default 50) and reports
// each notification over IPC. Prints the delay from the start of each commit to the notification.
// Usage: [POLL=2000] [WRITER=raw|knex] node bench/tools/change-watch.mjs [commits=150]
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { percentile } from '../lib/stats.mjs';
import { freshStore } from '../lib/stores.mjs';

const now = () => performance.timeOrigin + performance.now();
if (process.argv[2] === 'watcher') {
  const adapter = new SqliteAdapter({ filename: process.argv[3], changePollMs: Number(process.env.POLL ?? 50) });
  await adapter.migrate();
  await adapter.subscribe(() => process.send({ at: now() }));
  process.send({ ready: true });
} else {
  const commits = Number(process.argv[2] ?? 150);
  const store = await freshStore('sqlite', 'watch');
  const writer = store.open();
  await writer.migrate();
  const raw = new Database(store.spec.filename);
  raw.pragma('synchronous = FULL');
  const child = fork(fileURLToPath(import.meta.url), ['watcher', store.spec.filename]);
  let heardAt = 0;
  const waiters = [];
  child.on('message', (message) => {
    if (message.at) (heardAt = message.at), waiters.splice(0).forEach((wake) => wake());
  });
  await new Promise((resolve) => child.once('message', resolve));
  const insert = "INSERT INTO steadfast_workers (id, versions, queues, seen_at, expires_at) VALUES (?, '[]', '[]', 0, 0)";
  const delays = [];
  for (let i = 0; i < commits; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 10));
    const before = heardAt;
    const t = now();
    if (process.env.WRITER === 'raw') raw.prepare(insert).run(`w${i}`);
    else await writer.knex.raw(insert, [`w${i}`]);
    await Promise.race([new Promise((resolve) => waiters.push(resolve)), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    delays.push(heardAt === before ? Infinity : heardAt - t);
  }
  const within = (ms) => delays.filter((d) => d <= ms).length;
  console.log(`changePollMs ${process.env.POLL ?? 50}, writer ${process.env.WRITER ?? 'knex'}: ${commits} commits; heard within 10 ms: ${within(10)}, within 50 ms: ${within(50)}; delay p50 ${percentile(delays, 50).toFixed(0)} ms, p90 ${percentile(delays, 90).toFixed(0)} ms, max ${Math.max(...delays).toFixed(0)} ms`);
  child.kill();
  raw.close();
  await writer.close();
  await store.cleanup();
  process.exit(0);
}

// PostgreSQL server CPU spent for this process: the CPU time of the backends serving this process's pg
// adapter connections (application_name steadfast*, so not the bench's own admin connection), read from
// /proc/<pid>/stat (the server runs on this machine; the bench runs as a user that can read the backends'
// stat files). A backend is found by its client port in pg_stat_activity (every connection comes from
// 127.0.0.1 to one server port, so the port names it). Background processes (WAL writer, checkpointer,
// autovacuum) are not counted.

import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import pg from 'pg';

const clients = new Set();
let installed = false;
let ticksPerSecond;

/** From now on, every pg client this process connects is remembered, so that its backend can be found. */
export function trackBackends() {
  if (installed) return;
  installed = true;
  const connect = pg.Client.prototype.connect;
  pg.Client.prototype.connect = function tracked(...args) {
    clients.add(this);
    return connect.apply(this, args);
  };
}

function ticks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of stat)
  } catch {
    return undefined; // gone, or not on this machine
  }
}

/**
 * The CPU time (µs) the backends of this process's open connections have used so far, by pid. `query(sql,
 * params)` runs SQL on any connection (for pg_stat_activity). Undefined when the backends' stat files cannot
 * be read (a server on another machine).
 */
export async function backendCpu(query) {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const ports = [...clients].map((client) => client.connection?.stream?.localPort).filter((port) => typeof port === 'number');
  const rows = await query("SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[]) AND application_name LIKE 'steadfast%'", [ports]);
  const byPid = new Map();
  for (const { pid } of rows) {
    const t = ticks(pid);
    if (t !== undefined) byPid.set(pid, (t * 1e6) / ticksPerSecond);
  }
  return rows.length > 0 && byPid.size === 0 ? undefined : byPid;
}

/** µs of backend CPU between two `backendCpu` samples (a backend that appeared in between counts from 0). */
export function backendCpuBetween(before, after) {
  if (!before || !after) return undefined;
  let sum = 0;
  for (const [pid, us] of after) sum += us - (before.get(pid) ?? 0);
  return sum;
}

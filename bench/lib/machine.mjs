// What the numbers were measured on: machine, versions, commit, date.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PG_URL } from './stores.mjs';

/** The installed version of a package, from node_modules at the repository root (workspaces are linked there). */
function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export async function postgresVersion() {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.query('SHOW server_version')).rows[0].server_version;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function describeMachine() {
  const db = new Database(':memory:');
  const sqlite = db.prepare('SELECT sqlite_version() AS v').get().v;
  db.close();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {}
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    commit,
    machine: {
      nproc: os.availableParallelism?.() ?? cpus.length,
      memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
      cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      loadavgAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    },
    versions: {
      node: process.versions.node,
      postgresql: await postgresVersion(),
      sqlite,
      '@steadfast/core': packageVersion('@steadfast/core'),
      '@steadfast/sqlite-adapter': packageVersion('@steadfast/sqlite-adapter'),
      '@steadfast/postgres-adapter': packageVersion('@steadfast/postgres-adapter'),
      knex: packageVersion('knex'),
      pg: packageVersion('pg'),
      'better-sqlite3': packageVersion('better-sqlite3'),
      pino: packageVersion('pino'),
    },
  };
}

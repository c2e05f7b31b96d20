// The PostgreSQL server binaries, the OS user that runs them, and the processes of a running cluster, for
// private-cluster.mjs. Linux /proc is used where it exists; elsewhere the checks degrade to "the pid exists".
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

function newestVersionBinDir() {
  const root = '/usr/lib/postgresql';
  try {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    return versions[0] ? join(root, versions[0], 'bin') : undefined;
  } catch {
    return undefined;
  }
}

const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres'];

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** @type {string | undefined} */
let binDir;
/**
 * The one directory holding initdb, pg_ctl and postgres (all from the same installation):
 * STEADFAST_PG_BINDIR if set (and then only it), else the newest /usr/lib/postgresql/<v>/bin,
 * `pg_config --bindir`, then PATH. Throws naming every path tried.
 * @returns {string}
 */
export function pgBinDir() {
  if (binDir) return binDir;
  const dirs = [];
  if (process.env.STEADFAST_PG_BINDIR) {
    dirs.push(process.env.STEADFAST_PG_BINDIR);
  } else {
    const versioned = newestVersionBinDir();
    if (versioned) dirs.push(versioned);
    const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
    if (pgConfig.status === 0 && pgConfig.stdout.trim()) dirs.push(pgConfig.stdout.trim());
    dirs.push(...(process.env.PATH ?? '').split(delimiter).filter(Boolean));
  }
  const missing = new Map();
  for (const dir of new Set(dirs)) {
    const absent = SERVER_BINARIES.filter((name) => !executable(join(dir, name)));
    if (absent.length === 0) return (binDir = dir);
    for (const name of absent) missing.set(name, [...(missing.get(name) ?? []), join(dir, name)]);
  }
  const detail = [...missing].map(([name, tried]) => `'${name}' (tried ${tried.join(', ')})`).join('; ');
  throw new Error(
    `PostgreSQL server binaries not found together in one directory; missing ${detail}. ` +
      `Install the PostgreSQL server package or set STEADFAST_PG_BINDIR to the directory holding initdb, pg_ctl and postgres.`,
  );
}

/** @param {'initdb' | 'pg_ctl' | 'postgres'} name */
export function pgBinary(name) {
  return join(pgBinDir(), name);
}

/** @type {{ prefix: string[], uid?: number, gid?: number } | undefined} */
let runAsCache;
/**
 * initdb/postgres refuse to run as root: when root, run them as the `postgres` OS user.
 * `prefix` is the argv prefix that does so ([] = the current user).
 */
export function runAs() {
  if (runAsCache) return runAsCache;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return (runAsCache = { prefix: [] });
  const id = (flag) => {
    const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`running as root, but there is no 'postgres' OS user to own a private cluster (id ${flag} postgres: ${r.stderr.trim()})`);
    return Number(r.stdout.trim());
  };
  const uid = id('-u');
  const gid = id('-g');
  for (const runuser of ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser']) {
    if (existsSync(runuser)) return (runAsCache = { prefix: [runuser, '-u', 'postgres', '--'], uid, gid });
  }
  throw new Error(`running as root, but runuser (tried /usr/sbin/runuser, /sbin/runuser, /usr/bin/runuser) is missing; cannot run initdb/pg_ctl as 'postgres'`);
}

/** Environment for PostgreSQL tools: no PG* variables that could redirect them. */
function pgEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^PG/.test(k)) env[k] = v;
  env.LC_ALL = 'C';
  env.LANG = 'C';
  return env;
}

/**
 * Runs a PostgreSQL tool as the cluster owner; never rejects.
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
export function runPgTool(argv, cwd, timeoutMs) {
  const full = [...runAs().prefix, ...argv];
  return new Promise((resolve) => {
    execFile(full[0], full.slice(1), { cwd, env: pgEnv(), timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code === null ? err.message : '') });
    });
  });
}

/** @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not obtain a free TCP port'))));
    });
  });
}

export function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** pid of the postmaster from postmaster.pid, if the file exists. */
export function postmasterPid(dataDir) {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export const HAS_PROC = existsSync('/proc/self/stat');

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, pgrp, ...]; undefined if gone. */
function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Whether `pid` exists and is not a zombie (a SIGKILLed process lingers as one until init reaps it). */
export function processAlive(pid) {
  if (!HAS_PROC) return pidAlive(pid);
  const state = procStat(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

export function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Direct children of `pid` (Linux /proc; [] elsewhere). */
export function childrenOf(pid) {
  if (!HAS_PROC) return [];
  const out = [];
  for (const e of readdirSync('/proc')) {
    if (/^\d+$/.test(e) && procStat(Number(e))?.[1] === String(pid)) out.push(Number(e));
  }
  return out;
}

/** Whether `pid` is a live (non-zombie) process whose command line mentions `dataDir`. */
function isPostmasterOf(pid, dataDir) {
  if (!HAS_PROC) return pidAlive(pid);
  if (!processAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
  } catch {
    return false;
  }
}

/** The pid of the cluster's live postmaster, if one is running. */
export function runningPostmaster(dataDir) {
  const pid = postmasterPid(dataDir);
  return pid && isPostmasterOf(pid, dataDir) ? pid : undefined;
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * SIGKILLs the postmaster and all its children (backends and auxiliary processes, each in its
 * own session, so a process-group kill would miss them). The postmaster is SIGSTOPped first so
 * it cannot fork while its children are listed. Returns the pids signalled.
 */
export function killTree(postmaster) {
  signal(postmaster, 'SIGSTOP');
  const pids = [postmaster, ...childrenOf(postmaster)];
  for (const pid of pids) signal(pid, 'SIGKILL');
  return pids;
}

/** The SysV shared memory id recorded in postmaster.pid (line 7: "<key> <shmid>"). */
export function shmIdOf(dataDir) {
  try {
    const id = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[6]?.trim().split(/\s+/)[1];
    return id && /^\d+$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A SIGKILLed cluster leaves its (small) SysV shared memory segment behind; a machine crash
 * would lose it too. Remove it once nothing is attached (best effort).
 */
export function dropShm(shmid) {
  if (shmid) spawnSync('ipcrm', ['-m', shmid], { stdio: 'ignore' });
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Synchronously stops a cluster as fast as possible: SIGQUIT (immediate shutdown), then SIGKILL. */
export function stopNowSync(dataDir) {
  const pid = runningPostmaster(dataDir);
  if (!pid) return;
  const shmid = shmIdOf(dataDir);
  signal(pid, 'SIGQUIT');
  for (let i = 0; i < 30 && processAlive(pid); i++) sleepSync(10);
  if (!processAlive(pid)) return; // a clean immediate shutdown removes its own shared memory
  const pids = killTree(pid);
  for (let i = 0; i < 50 && pids.some(processAlive); i++) sleepSync(10);
  dropShm(shmid);
}

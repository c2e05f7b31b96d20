/**
 * PostgreSQL test harness.
 *
 * - `requirePostgres()` / `createTestSchema()` use the SHARED server (PG_URL). Tests on it must
 *   isolate themselves in their own schema and must never stop, kill or restart it.
 * - `PrivateCluster` is a throw-away cluster (own data dir, own port) for tests that stop, kill
 *   or restart PostgreSQL.
 *
 * Environment:
 *   STEADFAST_PG_URL     shared server (default postgres://postgres@127.0.0.1:5432/test)
 *   STEADFAST_PG_BINDIR  directory holding initdb/pg_ctl/postgres (default: newest
 *                        /usr/lib/postgresql/<version>/bin, then `pg_config --bindir`, then PATH)
 *   CI=true              an unreachable server / unusable binaries fail loudly instead of skipping
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, appendFileSync, chownSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export const PG_URL: string = process.env.STEADFAST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const isCI = (): boolean => process.env.CI === 'true';

function loud(lines: string[]): string {
  const bar = '!'.repeat(78);
  return ['', bar, ...lines.map((l) => `!! ${l}`), bar, ''].join('\n');
}

/** Redacts a password in a connection URL, for messages. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    // AggregateError (e.g. ECONNREFUSED on both ::1 and 127.0.0.1) has an empty message.
    const inner = err instanceof AggregateError ? err.errors.map(errorText).join('; ') : '';
    return [code, err.message, inner].filter(Boolean).join(': ') || String(err);
  }
  return String(err);
}

// ---------------------------------------------------------------------------------------------
// Shared server
// ---------------------------------------------------------------------------------------------

async function probe(url: string, timeoutMs = 3_000): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {}); // a dying connection must not become an uncaught exception
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

let reachable: Promise<boolean> | undefined;

/**
 * Whether the shared server at PG_URL answers `SELECT 1` (within ~3 s). When it does not:
 * under CI=true this throws; otherwise it warns on stderr (once per process) and returns false,
 * so a test file can do `describe.skipIf(!(await requirePostgres()))(...)`.
 */
export function requirePostgres(): Promise<boolean> {
  reachable ??= probe(PG_URL).then(
    () => true,
    (err: unknown) => {
      const reason = errorText(err);
      if (isCI()) {
        throw new Error(
          `PostgreSQL at ${displayUrl(PG_URL)} is unreachable (${reason}); CI requires it. ` +
            `Start it (e.g. pg_ctlcluster --skip-systemctl-redirect <version> main start) or set STEADFAST_PG_URL.`,
        );
      }
      process.stderr.write(
        loud([
          `PostgreSQL at ${displayUrl(PG_URL)} is UNREACHABLE (${reason}).`,
          'PostgreSQL tests are being SKIPPED. (Under CI=true this is an error.)',
          'Start the server or point STEADFAST_PG_URL at one to run them.',
        ]),
      );
      return false;
    },
  );
  return reachable;
}

export interface TestSchema {
  /** The schema name: lower-case, a valid unquoted identifier of at most 41 characters. */
  schema: string;
  /** The connection URL (PG_URL; pass `schema` to the adapter). */
  url: string;
  /** DROP SCHEMA ... CASCADE (idempotent). */
  drop(): Promise<void>;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates a uniquely named schema (`<prefix>_<pid>_<random>`) on the shared server. */
export async function createTestSchema(prefix = 'sf_test'): Promise<TestSchema> {
  const p = prefix.toLowerCase();
  if (!/^[a-z_][a-z0-9_]*$/.test(p)) throw new Error(`createTestSchema: prefix ${JSON.stringify(prefix)} is not a valid identifier prefix`);
  const schema = `${p}_${process.pid}_${randomBytes(5).toString('hex')}`;
  // The adapter accepts schema names of at most 41 characters.
  if (schema.length > 41) throw new Error(`createTestSchema: schema name ${schema} is longer than 41 characters; use a shorter prefix`);
  await (sweep ??= sweepLeftoverSchemas());
  await withClient(PG_URL, (c) => c.query(`CREATE SCHEMA ${quoteIdent(schema)}`), `create schema ${schema}`);
  let dropped = false;
  return {
    schema,
    url: PG_URL,
    async drop() {
      if (dropped) return;
      await withClient(PG_URL, (c) => c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`), `drop schema ${schema}`);
      dropped = true;
    },
  };
}

let sweep: Promise<void> | undefined;

/**
 * Drops test schemas left on the shared server by test processes that died before their clean-up (a
 * killed vitest worker): names `sf_…_<pid>_<10 hex>` whose pid no longer runs. Once per process.
 */
async function sweepLeftoverSchemas(): Promise<void> {
  await withClient(
    PG_URL,
    async (c) => {
      const { rows } = await c.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sf\\_%'");
      for (const { nspname } of rows) {
        const pid = /_(\d+)_[0-9a-f]{10}$/.exec(nspname)?.[1];
        if (pid && Number(pid) !== process.pid && !processAlive(Number(pid))) {
          await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(nspname)} CASCADE`).catch(() => {});
        }
      }
    },
    'sweep leftover test schemas',
  ).catch(() => {});
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>, what: string): Promise<T> {
  let client: pg.Client;
  // Test files running in parallel can use up max_connections for a moment: wait for a free one.
  for (let attempt = 1; ; attempt++) {
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      break;
    } catch (err) {
      await client.end().catch(() => {});
      if ((err as { code?: string }).code === '53300' && attempt < 40) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      throw new Error(`PostgreSQL at ${displayUrl(url)} is unreachable, cannot ${what}: ${errorText(err)}`);
    }
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Private clusters
// ---------------------------------------------------------------------------------------------

const DIR_PREFIX = 'steadfast-pg-';

function newestVersionBinDir(): string | undefined {
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

const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres'] as const;
type ServerBinary = (typeof SERVER_BINARIES)[number];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let binDir: string | undefined;
/**
 * The one directory holding initdb, pg_ctl and postgres (all from the same installation):
 * STEADFAST_PG_BINDIR if set (and then only it), else the newest /usr/lib/postgresql/<v>/bin,
 * `pg_config --bindir`, then PATH. Throws naming every path tried.
 */
function pgBinDir(): string {
  if (binDir) return binDir;
  const dirs: string[] = [];
  if (process.env.STEADFAST_PG_BINDIR) {
    dirs.push(process.env.STEADFAST_PG_BINDIR);
  } else {
    const versioned = newestVersionBinDir();
    if (versioned) dirs.push(versioned);
    const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
    if (pgConfig.status === 0 && pgConfig.stdout.trim()) dirs.push(pgConfig.stdout.trim());
    dirs.push(...(process.env.PATH ?? '').split(delimiter).filter(Boolean));
  }
  const missing = new Map<ServerBinary, string[]>();
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

function pgBinary(name: ServerBinary): string {
  return join(pgBinDir(), name);
}

interface RunAs {
  /** argv prefix that runs a command as the cluster owner ([] = the current user). */
  prefix: string[];
  uid?: number;
  gid?: number;
}

let runAsCache: RunAs | undefined;
/** initdb/postgres refuse to run as root: when root, run them as the `postgres` OS user. */
function runAs(): RunAs {
  if (runAsCache) return runAsCache;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return (runAsCache = { prefix: [] });
  const id = (flag: string): number => {
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
function pgEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^PG/.test(k)) env[k] = v;
  env.LC_ALL = 'C';
  env.LANG = 'C';
  return env;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(argv: string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  const full = [...runAs().prefix, ...argv];
  return new Promise((resolve) => {
    execFile(full[0]!, full.slice(1), { cwd, env: pgEnv(), timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code === null ? err.message : '') });
    });
  });
}

function freePort(): Promise<number> {
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

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** pid of the postmaster from postmaster.pid, if the file exists. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const HAS_PROC = existsSync('/proc/self/stat');

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, pgrp, ...]; undefined if gone. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Whether `pid` exists and is not a zombie (a SIGKILLed process lingers as one until init reaps it). */
function processAlive(pid: number): boolean {
  if (!HAS_PROC) return pidAlive(pid);
  const state = procStat(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Direct children of `pid` (Linux /proc; [] elsewhere). */
function childrenOf(pid: number): number[] {
  if (!HAS_PROC) return [];
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (/^\d+$/.test(e) && procStat(Number(e))?.[1] === String(pid)) out.push(Number(e));
  }
  return out;
}

/**
 * Whether `pid` is a live (non-zombie) process whose command line mentions `dataDir`.
 * Without /proc (not Linux) this degrades to "the pid exists".
 */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  if (!HAS_PROC) return pidAlive(pid);
  if (!processAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
  } catch {
    return false;
  }
}

/** The pid of the cluster's live postmaster, if one is running. */
function runningPostmaster(dataDir: string): number | undefined {
  const pid = postmasterPid(dataDir);
  return pid && isPostmasterOf(pid, dataDir) ? pid : undefined;
}

function signal(pid: number, sig: NodeJS.Signals): void {
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
function killTree(postmaster: number): number[] {
  signal(postmaster, 'SIGSTOP');
  const pids = [postmaster, ...childrenOf(postmaster)];
  for (const pid of pids) signal(pid, 'SIGKILL');
  return pids;
}

/** The SysV shared memory id recorded in postmaster.pid (line 7: "<key> <shmid>"). */
function shmIdOf(dataDir: string): string | undefined {
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
function dropShm(shmid: string | undefined): void {
  if (shmid) spawnSync('ipcrm', ['-m', shmid], { stdio: 'ignore' });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Synchronously stops a cluster as fast as possible: SIGQUIT (immediate shutdown), then SIGKILL. */
function stopNowSync(dataDir: string): void {
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

const live = new Set<PrivateCluster>();
let exitHookInstalled = false;
const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** Best-effort synchronous cleanup of clusters still alive when the process exits. */
function cleanupAtExit(): void {
  for (const cluster of [...live]) {
    try {
      cluster.destroySync();
    } catch {
      /* best effort */
    }
  }
}

/**
 * Vitest stops its fork workers with SIGTERM (SIGKILL 500 ms later), which skips 'exit' hooks:
 * clean up on the signal, then re-raise it so the default behaviour (termination) still applies
 * unless someone else handles it.
 */
function onSignal(sig: NodeJS.Signals): void {
  cleanupAtExit();
  setSignalHooks(false);
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

let signalHooks = false;
function setSignalHooks(on: boolean): void {
  if (on === signalHooks) return;
  signalHooks = on;
  for (const sig of SIGNALS) (on ? process.on : process.off).call(process, sig, onSignal);
}

function track(cluster: PrivateCluster): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', cleanupAtExit);
  }
  live.add(cluster);
  setSignalHooks(true);
}

function untrack(cluster: PrivateCluster): void {
  live.delete(cluster);
  if (live.size === 0) setSignalHooks(false);
}

/**
 * Removes private clusters left behind by test processes that died without running their exit
 * hook (e.g. SIGKILL). Only directories whose owning pid (in the name) is gone are touched.
 */
function sweepOrphans(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const m = new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    const dir = join(tmpdir(), name);
    stopNowSync(join(dir, 'data'));
    rmSync(dir, { recursive: true, force: true });
  }
}

export type StopMode = 'fast' | 'immediate';

/**
 * A throw-away PostgreSQL cluster for tests that stop, kill or restart the server.
 * Never touches the shared server. Always `destroy()` it (afterAll); a process exit hook is a
 * best-effort safety net.
 */
export class PrivateCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  /** The PGDATA directory. */
  readonly dataDir: string;
  /** The directory holding dataDir, the server log and the unix socket. */
  readonly baseDir: string;
  /** The server log file. */
  readonly logFile: string;
  private isRunning = false;
  private destroyed = false;

  private constructor(baseDir: string, port: number) {
    this.baseDir = baseDir;
    this.dataDir = join(baseDir, 'data');
    this.logFile = join(baseDir, 'postgres.log');
    this.port = port;
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  /** Whether the harness believes the server is up (false after stop/kill/destroy). */
  get running(): boolean {
    return this.isRunning;
  }

  /** initdb a fresh cluster in a new temp dir, on a free port, and start it. */
  static async start(): Promise<PrivateCluster> {
    const initdb = pgBinary('initdb'); // throws if the server binaries are missing
    const owner = runAs();
    sweepOrphans();

    const baseDir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
    if (owner.uid !== undefined) chownSync(baseDir, owner.uid, owner.gid!);
    let cluster = new PrivateCluster(baseDir, 0);
    track(cluster);
    try {
      const r = await run([initdb, '-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'], baseDir, 120_000);
      if (r.code !== 0) throw new Error(`initdb failed (exit ${r.code}) for ${cluster.dataDir}:\n${r.stderr || r.stdout}`);

      // The port is free when probed but could be taken before postgres binds it: retry a few times.
      for (let attempt = 1; ; attempt++) {
        untrack(cluster);
        cluster = new PrivateCluster(baseDir, await freePort());
        track(cluster);
        cluster.writeConfig();
        try {
          await cluster.start();
          return cluster;
        } catch (err) {
          if (attempt >= 3 || !/could not bind|Address already in use/i.test(tail(cluster.logFile, 50))) throw err;
        }
      }
    } catch (err) {
      cluster.destroySync();
      throw err;
    }
  }

  private writeConfig(): void {
    const conf = join(this.dataDir, 'postgresql.conf');
    // Later settings win: these override anything initdb wrote.
    appendFileSync(
      conf,
      [
        '',
        '# --- steadfast PrivateCluster ---',
        `listen_addresses = '127.0.0.1'`,
        `port = ${this.port}`,
        `unix_socket_directories = '${this.baseDir}'`,
        'fsync = on', // crash tests rely on real durability
        'synchronous_commit = on',
        'full_page_writes = on',
        'shared_buffers = 16MB',
        'max_connections = 200',
        'logging_collector = off',
        `log_line_prefix = '%m [%p] '`,
        '',
      ].join('\n'),
    );
  }

  /** Starts the (stopped) server again on the same port; waits until it accepts connections. */
  async start(): Promise<void> {
    this.assertUsable('start');
    if (this.isRunning) return;
    // After a SIGKILL the postmaster can linger as a zombie until init reaps it, and postgres
    // refuses to start while the pid in postmaster.pid "exists". A pid file whose process is not
    // this cluster's live postmaster is stale (as after a machine crash): remove it.
    // The same goes for the unix socket's lock file (the socket dir is private to this cluster).
    if (!runningPostmaster(this.dataDir)) {
      rmSync(join(this.dataDir, 'postmaster.pid'), { force: true });
      for (const f of [`.s.PGSQL.${this.port}`, `.s.PGSQL.${this.port}.lock`]) rmSync(join(this.baseDir, f), { force: true });
    }
    const r = await run([pgBinary('pg_ctl'), '-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', 'start'], this.baseDir, 90_000);
    if (r.code !== 0) {
      throw new Error(`pg_ctl start failed (exit ${r.code}) for private cluster on port ${this.port} (${this.dataDir}):\n${(r.stderr || r.stdout).trim()}\n--- ${this.logFile} (tail) ---\n${tail(this.logFile)}`);
    }
    this.isRunning = true;
  }

  /** pg_ctl stop: 'fast' = clean shutdown with checkpoint; 'immediate' = abort, crash recovery on next start. */
  async stop(mode: StopMode = 'fast'): Promise<void> {
    this.assertUsable('stop');
    if (!runningPostmaster(this.dataDir)) {
      this.isRunning = false;
      return;
    }
    const r = await run([pgBinary('pg_ctl'), '-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop'], this.baseDir, 90_000);
    if (r.code !== 0 && runningPostmaster(this.dataDir)) {
      throw new Error(`pg_ctl stop -m ${mode} failed (exit ${r.code}) for private cluster on port ${this.port}:\n${(r.stderr || r.stdout).trim()}\n--- ${this.logFile} (tail) ---\n${tail(this.logFile)}`);
    }
    this.isRunning = false;
  }

  async restart(mode: StopMode = 'fast'): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  /**
   * Simulates a crash: SIGKILLs the postmaster (pid from postmaster.pid) and all its backends and
   * auxiliary processes at once, waits until they are gone and drops the SysV shared memory
   * segment. `start()` afterwards runs crash recovery.
   */
  async kill(): Promise<void> {
    this.assertUsable('kill');
    const pid = runningPostmaster(this.dataDir);
    if (pid) {
      const shmid = shmIdOf(this.dataDir);
      const pids = killTree(pid);
      const deadline = Date.now() + 15_000;
      while (pids.some(processAlive)) {
        if (Date.now() > deadline) throw new Error(`private cluster processes ${pids.filter(processAlive).join(', ')} survived SIGKILL for 15 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
      dropShm(shmid);
    }
    this.isRunning = false;
  }

  /** Stops the server (immediate) if running and removes its directory. Idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    if (runningPostmaster(this.dataDir)) {
      try {
        await this.stop('immediate');
      } catch {
        await this.kill().catch(() => {});
      }
    }
    this.removeDir();
  }

  /**
   * Synchronous destroy, for the exit/signal hooks: immediate shutdown by signal (pg_ctl's
   * polling is too slow for vitest's 500 ms SIGTERM→SIGKILL window), SIGKILL as a fallback.
   */
  destroySync(): void {
    if (this.destroyed) return;
    stopNowSync(this.dataDir);
    this.removeDir();
  }

  private removeDir(): void {
    this.isRunning = false;
    this.destroyed = true;
    untrack(this);
    rmSync(this.baseDir, { recursive: true, force: true });
  }

  private assertUsable(op: string): void {
    if (this.destroyed) throw new Error(`PrivateCluster.${op}(): cluster on port ${this.port} was destroyed`);
    if (!existsSync(this.dataDir) || !statSync(this.dataDir).isDirectory()) throw new Error(`PrivateCluster.${op}(): data dir ${this.dataDir} is missing`);
  }
}

let privateOk: Promise<boolean> | undefined;

/**
 * Whether private clusters can be created here (initdb/pg_ctl/postgres found and, as root, a
 * `postgres` user + runuser). Like requirePostgres(): throws under CI=true, otherwise warns once
 * and returns false, for `describe.skipIf(!(await requirePrivateCluster()))`.
 */
export async function requirePrivateCluster(): Promise<boolean> {
  privateOk ??= (async () => {
    try {
      pgBinDir();
      runAs();
      return true;
    } catch (err) {
      if (isCI()) throw new Error(`Private PostgreSQL clusters are unavailable; CI requires them: ${errorText(err)}`);
      process.stderr.write(loud([`Private PostgreSQL clusters are UNAVAILABLE: ${errorText(err)}`, 'Tests that stop/kill/restart PostgreSQL are being SKIPPED. (Under CI=true this is an error.)']));
      return false;
    }
  })();
  return privateOk;
}

// Exported for the harness's own tests.
export const __internal = { processAlive, childrenOf, postmasterPid, DIR_PREFIX };

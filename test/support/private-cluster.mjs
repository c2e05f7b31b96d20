// A throw-away PostgreSQL cluster (initdb in a temp dir, its own port) for tests and tools that stop, kill
// or restart the server. It never touches the shared server. Plain ESM with types in private-cluster.d.mts,
// so that the TypeScript tests (through postgres.ts), bench/ and soak/ use the same harness.
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExitCleanup } from './exit-cleanup.mjs';
import {
  dropShm, freePort, killTree, pgBinary, pidAlive, processAlive, runAs, runningPostmaster, runPgTool, shmIdOf, stopNowSync, tail,
} from './pg-processes.mjs';

export { childrenOf, pgBinDir, postmasterPid, processAlive, runAs } from './pg-processes.mjs';

export const DIR_PREFIX = 'steadfast-pg-';

/**
 * Removes private clusters left behind by processes that died without running their exit hook
 * (e.g. SIGKILL). Only directories whose owning pid (in the name) is gone are touched.
 */
function sweepOrphans() {
  let names;
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

/**
 * A throw-away PostgreSQL cluster. Always `destroy()` it (afterAll / finally); a process exit hook is a
 * best-effort safety net.
 */
export class PrivateCluster {
  #running = false;
  #destroyed = false;
  /** @type {(() => void) | undefined} */
  #untrack;

  constructor(baseDir, port, options = {}) {
    this.baseDir = baseDir;
    this.dataDir = join(baseDir, 'data');
    this.logFile = join(baseDir, 'postgres.log');
    this.port = port;
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    this.listenAddresses = options.listenAddresses ?? ['127.0.0.1'];
    this.trustNetworks = options.trustNetworks ?? [];
    this.#untrack = onExitCleanup(() => this.destroySync());
  }

  /** Whether the harness believes the server is up (false after stop/kill/destroy). */
  get running() {
    return this.#running;
  }

  /** The connection URL through another of the addresses it listens on. */
  urlFor(address) {
    return `postgres://postgres@${address}:${this.port}/postgres`;
  }

  /** initdb a fresh cluster in a new temp dir, on a free port, and start it. */
  static async start(options = {}) {
    const initdb = pgBinary('initdb'); // throws if the server binaries are missing
    const owner = runAs();
    sweepOrphans();

    const baseDir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
    if (owner.uid !== undefined) chownSync(baseDir, owner.uid, owner.gid);
    let cluster = new PrivateCluster(baseDir, 0, options);
    try {
      const r = await runPgTool([initdb, '-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'], baseDir, 120_000);
      if (r.code !== 0) throw new Error(`initdb failed (exit ${r.code}) for ${cluster.dataDir}:\n${r.stderr || r.stdout}`);
      cluster.#writeAccess();

      // The port is free when probed but could be taken before postgres binds it: retry a few times.
      for (let attempt = 1; ; attempt++) {
        cluster.#untrack?.();
        cluster = new PrivateCluster(baseDir, await freePort(), options);
        cluster.#writeConfig();
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

  /** initdb trusts local connections only; networks the caller made itself (test namespaces) are added. */
  #writeAccess() {
    if (this.trustNetworks.length === 0) return;
    appendFileSync(join(this.dataDir, 'pg_hba.conf'), this.trustNetworks.map((cidr) => `host all all ${cidr} trust\n`).join(''));
  }

  #writeConfig() {
    const conf = join(this.dataDir, 'postgresql.conf');
    // Later settings win: these override anything initdb wrote.
    appendFileSync(
      conf,
      [
        '',
        '# --- steadfast PrivateCluster ---',
        `listen_addresses = '${this.listenAddresses.join(',')}'`,
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
  async start() {
    this.#assertUsable('start');
    if (this.#running) return;
    // After a SIGKILL the postmaster can linger as a zombie until init reaps it, and postgres
    // refuses to start while the pid in postmaster.pid "exists". A pid file whose process is not
    // this cluster's live postmaster is stale (as after a machine crash): remove it.
    // The same goes for the unix socket's lock file (the socket dir is private to this cluster).
    if (!runningPostmaster(this.dataDir)) {
      rmSync(join(this.dataDir, 'postmaster.pid'), { force: true });
      for (const f of [`.s.PGSQL.${this.port}`, `.s.PGSQL.${this.port}.lock`]) rmSync(join(this.baseDir, f), { force: true });
    }
    const r = await runPgTool([pgBinary('pg_ctl'), '-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', 'start'], this.baseDir, 90_000);
    if (r.code !== 0) {
      throw new Error(`pg_ctl start failed (exit ${r.code}) for private cluster on port ${this.port} (${this.dataDir}):\n${(r.stderr || r.stdout).trim()}\n--- ${this.logFile} (tail) ---\n${tail(this.logFile)}`);
    }
    this.#running = true;
  }

  /** pg_ctl stop: 'fast' = clean shutdown with checkpoint; 'immediate' = abort, crash recovery on next start. */
  async stop(mode = 'fast') {
    this.#assertUsable('stop');
    if (!runningPostmaster(this.dataDir)) {
      this.#running = false;
      return;
    }
    const r = await runPgTool([pgBinary('pg_ctl'), '-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop'], this.baseDir, 90_000);
    if (r.code !== 0 && runningPostmaster(this.dataDir)) {
      throw new Error(`pg_ctl stop -m ${mode} failed (exit ${r.code}) for private cluster on port ${this.port}:\n${(r.stderr || r.stdout).trim()}\n--- ${this.logFile} (tail) ---\n${tail(this.logFile)}`);
    }
    this.#running = false;
  }

  async restart(mode = 'fast') {
    await this.stop(mode);
    await this.start();
  }

  /**
   * Simulates a crash: SIGKILLs the postmaster (pid from postmaster.pid) and all its backends and
   * auxiliary processes at once, waits until they are gone and drops the SysV shared memory
   * segment. `start()` afterwards runs crash recovery.
   */
  async kill() {
    this.#assertUsable('kill');
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
    this.#running = false;
  }

  /** Stops the server (immediate) if running and removes its directory. Idempotent. */
  async destroy() {
    if (this.#destroyed) return;
    if (runningPostmaster(this.dataDir)) {
      try {
        await this.stop('immediate');
      } catch {
        await this.kill().catch(() => {});
      }
    }
    this.#removeDir();
  }

  /**
   * Synchronous destroy, for the exit/signal hooks: immediate shutdown by signal (pg_ctl's
   * polling is too slow for vitest's 500 ms SIGTERM→SIGKILL window), SIGKILL as a fallback.
   */
  destroySync() {
    if (this.#destroyed) return;
    stopNowSync(this.dataDir);
    this.#removeDir();
  }

  #removeDir() {
    this.#running = false;
    this.#destroyed = true;
    this.#untrack?.();
    rmSync(this.baseDir, { recursive: true, force: true });
  }

  #assertUsable(op) {
    if (this.#destroyed) throw new Error(`PrivateCluster.${op}(): cluster on port ${this.port} was destroyed`);
    if (!existsSync(this.dataDir) || !statSync(this.dataDir).isDirectory()) throw new Error(`PrivateCluster.${op}(): data dir ${this.dataDir} is missing`);
  }
}

// The worker processes of a soak: a fixed number kept alive (a killed one is respawned at once), SIGKILLed
// and SIGSTOPped on request, with their logs tallied. A worker that exits without being told to is a
// finding and is reported; failed runtime starts (retried inside the worker) are counted.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onExitCleanup } from '../../test/support/exit-cleanup.mjs';

const WORKER = fileURLToPath(new URL('./worker-process.mjs', import.meta.url));
const LEASE_LOST = /lease was lost/;
/** After a SIGCONT a worker is spared from kills for a while, so it can be seen to notice and carry on. */
const SPARE_AFTER_PAUSE_MS = 3_000;

export class Fleet {
  /**
   * @param {{ size: number, config: object, phase?: { current?: string } }} options  `config` goes to
   *   worker-process.mjs; `phase.current` (e.g. 'disk full') labels the logs tallied meanwhile.
   */
  constructor({ size, config, phase }) {
    this.size = size;
    this.phase = phase;
    this.config = config;
    this.workers = new Set();
    this.running = false;
    this.kills = []; // { pid, at }
    this.pauses = []; // { pid, at, resumedAt, leaseLostAfterResume, exit }
    this.unexpectedExits = []; // { pid, code, signal, ready, stderr }
    this.startFailures = 0;
    this.killTicksSkipped = 0;
    this.pausesSkipped = 0;
    this.spawned = 0;
    this.logs = new Map(); // msg -> count
    this.samples = new Map(); // msg -> the first such line, for the report
    this.startErrors = new Map(); // why starts failed -> count
  }

  /** Spawns the workers and resolves once all are ready. */
  async start(timeoutMs = 60_000) {
    this.running = true;
    for (let i = 0; i < this.size; i++) this.#spawn();
    const deadline = Date.now() + timeoutMs;
    while ([...this.workers].filter((w) => w.ready).length < this.size) {
      if (Date.now() > deadline) throw new Error(`soak: workers not ready after ${timeoutMs} ms: ${this.#describeExits()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  #spawn() {
    // Detached (a process group of its own): the kernel sends SIGHUP to a stopped member of a process group
    // that becomes orphaned (the soak started in the background from a shell that then exits), which
    // would kill a worker we paused. It still dies with the soak (the exit clean-up below).
    const child = spawn(process.execPath, [WORKER, JSON.stringify(this.config)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const worker = { child, pid: child.pid, ready: false, paused: false, spareUntil: 0, expectedExit: false, stderr: '', pause: undefined };
    this.workers.add(worker);
    this.spawned++;
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        this.#line(worker, buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => (worker.stderr = (worker.stderr + chunk).slice(-4_000)));
    // If the soak itself is terminated, its workers must not outlive it.
    const forget = onExitCleanup(() => child.kill('SIGKILL'));
    child.on('exit', (code, signal) => {
      forget();
      this.#exited(worker, code, signal);
    });
  }

  #line(worker, line) {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      return void this.#count(`[not JSON] ${line.slice(0, 80)}`);
    }
    if (message.type === 'ready') worker.ready = true;
    else if (message.type === 'startFailed') {
      this.startFailures++;
      const why = message.error.replace(/\d+/g, 'N').slice(0, 120);
      this.startErrors.set(why, (this.startErrors.get(why) ?? 0) + 1);
    } else if (message.msg) {
      // A wrapped driver error (StorageUnavailableError) names the driver's code in its message: keep it.
      const inner = /\b(SQLITE_[A-Z_]+|ENOSPC)\b/.exec(message.err?.message ?? '')?.[1];
      const code = [message.err?.code ?? message.err?.cause?.code, inner].filter(Boolean).join(' ');
      const key = `${this.phase?.current ? `[${this.phase.current}] ` : ''}${message.msg}${code ? ` (${code})` : ''}`;
      this.#count(key);
      if (!this.samples.has(key)) this.samples.set(key, line.slice(0, 600));
      if (worker.pause && LEASE_LOST.test(message.msg)) worker.pause.leaseLostAfterResume = true;
    }
  }

  #count(key) {
    this.logs.set(key, (this.logs.get(key) ?? 0) + 1);
  }

  #exited(worker, code, signal) {
    this.workers.delete(worker);
    if (worker.pause) worker.pause.exit = { code, signal };
    if (!worker.expectedExit) {
      this.unexpectedExits.push({ pid: worker.pid, code, signal, ready: worker.ready, stderr: worker.stderr.slice(-1_500) });
    }
    if (this.running) this.#spawn();
  }

  #describeExits() {
    return this.unexpectedExits.map((e) => `pid ${e.pid} exit ${e.code ?? e.signal}: ${e.stderr}`).join('\n') || `${this.startFailures} failed starts`;
  }

  /** Ready workers that may be faulted now. */
  #candidates() {
    const now = Date.now();
    return [...this.workers].filter((w) => w.ready && !w.paused && !w.expectedExit && w.spareUntil <= now);
  }

  /**
   * SIGKILLs a random ready worker (it is respawned at once); returns its pid. When none is ready (all are
   * still starting) the tick is skipped and counted: killing processes that have not started yet would keep
   * the whole fleet from ever working, and say nothing about the faults the soak is after.
   */
  killOne() {
    const list = this.#candidates();
    const worker = list[Math.floor(Math.random() * list.length)];
    if (!worker) {
      this.killTicksSkipped++;
      return undefined;
    }
    worker.expectedExit = true;
    this.kills.push({ pid: worker.pid, at: Date.now() });
    worker.child.kill('SIGKILL');
    return worker.pid;
  }

  /**
   * SIGSTOPs a random ready worker for `ms`, then SIGCONTs it; resolves once it runs again. Under a kill
   * every 200 ms on a loaded machine a ready worker is not always there: it waits up to 30 s for one, and
   * counts the pause as skipped if none comes.
   */
  async pauseOne(ms) {
    let worker;
    for (let waited = 0; !worker && this.running && waited < 30_000; waited += 50) {
      const list = this.#candidates();
      worker = list[Math.floor(Math.random() * list.length)];
      if (!worker) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!worker) {
      this.pausesSkipped++;
      return undefined;
    }
    const pause = { pid: worker.pid, at: Date.now(), resumedAt: undefined, leaseLostAfterResume: false, exit: undefined };
    this.pauses.push(pause);
    worker.paused = true;
    worker.child.kill('SIGSTOP');
    // stop() cuts the pause short, so a shutdown never waits for it.
    await new Promise((resolve) => {
      this.resumeNow = resolve;
      setTimeout(resolve, ms);
    });
    worker.child.kill('SIGCONT');
    pause.resumedAt = Date.now();
    worker.paused = false;
    worker.spareUntil = pause.resumedAt + SPARE_AFTER_PAUSE_MS;
    worker.pause = pause;
    return worker.pid;
  }

  /** Ends a pause in progress at once (the faults are being stopped). */
  resumeAll() {
    this.resumeNow?.();
  }

  /** Stops faulting and respawning, then shuts every worker down gracefully (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 15_000) {
    this.running = false;
    this.resumeNow?.();
    const exits = [...this.workers].map(
      (w) =>
        new Promise((resolve) => {
          w.expectedExit = true;
          w.child.once('exit', resolve);
          w.child.kill('SIGCONT');
          w.child.kill('SIGTERM');
          setTimeout(() => w.child.kill('SIGKILL'), timeoutMs).unref();
        }),
    );
    await Promise.all(exits);
  }

  figures() {
    return {
      workersSpawned: this.spawned,
      kills: this.kills.length,
      killTicksSkipped: this.killTicksSkipped,
      pauses: this.pauses.length,
      pausesSkipped: this.pausesSkipped,
      pausedWorkersThatLoggedLeaseLoss: this.pauses.filter((p) => p.leaseLostAfterResume).length,
      pausedWorkersCrashed: this.pauses.filter((p) => p.exit && p.exit.signal !== 'SIGKILL' && p.exit.code !== 0).length,
      failedStarts: this.startFailures,
      unexpectedExits: this.unexpectedExits.length,
    };
  }

  /** The most frequent log messages (warn and up), most frequent first. */
  topLogs(limit = 15) {
    return [...this.logs].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([msg, count]) => ({ msg, count, sample: this.samples.get(msg) }));
  }
}

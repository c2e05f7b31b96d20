// Spawning and steering worker processes (bench/lib/worker-process.mjs).

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./worker-process.mjs', import.meta.url));

/**
 * Starts a worker process on `store` (a store spec) with runtime options `runtime`; resolves once its
 * runtime has started. `onStart(id, at, pid)` receives the probed tasks' start times. `command` prefixes
 * the node command line, e.g. `['ip', 'netns', 'exec', ns]` to run it on another host (the IPC channel
 * is inherited through the exec). With `count`, the worker counts every statement it sends (`counts()`).
 */
export async function startWorker({ store, runtime = {}, report = false, count = false, onStart, command = [] }) {
  const [file, ...prefix] = [...command, process.execPath];
  const child = spawn(file, [...prefix, '--expose-gc', WORKER, JSON.stringify({ store, runtime, report, count })], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const waiting = new Set();
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => ((exited = true), resolve({ code, signal }))));
  child.on('message', (message) => {
    if (message.type === 'start') onStart?.(message.id, message.at, child.pid);
    for (const waiter of [...waiting]) waiter(message);
  });
  const next = (type, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => (waiting.delete(on), reject(new Error(`worker ${child.pid}: no ${type} message within ${timeoutMs} ms`))), timeoutMs);
      const on = (message) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        waiting.delete(on);
        resolve(message);
      };
      waiting.add(on);
      exit.then(({ code, signal }) => reject(new Error(`worker ${child.pid} exited (code ${code}, signal ${signal}) before sending ${type}`)));
    });
  const ready = await next('ready');
  return {
    pid: child.pid,
    rssBefore: ready.rssBefore,
    /** RSS and heap after a GC in the worker. */
    async memory() {
      const reply = next('rss');
      child.send({ type: 'rss' });
      return reply;
    },
    /** Statements the worker sent since its start or the last call: `{ total, byKind, transactions }` (needs `count`). */
    async counts() {
      const reply = next('count');
      child.send({ type: 'count' });
      return reply;
    },
    /** Graceful stop (shutdown with the given timeout), then SIGKILL if it lingers. */
    async stop(timeout = 0) {
      if (exited) return;
      try {
        child.send({ type: 'stop', timeout });
      } catch {}
      const timer = setTimeout(() => child.kill('SIGKILL'), timeout + 5_000);
      await exit;
      clearTimeout(timer);
    },
    /** SIGKILL: the worker dies without releasing anything. Resolves once it is gone. */
    async kill() {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
  };
}

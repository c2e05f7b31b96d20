// Synchronous clean-ups that must run however the process ends: on 'exit', and on SIGTERM/SIGINT/SIGHUP,
// which skip 'exit' hooks. Vitest stops its fork workers with SIGTERM (SIGKILL 500 ms later), so anything
// left to an async afterAll would be lost there: private PostgreSQL clusters, network namespaces, tmpfs
// mounts. Plain ESM so that the tools under bench/ and soak/ share it with the TypeScript tests.

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** @type {Set<() => void>} */
const cleanups = new Set();
let exitHookInstalled = false;
let signalHooks = false;

function runAll() {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      /* best effort: the others must still run */
    }
  }
}

/** Cleans up on the signal, then re-raises it so termination still happens unless someone else handles it. */
function onSignal(sig) {
  runAll();
  setSignalHooks(false);
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

function setSignalHooks(on) {
  if (on === signalHooks) return;
  signalHooks = on;
  for (const sig of SIGNALS) (on ? process.on : process.off).call(process, sig, onSignal);
}

/**
 * Registers `cleanup` (synchronous, best effort) to run at process exit or on a terminating signal.
 * Returns a function that unregisters it (call it once the resource was released normally).
 * @param {() => void} cleanup
 * @returns {() => void}
 */
export function onExitCleanup(cleanup) {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', runAll);
  }
  cleanups.add(cleanup);
  setSignalHooks(true);
  return () => {
    cleanups.delete(cleanup);
    // No signal handlers of ours once nothing needs them: the default behaviour applies again.
    if (cleanups.size === 0) setSignalHooks(false);
  };
}

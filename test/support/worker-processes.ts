import { spawn, type ChildProcess } from 'node:child_process';
import { onExitCleanup } from './exit-cleanup.mjs';

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A worker fixture running as a real child process. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Parsed JSON lines the process printed on stdout (fixture messages and pino logs). */
  messages: Array<Record<string, any>>;
  stderr: () => string;
  exited: Promise<Exit>;
}

/**
 * Spawns `node <script> <...args>` in `cwd` with extra env, collecting its JSON stdout lines. `command`
 * prefixes the command line, e.g. `['ip', 'netns', 'exec', ns]` to run it on another "host" (it execs
 * node, so the pid is node's).
 */
export function spawnWorkerProcess(script: string, args: string[], cwd: string, env: Record<string, string>, command: string[] = []): WorkerProcess {
  const [file, ...prefix] = [...command, process.execPath];
  const child = spawn(file!, [...prefix, script, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: Array<Record<string, any>> = [];
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    let newline: number;
    while ((newline = stdout.indexOf('\n')) >= 0) {
      const line = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      try {
        messages.push(JSON.parse(line));
      } catch {
        stderr += `[unparsed stdout] ${line}\n`;
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A test process that is itself terminated (vitest's SIGTERM on a timeout) must not leave workers behind.
  const forget = onExitCleanup(() => child.kill('SIGKILL'));
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => {
      forget();
      resolve({ code, signal });
    }),
  );
  return { child, pid: child.pid!, messages, stderr: () => stderr, exited };
}

/**
 * Polls `check` until true; fails with `what` and the workers' stderr (and last messages) after `timeoutMs`,
 * or as soon as one of `workers` exits with a failure.
 */
export async function waitForWorkers(
  workers: readonly WorkerProcess[],
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const dead = workers.find((w) => w.child.exitCode !== null && w.child.exitCode !== 0);
    if (dead || Date.now() > deadline) {
      const logs = workers
        .map((w) => `--- pid ${w.pid} stderr:\n${w.stderr()}\n--- last stdout:\n${w.messages.slice(-5).map((m) => JSON.stringify(m)).join('\n')}`)
        .join('\n');
      throw new Error(`timed out waiting for ${what}${dead ? ` (pid ${dead.pid} exited with ${dead.child.exitCode})` : ''}\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves when the worker exits with code 0; rejects with its stderr otherwise. */
export async function exitsCleanly(worker: WorkerProcess): Promise<void> {
  const exit = await worker.exited;
  if (exit.code !== 0) throw new Error(`pid ${worker.pid} exited with ${JSON.stringify(exit)}\n${worker.stderr()}`);
}

/**
 * Hosts as network namespaces, for tests of several machines on one (see netns-hosts.mjs for how they are
 * built and cleaned up). `requireNetns()` is the gate: without root and iproute2 the tests are skipped with
 * a loud banner, and under CI=true that is an error.
 */
import { HostLab, netnsUnavailable, type Host } from './netns-hosts.mjs';
import { requirement } from './requirements.js';
import { spawnWorkerProcess, type WorkerProcess } from './worker-processes.js';

export { HostLab, type Host };

let available: boolean | undefined;

/** Whether hosts can be made here; loud skip otherwise (throws under CI=true). */
export function requireNetns(): boolean {
  available ??= requirement('Network-namespace tests (hosts, partitions)', netnsUnavailable());
  return available;
}

/** Spawns a worker fixture (`node <script> <...args>`) inside `host`. */
export function spawnOnHost(host: Host, script: string, args: string[], cwd: string, env: Record<string, string>): WorkerProcess {
  return spawnWorkerProcess(script, args, cwd, env, host.command);
}

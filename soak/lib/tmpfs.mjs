// A small tmpfs of our own (root only) for the full-disk fault: mounted on a fresh directory named after
// this process, unmounted on teardown, on exit and on a terminating signal; mounts left behind by a soak
// process that was SIGKILLed are unmounted by the next one.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExitCleanup } from '../../test/support/exit-cleanup.mjs';
import { processAlive } from '../../test/support/private-cluster.mjs';

const PREFIX = 'steadfast-soak-disk-';

function unmount(dir) {
  spawnSync('umount', [dir], { stdio: 'ignore' });
  // Busy (a process still holds a file there): detach it now, it goes when the last user does.
  if (mountedAt(dir)) spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

function mounts() {
  try {
    return readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' ')[1]).filter(Boolean);
  } catch {
    return [];
  }
}

const mountedAt = (dir) => mounts().includes(dir);

function sweepOrphans() {
  for (const dir of mounts()) {
    const pid = new RegExp(`/${PREFIX}(\\d+)-[^/]+$`).exec(dir)?.[1];
    if (pid && !processAlive(Number(pid))) unmount(dir);
  }
}

/** Mounts a tmpfs of `sizeMb` MiB; throws a clear error if that is not possible (not root). */
export function mountTmpfs(sizeMb) {
  sweepOrphans();
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs on ${dir} for the full-disk fault (needs root): ${(r.stderr || r.error?.message || '').trim()}`);
  }
  const forget = onExitCleanup(() => unmount(dir));
  return {
    dir,
    unmount() {
      forget();
      unmount(dir);
    },
  };
}

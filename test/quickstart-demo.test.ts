// The quickstart demo that the README's first command runs (`npm run demo` = build + `node demo.mjs` in
// examples/quickstart): a worker process is SIGKILLed mid-workflow and a second one finishes it. The demo
// checks its own results against the event log and exits non-zero otherwise; here we check that, and the
// lines that tell a reader what happened.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DEMO_DIR = join(import.meta.dirname, '..', 'examples', 'quickstart');

describe('examples/quickstart', () => {
  it('survives a SIGKILL mid-workflow: steps before it replay, the rest run once, exit 0', async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['demo.mjs'], { cwd: DEMO_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ code: exitCode, stdout: out }));
    });
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/SIGKILL → worker pid \d+/);
    expect(stdout).toMatch(/0\s+reserve stock\s+ran\s+replayed \(body not run\)/);
    expect(stdout).toMatch(/1\s+charge card\s+ran\s+replayed \(body not run\)/);
    // The sleep's checkpoint is written when its timer is set: the log says so, and when it fired.
    expect(stdout).toMatch(/^\s+\+[\d.]+s\s+timer set\s+step 2 sleep 2s, wakes at \+[\d.]+s/m);
    expect(stdout).toMatch(/^\s+\+[\d.]+s\s+timer fired\s+step 2 sleep 2s/m);
    expect(stdout).not.toMatch(/step_completed\s+step 2 sleep/);
    expect(stdout).toMatch(/^OK in [\d.]+s: the event log agrees/m);
  });
});

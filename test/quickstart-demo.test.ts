// The quickstart demo that the README's first command runs (`npm run demo` = build + `node demo.mjs` in
// examples/quickstart): a worker process is SIGKILLed mid-workflow and a second one finishes it. The demo
// checks its own results against the event log and exits non-zero otherwise; here we check that, and the
// lines that tell a reader what happened.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCrashSafety } from '@steadfast/core/testing';
// @ts-expect-error: a plain JavaScript module of the example, without types
import { checkout, output } from '../examples/quickstart/workflows.mjs';

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

  it('ends the same however its worker dies: checkCrashSafety crashes it after each checkpoint and recovers it', async () => {
    output.say = () => {}; // the task bodies' lines are for the demo's reader
    const report = await checkCrashSafety(checkout, ['order-1', 'sku-42', 4200]);
    // reserve stock, charge card, the sleep's wake time, the receipt (after its failed first attempt).
    expect(report).toMatchObject({ ok: true, checkpoints: 4 });
    expect(report.uninterrupted.value).toMatchObject({ orderId: 'order-1', reservation: 'rsv-order-1-sku-42', receiptId: 'rcpt-order-1' });
    expect(report.crashes.every((crash) => crash.same && crash.status === 'completed')).toBe(true);
    // Every body ran once per run whatever the crash point; the receipt twice (its flaky first attempt fails).
    expect(report.taskRuns).toEqual({
      'orders.reserveStock': { uninterrupted: 1, mostAfterACrash: 1 },
      'orders.chargeCard': { uninterrupted: 1, mostAfterACrash: 1 },
      'orders.sendReceipt': { uninterrupted: 2, mostAfterACrash: 2 },
    });
  });
});

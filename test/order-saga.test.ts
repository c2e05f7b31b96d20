// The order-saga example (examples/order-saga/saga.mjs) run as a user runs it: `node examples/order-saga/saga.mjs`
// from the repository root, after the build. It kills a worker with SIGKILL mid-saga and checks its own results
// against storage and the fake services (exiting non-zero otherwise); here we check its exit code and the key
// lines of its output.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkCrashSafety } from '@steadfast/core/testing';
// @ts-expect-error: a plain JavaScript module of the example, without types
import { checkout, serviceLog, settings, workflows } from '../examples/order-saga/saga-workflow.mjs';

const ROOT = join(import.meta.dirname, '..');

function runExample(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['examples/order-saga/saga.mjs'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const count = (text: string, pattern: RegExp) => (text.match(new RegExp(pattern.source, 'gm')) ?? []).length;

describe('examples/order-saga', () => {
  it('completes one order, compensates the other in reverse order, and runs nothing twice across a SIGKILL', async () => {
    const { code, signal, stdout, stderr } = await runExample();
    expect({ code, signal, stderr }, stdout).toEqual({ code: 0, signal: null, stderr: '' });
    expect(stdout).not.toMatch(/^FAILED/m);
    expect(stdout).toMatch(/^OK in [\d.]+s: ord-1001 was charged once and shipped; ord-1002 was charged once/m);

    // Run 1: both orders reserved and charged (with the step's idempotency key), then the worker is killed.
    expect(stdout).toMatch(/^ {2}ord-1001 {2}ran +charge payment +attempt 1 {2}2400 cents, idempotency key checkout-ord-1001:1 → ch_\w+$/m);
    expect(stdout).toMatch(/^ {2}ord-1002 {2}ran +charge payment +attempt 1 {2}8900 cents, idempotency key checkout-ord-1002:1 → ch_\w+$/m);
    expect(stdout).toMatch(/^parent: SIGKILL → worker pid \d+/m);
    expect(stdout).toMatch(/^ {2}worker pid \d+ is gone \(killed by SIGKILL\)$/m);

    // Run 2: the same workflows (idempotent start), taken over; shipping succeeds for one and fails for the other.
    expect(count(stdout, /^ {2}ord-100[12] {2}start .*exists already .*nothing new started$/)).toBe(2);
    expect(stdout).toMatch(/^ {2}ord-1001 {2}ran +ship order +attempt 1 {2}to .* → trk_\w+$/m);
    expect(stdout).toMatch(/^ {2}ord-1002 {2}ran +ship order +attempt 1 {2}FAILED: address undeliverable/m);

    // Every task body ran once: a charge each, one shipment attempt each, and the two compensations once each.
    for (const orderId of ['ord-1001', 'ord-1002']) {
      expect(count(stdout, new RegExp(`^ {2}${orderId} {2}ran +reserve inventory `))).toBe(1);
      expect(count(stdout, new RegExp(`^ {2}${orderId} {2}ran +charge payment `))).toBe(1);
      expect(count(stdout, new RegExp(`^ {2}${orderId} {2}ran +ship order `))).toBe(1);
    }
    expect(count(stdout, /^ {2}ord-1001 {2}undo /)).toBe(0);
    expect(count(stdout, /^ {2}ord-1002 {2}undo +refund payment +attempt 1 {2}8900 cents of ch_\w+/)).toBe(1);
    expect(count(stdout, /^ {2}ord-1002 {2}undo +release inventory +attempt 1 {2}rsv_ord-1002_sku-lamp released$/)).toBe(1);
    expect(stdout.indexOf('undo  refund payment')).toBeLessThan(stdout.indexOf('undo  release inventory'));
    expect(stdout).not.toMatch(/already (charged|refunded)|REFUSED: duplicate/);

    // What each workflow returned, and what storage holds.
    expect(stdout).toMatch(/^ {2}ord-1001 {2}result completed: charged ch_\w+, shipped trk_\w+$/m);
    expect(stdout).toMatch(
      /^ {2}ord-1002 {2}result compensated: 'ship order' failed \(address undeliverable: [^)]*\); undone: refund payment, release inventory$/m,
    );
    expect(count(stdout, /^ {2}info {5}status completed, claims 2 \(recovered 1\)$/)).toBe(2);
    expect(stdout).toMatch(/"outcome":"compensated","orderId":"ord-1002","failedStep":"ship order","reason":"address undeliverable/);
    expect(count(stdout, /^.*charge payment +ran +replayed \(body not run\)$/)).toBe(2);
    expect(stdout).toMatch(/step_failed +step 3 ship order, attempts 1$/m);
  });

  it('ends the same however its worker dies, for the order that ships and the one that is compensated (checkCrashSafety)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saga-crash-'));
    settings.say = () => {};
    try {
      const shipped = { id: 'ord-1', sku: 'sku-mug', quantity: 2, cents: 2_400, address: '12 Harbour Street, Portsmouth' };
      const undeliverable = { id: 'ord-2', sku: 'sku-lamp', quantity: 1, cents: 8_900, address: '1 Nowhere Lane, Atlantis' };
      settings.servicesFile = join(dir, 'shipped.jsonl');
      const good = await checkCrashSafety(checkout, [shipped], { items: workflows });
      expect(good).toMatchObject({ ok: true, checkpoints: 4, uninterrupted: { value: { outcome: 'completed', orderId: 'ord-1' } } });
      settings.servicesFile = join(dir, 'compensated.jsonl');
      const bad = await checkCrashSafety(checkout, [undeliverable], { items: workflows });
      // reserve, charge, hold, the failed shipment, then refund and release.
      expect(bad).toMatchObject({ ok: true, checkpoints: 6, uninterrupted: { value: { outcome: 'compensated', failedStep: 'ship order', compensated: ['refund payment', 'release inventory'] } } });
      // The payment provider saw one charge and one refund per run, and refused repeats by idempotency key.
      const charges = serviceLog().filter((e: { op: string; refused?: string }) => e.op === 'charge' && !e.refused);
      expect(charges).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { defineTask, defineWorkflow, patched, sleep } from '../src/index.js';
import { createTestRuntime, verifyHistories, type TestEnvironment } from '../src/testing/index.js';

/*
 * verifyHistories replays recorded runs on changed code in memory: each case records runs with the old
 * code on a test runtime, then checks the new code against them. The new code's task bodies throw: a
 * replay must never run one.
 */

const envs: TestEnvironment[] = [];
afterEach(async () => {
  for (const env of envs.splice(0)) await env.shutdown();
});

const never = (name: string) => defineTask(name, async (..._args: unknown[]): Promise<string> => {
  throw new Error(`${name} ran during a replay`);
});

// The old code: reserve → charge → sleep a day → ship.
const reserve = defineTask('reserve', async (sku: string) => `r-${sku}`);
const charge = defineTask('charge', async (orderId: string, cents: number) => `c-${orderId}-${cents}`);
const ship = defineTask('ship', async (orderId: string) => `t-${orderId}`);
const checkout = defineWorkflow('checkout', async (orderId: string) => {
  const reservation = await reserve('sku-1');
  const chargeId = await charge(orderId, 4200);
  await sleep('1 day');
  const tracking = await ship(orderId);
  return { reservation, chargeId, tracking };
});

/** Records one run that finished and one that sleeps after its charge. */
async function recordRuns() {
  const env = await createTestRuntime(checkout);
  envs.push(env);
  const done = await env.runtime.startWorkflow(checkout, ['o-done'], { id: 'o-done' });
  await env.advance('1 day');
  await done.result();
  await env.runtime.startWorkflow(checkout, ['o-sleeping'], { id: 'o-sleeping' });
  await env.advance(0);
  return env;
}

/** The new code of `checkout`, built from `body` with tasks that must not run. */
function newCheckout(body: (t: { reserve: ReturnType<typeof never>; charge: ReturnType<typeof never>; ship: ReturnType<typeof never>; refund: ReturnType<typeof never> }) => (orderId: string) => Promise<unknown>) {
  const tasks = { reserve: never('reserve'), charge: never('charge'), ship: never('ship'), refund: never('refund') };
  return defineWorkflow('checkout', body(tasks));
}

describe('verifyHistories', () => {
  it('passes the same code: the finished run replays to its result, the sleeping one to its timer', async () => {
    const env = await recordRuns();
    const same = newCheckout((t) => async (orderId) => {
      await t.reserve('sku-1');
      await t.charge(orderId, 4200);
      await sleep('1 day');
      return t.ship(orderId);
    });
    const report = await verifyHistories({ storage: env.storage, workflows: [same], clock: env.clock });
    expect(report).toMatchObject({ ok: true, checked: 2, diverged: 0 });
    const byId = Object.fromEntries(report.results.map((r) => [r.id, r]));
    expect(byId['o-done']).toMatchObject({ ok: true, end: 'completed', replayedSteps: 4, recordedSteps: 4 });
    expect(byId['o-sleeping']).toMatchObject({ ok: true, end: 'waiting', replayedSteps: 3 });
  });

  it('catches reordered steps, naming the position, the recorded step and the one called now', async () => {
    const env = await recordRuns();
    const reordered = newCheckout((t) => async (orderId) => {
      await t.charge(orderId, 4200);
      await t.reserve('sku-1');
      await sleep('1 day');
      return t.ship(orderId);
    });
    const report = await verifyHistories({ storage: env.storage, workflows: [reordered], clock: env.clock });
    expect(report).toMatchObject({ ok: false, checked: 2, diverged: 2 });
    expect(report.results.find((r) => r.id === 'o-done')!.divergence).toMatchObject({
      reason: 'different-step',
      position: 0,
      recorded: { kind: 'task', name: 'reserve', arguments: '["sku-1"]' },
      now: { kind: 'task', name: 'charge', arguments: '["o-done",4200]' },
    });
    expect(report.results.find((r) => r.id === 'o-done')!.divergence!.message).toMatch(/step 0 was recorded as task reserve .* but the code now calls task charge/);
  });

  it('catches a changed argument', async () => {
    const env = await recordRuns();
    const changed = newCheckout((t) => async (orderId) => {
      await t.reserve('sku-1');
      await t.charge(orderId, 4500);
      await sleep('1 day');
      return t.ship(orderId);
    });
    const report = await verifyHistories({ storage: env.storage, workflows: [changed], clock: env.clock, ids: ['o-sleeping'] });
    expect(report.checked).toBe(1);
    expect(report.results[0]!.divergence).toMatchObject({
      reason: 'changed-arguments',
      position: 1,
      recorded: { name: 'charge', arguments: '["o-sleeping",4200]' },
      now: { name: 'charge', arguments: '["o-sleeping",4500]' },
    });
  });

  it('catches a removed step, in the middle and at the end', async () => {
    const env = await recordRuns();
    const withoutCharge = newCheckout((t) => async (orderId) => {
      await t.reserve('sku-1');
      await sleep('1 day');
      return t.ship(orderId);
    });
    const middle = await verifyHistories({ storage: env.storage, workflows: [withoutCharge], clock: env.clock, ids: ['o-done'] });
    expect(middle.results[0]!.divergence).toMatchObject({ reason: 'different-step', position: 1, recorded: { name: 'charge' }, now: { kind: 'sleep', name: 'sleep' } });
    const withoutShip = newCheckout((t) => async (orderId) => {
      await t.reserve('sku-1');
      await t.charge(orderId, 4200);
      await sleep('1 day');
      return 'no shipping';
    });
    const end = await verifyHistories({ storage: env.storage, workflows: [withoutShip], clock: env.clock, ids: ['o-done'] });
    expect(end.results[0]!.divergence).toMatchObject({ reason: 'removed-steps', position: 3, recorded: { name: 'ship' }, now: null });
  });

  it('passes a change guarded by patched(), and reports the markers when an unguarded one follows', async () => {
    const env = await recordRuns();
    const guarded = newCheckout((t) => async (orderId) => {
      await t.reserve('sku-1');
      if (await patched('refund-first')) await t.refund(orderId);
      await t.charge(orderId, 4200);
      await sleep('1 day');
      return t.ship(orderId);
    });
    expect(await verifyHistories({ storage: env.storage, workflows: [guarded], clock: env.clock })).toMatchObject({ ok: true, checked: 2 });
  });

  it('reports a run whose workflow the code does not define, and selects by name and version', async () => {
    const env = await recordRuns();
    const other = defineWorkflow('other', async () => 1);
    const report = await verifyHistories({ storage: env.storage, workflows: [other], clock: env.clock });
    expect(report.results.map((r) => r.divergence?.reason)).toEqual(['not-registered', 'not-registered']);
    expect((await verifyHistories({ storage: env.storage, workflows: [other], names: ['other'] })).checked).toBe(0);
    expect((await verifyHistories({ storage: env.storage, workflows: [other], version: 'v9' })).checked).toBe(0);
    await expect(verifyHistories({ storage: env.storage, workflows: [other], sample: 0 })).rejects.toThrow(/invalid sample of verifyHistories/);
  });
});

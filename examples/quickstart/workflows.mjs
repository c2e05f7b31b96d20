// The demo's workflow and its tasks, in a module of their own so that tests (checkCrashSafety) and the
// steadfast command (`steadfast verify --module examples/quickstart/workflows.mjs`) can load them without
// running the demo. A module for `--module` exports `workflows`: what runtime.register(...) takes.
import { createHash } from 'node:crypto';
import { defineTask, defineWorkflow, sleep, taskContext } from '@steadfast/core';

export const SLEEP = '2s';

/** Where the task bodies report what they do: the demo prints their lines; a test may silence them. */
export const output = {
  say(tag, text) {
    console.log(`  ${tag.padEnd(8)} ${text}`);
  },
};
const say = (tag, text) => output.say(tag, text);

// ---- the workflow (decorator-free API) --------------------------------------------------------------

export const LABELS = {
  'orders.reserveStock': 'reserve stock',
  'orders.chargeCard': 'charge card',
  'orders.sendReceipt': 'send receipt',
};

export const reserveStock = defineTask('orders.reserveStock', async (orderId, sku) => {
  say('ran', `reserve stock (attempt ${taskContext().attempt})`);
  return `rsv-${orderId}-${sku}`;
});

export const chargeCard = defineTask(
  'orders.chargeCard',
  async (orderId, cents) => {
    // The idempotency key is the same for every attempt and every replay of this step: a real payment
    // API given it would charge once even if a crash made the step run twice.
    const { attempt, idempotencyKey } = taskContext();
    say('ran', `charge card (attempt ${attempt}, ${cents} cents, idempotency key ${idempotencyKey})`);
    return `ch_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 12)}`;
  },
  { retries: 5, backoff: { type: 'exponential', initial: '1s', factor: 2, max: '5m', jitter: true } },
);

export const sendReceipt = defineTask(
  'orders.sendReceipt',
  async (orderId, chargeId) => {
    const { attempt } = taskContext();
    if (attempt === 1) {
      // A flaky email API: the first attempt fails, the retry policy tries again after a backoff.
      say('ran', `send receipt (attempt ${attempt}) → failed: email API timed out (simulated)`);
      throw new Error('email API timed out (simulated)');
    }
    say('ran', `send receipt (attempt ${attempt}) for ${chargeId}`);
    return `rcpt-${orderId}`;
  },
  { retries: 3, backoff: { type: 'exponential', initial: '200ms' } },
);

/** reserve stock → charge card → sleep 2s → send receipt. Every step is checkpointed. */
export const checkout = defineWorkflow('orders.checkout', async (orderId, sku, cents) => {
  const reservation = await reserveStock(orderId, sku); // step 0
  const chargeId = await chargeCard(orderId, cents); // step 1
  await sleep(SLEEP); // step 2: a durable timer (its wake time is the checkpoint)
  const receiptId = await sendReceipt(orderId, chargeId); // step 3
  return { orderId, reservation, chargeId, receiptId };
});

/** Everything a worker registers, as `--module` expects it. */
export const workflows = [checkout, reserveStock, chargeCard, sendReceipt];

// The saga's workflow, its tasks and the fake services they call, in a module of their own so that tests
// (checkCrashSafety) and the steadfast command (`--module examples/order-saga/saga-workflow.mjs`) can load
// them without running the example. A module for `--module` exports `workflows`: what runtime.register takes.
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineTask, defineWorkflow, NonRetryableError, sleep, taskContext } from '@steadfast/core';

export const HOLD = '1s';

/**
 * Where the fake services keep what they did (one JSON line per request: it outlives any worker process),
 * and where task bodies report what they do. A test points them elsewhere.
 */
export const settings = {
  servicesFile: join(dirname(fileURLToPath(import.meta.url)), '.data', 'services.jsonl'),
  say(orderId, tag, label, attempt, detail) {
    console.log(`  ${orderId}  ${tag.padEnd(5)} ${label.padEnd(18)} attempt ${attempt}  ${detail}`);
  },
};
/** One aligned line from a task body, e.g. `  ord-1001  ran   charge payment     attempt 1  2400 cents → ch_…`. */
const say = (...line) => settings.say(...line);

// ---- fake external services ---------------------------------------------------------------------------
// Stand-ins for an inventory system, a payment provider and a carrier. Each request is appended to
// settings.servicesFile, so the parent can check afterwards what the outside world saw, across worker processes.

export function serviceLog() {
  try {
    return readFileSync(settings.servicesFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
}

function append(entry) {
  appendFileSync(settings.servicesFile, `${JSON.stringify(entry)}\n`);
  return entry;
}

const shortHash = (text) => createHash('sha256').update(text).digest('hex').slice(0, 10);

/** The payment provider's answer to a request whose idempotency key it has seen: it does nothing again. */
class DuplicateRequestError extends Error {
  constructor(original) {
    super(`idempotency key ${original.idempotencyKey} was used already (${original.op} ${original.ref}); request refused`);
    this.name = 'DuplicateRequestError';
    this.original = original;
  }
}

/** Charges and refunds; refuses a second request with an idempotency key it has seen. */
const payments = {
  request(op, fields) {
    const original = serviceLog().find((e) => e.service === 'payments' && !e.refused && e.idempotencyKey === fields.idempotencyKey);
    if (original) {
      append({ service: 'payments', op, ...fields, refused: 'duplicate idempotency key' });
      throw new DuplicateRequestError(original);
    }
    const ref = `${op === 'charge' ? 'ch' : 're'}_${shortHash(fields.idempotencyKey)}`;
    return append({ service: 'payments', op, ...fields, ref }).ref;
  },
  charge: ({ orderId, cents, idempotencyKey }) => payments.request('charge', { orderId, cents, idempotencyKey }),
  refund: ({ orderId, chargeId, cents, idempotencyKey }) => payments.request('refund', { orderId, chargeId, cents, idempotencyKey }),
};

const inventory = {
  reserve: ({ orderId, sku, quantity }) => append({ service: 'inventory', op: 'reserve', orderId, sku, quantity, ref: `rsv_${orderId}_${sku}` }).ref,
  release: ({ orderId, reservationId }) => append({ service: 'inventory', op: 'release', orderId, ref: reservationId }).ref,
};

/** The carrier's answer for an address it cannot deliver to: asking again will not change it. */
class UndeliverableAddressError extends Error {}

const carrier = {
  ship({ orderId, address }) {
    if (/atlantis/i.test(address)) {
      append({ service: 'carrier', op: 'ship', orderId, address, refused: 'address undeliverable' });
      throw new UndeliverableAddressError(`address undeliverable: ${address}`);
    }
    return append({ service: 'carrier', op: 'ship', orderId, address, ref: `trk_${shortHash(orderId)}` }).ref;
  },
};

// ---- the saga (decorator-free API) --------------------------------------------------------------------

const LABELS = {
  'saga.reserveInventory': 'reserve inventory',
  'saga.chargePayment': 'charge payment',
  'saga.shipOrder': 'ship order',
  'saga.refundPayment': 'refund payment',
  'saga.releaseInventory': 'release inventory',
};
export const label = (name) => LABELS[name] ?? name;
const retry = { retries: 5, backoff: { type: 'exponential', initial: '200ms', max: '5s' } };

const reserveInventory = defineTask('saga.reserveInventory', async (orderId, sku, quantity) => {
  const reservationId = inventory.reserve({ orderId, sku, quantity });
  say(orderId, 'ran', 'reserve inventory', taskContext().attempt, `${quantity} × ${sku} → ${reservationId}`);
  return reservationId;
}, retry);

const chargePayment = defineTask('saga.chargePayment', async (orderId, cents) => {
  // The key is `<workflowId>:<step position>`: the same for every attempt, replay and worker. If this body
  // ever ran twice (a crash after the provider charged, before the checkpoint was written), the provider
  // would refuse the second request instead of charging twice, and the first charge stands.
  const { attempt, idempotencyKey } = taskContext();
  try {
    const chargeId = payments.charge({ orderId, cents, idempotencyKey });
    say(orderId, 'ran', 'charge payment', attempt, `${cents} cents, idempotency key ${idempotencyKey} → ${chargeId}`);
    return chargeId;
  } catch (error) {
    if (!(error instanceof DuplicateRequestError)) throw error;
    say(orderId, 'ran', 'charge payment', attempt, `already charged under ${idempotencyKey}: keeping ${error.original.ref}`);
    return error.original.ref;
  }
}, retry);

const shipOrder = defineTask('saga.shipOrder', async (orderId, address) => {
  const { attempt } = taskContext();
  try {
    const trackingNumber = carrier.ship({ orderId, address });
    say(orderId, 'ran', 'ship order', attempt, `to ${address} → ${trackingNumber}`);
    return trackingNumber;
  } catch (error) {
    if (!(error instanceof UndeliverableAddressError)) throw error; // anything else: retried by the policy
    say(orderId, 'ran', 'ship order', attempt, `FAILED: ${error.message} (NonRetryableError: no retries)`);
    throw new NonRetryableError(error.message); // a permanent answer: retrying cannot help
  }
}, retry);

// Compensations are tasks too: checkpointed, retried, and never run twice.
const refundPayment = defineTask('saga.refundPayment', async (orderId, chargeId, cents) => {
  const { attempt, idempotencyKey } = taskContext();
  try {
    const refundId = payments.refund({ orderId, chargeId, cents, idempotencyKey });
    say(orderId, 'undo', 'refund payment', attempt, `${cents} cents of ${chargeId}, idempotency key ${idempotencyKey} → ${refundId}`);
    return refundId;
  } catch (error) {
    if (!(error instanceof DuplicateRequestError)) throw error;
    say(orderId, 'undo', 'refund payment', attempt, `already refunded under ${idempotencyKey}: keeping ${error.original.ref}`);
    return error.original.ref;
  }
}, retry);

const releaseInventory = defineTask('saga.releaseInventory', async (orderId, reservationId) => {
  inventory.release({ orderId, reservationId });
  say(orderId, 'undo', 'release inventory', taskContext().attempt, `${reservationId} released`);
}, retry);

/**
 * The saga. Each step that succeeds pushes its compensation; a failure runs them last-in first-out.
 * This is deterministic (the same steps in the same order on every replay), so after a crash the body
 * re-runs from the top, replays the recorded steps, and continues or compensates where it stopped.
 * If a compensation itself fails after its retries, the error escapes and the workflow fails: it waits
 * in the dead-letter pool for `runtime.retry(id)`, which resumes it without redoing finished compensations.
 */
export const checkout = defineWorkflow('saga.checkout', async (order) => {
  const compensations = [];
  let step = 'reserve inventory';
  try {
    const reservationId = await reserveInventory(order.id, order.sku, order.quantity);
    compensations.push(['release inventory', () => releaseInventory(order.id, reservationId)]);

    step = 'charge payment';
    const chargeId = await chargePayment(order.id, order.cents);
    compensations.push(['refund payment', () => refundPayment(order.id, chargeId, order.cents)]);

    // A short cooling-off hold before the parcel goes to the carrier. A durable timer: its wake time is
    // checkpointed. (It also gives this example a fixed point at which to kill the worker.)
    await sleep(HOLD);

    step = 'ship order';
    const trackingNumber = await shipOrder(order.id, order.address);
    return { outcome: 'completed', orderId: order.id, reservationId, chargeId, trackingNumber };
  } catch (error) {
    const compensated = [];
    for (const [name, compensate] of compensations.reverse()) {
      await compensate();
      compensated.push(name);
    }
    return { outcome: 'compensated', orderId: order.id, failedStep: step, reason: error.message, compensated };
  }
});

export const ALL = [checkout, reserveInventory, chargePayment, shipOrder, refundPayment, releaseInventory];

/** Everything a worker registers, as `--module` expects it. */
export const workflows = ALL;

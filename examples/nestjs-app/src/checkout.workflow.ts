import { Injectable } from '@nestjs/common';
import { sleep, task, taskContext, workflow } from '@steadfast/core';
import { PaymentsService } from './payments.service.js';

export interface CheckoutResult {
  orderId: string;
  chargeId: string;
}

/**
 * A Nest provider with a durable workflow. SteadfastModule registers it at startup, so its tasks run on
 * this instance, with `this.payments` injected by Nest.
 */
@Injectable()
export class CheckoutWorkflow {
  constructor(private readonly payments: PaymentsService) {}

  @task({ name: 'orders.charge', retries: 5, backoff: 'exponential' })
  async charge(orderId: string, cents: number): Promise<string> {
    return this.payments.charge(orderId, cents, taskContext().idempotencyKey);
  }

  @task({ name: 'orders.sendReceipt', retries: 3 })
  async sendReceipt(orderId: string, chargeId: string): Promise<void> {
    await this.payments.sendReceipt(orderId, chargeId);
  }

  /** Explicit names keep stored workflows runnable when a class or method is renamed. */
  @workflow({ name: 'orders.checkout' })
  async checkout(orderId: string, cents: number): Promise<CheckoutResult> {
    const chargeId = await this.charge(orderId, cents); // checkpointed: never charged twice
    await sleep('1s'); // a durable timer: a restart does not start it over
    await this.sendReceipt(orderId, chargeId);
    return { orderId, chargeId };
  }
}

import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';

/** Stands in for a payment provider's client: an ordinary provider that tasks use through injection. */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  /** A real provider deduplicates by the idempotency key, so a retried or replayed charge is charged once. */
  async charge(orderId: string, cents: number, idempotencyKey: string): Promise<string> {
    this.logger.log(`charging ${cents} cents for order ${orderId} (idempotency key ${idempotencyKey})`);
    return `ch_${randomUUID().slice(0, 8)}`;
  }

  async sendReceipt(orderId: string, chargeId: string): Promise<void> {
    this.logger.log(`receipt for order ${orderId} sent (charge ${chargeId})`);
  }
}

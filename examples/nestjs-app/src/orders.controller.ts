import { BadRequestException, Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { Runtime, ValidationError } from '@steadfast/core';
import { CheckoutWorkflow } from './checkout.workflow.js';

@Controller('orders')
export class OrdersController {
  // The runtime is injected by type; @InjectRuntime() does the same (see WorkflowsController).
  constructor(
    private readonly runtime: Runtime,
    private readonly checkout: CheckoutWorkflow,
  ) {}

  /**
   * Starts the order's checkout and answers at once with the workflow id. The id is derived from the order,
   * so a repeated request returns the same workflow instead of charging again.
   */
  @Post(':id/checkout')
  @HttpCode(202)
  async startCheckout(@Param('id') orderId: string, @Body() body: { cents?: unknown } = {}): Promise<{ id: string; status: string }> {
    const cents = body.cents ?? 4200;
    if (!Number.isInteger(cents) || (cents as number) <= 0) throw new BadRequestException('cents must be a positive whole number');
    try {
      const handle = await this.runtime.startWorkflow(this.checkout.checkout, [orderId, cents as number], { id: `checkout-${orderId}` });
      return { id: handle.id, status: await handle.status() };
    } catch (error) {
      if (error instanceof ValidationError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}

import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import { SteadfastModule } from '@steadfast/nestjs';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { CheckoutWorkflow } from './checkout.workflow.js';
import { OrdersController } from './orders.controller.js';
import { PaymentsService } from './payments.service.js';
import { WorkflowsController } from './workflows.controller.js';

const databaseFile = process.env.STEADFAST_DB ?? fileURLToPath(new URL('../.data/steadfast.db', import.meta.url));

@Module({
  imports: [
    SteadfastModule.forRoot({
      storage: new SqliteAdapter({ filename: databaseFile }),
      shutdownTimeoutMs: 10_000, // on SIGTERM, in-flight steps get this long to finish
    }),
  ],
  controllers: [OrdersController, WorkflowsController],
  providers: [PaymentsService, CheckoutWorkflow],
})
export class AppModule {}

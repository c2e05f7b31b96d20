import { Inject } from '@nestjs/common';
import { Runtime } from '@steadfast/core';

/**
 * Injects the application's Steadfast `Runtime`. Injecting by type (`constructor(private runtime: Runtime)`)
 * works as well where the compiler emits decorator metadata; this decorator also works where it does not
 * (plain JavaScript, esbuild/oxc-based transforms).
 *
 * @example
 * ```ts
 * @Controller('orders')
 * class OrdersController {
 *   constructor(@InjectRuntime() private readonly runtime: Runtime, private readonly checkout: Checkout) {}
 * }
 * ```
 */
export function InjectRuntime(): PropertyDecorator & ParameterDecorator {
  return Inject(Runtime);
}

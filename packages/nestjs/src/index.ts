export { SteadfastModule } from './steadfast-module.js';
export type { SteadfastModuleOptions, SteadfastModuleAsyncOptions, SteadfastModuleExtras } from './steadfast-module-options.js';
export { InjectRuntime } from './inject-runtime.js';

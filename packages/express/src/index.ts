export { steadfastRouter } from './steadfast-router.js';
export type { SteadfastRouterOptions, AuthorizeFn, RouterClient, RouterRuntime } from './router-options.js';
export { CSRF_HEADER } from './request-guards.js';
export type { Readiness } from './readiness.js';
export type { Json } from '@steadfast/core/integration';
export type { WorkflowJson, StepJson, EventJson } from './workflow-json.js';

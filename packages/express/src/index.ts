export { steadfastRouter } from './steadfast-router.js';
export type { SteadfastRouterOptions, AuthorizeFn, RouterClient, RouterRuntime } from './router-options.js';
export { CSRF_HEADER } from './request-guards.js';
export type { Readiness } from './readiness.js';
export type {
  WorkflowJson, StepJson, StepSegmentJson, RetryJson, EventJson, ErrorJson, WorkflowListJson, WorkflowDetailJson, ActivityJson,
  ActivitySummaryJson, StatsJson, ApiErrorJson,
} from './api-types.js';
export type { Json } from './api-types.js';

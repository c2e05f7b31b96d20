/**
 * `@steadfast/core/integration`: what framework integrations (NestJS, Express, the CLI) need and workflow
 * authors do not — the metadata decorators attach (to discover decorated providers), the one conversion
 * of workflows, events and payloads to JSON, and the name check the runtime applies.
 */
export { WORKFLOW_METADATA, TASK_METADATA, entryMeta } from './definition/step-meta.js';
export type { WorkflowMeta, TaskMeta, StepMeta } from './definition/step-meta.js';
export { workflowToJson, eventToJson, errorSummary, isoDate } from './client/workflow-json.js';
export type { WorkflowJsonOptions, JsonObject } from './client/workflow-json.js';
export { toJsonValue, errorToJson } from './foundation/json-value.js';
export type { Json, ToJsonOptions } from './foundation/json-value.js';
export { validateName } from './foundation/names.js';

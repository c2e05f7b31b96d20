import type { WorkflowStatusJson } from '../../api-types.js';

/** Every workflow status, in the order the count cards show them. */
export const STATUSES: readonly WorkflowStatusJson[] = ['pending', 'running', 'sleeping', 'completed', 'failed', 'cancelled'];

/** Statuses a workflow never leaves on its own. */
export const FINISHED: readonly string[] = ['completed', 'failed', 'cancelled'];

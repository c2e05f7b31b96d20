/**
 * Parsers for option values, given to commander: a bad value throws `InvalidArgumentError`, which commander
 * reports as a usage error naming the option and the value.
 */
import { InvalidArgumentError } from 'commander';
import { FINISHED_STATUSES, isSteadfastError, toMilliseconds, WORKFLOW_STATUSES, type WorkflowStatus } from '@steadfast/core';
import { validateName } from '@steadfast/core/integration';
import { UsageError } from './exit-codes.js';

/** `--status pending,failed`: one or more statuses, comma-separated. */
export function parseStatuses(value: string): WorkflowStatus[] {
  return statusList(value, WORKFLOW_STATUSES);
}

/** `--status` of purge: finished statuses only. */
export function parseFinishedStatuses(value: string): WorkflowStatus[] {
  return statusList(value, FINISHED_STATUSES);
}

/** `--status` of a command that acts on some statuses only. */
export function parseStatusesOf(value: string, allowed: readonly WorkflowStatus[]): WorkflowStatus[] {
  return statusList(value, allowed);
}

function statusList(value: string, allowed: readonly WorkflowStatus[]): WorkflowStatus[] {
  const statuses = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (statuses.length === 0) throw new InvalidArgumentError(`Expected one or more of ${allowed.join(', ')}.`);
  for (const status of statuses) {
    if (!allowed.includes(status as WorkflowStatus)) {
      throw new InvalidArgumentError(`Unknown status ${JSON.stringify(status)}; expected ${allowed.join(', ')} (comma-separated).`);
    }
  }
  return [...new Set(statuses)] as WorkflowStatus[];
}

/** `--limit`: a whole number from 1 to 10 000. */
export function parseLimit(value: string): number {
  const limit = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new InvalidArgumentError('Expected a whole number from 1 to 10000.');
  return limit;
}

/** `--older-than 30d`: a duration as core reads it; its message explains a bad one. */
export function parseDuration(value: string): number {
  try {
    return toMilliseconds(value, '--older-than');
  } catch (error) {
    if (isSteadfastError(error)) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

/** Checks a workflow id or signal name given as an argument, so a bad one is a usage error, not a refusal. */
export function checkName(value: string, what: string): string {
  try {
    return validateName(value, what);
  } catch (error) {
    if (isSteadfastError(error)) throw new UsageError(error.message);
    throw error;
  }
}

/** The payload of `signal`: JSON text. */
export function parseJsonPayload(text: string, signalName: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`invalid JSON payload for signal ${JSON.stringify(signalName)}: ${reason} (quote it for the shell, e.g. '{"approved":true}')`);
  }
}

/** `--sample` / `--limit` of version commands: a whole number from 1 to 100 000. */
export function parseSample(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('Expected a whole number from 1 to 100000.');
  return n;
}

/** `--from-step`: a step position, a whole number from 0. */
export function parseStep(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('Expected a step position: a whole number from 0.');
  return n;
}

/** `--run-version`: a version, or `none` for unpinned runs (null). */
export function parseRunVersion(value: string): string | null {
  if (value === 'none') return null;
  try {
    return validateName(value, '--run-version');
  } catch (error) {
    if (isSteadfastError(error)) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

/** A repeatable `--name`: each one checked, collected in order. */
export function collectNames(value: string, previous: string[] | undefined): string[] {
  try {
    return [...(previous ?? []), validateName(value, '--name')];
  } catch (error) {
    if (isSteadfastError(error)) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

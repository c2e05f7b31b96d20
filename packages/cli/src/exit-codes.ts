import { CommanderError } from 'commander';
import { isSteadfastError } from '@steadfast/core';

/**
 * Exit codes of the `steadfast` command, which scripts can rely on.
 *
 * - `0` success
 * - `1` the runtime or the storage failed (database unreachable, not a Steadfast database, ...)
 * - `2` usage error: a bad argument, an unknown option or command, no database given
 * - `3` not found: no workflow with that id
 * - `4` refused: the workflow is not in a state that allows the operation (retry of a workflow that is
 *   not failed, signal to a finished workflow, cancel of a completed or failed one, a payload over the
 *   size limit, a version move of runs that would not replay)
 * - `5` diverged: `verify` found a run that would not replay on the code given
 */
export const ExitCode = {
  Success: 0,
  Failure: 1,
  Usage: 2,
  NotFound: 3,
  Refused: 4,
  Diverged: 5,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit codes as `steadfast --help` and the README list them. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  runtime or storage failure (e.g. the database cannot be reached)
  2  usage error (bad arguments, unknown option or command, no database given)
  3  not found (no workflow with that id)
  4  refused (e.g. retry of a workflow that is not failed, signal to a finished workflow, cancel of a
     completed or failed one, migrate-version of runs that would not replay)
  5  diverged (verify found a run that would not replay on the new code)`;

/** A bad invocation detected by the command itself (after commander's own checks): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The operation is not allowed in the workflow's current state: exit code 4. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}

// Steadfast error codes that mean "the runtime refused this operation", not "something broke".
const REFUSED_CODES = new Set(['VALIDATION', 'PAYLOAD_TOO_LARGE', 'SERIALIZATION', 'VERSION_MIGRATION_REFUSED', 'WORKFLOW_FINISHED']);

/** `verify` found runs that would not replay: exit code 5 (after the report is printed). */
export class DivergedError extends Error {
  override readonly name = 'DivergedError';
}

/** Maps an error thrown while running a command to the process exit code. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Success : ExitCode.Usage;
  if (error instanceof UsageError) return ExitCode.Usage;
  if (error instanceof RefusedError) return ExitCode.Refused;
  if (error instanceof DivergedError) return ExitCode.Diverged;
  if (isSteadfastError(error)) {
    if (error.code === 'WORKFLOW_NOT_FOUND') return ExitCode.NotFound;
    if (REFUSED_CODES.has(error.code)) return ExitCode.Refused;
  }
  return ExitCode.Failure;
}

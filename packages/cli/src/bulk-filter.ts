import { InvalidArgumentError, type Command } from 'commander';
import { isSteadfastError, toEpochMs, toMilliseconds, type BulkFilter, type WorkflowStatus } from '@steadfast/core';
import { parseStatusesOf } from './argument-parsers.js';
import type { CommandResult } from './command-context.js';
import type { Session } from './session.js';
import { UsageError } from './exit-codes.js';

/** The filter options of a bulk `cancel` or `retry`, as commander parsed them. */
export interface BulkFlags {
  status?: WorkflowStatus[];
  name?: string;
  queue?: string;
  createdBefore?: number;
  concurrencyKey?: string;
  yes?: boolean;
}

/**
 * Adds the options that turn `cancel`/`retry` into a bulk operation over every workflow matching them (a dry
 * run that counts them unless `--yes`). `statuses` are those the operation acts on; with one only, there is
 * no `--status`.
 */
export function withBulkFlags(command: Command, statuses: readonly WorkflowStatus[]): Command {
  if (statuses.length > 1) {
    command.option('--status <statuses>', `only these statuses, comma-separated (${statuses.join(', ')})`, (value: string) => parseStatusesOf(value, statuses));
  }
  return command
    .option('--name <name>', 'only workflows (or jobs) of this name')
    .option('--queue <queue>', 'only workflows on this queue')
    .option('--created-before <time>', "only workflows created before this time: ISO-8601 with a zone, or an age such as 2h or '3 days'", parseCreatedBefore)
    .option('--concurrency-key <key>', 'only workflows started with this concurrencyKey')
    .option('--yes', 'do it; without --yes the command only counts the workflows that match');
}

/** Whether any filter option was given (a bulk run), rather than an id alone. */
export function isBulk(flags: BulkFlags): boolean {
  return bulkFilter(flags) !== undefined;
}

function bulkFilter(flags: BulkFlags): BulkFilter | undefined {
  const filter: BulkFilter = {
    ...(flags.status && { status: flags.status }),
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.queue !== undefined && { queue: flags.queue }),
    ...(flags.createdBefore !== undefined && { createdBefore: flags.createdBefore }),
    ...(flags.concurrencyKey !== undefined && { concurrencyKey: flags.concurrencyKey }),
  };
  return Object.keys(filter).length === 0 ? undefined : filter;
}

/** `cancel` or `retry` with filter options: counts the matches (dry run), or with `--yes` acts on them in batches. */
export async function runBulk(session: Session, flags: BulkFlags, verb: 'cancel' | 'retry'): Promise<CommandResult> {
  const filter = bulkFilter(flags)!;
  const { client } = session;
  const act = verb === 'cancel' ? client.cancelMany.bind(client) : client.retryMany.bind(client);
  const done = verb === 'cancel' ? 'cancelled' : 'retried';
  const count = await act(filter, { dryRun: !flags.yes });
  const plural = `workflow${count === 1 ? '' : 's'}`;
  if (!flags.yes) {
    return {
      json: { dryRun: true, matched: count },
      text: count === 0 ? 'no workflows match' : `${count} ${plural} match; nothing was ${done} (run it again with --yes to ${verb} them)`,
    };
  }
  return { json: { dryRun: false, [done]: count }, text: `${done} ${count} ${plural}` };
}

/** Refuses an id together with filter options, or neither. */
export function checkIdOrFilter(id: string | undefined, flags: BulkFlags, verb: string): void {
  if (id !== undefined && isBulk(flags)) throw new UsageError(`give a workflow id or filter options (--status, --name, --queue, --created-before, --concurrency-key), not both`);
  if (id === undefined && !isBulk(flags)) throw new UsageError(`give the id of the workflow to ${verb}, or filter options (--name, --queue, --created-before, --concurrency-key) to ${verb} many`);
  if (id !== undefined && flags.yes) throw new UsageError('--yes applies to filter options only; a workflow id alone needs no confirmation');
}

/** `--created-before`: a time (ISO-8601 with a zone), or an age, meaning that long before now. */
export function parseCreatedBefore(value: string, now = Date.now()): number {
  for (const parse of [() => toEpochMs(value, '--created-before'), () => now - toMilliseconds(value, '--created-before')]) {
    try {
      return parse();
    } catch (error) {
      if (!isSteadfastError(error)) throw error;
    }
  }
  throw new InvalidArgumentError(`Expected a time with a zone (e.g. 2026-01-31T00:00:00Z) or an age (e.g. 2h, '3 days'), got ${JSON.stringify(value)}.`);
}

import type { Command } from 'commander';
import { VersionMigrationRefusedError } from '@steadfast/core';
import { checkName, collectNames, parseRunVersion, parseSample } from '../argument-parsers.js';
import type { CommandContext } from '../command-context.js';
import { RefusedError, UsageError } from '../exit-codes.js';
import { replayJson } from '../replay-output.js';
import { loadWorkflowModule } from '../workflow-module.js';

interface MigrateVersionOptions {
  to: string;
  module: string;
  runVersion?: string | null;
  name?: string[];
  limit: number;
}

export function registerMigrateVersion(program: Command, context: CommandContext): void {
  program
    .command('migrate-version')
    .description('move unfinished runs (by id, or by --run-version/--name) to a newer version; refused, moving nothing, if any would not replay on --module')
    .argument('[ids...]', 'workflow ids (or use --run-version / --name)')
    .requiredOption('--to <version>', 'the version to move the runs to')
    .requiredOption('--module <path>', 'the build of that version: an ES module exporting workflows (an array) or register(runtime)')
    .option('--run-version <version>', 'move the unfinished runs stored with this version ("none": unpinned ones)', parseRunVersion)
    .option('--name <name>', 'only runs of this workflow name (repeat for more)', collectNames)
    .option('--limit <n>', 'move at most this many runs (1 to 100000)', parseSample, 10_000)
    .action((rawIds: string[], options: MigrateVersionOptions, command: Command) => {
      const ids = rawIds.map((id) => checkName(id, 'workflow id'));
      const to = checkName(options.to, '--to');
      if (ids.length === 0 && options.runVersion === undefined && options.name === undefined) {
        throw new UsageError('migrate-version needs workflow ids, or --run-version / --name naming the runs to move');
      }
      if (ids.length > 0 && (options.runVersion !== undefined || options.name !== undefined)) throw new UsageError('give workflow ids or a filter (--run-version, --name), not both');
      return context.run(command, async ({ client }) => {
        const workflows = await loadWorkflowModule(options.module);
        try {
          const result = await client.migrateVersion({
            to,
            workflows,
            sample: options.limit,
            ...(ids.length > 0 ? { ids } : {}),
            ...(options.runVersion !== undefined ? { version: options.runVersion } : {}),
            ...(options.name ? { names: options.name } : {}),
          });
          const skipped = result.skipped.map((s) => `skipped ${s.id}: ${s.reason}`);
          return {
            json: { to, moved: result.moved, skipped: result.skipped, verified: result.verified.map(replayJson) },
            text: [`moved ${result.moved.length} run(s) to version ${to}${result.moved.length ? `: ${result.moved.join(', ')}` : ''}`, ...skipped].join('\n'),
          };
        } catch (error) {
          if (error instanceof VersionMigrationRefusedError) {
            throw new RefusedError([error.message, ...error.refusals.map((r) => `  ${r.id}: ${r.message}`)].join('\n'));
          }
          throw error;
        }
      });
    });
}

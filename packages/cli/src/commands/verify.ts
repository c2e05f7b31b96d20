import type { Command } from 'commander';
import { parseDuration, parseSample, collectNames, parseRunVersion } from '../argument-parsers.js';
import type { CommandContext } from '../command-context.js';
import { DivergedError } from '../exit-codes.js';
import { replayJson, replayLine } from '../replay-output.js';
import { loadWorkflowModule } from '../workflow-module.js';

interface VerifyOptions {
  module: string;
  since: number;
  sample: number;
  name?: string[];
  runVersion?: string | null;
}

export function registerVerify(program: Command, context: CommandContext): void {
  program
    .command('verify')
    .description('replay stored runs on a new build, in memory (nothing runs, nothing is written), and report any that would not replay; exit 5 if one would not')
    .requiredOption('--module <path>', 'the new build: an ES module exporting workflows (an array) or register(runtime)')
    .option('--since <duration>', 'also check finished runs created this recently (0: unfinished only)', parseDuration, 7 * 86_400_000)
    .option('--sample <n>', 'check at most this many runs, unfinished first (1 to 100000)', parseSample, 500)
    .option('--name <name>', 'only runs of this workflow name (repeat for more)', collectNames)
    .option('--run-version <version>', 'only runs stored with this version ("none": unpinned runs)', parseRunVersion)
    .action((options: VerifyOptions, command: Command) =>
      context.run(command, async ({ client }) => {
        const workflows = await loadWorkflowModule(options.module);
        const report = await client.verify({
          workflows,
          since: options.since,
          sample: options.sample,
          ...(options.name ? { names: options.name } : {}),
          ...(options.runVersion !== undefined ? { version: options.runVersion } : {}),
        });
        const summary = `${report.checked} run(s) checked, ${report.diverged} diverged`;
        return {
          json: { ok: report.ok, checked: report.checked, diverged: report.diverged, results: report.results.map(replayJson) },
          text: [...report.results.map(replayLine), summary].join('\n'),
          ...(report.ok ? {} : { failure: new DivergedError(`${report.diverged} of ${report.checked} run(s) would not replay on ${options.module}`) }),
        };
      }),
    );
}

import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

export function registerMigrate(program: Command, context: CommandContext): void {
  program
    .command('migrate')
    .description('create or upgrade the Steadfast tables (creates a SQLite file if missing); safe to repeat')
    .action((_options: object, command: Command) =>
      context.run(
        command,
        async ({ storage, database }) => {
          await storage.migrate();
          return { json: { migrated: true, database }, text: `migrated ${database}: the schema is up to date` };
        },
        { create: true },
      ),
    );
}

import { createRequire } from 'node:module';
import { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { createCommandContext } from './command-context.js';
import { registerCancel } from './commands/cancel.js';
import { registerList } from './commands/list.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPurge } from './commands/purge.js';
import { registerRetry } from './commands/retry.js';
import { registerShow } from './commands/show.js';
import { registerSignal } from './commands/signal.js';
import { registerStats } from './commands/stats.js';
import { registerFork } from './commands/fork.js';
import { registerMigrateVersion } from './commands/migrate-version.js';
import { registerReplay } from './commands/replay.js';
import { registerVerify } from './commands/verify.js';
import { EXIT_CODES_HELP } from './exit-codes.js';

// Both src/ (tests) and dist/ (the installed command) sit next to package.json.
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const EXAMPLES = `Examples:
  export DATABASE_URL=postgres://app@db.internal:5432/app
  steadfast migrate
  steadfast list --status failed,sleeping --limit 20
  steadfast show checkout-o-1 --json
  steadfast retry checkout-o-1
  steadfast retry --name orders.checkout --created-before 2h          (counts; add --yes to retry them)
  steadfast cancel --concurrency-key tenant-42 --status pending --yes
  steadfast signal approval-42 approved '{"by":"ada"}'
  steadfast purge --older-than 30d --status completed
  steadfast stats --database sqlite:steadfast.db
  steadfast verify --module ./dist/workflows.js --since 7d --sample 500 --json
  steadfast replay checkout-o-1 --module ./dist/workflows.js
  steadfast fork checkout-o-1 --from-step 3
  steadfast migrate-version --run-version v1 --to v2 --module ./dist/workflows.js`;

/**
 * The `steadfast` program. Commander never exits the process: parse errors are thrown as `CommanderError`
 * (exitOverride) and all output goes to `io`, so the program can run in-process under tests.
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('steadfast')
    .description('Inspect and operate Steadfast workflows stored in PostgreSQL or SQLite. Never executes workflows.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--database <url>', 'postgres://..., postgresql://..., sqlite:path, or a file ending .db/.sqlite (default: $DATABASE_URL)')
    .option('--schema <name>', 'PostgreSQL schema holding the tables (default: public)')
    .option('--json', 'print machine-readable JSON (dates in ISO-8601) instead of tables')
    .option('--encryption-keys-file <path>', 'keys of an encrypted database, id=base64 one a line (default: $STEADFAST_ENCRYPTION_KEYS); without them encrypted payloads show as encrypted')
    // Set before the commands are added: subcommands inherit these.
    .exitOverride()
    .configureOutput({ writeOut: (text) => void io.stdout.write(text), writeErr: (text) => void io.stderr.write(text) })
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', `\n${EXAMPLES}\n\n${EXIT_CODES_HELP}\n`);
  const context = createCommandContext(io);
  for (const register of [registerMigrate, registerList, registerShow, registerRetry, registerCancel, registerSignal, registerPurge, registerStats, registerVerify, registerReplay, registerFork, registerMigrateVersion]) {
    register(program, context);
  }
  return program;
}

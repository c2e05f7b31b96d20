import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import type { Json } from './json-output.js';
import { openSession, type Session } from './session.js';

/** What a command produces: one value, printed as JSON with `--json`, else as text. */
export interface CommandResult {
  json: Json;
  text: string;
  /** Thrown once the result is printed, so the exit code tells what the output shows (`verify`'s divergences). */
  failure?: Error;
}

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  database?: string;
  schema?: string;
  json?: boolean;
  encryptionKeysFile?: string;
}

/** What a command's action needs from the program around it. */
export interface CommandContext {
  /**
   * Opens a workflow client on the database named by `--database`/`DATABASE_URL`, runs `action`, prints its
   * result (JSON with `--json`), and closes the client (and its storage) whatever happens.
   */
  run(command: Command, action: (session: Session) => Promise<CommandResult>, options?: { create?: boolean }): Promise<void>;
}

export function createCommandContext(io: CliIo): CommandContext {
  return {
    async run(command, action, { create = false } = {}) {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const session = openSession({ database: globals.database, schema: globals.schema, create, encryptionKeysFile: globals.encryptionKeysFile }, io);
      let result: CommandResult;
      try {
        if (!create) await session.checkExists();
        result = await action(session);
      } catch (error) {
        // The action's error is the one to report; a failure to close after it adds nothing.
        await session.client.close().catch(() => {});
        throw error;
      }
      io.stdout.write(globals.json ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text}\n`);
      await session.client.close();
      if (result.failure) throw result.failure;
    },
  };
}

import { CommanderError } from 'commander';
import type { CliIo } from './cli-io.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { createProgram } from './program.js';

/**
 * Runs the `steadfast` command and resolves with its exit code (see {@link ExitCode}); never exits the
 * process and never rejects. Results go to `io.stdout`, errors to `io.stderr`.
 *
 * @param argv the arguments after the command name, e.g. `['list', '--status', 'failed', '--json']`
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await createProgram(io).parseAsync([...argv], { from: 'user' });
    return ExitCode.Success;
  } catch (error) {
    const code = exitCodeFor(error);
    // Commander has printed its own message (and help) already.
    if (!(error instanceof CommanderError)) io.stderr.write(errorMessage(error, code));
    return code;
  }
}

function errorMessage(error: unknown, code: ExitCode): string {
  const lines = [`error: ${describeError(error)}`];
  let cause = causeOf(error);
  // A few levels are enough to reach the driver's own error; a cycle must not loop forever.
  for (let depth = 0; cause !== undefined && depth < 5; depth++, cause = causeOf(cause)) lines.push(`  caused by: ${describeError(cause)}`);
  if (code === ExitCode.Usage) lines.push('(add --help for usage)');
  return `${lines.join('\n')}\n`;
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && error.message !== '' ? `${error.message} [${code}]` : error.message || error.name;
}

/**
 * `@steadfast/cli`: the `steadfast` command (migrate, list, show, retry, cancel, signal, purge, stats, verify, replay, fork, migrate-version) and
 * `main()` to run it in-process.
 */
export { main } from './main.js';
export type { CliIo } from './cli-io.js';
export { ExitCode } from './exit-codes.js';

/** Where the command writes and what environment it reads; `process` fits, tests pass buffers. */
export interface CliIo {
  /** Results: tables or JSON. Nothing else is written here. */
  stdout: { write(chunk: string): unknown };
  /** Errors, usage messages and logs. */
  stderr: { write(chunk: string): unknown };
  /** Environment variables: `DATABASE_URL`, `STEADFAST_LOG_LEVEL`. */
  env: Record<string, string | undefined>;
}

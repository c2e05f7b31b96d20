/**
 * An error as one log field without its stack, e.g. `'Error: card declined'` or `'RetryableError [RETRYABLE]:
 * busy'`: for expected events (a retried attempt, a cancel), whose stacks would bury the lines that need a person.
 */
export function errorLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message}`;
}

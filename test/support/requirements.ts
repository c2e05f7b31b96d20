// What a test file needs from the machine (a server, root, a tool), and the one way of saying it is
// missing: a loud banner and a skip, except under CI=true, where a missing requirement fails the run.

export const isCI = (): boolean => process.env.CI === 'true';

/** A banner that cannot be missed in a test run's output. */
export function loud(lines: string[]): string {
  const bar = '!'.repeat(78);
  return ['', bar, ...lines.map((l) => `!! ${l}`), bar, ''].join('\n');
}

/**
 * Returns true when `missing` is undefined; otherwise, under CI=true throws naming what is missing,
 * elsewhere prints a loud banner (the tests of `what` are skipped) and returns false.
 */
export function requirement(what: string, missing: string | undefined): boolean {
  if (missing === undefined) return true;
  if (isCI()) throw new Error(`${what}: ${missing}; CI requires it.`);
  process.stderr.write(loud([`${what} are being SKIPPED: ${missing}.`, '(Under CI=true this is an error.)']));
  return false;
}

/** Why the current process is not root (undefined when it is). */
export function notRoot(): string | undefined {
  return typeof process.getuid === 'function' && process.getuid() === 0 ? undefined : 'this process does not run as root';
}

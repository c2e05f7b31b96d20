/** A tmpfs mounted for a test or a soak run (root only), unmounted with `unmount()` or on exit. */
export function mountTmpfs(sizeMb: number): { dir: string; unmount(): void };

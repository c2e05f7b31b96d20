// Types of exit-cleanup.mjs, for the type-checked tests.

/**
 * Registers `cleanup` (synchronous, best effort) to run at process exit or on SIGTERM/SIGINT/SIGHUP.
 * Returns a function that unregisters it.
 */
export declare function onExitCleanup(cleanup: () => void): () => void;

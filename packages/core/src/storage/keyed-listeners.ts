/**
 * Callbacks filed under a key (a workflow id): what adapters use to tell the readers of one workflow's
 * publications, and nobody else, that it published.
 */
export class KeyedListeners<A = void> {
  private readonly byKey = new Map<string, Set<(arg: A) => void>>();

  /** Files `fn` under `key`; returns the function that removes it. */
  add(key: string, fn: (arg: A) => void): () => void {
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.byKey.delete(key);
    };
  }

  /** Calls the listeners of `key` with `arg`. */
  tell(key: string, arg: A): void {
    for (const fn of [...(this.byKey.get(key) ?? [])]) fn(arg);
  }

  /** Calls every listener with `arg` (after a lost notification connection is restored, a client closing). */
  tellAll(arg: A): void {
    for (const key of [...this.byKey.keys()]) this.tell(key, arg);
  }

  /** Whether no listener is filed. */
  get empty(): boolean {
    return this.byKey.size === 0;
  }
}
